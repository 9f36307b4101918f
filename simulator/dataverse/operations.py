"""Dataverse functions and actions, served from one registry (see :mod:`simulator.odata.operations`).

Both the built-in org and a twin org serve these; add a Dataverse function or action here with
``@REGISTRY.function(...)`` / ``@REGISTRY.action(...)`` and it is routed and declared in ``$metadata``.
"""

from __future__ import annotations

from simulator.dataverse.bulk import register as register_bulk
from simulator.dataverse.dialect import BUSINESS_UNIT_ID
from simulator.odata.model import Property
from simulator.odata.operations import OperationCall, OperationRegistry

REGISTRY = OperationRegistry("Microsoft.Dynamics.CRM", "mscrm")


@REGISTRY.function("WhoAmI", "WhoAmIResponse", return_properties=[
    Property("BusinessUnitId", "Edm.Guid"), Property("UserId", "Edm.Guid"), Property("OrganizationId", "Edm.Guid")])
def who_am_i(call: OperationCall) -> dict:
    """The signed-in caller's systemuser, business unit and organization."""
    user_id = call.dialect.caller_id(call.ctx, call.conn, call.service)
    return {"BusinessUnitId": BUSINESS_UNIT_ID, "UserId": user_id,
            "OrganizationId": call.dialect.config.organization_id}


register_bulk(REGISTRY)
