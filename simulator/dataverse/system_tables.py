"""System tables clients read at start-up: ``sdkmessages`` and ``sdkmessagefilters``.

dataverse-api asks ``sdkmessagefilters?$expand=sdkmessageid($select=name)&$filter=(sdkmessageid/name eq
'CreateMultiple' or ...) and primaryobjecttypecode eq 'account'`` to learn which bulk messages a table
supports. The rows are generated from what the simulator really serves: Create/Retrieve/
RetrieveMultiple for every table, Update/Delete/Upsert for writable ones, and a bound message such as
``CreateMultiple`` only when the org's operation registry serves it on that table — a client is never
told about a message that would then fail.

The tables are their own small OData service on the org's store (prefix ``crmsys``), so every query
option works as on any table; they are not listed in the org's ``$metadata`` (a simplification).
"""

from __future__ import annotations

import uuid

from simulator.odata.model import EntityModel, EntitySet, EntityType, Navigation, Property
from simulator.odata.operations import OperationRegistry
from simulator.odata.store import VERSION_COLUMN

SETS = ("sdkmessages", "sdkmessagefilters")
_IDS = uuid.UUID("6f1f7a4e-3c1b-4d5e-9a43-0d9e5a1c0002")
CORE_MESSAGES = ("Create", "Retrieve", "RetrieveMultiple", "Update", "Delete", "Upsert", "Associate",
                 "Disassociate")
BULK_MESSAGES = ("CreateMultiple", "UpdateMultiple", "UpsertMultiple", "DeleteMultiple")
READ_MESSAGES = ("Retrieve", "RetrieveMultiple")


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_IDS, "/".join(parts)))


def build_system_model() -> EntityModel:
    message = EntityType("sdkmessage", ["sdkmessageid"], [
        Property("sdkmessageid", "Edm.Guid", nullable=False),
        Property("name", "Edm.String", max_length=256),
        Property("categoryname", "Edm.String", max_length=25),
        Property("isprivate", "Edm.Boolean"),
        Property("isvalidforexecuteasync", "Edm.Boolean"),
        Property("workflowsdkstepenabled", "Edm.Boolean"),
        Property("createdon", "Edm.DateTimeOffset", read_only=True),
        Property("modifiedon", "Edm.DateTimeOffset", read_only=True),
        Property("versionnumber", "Edm.Int64", read_only=True),
    ], [Navigation("sdkmessageid_sdkmessagefilter", "sdkmessagefilters", True, "_sdkmessageid_value",
                   "sdkmessageid")], primary_name="name")
    message_filter = EntityType("sdkmessagefilter", ["sdkmessagefilterid"], [
        Property("sdkmessagefilterid", "Edm.Guid", nullable=False),
        Property("name", "Edm.String", max_length=256),
        Property("primaryobjecttypecode", "Edm.String", max_length=64),
        Property("secondaryobjecttypecode", "Edm.String", max_length=64),
        Property("iscustomprocessingstepallowed", "Edm.Boolean"),
        Property("isvisible", "Edm.Boolean"),
        Property("availability", "Edm.Int32"),
        Property("_sdkmessageid_value", "Edm.Guid", lookup_of="sdkmessageid"),
        Property("createdon", "Edm.DateTimeOffset", read_only=True),
        Property("modifiedon", "Edm.DateTimeOffset", read_only=True),
        Property("versionnumber", "Edm.Int64", read_only=True),
    ], [Navigation("sdkmessageid", "sdkmessages", False, "_sdkmessageid_value", "sdkmessageid_sdkmessagefilter")],
        primary_name="name")
    return EntityModel(namespace="Microsoft.Dynamics.CRM", alias="mscrm", container="System", entity_sets=[
        EntitySet("sdkmessages", message, writable=False, logical_name="sdkmessage"),
        EntitySet("sdkmessagefilters", message_filter, writable=False, logical_name="sdkmessagefilter"),
    ])


def messages_for(entity_set: EntitySet, registry: OperationRegistry) -> list[str]:
    """The messages the simulator serves for a table."""
    names = list(CORE_MESSAGES if entity_set.writable else READ_MESSAGES)
    for bulk in BULK_MESSAGES:
        if registry.bound(entity_set.name, f"Microsoft.Dynamics.CRM.{bulk}", collection=True) is not None:
            names.append(bulk)
    return names


def seed_system_tables(system_service, org_model: EntityModel, registry: OperationRegistry) -> None:
    """Fill ``sdkmessages``/``sdkmessagefilters`` from the org's tables and served operations."""
    created = "2024-01-15T08:00:00Z"
    per_table = {s.label: messages_for(s, registry) for s in org_model.entity_sets}
    all_messages = sorted({name for names in per_table.values() for name in names}
                          | {op.name for op in registry.operations if op.binding is None})
    with system_service.store.transaction() as conn:
        def insert(set_name: str, row: dict) -> None:
            # A fixed row version: the org's shared version counter (record ETags) must not move.
            version = 1
            conn.execute(system_service.table(set_name).insert().values(
                **row, createdon=created, modifiedon=created, versionnumber=version, **{VERSION_COLUMN: version}))

        for name in all_messages:
            insert("sdkmessages", {"sdkmessageid": _id("message", name), "name": name, "categoryname": "",
                                   "isprivate": False, "isvalidforexecuteasync": False,
                                   "workflowsdkstepenabled": name in CORE_MESSAGES})
        for table, names in per_table.items():
            for name in names:
                insert("sdkmessagefilters", {
                    "sdkmessagefilterid": _id("filter", table, name), "name": f"{name} {table}",
                    "primaryobjecttypecode": table, "secondaryobjecttypecode": "none",
                    "iscustomprocessingstepallowed": True, "isvisible": True, "availability": 0,
                    "_sdkmessageid_value": _id("message", name)})
