"""Dataverse impersonation headers: act as another user (``MSCRMCallerID`` / ``CallerObjectId``).

The signed-in principal needs the ``prvActOnBehalfOfAnotherUser`` privilege; the service then runs
each request as the named user (learn.microsoft.com ``/power-apps/developer/data-platform/webapi/
impersonate-another-user-web-api``). ``ODataClient(..., caller_id=...)`` sends it on every request.
"""

from __future__ import annotations

import uuid


def caller_headers(caller_id: str | None = None, caller_object_id: str | None = None) -> dict[str, str]:
    """The header for a systemuserid (``MSCRMCallerID``) or an Entra object id (``CallerObjectId``)."""
    if caller_id and caller_object_id:
        raise ValueError("give caller_id or caller_object_id, not both")
    headers = {}
    for name, value in (("MSCRMCallerID", caller_id), ("CallerObjectId", caller_object_id)):
        if value:
            try:
                headers[name] = str(uuid.UUID(str(value)))
            except ValueError:
                raise ValueError(f"{name} must be a GUID, not {value!r}") from None
    return headers
