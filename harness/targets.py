"""From settings to a ready OData client: the one place a target name becomes a dialect."""

from __future__ import annotations

import requests

from harness.auth import TokenBroker
from harness.odata import BUSINESS_CENTRAL, DATAVERSE, FNO, Dialect, ODataClient
from harness.settings import TargetSettings

DIALECT_OF: dict[str, Dialect] = {"crm": DATAVERSE, "fno": FNO, "bc": BUSINESS_CENTRAL}

# Keys the client cannot read from a create response header (F&O and BC answer with a body).
ENTITY_KEYS: dict[str, dict[str, list[str]]] = {
    "crm": {"accounts": ["accountid"], "contacts": ["contactid"], "tasks": ["activityid"]},
    "fno": {"CustomersV3": ["dataAreaId", "CustomerAccount"], "CustomerGroups": ["dataAreaId", "CustomerGroupId"], "VendorsV2": ["dataAreaId", "VendorAccount"],
            "SalesOrderHeadersV2": ["dataAreaId", "SalesOrderNumber"],
            "SalesOrderLines": ["dataAreaId", "InventoryLotId"]},
    "bc": {},
}


def client_for(target: TargetSettings, broker: TokenBroker, session: requests.Session | None = None,
               on_created=None, timeout: float = 30) -> ODataClient:
    """An :class:`ODataClient` for ``target`` that signs requests with the broker's token."""
    return ODataClient(target.api_root, DIALECT_OF[target.name], session=session, auth=broker.auth(target),
                       timeout=timeout, on_created=on_created, entity_keys=ENTITY_KEYS.get(target.name))


def simulator_targets(login_url: str, tenant_id: str, crm_url: str, fno_url: str, bc_url: str,
                      public_client: str, confidential_client: str, username: str, password: str,
                      client_secret: str) -> dict[str, TargetSettings]:
    """Settings for the embedded simulator: CRM signs in with ROPC (the users' flow), F&O and BC as an app."""
    return {
        "crm": TargetSettings.simulated("crm", url=crm_url, login_url=login_url, tenant_id=tenant_id,
                                        client_id=public_client, username=username, password=password,
                                        grant_type="password", token_version="v1"),
        "fno": TargetSettings.simulated("fno", url=fno_url, login_url=login_url, tenant_id=tenant_id,
                                        client_id=confidential_client, client_secret=client_secret,
                                        grant_type="client_credentials", token_version="v2"),
        "bc": TargetSettings.simulated("bc", url=bc_url, login_url=login_url, tenant_id=tenant_id,
                                       client_id=confidential_client, client_secret=client_secret,
                                       grant_type="client_credentials", token_version="v2"),
    }
