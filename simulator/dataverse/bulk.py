"""Dataverse bulk operation messages: ``CreateMultiple``, ``UpdateMultiple`` and ``UpsertMultiple``.

Bound to an entity set's collection (``POST {root}/accounts/Microsoft.Dynamics.CRM.CreateMultiple``)
with a ``Targets`` array of records of that table, each carrying ``@odata.type``. They run in the
request's unit of work, so one bad record rolls back the whole call, as the real messages do.
``CreateMultiple`` answers ``{"Ids": [...]}``; the other two answer 204. Registered on the Dataverse
registry by :func:`register`.
"""

from __future__ import annotations

from simulator.odata.errors import ODataProblem, syntax_error
from simulator.odata.model import Parameter, Property
from simulator.odata.operations import OperationCall, OperationRegistry
from simulator.odata.paths import parse_key, split_path

NAMESPACE = "Microsoft.Dynamics.CRM"
BULK_SETS = {"accounts": "account", "contacts": "contact", "tasks": "task"}  # entity set -> entity type


def _targets(call: OperationCall) -> list[dict]:
    """The ``Targets`` records, each checked to be a record of the bound table."""
    targets = call.params.get("Targets")
    if not isinstance(targets, list) or not targets:
        raise syntax_error(f"The parameter 'Targets' of the action '{call.operation.name}' must be a "
                           "non-empty array of records.")
    expected = f"{NAMESPACE}.{call.entity_set.type.name}"
    for index, target in enumerate(targets):
        if not isinstance(target, dict):
            raise syntax_error(f"Targets[{index}] of '{call.operation.name}' is not a record.")
        odata_type = str(target.get("@odata.type", "")).lstrip("#")
        if not odata_type:
            raise syntax_error(f"Targets[{index}] of '{call.operation.name}' has no '@odata.type' "
                               f"annotation; every item must name its type ({expected}).")
        if odata_type not in (expected, f"mscrm.{call.entity_set.type.name}"):
            raise ODataProblem(400, "0x80040203", f"Targets[{index}] is of type '{odata_type}'; all items "
                               f"of '{call.operation.name}' on '{call.entity_set.name}' must be {expected}.",
                               "validation")
    return targets


def _fields(target: dict) -> dict:
    return {k: v for k, v in target.items() if k not in ("@odata.type", "@odata.id")}


def _existing(call: OperationCall, target: dict, index: int, required: bool) -> tuple[dict | None, dict]:
    """The stored row a target names (by its primary key, or ``@odata.id`` with a key or alternate key)."""
    entity_set = call.entity_set
    key_name = entity_set.type.key[0]
    dialect, work = call.dialect, call.service.work
    if "@odata.id" in target:
        segments = split_path(str(target["@odata.id"]).split("/")[-1])
        if len(segments) != 1 or segments[0].name != entity_set.name or not segments[0].has_parens:
            raise syntax_error(f"The '@odata.id' of Targets[{index}] must address a record of "
                               f"'{entity_set.name}'.")
        values, _ = dialect.resolve_key(entity_set, parse_key(segments[0].key or ""))
    elif target.get(key_name) is not None:
        values, _ = dialect.resolve_key(entity_set, parse_key(str(target[key_name])))
    elif required:
        raise syntax_error(f"Targets[{index}] of '{call.operation.name}' has no '{key_name}' to say which "
                           "record to update.")
    else:
        return None, {}
    return work.find(call.conn, entity_set, values, call.ctx), values


def create_multiple(call: OperationCall) -> dict:
    work, key_name = call.service.work, call.entity_set.type.key[0]
    ids = [work.insert(call.conn, call.ctx, call.entity_set, _fields(t))[key_name] for t in _targets(call)]
    return {"Ids": ids}


def update_multiple(call: OperationCall) -> None:
    for index, target in enumerate(_targets(call)):
        row, values = _existing(call, target, index, required=True)
        if row is None:
            raise call.dialect.not_found(call.entity_set, parse_key(str(next(iter(values.values())))), False)
        call.service.work.modify(call.conn, call.ctx, call.entity_set, row, _fields(target))


def upsert_multiple(call: OperationCall) -> None:
    for index, target in enumerate(_targets(call)):
        row, values = _existing(call, target, index, required=False)
        if row is None:
            call.service.work.insert(call.conn, call.ctx, call.entity_set, _fields(target), values or None)
        else:
            call.service.work.modify(call.conn, call.ctx, call.entity_set, row, _fields(target))


def register(registry: OperationRegistry) -> None:
    for set_name, type_name in BULK_SETS.items():
        targets = [Parameter("Targets", f"Collection({type_name})", nullable=False)]
        registry.action("CreateMultiple", "CreateMultipleResponse", params=targets, bound_to=set_name,
                        collection=True, return_properties=[Property("Ids", "Collection(Edm.Guid)")])(create_multiple)
        registry.action("UpdateMultiple", params=targets, bound_to=set_name, collection=True)(update_multiple)
        registry.action("UpsertMultiple", params=targets, bound_to=set_name, collection=True)(upsert_multiple)
