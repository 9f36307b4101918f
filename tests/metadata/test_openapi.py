"""to_openapi: valid OpenAPI 3.0 per dialect, with each service's real statuses, headers and bodies."""

from __future__ import annotations

import json
import re

import pytest
import requests
import schemathesis
from schemathesis.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from harness.metadata import OpenApiOptionError, parse_csdl, to_openapi
from harness.metadata.edm_schema import EdmSchemaMapper
from harness.metadata.model import EntitySet

from .conftest import CORPUS
from .openapi_checks import assert_valid_fast, assert_valid_full
from .test_parser import csdl

CHECKS = [status_code_conformance, content_type_conformance, response_headers_conformance, response_schema_conformance]
ACCOUNT = "Microsoft.Dynamics.CRM.account"
FNO_KEY = "/CustomersV3(dataAreaId='{dataAreaId}',CustomerAccount='{CustomerAccount}')"


def deref(document: dict, node: dict) -> dict:
    """Follow `$ref`s to the referenced object."""
    while isinstance(node, dict) and "$ref" in node:
        target = document
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def params(document: dict, path: str, method: str) -> dict[tuple[str, str], dict]:
    item = document["paths"][path]
    merged = [deref(document, p) for p in item.get("parameters", []) + item[method].get("parameters", [])]
    return {(p["in"], p["name"]): p for p in merged}


def schema_of(document: dict, name: str) -> dict:
    return document["components"]["schemas"][name]


def respond(status: int, body=None, headers: dict | None = None, url: str = "http://host/x") -> schemathesis.Response:
    """A response object schemathesis can validate, without any HTTP."""
    content = json.dumps(body).encode() if body is not None else b""
    wire = {"content-type": ["application/json; odata.metadata=minimal"]} if body is not None else {}
    wire.update({name.lower(): [value] for name, value in (headers or {}).items()})
    return schemathesis.Response(
        status_code=status, headers=wire, content=content,
        request=requests.Request("GET", url).prepare(), elapsed=0.01, verify=True,
    )


# -- validity per dialect --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "dialect", "operations"),
    [("dataverse_small", "dataverse", 27), ("fno_small", "fno", 28), ("bc_small", "bc", 15)],
)
def test_handmade_documents_are_valid_openapi(fixture, dialect, operations, request):
    model = request.getfixturevalue(fixture)
    imports = "all" if dialect == "dataverse" else None
    document = to_openapi(model, dialect, "all", "https://example.test/root/", operation_imports=imports)
    assert document["openapi"] == "3.0.3"
    assert document["servers"] == [{"url": "https://example.test/root"}]
    assert assert_valid_full(document) == operations


def test_corpus_documents_convert_whole(dynamics_crm, crm_schema):
    for model, sets, imports in ((dynamics_crm, 236, 129), (crm_schema, 252, 144)):
        document = to_openapi(model, "dataverse", "all", operation_imports="all")
        # collection, $count and key path per set, one path per unbound action/function import
        assert len(document["paths"]) == 3 * sets + imports
        assert assert_valid_fast(document) > 5 * sets


@pytest.mark.parametrize("dialect", ["dataverse", "fno", "bc"])
def test_corpus_subset_passes_the_full_validator(crm_schema, dialect):
    document = to_openapi(crm_schema, dialect, ["accounts", "contacts", "he_*", "task*"], operation_imports=["WhoAmI"])
    assert "/he_employees" in document["paths"] and "/WhoAmI()" in document["paths"]
    assert_valid_full(document)


# -- Dataverse -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dataverse_doc(dataverse_small):
    return to_openapi(dataverse_small, "dataverse", "all", "https://org.example/api/data/v9.2", operation_imports="all")


def test_dataverse_paths_and_methods(dataverse_doc):
    paths = dataverse_doc["paths"]
    assert set(paths["/accounts"]) == {"get", "post"}
    assert set(paths["/accounts({accountid})"]) == {"parameters", "get", "patch", "delete"}  # no PUT
    assert set(paths["/systemusers({ownerid})"]) >= {"get"}  # key inherited from principal
    assert "/tasks({activityid})" in paths
    key = params(dataverse_doc, "/accounts({accountid})", "get")[("path", "accountid")]
    assert key["required"] and key["schema"] == {"type": "string", "format": "uuid"}


def test_dataverse_query_options_have_no_skip(dataverse_doc):
    query = params(dataverse_doc, "/accounts", "get")
    names = {name for where, name in query if where == "query"}
    assert names == {"$select", "$expand", "$filter", "$orderby", "$top", "$count"}
    select = query[("query", "$select")]
    assert (select["style"], select["explode"]) == ("form", False)
    assert {"name", "accountid", "_primarycontactid_value"} <= set(select["schema"]["items"]["enum"])
    assert query[("query", "$expand")]["schema"]["items"]["enum"] == ["primarycontactid", "Account_Tasks"]
    assert "name desc" in query[("query", "$orderby")]["schema"]["items"]["enum"]
    headers = {name for where, name in query if where == "header"}
    assert headers == {"OData-Version", "OData-MaxVersion", "Prefer"}


def test_dataverse_create_is_204_with_entity_id_or_201_with_body(dataverse_doc):
    responses = dataverse_doc["paths"]["/accounts"]["post"]["responses"]
    assert responses["204"]["headers"]["OData-EntityId"]["required"] is True
    assert "content" not in responses["204"]
    assert responses["201"]["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{ACCOUNT}-entity"}
    assert "Preference-Applied" in responses["201"]["headers"]
    assert {"400", "401", "403", "412", "429"} <= set(responses)


def test_dataverse_update_delete_and_read(dataverse_doc):
    item = dataverse_doc["paths"]["/accounts({accountid})"]
    assert set(item["patch"]["responses"]) >= {"204", "200", "404", "412"}
    assert item["patch"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(f"{ACCOUNT}-entity")
    if_match = params(dataverse_doc, "/accounts({accountid})", "patch")[("header", "If-Match")]
    assert if_match["required"] is False
    assert set(item["delete"]["responses"]) >= {"204", "404", "405", "412"}
    read = item["get"]["responses"]
    assert "304" in read and "ETag" in read["200"]["headers"]
    assert ("header", "If-None-Match") in params(dataverse_doc, "/accounts({accountid})", "get")


def test_dataverse_request_schemas_leave_out_server_owned_members(dataverse_doc):
    create = schema_of(dataverse_doc, "accounts-create")
    assert create["additionalProperties"] is False
    props = create["properties"]
    for server_owned in ("createdon", "versionnumber", "_primarycontactid_value", "@odata.etag"):
        assert server_owned not in props
    assert {"accountid", "name", "revenue", "iscustomizable"} <= set(props)
    bind = props["primarycontactid@odata.bind"]
    assert bind["type"] == "string" and bind["pattern"].startswith("^(.*/)?contacts\\(")
    update = schema_of(dataverse_doc, "accounts-update")["properties"]
    assert "accountid" not in update and "name" in update  # keys cannot be changed
    task = schema_of(dataverse_doc, "tasks-create")["properties"]
    assert "regardingobjectid_account_task@odata.bind" in task and "_regardingobjectid_value" not in task


def test_edm_types_map_to_json_schema(dataverse_doc):
    account = schema_of(dataverse_doc, ACCOUNT)
    assert account["additionalProperties"] is True
    props = account["properties"]
    assert props["accountid"] == {
        "type": "string", "format": "uuid", "description": "Unique identifier of the account.", "nullable": True,
    }
    assert props["name"] == {"type": "string", "maxLength": 160, "nullable": True}
    assert props["revenue"] == {"type": "number", "nullable": True}
    assert props["numberofemployees"]["format"] == "int32" and props["numberofemployees"]["maximum"] == 2**31 - 1
    assert props["versionnumber"] == {"type": "integer", "format": "int64", "nullable": True}
    assert props["createdon"]["format"] == "date-time" and props["lastonholdtime"]["format"] == "date"
    assert props["iscustomizable"] == {
        "allOf": [{"$ref": "#/components/schemas/Microsoft.Dynamics.CRM.BooleanManagedProperty"}], "nullable": True,
    }
    assert props["Account_Tasks"]["type"] == "array" and props["primarycontactid"]["nullable"] is True
    assert props["@odata.etag"] == {"type": "string"}
    managed = schema_of(dataverse_doc, "Microsoft.Dynamics.CRM.BooleanManagedProperty")["properties"]
    assert managed["Value"] == {"type": "boolean"}  # Nullable="false"
    collection = schema_of(dataverse_doc, f"{ACCOUNT}-collection")
    assert collection["required"] == ["@odata.context", "value"]
    assert set(collection["properties"]) == {"@odata.context", "@odata.count", "@odata.nextLink", "value"}


def test_dataverse_errors_and_auth(dataverse_doc):
    responses = dataverse_doc["components"]["responses"]
    assert "content" not in responses["error-401"]  # 401 has an empty body
    error = schema_of(dataverse_doc, "ODataError")["properties"]["error"]
    assert error["required"] == ["code", "message"] and "innererror" not in error["properties"]
    assert responses["error-429"]["headers"]["Retry-After"]["required"] is True
    assert dataverse_doc["security"] == [{"bearer": []}]


def test_dataverse_operation_imports(dataverse_doc):
    paths = dataverse_doc["paths"]
    whoami = paths["/WhoAmI()"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert whoami["allOf"][0] == {"$ref": "#/components/schemas/Microsoft.Dynamics.CRM.WhoAmIResponse"}
    org = "/RetrieveCurrentOrganization(AccessType=Microsoft.Dynamics.CRM.EndpointAccessType'{AccessType}')"
    access = params(dataverse_doc, org, "get")[("path", "AccessType")]
    assert access["schema"]["enum"] == ["Default", "Internet", "Intranet"]
    value = paths[org]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert value["required"] == ["value"] and value["properties"]["value"] == {"type": "string"}
    publish = paths["/PublishAllXml"]["post"]
    assert "requestBody" not in publish and "204" in publish["responses"]


def test_flags_enum_schema(dataverse_small):
    document = to_openapi(dataverse_small, "dataverse", [], operation_imports=["WhoAmI"])
    assert "Microsoft.Dynamics.CRM.AccessRights" not in document["components"]["schemas"]  # unreferenced
    mapper = EdmSchemaMapper(dataverse_small)
    schema = mapper.enum_schema(dataverse_small.enum_types["Microsoft.Dynamics.CRM.AccessRights"])
    pattern = re.compile(schema["pattern"])
    assert pattern.match("ReadAccess, WriteAccess") and pattern.match("None")
    assert not pattern.match("Nope")


# -- responses checked by schemathesis -------------------------------------------------------------


def test_real_captured_collection_validates(crm_schema):
    document = to_openapi(crm_schema, "dataverse", ["he_employees"], "http://URL/api/data/v8.2")
    case = schemathesis.openapi.from_dict(document)["/he_employees"]["GET"].Case()
    body = json.loads((CORPUS / "crm_result_10.json").read_text(encoding="utf-8-sig"))
    case.validate_response(respond(200, body), checks=CHECKS)
    body["value"][3]["he_employeeid"] = 12
    with pytest.raises(FailureGroup, match="Response violates schema"):
        case.validate_response(respond(200, body), checks=CHECKS)


def test_real_expanded_capture_validates(dynamics_crm):
    document = to_openapi(dynamics_crm, "dataverse", ["accounts"])
    case = schemathesis.openapi.from_dict(document)["/accounts"]["GET"].Case()
    for name in ("AccountTasksAndLink.json", "AccountTasksOnlyLink.json"):
        body = json.loads((CORPUS / name).read_text(encoding="utf-8-sig"))
        case.validate_response(respond(200, body), checks=CHECKS)
    del body["@odata.context"]
    with pytest.raises(FailureGroup):
        case.validate_response(respond(200, body), checks=CHECKS)


def test_dataverse_create_without_entity_id_is_a_contract_failure(dataverse_doc):
    case = schemathesis.openapi.from_dict(dataverse_doc)["/accounts"]["POST"].Case(body={"name": "x"})
    entity_id = "https://org.example/api/data/v9.2/accounts(7eb682f1-ca75-e511-80d4-00155d2a68d1)"
    case.validate_response(respond(204, headers={"OData-EntityId": entity_id}), checks=CHECKS)
    with pytest.raises(FailureGroup, match="Missing required response headers"):
        case.validate_response(respond(204), checks=CHECKS)
    created = {"@odata.context": "x#accounts/$entity", "@odata.etag": 'W/"1"', "accountid": "7eb682f1-ca75-e511-80d4-00155d2a68d1"}
    case.validate_response(respond(201, created), checks=CHECKS)
    error = {"error": {"code": "0x80040217", "message": "Entity 'account' With Id = x Does Not Exist"}}
    case.validate_response(respond(412, error), checks=CHECKS)
    with pytest.raises(FailureGroup):
        case.validate_response(respond(412, {"Message": "not the OData error shape"}), checks=CHECKS)


# -- Finance and Operations ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fno_doc(fno_small):
    return to_openapi(fno_small, "fno", "all", "https://fo.example/data")


def test_fno_composite_keys(fno_doc):
    paths = fno_doc["paths"]
    assert set(paths[FNO_KEY]) == {"parameters", "get", "patch", "put", "delete"}
    assert "/PurchaseOrderLinesV2(dataAreaId='{dataAreaId}',PurchaseOrderNumber='{PurchaseOrderNumber}',LineNumber={LineNumber})" in paths
    assert "/LegalEntities(LegalEntityId='{LegalEntityId}')" in paths  # single keys are named too
    key = params(fno_doc, FNO_KEY, "get")
    assert key[("path", "dataAreaId")]["schema"] == {"type": "string", "maxLength": 4, "minLength": 1, "pattern": "^[^'/]+$"}
    line = params(fno_doc, "/PurchaseOrderLinesV2(dataAreaId='{dataAreaId}',PurchaseOrderNumber='{PurchaseOrderNumber}',LineNumber={LineNumber})", "get")
    assert line[("path", "LineNumber")]["schema"] == {"type": "integer", "format": "int64"}


def test_fno_statuses(fno_doc):
    create = fno_doc["paths"]["/CustomersV3"]["post"]["responses"]
    assert "204" not in create and "content" in create["201"]
    item = fno_doc["paths"][FNO_KEY]
    for method in ("patch", "put", "delete"):
        assert "204" in item[method]["responses"] and "200" not in item[method]["responses"]
        assert "500" in item[method]["responses"]
    assert params(fno_doc, FNO_KEY, "patch")[("header", "If-Match")]["required"] is False


def test_fno_query_options_and_company(fno_doc):
    listing = params(fno_doc, "/CustomersV3", "get")
    assert ("query", "$skip") in listing and ("query", "cross-company") in listing
    assert ("header", "Prefer") not in listing
    assert ("query", "cross-company") in params(fno_doc, FNO_KEY, "get")
    assert ("query", "cross-company") not in params(fno_doc, "/CustomersV3", "post")


def test_fno_enums_errors_and_bodies(fno_doc):
    assert schema_of(fno_doc, "Microsoft.Dynamics.DataEntities.NoYes")["enum"] == ["No", "Yes"]
    customer = schema_of(fno_doc, "Microsoft.Dynamics.DataEntities.CustomerV3")["properties"]
    assert customer["IsSalesTaxIncludedInPrice"] == {
        "allOf": [{"$ref": "#/components/schemas/Microsoft.Dynamics.DataEntities.NoYes"}], "nullable": True,
    }
    assert customer["CredManAccountStatusId"] == {"$ref": "#/components/schemas/Microsoft.Dynamics.DataEntities.CustVendorBlocked"}
    assert customer["CreditLimit"] == {"type": "number"}
    create = schema_of(fno_doc, "CustomersV3-create")["properties"]
    assert create["@odata.type"] == {"type": "string", "enum": ["#Microsoft.Dynamics.DataEntities.CustomerV3"]}
    assert "dataAreaId" in create and "dataAreaId" not in schema_of(fno_doc, "CustomersV3-update")["properties"]
    inner = schema_of(fno_doc, "ODataError")["properties"]["error"]["properties"]["innererror"]
    assert set(inner["properties"]) == {"message", "type", "stacktrace"}
    not_found = fno_doc["components"]["responses"]["error-404"]["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/AspNetError"} in not_found["anyOf"]
    assert fno_doc["components"]["responses"]["error-429"]["headers"]["Retry-After"].get("required") is None


def test_fno_responses_validate(fno_doc):
    schema = schemathesis.openapi.from_dict(fno_doc)
    get = schema[FNO_KEY]["GET"].Case(path_parameters={"dataAreaId": "usmf", "CustomerAccount": "US-001"})
    row = {
        "@odata.context": "https://fo.example/data/$metadata#CustomersV3/$entity",
        "@odata.etag": 'W/"JzEsNTYzNzE0NDU3Nic="', "dataAreaId": "usmf", "CustomerAccount": "US-001",
        "IsSalesTaxIncludedInPrice": "No", "CreditLimit": 0, "CredManAccountStatusId": "No",
    }
    get.validate_response(respond(200, row), checks=CHECKS)
    with pytest.raises(FailureGroup):
        get.validate_response(respond(200, {**row, "IsSalesTaxIncludedInPrice": 0}), checks=CHECKS)
    routing = {"Message": "No HTTP resource was found that matches the request URI 'x'."}
    get.validate_response(respond(404, routing), checks=CHECKS)
    write_failed = {"error": {"code": "", "message": "An error has occurred.", "innererror": {
        "message": "Write failed for table row of type 'CustCustomerV3Entity'.", "type": "X", "stacktrace": "  at Y"}}}
    patch = schema[FNO_KEY]["PATCH"].Case(path_parameters={"dataAreaId": "usmf", "CustomerAccount": "US-001"}, body={})
    patch.validate_response(respond(400, write_failed), checks=CHECKS)
    patch.validate_response(respond(204), checks=CHECKS)
    with pytest.raises(FailureGroup, match="Undocumented status code"):
        patch.validate_response(respond(200, row), checks=CHECKS)


# -- Business Central ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bc_doc(bc_small):
    return to_openapi(bc_small, "bc", "all", "https://api.businesscentral.dynamics.com/v2.0/t/production/api/v2.0")


def test_bc_company_scoped_paths(bc_doc):
    paths = bc_doc["paths"]
    # companies is read-only in BC (405 BadRequest_MethodNotAllowed), whatever the CSDL says
    assert set(paths["/companies"]) == {"get"} and set(paths["/companies({id})"]) == {"parameters", "get"}
    assert "/companies({companyId})/customers" in paths and "/customers" not in paths
    item = "/companies({companyId})/customers({id})"
    found = params(bc_doc, item, "get")
    assert found[("path", "companyId")]["schema"]["format"] == "uuid"
    assert found[("path", "id")]["schema"] == {"type": "string", "format": "uuid"}  # GUID, unquoted
    assert ("query", "$skip") in params(bc_doc, "/companies({companyId})/customers", "get")


def test_bc_statuses_and_if_match(bc_doc):
    item = bc_doc["paths"]["/companies({companyId})/customers({id})"]
    assert set(item) == {"parameters", "get", "patch", "delete"}
    patch = item["patch"]["responses"]
    assert "content" in patch["200"] and "204" not in patch and "409" in patch
    assert "204" in item["delete"]["responses"]
    for method in ("patch", "delete"):
        assert params(bc_doc, "/companies({companyId})/customers({id})", method)[("header", "If-Match")]["required"] is True
    assert "201" in bc_doc["paths"]["/companies({companyId})/customers"]["post"]["responses"]
    blocked = schema_of(bc_doc, "Microsoft.NAV.customerBlocked")
    assert blocked["enum"] == ["_x0020_", "Ship", "Invoice", "All"]
    assert "innererror" not in schema_of(bc_doc, "ODataError")["properties"]["error"]["properties"]


def test_bc_responses_validate(bc_doc):
    schema = schemathesis.openapi.from_dict(bc_doc)
    path = "/companies({companyId})/customers({id})"
    ids = {"companyId": "4c7b4c3e-0000-0000-0000-000000000001", "id": "f2a5738a-44e3-ea11-bb43-000d3a2feca1"}
    patch = schema[path]["PATCH"].Case(path_parameters=ids, body={"displayName": "x"})
    customer = {
        "@odata.context": "https://api/$metadata#companies(1)/customers/$entity", "@odata.etag": 'W/"JzQ0Oyc="',
        "id": "f2a5738a-44e3-ea11-bb43-000d3a2feca1", "number": "10000", "type": "Company", "blocked": "_x0020_",
        "balanceDue": 0, "lastModifiedDateTime": "2023-04-28T10:00:00Z",
    }
    patch.validate_response(respond(200, customer), checks=CHECKS)
    with pytest.raises(FailureGroup, match="Undocumented status code"):
        patch.validate_response(respond(204), checks=CHECKS)
    missing_token = {"error": {"code": "BadRequest_InvalidToken", "message": "Could not validate the client concurrency token"}}
    patch.validate_response(respond(400, missing_token), checks=CHECKS)


# -- options ---------------------------------------------------------------------------------------


def test_entity_set_selection(fno_small):
    document = to_openapi(fno_small, "fno", ["Customer*", "LegalEntities"])
    tags = [tag["name"] for tag in document["tags"]]
    assert tags == ["CustomersV3", "CustomerGroups", "LegalEntities"]
    assert not any(path.startswith("/PurchaseOrderLinesV2") for path in document["paths"])
    components = document["components"]["schemas"]
    assert "Microsoft.Dynamics.DataEntities.PurchaseOrderLineV2" not in components
    assert "Microsoft.Dynamics.DataEntities.NoYes" in components  # reached through CustomerV3


def test_unknown_entity_set_suggests_close_names(fno_small):
    with pytest.raises(OpenApiOptionError, match=r"no entity set named 'CustomerV3'.*did you mean CustomersV3"):
        to_openapi(fno_small, "fno", ["CustomerV3"])
    with pytest.raises(OpenApiOptionError, match="pattern 'Vendor\\*' matches nothing"):
        to_openapi(fno_small, "fno", "Vendor*")


def test_unknown_dialect_and_import(fno_small, dataverse_small):
    with pytest.raises(OpenApiOptionError, match="unknown dialect 'nav'; expected one of dataverse, fno, bc"):
        to_openapi(fno_small, "nav")
    with pytest.raises(OpenApiOptionError, match="no action/function import named 'WhoAmi'.*WhoAmI"):
        to_openapi(dataverse_small, "dataverse", [], operation_imports=["WhoAmi"])


def test_capabilities_restrict_operations(dataverse_small):
    restricted = EntitySet(
        name="readonly", entity_type="Microsoft.Dynamics.CRM.contact",
        capabilities={"InsertRestrictions.Insertable": False, "DeleteRestrictions.Deletable": False,
                      "CountRestrictions.Countable": False},
    )
    dataverse_small.container.entity_sets["readonly"] = restricted
    try:
        document = to_openapi(dataverse_small, "dataverse", ["readonly"])
    finally:
        del dataverse_small.container.entity_sets["readonly"]
    assert set(document["paths"]["/readonly"]) == {"get"}
    assert set(document["paths"]["/readonly({contactid})"]) == {"parameters", "get", "patch"}
    assert "/readonly/$count" not in document["paths"]
    assert ("query", "$count") not in params(document, "/readonly", "get")


def _bc_model(contained: bool):
    nav = '<NavigationProperty Name="customers" Type="Collection(NAV.customer)" ContainsTarget="true"/>' if contained else ""
    text = csdl(
        f"""
        <EntityType Name="company"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.Guid" Nullable="false"/>{nav}</EntityType>
        <EntityType Name="customer"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.Guid" Nullable="false"/></EntityType>
        <EntityType Name="subscription"><Key><PropertyRef Name="subscriptionId"/></Key>
          <Property Name="subscriptionId" Type="Edm.String" Nullable="false" MaxLength="150"/></EntityType>
        <EntityContainer Name="NAV">
          <EntitySet Name="companies" EntityType="NAV.company"/>
          <EntitySet Name="customers" EntityType="NAV.customer"/>
          <EntitySet Name="subscriptions" EntityType="NAV.subscription"/>
        </EntityContainer>
        """,
        namespace="Microsoft.NAV",
        alias="NAV",
    )
    return parse_csdl(text)


def test_bc_company_scope_follows_containment_when_declared():
    declared = to_openapi(_bc_model(contained=True), "bc")["paths"]
    assert "/companies({companyId})/customers({id})" in declared
    assert "/subscriptions('{subscriptionId}')" in declared  # not contained: stays top-level, string key quoted
    trimmed = to_openapi(_bc_model(contained=False), "bc")["paths"]
    assert "/companies({companyId})/subscriptions('{subscriptionId}')" in trimmed  # no containment info at all
    assert "/companies({id})" in trimmed and "/customers" not in trimmed
    assert "/customers" in to_openapi(_bc_model(contained=False), "fno")["paths"]  # only BC is company-scoped
