"""Dataverse functions and actions, served from one registry (see :mod:`simulator.odata.operations`).

Both the built-in org and a twin org serve these; add a Dataverse function or action here with
``@REGISTRY.function(...)`` / ``@REGISTRY.action(...)`` and it is routed and declared in ``$metadata``.
Names, parameters and response shapes follow the Web API reference (learn.microsoft.com
``/power-apps/developer/data-platform/webapi/reference/<name>``). A name that is not registered is
answered by the core with 404 ``0x8006088a`` "Resource not found for the segment".
"""

from __future__ import annotations

import sqlalchemy as sa
from lxml import etree

from simulator.dataverse.bulk import register as register_bulk
from simulator.dataverse.dialect import BUSINESS_UNIT_ID
from simulator.dataverse.rollups import recalculate, rollup_of
from simulator.odata.errors import ODataProblem, syntax_error
from simulator.odata.model import Parameter, Property
from simulator.odata.operations import OperationCall, OperationRegistry
from simulator.odata.store import VERSION_COLUMN

REGISTRY = OperationRegistry("Microsoft.Dynamics.CRM", "mscrm")

#: The server version RetrieveVersion reports (a 9.2 online build number).
SERVER_VERSION = "9.2.24044.00180"
#: Languages provisioned in the simulated org (English only, like a new trial org).
LOCALE_IDS = [1033]
INVALID_ARGUMENT = "0x80040203"


@REGISTRY.function("WhoAmI", "WhoAmIResponse", return_properties=[
    Property("BusinessUnitId", "Edm.Guid"), Property("UserId", "Edm.Guid"), Property("OrganizationId", "Edm.Guid")])
def who_am_i(call: OperationCall) -> dict:
    """The signed-in caller's systemuser, business unit and organization."""
    user_id = call.dialect.caller_id(call.ctx, call.conn, call.service)
    return {"BusinessUnitId": BUSINESS_UNIT_ID, "UserId": user_id,
            "OrganizationId": call.dialect.config.organization_id}


@REGISTRY.function("RetrieveVersion", "RetrieveVersionResponse",
                   return_properties=[Property("Version", "Edm.String")])
def retrieve_version(call: OperationCall) -> dict:
    """The org's server version (clients use it to pick a Web API version)."""
    return {"Version": SERVER_VERSION}


@REGISTRY.function("RetrieveAvailableLanguages", "RetrieveAvailableLanguagesResponse",
                   return_properties=[Property("LocaleIds", "Collection(Edm.Int32)")])
def retrieve_available_languages(call: OperationCall) -> dict:
    """Locale ids of the language packs installed in the org."""
    return {"LocaleIds": list(LOCALE_IDS)}


@REGISTRY.function("RetrieveCurrentOrganization", "RetrieveCurrentOrganizationResponse",
                   params=[Parameter("AccessType", "Edm.String", nullable=False)],
                   return_properties=[Property("Detail", "Edm.Untyped")])
def retrieve_current_organization(call: OperationCall) -> dict:
    """The organization's detail record: ids, names, version and its endpoints."""
    access = call.params["AccessType"]
    if access not in ("Default", "Internet", "Intranet"):
        raise syntax_error(f"The value '{access}' is not a valid Microsoft.Dynamics.CRM.EndpointAccessType.")
    config = call.dialect.config
    root = call.ctx.root_url.rsplit("/api/data/", 1)[0]
    endpoints = {"WebApplication": f"{root}/", "OrganizationService": f"{root}/XRMServices/2011/Organization.svc",
                 "OrganizationDataService": f"{root}/XRMServices/2011/OrganizationData.svc"}
    return {"Detail": {
        "OrganizationId": config.organization_id, "FriendlyName": "Simulated organization",
        "OrganizationVersion": SERVER_VERSION, "EnvironmentId": config.organization_id,
        "DatacenterId": "00000000-0000-0000-0000-000000000000", "Geo": "NA", "TenantId": config.tenant_id,
        "UrlName": "sim", "UniqueName": "sim", "State": "Enabled", "OrganizationType": "Customer",
        "SchemaType": "Standard",
        "Endpoints": {"Count": len(endpoints), "IsReadOnly": False, "Keys": list(endpoints),
                      "Values": list(endpoints.values())}}}


@REGISTRY.function("RetrieveTotalRecordCount", "RetrieveTotalRecordCountResponse",
                   params=[Parameter("EntityNames", "Collection(Edm.String)", nullable=False)],
                   return_properties=[Property("EntityRecordCountCollection", "Edm.Untyped")])
def retrieve_total_record_count(call: OperationCall) -> dict:
    """Row counts per table by logical name (the real one is a snapshot up to 24 h old; this one is live)."""
    names = call.params["EntityNames"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise syntax_error("EntityNames must be an array of table logical names.")
    counts = []
    for name in names:
        entity_set = next((s for s in call.service.model.entity_sets if s.label == name), None)
        if entity_set is None:
            raise ODataProblem(404, "0x80040217", f"Could not find entity with name '{name}'.", "not_found")
        table = call.service.table(entity_set.name)
        counts.append(call.conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
    return {"EntityRecordCountCollection": {"Count": len(names), "IsReadOnly": False, "Keys": list(names),
                                            "Values": counts}}


# The real return type is the abstract ``crmbaseentity``; the simulated model has no abstract base, and
# account is the only table with rollup columns, so the declared return type is ``account``.
@REGISTRY.function("CalculateRollupField", "account",
                   params=[Parameter("Target", "Edm.Untyped", nullable=False),
                           Parameter("FieldName", "Edm.String", nullable=False)])
def calculate_rollup_field(call: OperationCall) -> dict:
    """Recalculate one rollup column of the target row now and return the row's fresh value, date and state."""
    target_set, row = call.service.work.resolve_reference(call.conn, call.ctx, call.params["Target"])
    field = call.params["FieldName"]
    if target_set.type.prop(field) is None:
        raise ODataProblem(400, INVALID_ARGUMENT, f"The attribute '{field}' does not exist on "
                           f"'{target_set.label}'.", "validation")
    rollup = rollup_of(target_set.label, field)
    if rollup is None:
        raise ODataProblem(400, INVALID_ARGUMENT, f"The attribute '{field}' of '{target_set.label}' is not a "
                           "rollup field.", "validation")
    fresh = recalculate(call.service, call.conn, target_set, row, rollup)
    return {"@odata.context": f"{call.ctx.root_url}/$metadata#{target_set.name}/$entity", **fresh}


@REGISTRY.action("PublishAllXml")
def publish_all_xml(call: OperationCall) -> None:
    """Publish all customizations: accepted; the simulated schema is always published."""


@REGISTRY.action("PublishXml", params=[Parameter("ParameterXml", "Edm.String", nullable=False)])
def publish_xml(call: OperationCall) -> None:
    """Publish the listed customizations: the XML is checked, the schema is always published."""
    text = call.params["ParameterXml"]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(text.encode("utf-8") if isinstance(text, str) else b"", parser)
    except etree.XMLSyntaxError:
        raise ODataProblem(400, INVALID_ARGUMENT, "ParameterXml is not well-formed XML.", "validation") from None
    if root.tag != "importexportxml":
        raise ODataProblem(400, INVALID_ARGUMENT, "ParameterXml must have an <importexportxml> root element.",
                           "validation")


MERGEABLE = {"account": "accounts", "contact": "contacts"}
# Child rows that move to the merge target: (entity set, lookup column, parent table logical name)
MERGE_CHILDREN = [("contacts", "_parentcustomerid_value", "account"), ("tasks", "_regardingobjectid_value", "account"),
                  ("accounts", "_parentaccountid_value", "account"),
                  ("opportunities", "_parentaccountid_value", "account")]


@REGISTRY.action("Merge", params=[Parameter("Target", "Edm.Untyped", nullable=False),
                                  Parameter("Subordinate", "Edm.Untyped", nullable=False),
                                  Parameter("UpdateContent", "Edm.Untyped"),
                                  Parameter("PerformParentingChecks", "Edm.Boolean", nullable=False)])
def merge(call: OperationCall) -> None:
    """Merge two accounts or contacts: children move to the target, the subordinate is deactivated."""
    service, conn = call.service, call.conn
    target_set, target = _merge_party(call, "Target")
    sub_set, subordinate = _merge_party(call, "Subordinate")
    if sub_set.name != target_set.name:
        raise ODataProblem(400, INVALID_ARGUMENT, "The Target and Subordinate must be of the same type.",
                           "validation")
    key = target_set.type.key[0]
    if target[key] == subordinate[key]:
        raise ODataProblem(400, INVALID_ARGUMENT, "The Target and the Subordinate are the same record.",
                           "validation")
    if subordinate.get("statecode") == 1:
        raise ODataProblem(400, INVALID_ARGUMENT, "The subordinate record is inactive and cannot be merged.",
                           "validation")
    content = call.params.get("UpdateContent") or {}
    if not isinstance(content, dict):
        raise syntax_error("UpdateContent must be an entity object.")
    content = {k: v for k, v in content.items() if not k.startswith("@") and k != key}
    if content:
        changes, _ = service.work.apply_body(conn, call.ctx, target_set, content, creating=False)
        _write(service, conn, call.ctx, target_set, target, changes)
    for child_set, column, parent in MERGE_CHILDREN:
        if parent != target_set.label:
            continue
        table = service.table(child_set)
        moved = conn.execute(sa.select(table).where(table.c[column] == subordinate[key])).fetchall()
        child_type = service.model.entity_set(child_set)
        for row in moved:
            if child_set == target_set.name and row._mapping[key] == target[key]:
                continue
            _write(service, conn, call.ctx, child_type, dict(row._mapping), {column: target[key]})
    _write(service, conn, call.ctx, sub_set, subordinate, {"statecode": 1, "statuscode": 2, "merged": True,
                                                            "_masterid_value": target[key]})


def _merge_party(call: OperationCall, name: str):
    value = call.params[name]
    if not isinstance(value, dict):
        raise syntax_error(f"{name} must be an entity object with '@odata.type' and its key.")
    odata_type = str(value.get("@odata.type", "")).lstrip("#").rsplit(".", 1)[-1]
    set_name = MERGEABLE.get(odata_type)
    if set_name is None:
        raise ODataProblem(400, INVALID_ARGUMENT, f"Merge is not supported for '{odata_type or '?'}'; "
                           "the simulator merges accounts and contacts.", "validation")
    entity_set = call.service.model.entity_set(set_name)
    key = entity_set.type.key[0]
    if not value.get(key):
        raise syntax_error(f"{name} must carry '{key}'.")
    values, _ = call.dialect.resolve_key(entity_set, _key(value[key]))
    row = call.service.find(call.conn, entity_set, values)
    if row is None:
        raise ODataProblem(404, "0x80040217", f"Entity '{entity_set.label}' With Id = {value[key]} Does Not Exist",
                           "not_found")
    return entity_set, row


def _key(value):
    from simulator.odata.paths import KeyPredicate, parse_literal
    return KeyPredicate(positional=parse_literal(str(value)))


def _write(service, conn, ctx, entity_set, row: dict, changes: dict) -> None:
    entity_type = entity_set.type
    changes = {k: v for k, v in changes.items() if entity_type.prop(k) is not None}
    service.dialect.before_write(entity_set, changes, row, ctx, conn)
    changes[VERSION_COLUMN] = service.store.next_version(conn)
    service.dialect.stamp_version(entity_set, changes)
    table = service.table(entity_set.name)
    conn.execute(table.update().where(sa.and_(*[table.c[k] == row[k] for k in entity_type.key])).values(**changes))


register_bulk(REGISTRY)
