"""Impersonation: ``MSCRMCallerID`` (a systemuserid) and ``CallerObjectId`` (an Entra object id).

As documented (learn.microsoft.com ``/power-apps/developer/data-platform/webapi/impersonate-
another-user-web-api``): the signed-in caller needs the ``prvActOnBehalfOfAnotherUser`` privilege;
the request then runs as the named user (owner, ``createdby``/``modifiedby``, ``WhoAmI``) and the
real caller is kept in ``createdonbehalfby``/``modifiedonbehalfby``. In the simulated org the
privilege comes with the System Administrator role, held by the first configured user and by
application users; other users are refused with 403.
"""

from __future__ import annotations

import uuid

from simulator.odata.errors import ODataProblem

PRIVILEGE_DENIED = "0x80040220"
INVALID_ARGUMENT = "0x80040203"


def impersonate(service, ctx) -> None:
    """Switch the request's caller to the impersonated user, or raise the documented error."""
    headers = ctx.headers  # lower-case names
    by_id, by_object = headers.get("mscrmcallerid"), headers.get("callerobjectid")
    if by_id is None and by_object is None:
        return
    if by_id is not None and by_object is not None:
        raise ODataProblem(400, INVALID_ARGUMENT, "Use either the MSCRMCallerID or the CallerObjectId header, "
                           "not both.", "validation")
    header, raw = ("MSCRMCallerID", by_id) if by_id is not None else ("CallerObjectId", by_object)
    try:
        wanted = str(uuid.UUID(raw.strip().strip("{}"))).lower()
    except ValueError:
        raise ODataProblem(400, INVALID_ARGUMENT, f"The value of the {header} header, '{raw[:64]}', is not a "
                           "valid GUID.", "validation") from None
    users = service.model.entity_set("systemusers")
    with service.store.transaction() as conn:
        real = service.dialect.caller_id(ctx, conn, service)
        caller = service.find(conn, users, {"systemuserid": real})
        if not _may_impersonate(service, conn, caller):
            raise ODataProblem(403, PRIVILEGE_DENIED, f"Principal user (Id={real}, type=8) is missing "
                               "prvActOnBehalfOfAnotherUser privilege.", "auth403")
        column = "systemuserid" if header == "MSCRMCallerID" else "azureactivedirectoryobjectid"
        target = service.find(conn, users, {column: wanted}) if users.type.prop(column) else None
    if target is None:
        raise ODataProblem(404, "0x80040217", f"Entity 'systemuser' With Id = {wanted} Does Not Exist"
                           if header == "MSCRMCallerID" else
                           f"No systemuser has the Entra object id {wanted} ({header}).", "not_found")
    if target.get("isdisabled"):
        raise ODataProblem(403, "0x8004a102", f"The user with SystemUserId={target['systemuserid']} is "
                           "disabled and cannot be impersonated.", "auth403")
    ctx.extras["caller_id"] = target["systemuserid"]
    ctx.extras["on_behalf_of"] = real


def _may_impersonate(service, conn, caller: dict | None) -> bool:
    """System administrators (the first configured user) and application users hold the privilege."""
    if caller is None:
        return False
    if caller.get("applicationid") or caller.get("accessmode") == 4:
        return True
    users = service.dialect.config.users
    return bool(users) and (caller.get("azureactivedirectoryobjectid") or "") == users[0].object_id.lower()
