"""A Dataverse org served from a real `$metadata` document: its tables, empty, in SQLite.

``SimulatorServer(SimConfig(crm_metadata_path="org.xml"))`` or ``python -m simulator --crm-metadata
org.xml`` serves the document's entity sets at ``{crm_url}/api/data/v9.x`` with the same Dataverse
behaviour as the built-in org (status codes, headers, errors, annotations, paging). The tables start
empty except ``systemusers``, which gets one row per simulated user and application user, so
sign-in, WhoAmI and the owner/created-by columns of writes work.
"""

from __future__ import annotations

import logging
import uuid

from starlette.applications import Starlette

from simulator.config import SimConfig
from simulator.dataverse.app import dataverse_routes
from simulator.dataverse.change_tracking import tombstones
from simulator.dataverse.dialect import BUSINESS_UNIT_ID, USER_NOT_MEMBER, DataverseDialect
from simulator.dataverse.operations import REGISTRY
from simulator.keys import SigningKey
from simulator.odata.errors import ODataProblem
from simulator.odata.service import ODataService
from simulator.odata.store import VERSION_COLUMN, Store
from simulator.twin.csdl import read_document
from simulator.twin.model import TwinModel, build_twin_model

log = logging.getLogger("simulator.twin")
TWIN_USER_NAMESPACE = uuid.UUID("5f1c0de0-7a11-4d1e-9e2f-000000007717")


def load_twin(path: str) -> TwinModel:
    """Read and convert a `$metadata` file (raises :class:`~simulator.twin.csdl.TwinError` if unusable)."""
    twin = build_twin_model(read_document(path))
    for note in twin.notes:
        log.debug("twin %s: %s", path, note)
    return twin


def user_id_for(config: SimConfig, principal: str) -> str:
    """A stable systemuser id per tenant and user/app, so restarts and re-runs see the same ids."""
    return str(uuid.uuid5(TWIN_USER_NAMESPACE, f"{config.tenant_id.lower()}/{principal.lower()}"))


class TwinDataverseDialect(DataverseDialect):
    """Dataverse behaviour; the caller is found by a principal map, not by columns a document may lack.

    Older org documents (2016) have no ``azureactivedirectoryobjectid``/``applicationid`` columns,
    which is how the built-in org finds the signed-in user.
    """

    def __init__(self, config: SimConfig, key: SigningKey, principals: dict[str, str], users_set: str | None):
        super().__init__(config, key)
        self.principals = principals
        self.users_set = users_set

    def before_write(self, entity_set, values, existing, ctx, conn) -> None:
        """The built-in org's computed columns, minus those this document's table does not have."""
        super().before_write(entity_set, values, existing, ctx, conn)
        columns = {p.name for p in entity_set.type.properties}
        for name in [name for name in values if name not in columns]:
            del values[name]

    def caller_id(self, ctx, conn, service) -> str | None:
        cached = ctx.extras.get("caller_id")
        if cached:
            return cached
        claims = ctx.claims
        principal = claims.get("oid") if claims.get("scp") else claims.get("appid")
        user_id = self.principals.get(str(principal or "").lower())
        users = service.model.entity_set(self.users_set) if self.users_set else None
        found = None
        if user_id is not None and users is not None:
            found = service.find(conn, users, {users.type.key[0]: user_id})
        if found is None:
            raise ODataProblem(403, USER_NOT_MEMBER, "The user is not a member of the organization.", "auth403")
        ctx.extras["caller_id"] = user_id
        return user_id


def seed_users(service: ODataService, config: SimConfig, users_set: str | None) -> dict[str, str]:
    """One systemuser per simulated user and confidential client; returns principal -> systemuser id."""
    principals: dict[str, str] = {}
    rows: list[dict] = []
    for user in config.users:
        user_id = user_id_for(config, user.upn)
        principals[user.object_id.lower()] = user_id
        rows.append({"firstname": user.given_name, "lastname": user.family_name,
                     "fullname": f"{user.given_name} {user.family_name}", "domainname": user.upn,
                     "internalemailaddress": user.upn, "azureactivedirectoryobjectid": user.object_id.lower(),
                     "isdisabled": False, "accessmode": 0, "_id": user_id})
    for client in config.clients:
        if client.secret:
            user_id = user_id_for(config, client.client_id)
            principals[client.client_id.lower()] = user_id
            rows.append({"firstname": "#", "lastname": client.display_name,
                         "fullname": f"# {client.display_name}", "domainname": f"{client.client_id}@sim",
                         "applicationid": client.client_id.lower(),
                         "azureactivedirectoryobjectid": client.service_principal_id.lower(),
                         "isdisabled": False, "accessmode": 4, "_id": user_id})
    if users_set is None:
        return principals
    entity_set = service.model.entity_set(users_set)
    columns = {p.name for p in entity_set.type.properties}
    if not service.is_empty(users_set):  # a file database keeps its rows across restarts
        return principals
    created = "2024-01-15T08:00:00Z"
    with service.store.transaction() as conn:
        for row in rows:
            user_id = row.pop("_id")
            values = {**row, "systemuserid": user_id, "ownerid": user_id, "_businessunitid_value": BUSINESS_UNIT_ID,
                      "createdon": created, "modifiedon": created}
            values = {name: value for name, value in values.items() if name in columns}
            values[VERSION_COLUMN] = service.store.next_version(conn)
            if "versionnumber" in columns:
                values["versionnumber"] = values[VERSION_COLUMN]
            conn.execute(service.table(users_set).insert().values(**values))
    return principals


def build_twin_app(config: SimConfig, key: SigningKey, store: Store | None = None):
    """Return ``(asgi_app, store)`` for the org in ``config.crm_metadata_path``."""
    twin = load_twin(str(config.crm_metadata_path))
    store = store or Store(config.database_url)
    dialect = TwinDataverseDialect(config, key, {}, twin.users_set)
    service = ODataService(twin.model, store, "crm", dialect, REGISTRY)
    tombstones(service)  # change tracking remembers deletions here
    dialect.principals = seed_users(service, config, twin.users_set)

    app = Starlette(routes=dataverse_routes(service))
    app.state.service = service
    app.state.twin = twin
    return app, store
