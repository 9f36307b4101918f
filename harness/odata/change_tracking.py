"""Dataverse change tracking from the client side: a first read with a delta link, then the changes.

``track_changes`` sends ``Prefer: odata.track-changes`` and returns the rows plus the
``@odata.deltaLink``; ``changes_since(delta_link)`` returns what was created or changed (rows) and
deleted (``$deletedEntity`` ids) since, with the next delta link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.odata.errors import ODataProtocolError
from harness.odata.query import Query
from harness.odata.response import ODataResponse

if TYPE_CHECKING:
    from harness.odata.client import ODataClient

TRACK_CHANGES = "odata.track-changes"


@dataclass
class Delta:
    """Rows created or changed, ids deleted, and the link to ask for the next changes."""

    changed: list[dict[str, Any]]
    deleted: list[str]
    delta_link: str
    response: ODataResponse = field(repr=False)


def _delta(response: ODataResponse) -> Delta:
    body = response.json()
    if not isinstance(body, dict) or "@odata.deltaLink" not in body:
        raise ODataProtocolError("the service returned no @odata.deltaLink (is change tracking enabled?)")
    changed, deleted = [], []
    for row in body.get("value", []):
        if isinstance(row, dict) and str(row.get("@odata.context", "")).endswith("/$deletedEntity"):
            deleted.append(row.get("id"))
        else:
            changed.append(row)
    return Delta(changed, deleted, body["@odata.deltaLink"], response)


def track_changes(client: ODataClient, entity_set: str, query: Query | None = None, **options: Any) -> Delta:
    """The first read of a tracked collection (``$select`` only: other options do not combine)."""
    response = client.get(entity_set, query or Query(), {"Prefer": TRACK_CHANGES}, **options)
    return _delta(response)


def changes_since(client: ODataClient, delta_link: str, **options: Any) -> Delta:
    """Follow a delta link: the changes since it was issued."""
    return _delta(client.get(delta_link, **options))
