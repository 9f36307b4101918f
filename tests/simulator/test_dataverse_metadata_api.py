"""The Dataverse metadata API (EntityDefinitions, RelationshipDefinitions, GlobalOptionSetDefinitions) and the
start-up system tables, over real HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from simulator.config import SimConfig
from simulator.server import SimulatorServer
from tests.tokens import ropc_token

NS = "Microsoft.Dynamics.CRM"


def get(crm_http, crm_root, path: str, **params) -> requests.Response:
    return crm_http.get(f"{crm_root}/{path}", params=params, timeout=10)


def ok(reply: requests.Response) -> dict:
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_entity_definitions_list_with_select_and_filter(crm_http, crm_root):
    body = ok(get(crm_http, crm_root, "EntityDefinitions", **{
        "$select": "LogicalName,EntitySetName,PrimaryIdAttribute", "$filter": "IsPrivate eq false"}))
    assert body["@odata.context"] == f"{crm_root}/$metadata#EntityDefinitions"
    by_name = {e["LogicalName"]: e for e in body["value"]}
    assert by_name["account"]["EntitySetName"] == "accounts"
    assert by_name["contact"]["PrimaryIdAttribute"] == "contactid"
    assert set(by_name["account"]) == {"LogicalName", "EntitySetName", "PrimaryIdAttribute", "MetadataId"}
    only = ok(get(crm_http, crm_root, "EntityDefinitions", **{
        "$select": "LogicalName", "$filter": "LogicalName eq 'task' or EntitySetName eq 'contacts'"}))
    assert sorted(e["LogicalName"] for e in only["value"]) == ["contact", "task"]
    activities = ok(get(crm_http, crm_root, "EntityDefinitions", **{"$select": "LogicalName",
                                                                    "$filter": "IsActivity eq true"}))
    assert [e["LogicalName"] for e in activities["value"]] == ["task"]


def test_entity_definition_by_logical_name_and_by_metadata_id(crm_http, crm_root):
    by_name = ok(get(crm_http, crm_root, "EntityDefinitions(LogicalName='account')"))
    assert by_name["@odata.context"] == f"{crm_root}/$metadata#EntityDefinitions/$entity"
    by_id = ok(get(crm_http, crm_root, f"EntityDefinitions({by_name['MetadataId']})"))
    assert by_id == by_name
    assert by_name["PrimaryNameAttribute"] == "name" and by_name["ObjectTypeCode"] == 1
    assert by_name["OwnershipType"] == "UserOwned"
    display = by_name["DisplayName"]  # the documented Label shape
    assert display["UserLocalizedLabel"]["Label"] == "Account"
    assert display["LocalizedLabels"][0] == display["UserLocalizedLabel"]
    assert display["UserLocalizedLabel"]["LanguageCode"] == 1033
    assert "Attributes" not in by_name  # navigation properties only with $expand


@pytest.mark.parametrize("path", ["EntityDefinitions(LogicalName='nosuchtable')",
                                  "EntityDefinitions(00000000-0000-0000-0000-000000000001)",
                                  "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='nosuchcolumn')",
                                  "RelationshipDefinitions(SchemaName='no_such_relationship')",
                                  "GlobalOptionSetDefinitions(Name='nosuchoptionset')",
                                  "EntityDefinitions(LogicalName='account')/Keys(LogicalName='nokey')"])
def test_unknown_definitions_are_404_object_does_not_exist(crm_http, crm_root, path):
    reply = get(crm_http, crm_root, path)
    assert reply.status_code == 404
    assert reply.json()["error"]["code"] == "0x80040217"


def test_attributes_typed_and_cast_with_option_set(crm_http, crm_root):
    attributes = ok(get(crm_http, crm_root, "EntityDefinitions(LogicalName='account')/Attributes",
                        **{"$select": "LogicalName,AttributeType"}))["value"]
    kinds = {a["LogicalName"]: (a["@odata.type"], a["AttributeType"]) for a in attributes}
    assert kinds["name"] == (f"#{NS}.StringAttributeMetadata", "String")
    assert kinds["accountcategorycode"] == (f"#{NS}.PicklistAttributeMetadata", "Picklist")
    assert kinds["statecode"] == (f"#{NS}.StateAttributeMetadata", "State")
    assert kinds["revenue"] == (f"#{NS}.MoneyAttributeMetadata", "Money")
    assert kinds["primarycontactid"] == (f"#{NS}.LookupAttributeMetadata", "Lookup")
    assert kinds["ownerid"][1] == "Owner"
    assert "_primarycontactid_value" not in kinds
    picklists = ok(get(crm_http, crm_root,
                       f"EntityDefinitions(LogicalName='account')/Attributes/{NS}.PicklistAttributeMetadata",
                       **{"$select": "LogicalName", "$expand": "OptionSet($select=Options)"}))
    assert picklists["@odata.context"].endswith(f"/Attributes/{NS}.PicklistAttributeMetadata")
    [category] = [p for p in picklists["value"] if p["LogicalName"] == "accountcategorycode"]
    options = {o["Value"]: o["Label"]["UserLocalizedLabel"]["Label"] for o in category["OptionSet"]["Options"]}
    assert options == {1: "Preferred Customer", 2: "Standard"}
    assert all(p["@odata.type"] == f"#{NS}.PicklistAttributeMetadata" for p in picklists["value"])
    single = ok(get(crm_http, crm_root,
                    f"EntityDefinitions(LogicalName='account')/Attributes(LogicalName='statuscode')/"
                    f"{NS}.StatusAttributeMetadata", **{"$expand": "OptionSet"}))
    assert {o["Value"]: o["State"] for o in single["OptionSet"]["Options"]} == {1: 0, 2: 1}
    wrong = get(crm_http, crm_root, f"EntityDefinitions(LogicalName='account')/Attributes(LogicalName='name')/"
                                    f"{NS}.PicklistAttributeMetadata")
    assert wrong.status_code == 404
    lookup = ok(get(crm_http, crm_root, "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='primarycontactid')"))
    assert lookup["Targets"] == ["contact"]
    name = ok(get(crm_http, crm_root, "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='name')"))
    assert name["MaxLength"] == 160 and name["IsPrimaryName"] is True
    assert name["RequiredLevel"]["Value"] == "SystemRequired"


def test_expand_attributes_keys_and_relationships(crm_http, crm_root):
    body = ok(get(crm_http, crm_root, "EntityDefinitions(LogicalName='account')", **{
        "$select": "LogicalName",
        "$expand": "Attributes($select=LogicalName;$filter=AttributeType eq "
                   f"{NS}.AttributeTypeCode'Picklist'),Keys($select=KeyAttributes),"
                   "OneToManyRelationships($select=SchemaName),ManyToOneRelationships,ManyToManyRelationships"}))
    assert [a["LogicalName"] for a in body["Attributes"]] == ["accountcategorycode"]
    assert body["Keys"][0]["KeyAttributes"] == ["accountnumber"]
    one_to_many = {r["SchemaName"] for r in body["OneToManyRelationships"]}
    assert {"contact_customer_accounts", "Account_Tasks", "account_parent_account"} <= one_to_many
    assert "account_primary_contact" not in one_to_many  # account is the referencing (many) side of that one
    assert body["ManyToManyRelationships"] == []
    many_to_one = {r["ReferencingEntityNavigationPropertyName"]: r for r in body["ManyToOneRelationships"]}
    assert many_to_one["primarycontactid"]["ReferencedEntity"] == "contact"
    assert many_to_one["primarycontactid"]["ReferencingAttribute"] == "primarycontactid"
    assert many_to_one["primarycontactid"]["SchemaName"] == "account_primary_contact"


def test_relationships_are_the_same_from_both_ends(crm_http, crm_root):
    one_to_many = ok(get(crm_http, crm_root, "EntityDefinitions(LogicalName='account')/OneToManyRelationships"))
    many_to_one = ok(get(crm_http, crm_root, "EntityDefinitions(LogicalName='contact')/ManyToOneRelationships"))
    [left] = [r for r in one_to_many["value"] if r["SchemaName"] == "contact_customer_accounts"]
    [right] = [r for r in many_to_one["value"] if r["SchemaName"] == "contact_customer_accounts"]
    assert left == right
    assert left["ReferencingAttribute"] == "parentcustomerid"
    assert left["ReferencedEntityNavigationPropertyName"] == "contact_customer_accounts"
    assert left["ReferencingEntityNavigationPropertyName"] == "parentcustomerid_account"
    by_schema = ok(get(crm_http, crm_root, "RelationshipDefinitions(SchemaName='contact_customer_accounts')"))
    assert by_schema["MetadataId"] == left["MetadataId"]
    by_id = ok(get(crm_http, crm_root, f"RelationshipDefinitions({left['MetadataId']})/{NS}.OneToManyRelationshipMetadata"))
    assert by_id["SchemaName"] == "contact_customer_accounts"
    listed = ok(get(crm_http, crm_root, "RelationshipDefinitions", **{
        "$select": "SchemaName", "$filter": "ReferencedEntity eq 'account' and ReferencingEntity eq 'task'"}))
    assert [r["SchemaName"] for r in listed["value"]] == ["Account_Tasks"]


def test_global_option_sets(crm_http, crm_root):
    listed = ok(get(crm_http, crm_root, "GlobalOptionSetDefinitions", **{"$select": "Name"}))
    assert "componentstate" in [o["Name"] for o in listed["value"]]
    single = ok(get(crm_http, crm_root, "GlobalOptionSetDefinitions(Name='componentstate')"))
    assert single["IsGlobal"] is True and single["@odata.type"] == f"#{NS}.OptionSetMetadata"
    assert single["Options"][0]["Label"]["UserLocalizedLabel"]["Label"] == "Published"


@pytest.mark.parametrize("params,code", [
    ({"$top": "1"}, 400), ({"$orderby": "LogicalName"}, 400), ({"$skip": "1"}, 400), ({"$count": "true"}, 400),
    ({"$select": "NoSuchProperty"}, 400), ({"$filter": "NoSuchProperty eq 1"}, 400),
    ({"$expand": "NoSuchNavigation"}, 400), ({"$filter": "LogicalName eq"}, 400), ({"$select": "Attributes"}, 400),
])
def test_unsupported_or_bad_options_are_refused(crm_http, crm_root, params, code):
    reply = get(crm_http, crm_root, "EntityDefinitions", **params)
    assert reply.status_code == code, reply.text
    assert reply.json()["error"]["code"] == "0x80060888"


def test_definitions_are_read_only_and_need_a_token(crm_http, crm_root):
    created = crm_http.post(f"{crm_root}/EntityDefinitions", json={"SchemaName": "new_thing"}, timeout=10)
    assert created.status_code == 405 and created.json()["error"]["code"] == "0x80060888"
    anonymous = requests.get(f"{crm_root}/EntityDefinitions", timeout=10)
    assert anonymous.status_code == 401


def test_sdkmessagefilters_as_dataverse_api_reads_them(crm_http, crm_root):
    body = ok(get(crm_http, crm_root, "sdkmessagefilters", **{
        "$select": "sdkmessagefilterid", "$expand": "sdkmessageid($select=name)",
        "$filter": "(sdkmessageid/name eq 'Create' or sdkmessageid/name eq 'Update' or sdkmessageid/name eq "
                   "'NoSuchMessage') and primaryobjecttypecode eq 'account'"}))
    assert sorted(row["sdkmessageid"]["name"] for row in body["value"]) == ["Create", "Update"]
    readonly = ok(get(crm_http, crm_root, "sdkmessagefilters", **{
        "$select": "name", "$filter": "primaryobjecttypecode eq 'systemuser'"}))
    assert sorted(row["name"] for row in readonly["value"]) == ["Retrieve systemuser", "RetrieveMultiple systemuser"]
    messages = ok(get(crm_http, crm_root, "sdkmessages", **{"$select": "name", "$filter": "name eq 'WhoAmI'"}))
    assert len(messages["value"]) == 1
    refused = crm_http.post(f"{crm_root}/sdkmessages", json={"name": "X"}, timeout=10)
    assert refused.status_code >= 400


def test_a_twin_org_gets_definitions_from_its_own_metadata():
    document = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "Simple.OData.Client" / "crm_schema.xml"
    if not document.exists():
        pytest.skip(f"corpus file {document} is not available")
    with SimulatorServer(SimConfig(crm_metadata_path=str(document))) as server:
        token = ropc_token(server, server.config.crm_url)
        root = f"{server.config.crm_url}/api/data/v9.2"
        headers = {"Authorization": f"Bearer {token}"}
        listed = requests.get(f"{root}/EntityDefinitions", params={"$select": "LogicalName,EntitySetName"},
                              headers=headers, timeout=30)
        assert listed.status_code == 200, listed.text
        names = {e["LogicalName"]: e["EntitySetName"] for e in listed.json()["value"]}
        assert len(names) > 200 and names["account"] == "accounts"
        keys = requests.get(f"{root}/EntityDefinitions(LogicalName='account')/Attributes",
                            params={"$select": "LogicalName"}, headers=headers, timeout=30)
        assert "name" in {a["LogicalName"] for a in keys.json()["value"]}


def test_the_select_list_power_apps_tools_send_is_served(crm_http, crm_root):
    # The $select/$expand the Power Apps code-apps CLI sends for a table (microsoft/PowerAppsCodeApps issue 319).
    select = ("MetadataId,LogicalName,DisplayCollectionName,DisplayName,EntitySetName,Description,HasNotes,IsActivity,"
              "IsIntersect,IsManaged,TableType,IsPrivate,IsLogicalEntity,PrimaryIdAttribute,PrimaryNameAttribute,"
              "ObjectTypeCode,OwnershipType,Privileges,IsAvailableOffline,IsOfflineInMobileClient")
    body = ok(get(crm_http, crm_root, "EntityDefinitions(LogicalName='account')", **{
        "$select": select,
        "$expand": "Attributes,ManyToOneRelationships,OneToManyRelationships,ManyToManyRelationships"}))
    assert set(select.split(",")) <= set(body)
    assert "prvCreateAccount" in {p["Name"] for p in body["Privileges"]}
    assert body["IsOfflineInMobileClient"] == {"Value": False, "CanBeChanged": True,
                                               "ManagedPropertyLogicalName": "canmodifymobileclientoffline"}
    assert len(body["Attributes"]) > 20 and body["ManyToOneRelationships"]
    assert all("_option_set" not in attribute for attribute in body["Attributes"])


def test_option_set_as_a_navigation_path(crm_http, crm_root):
    base = "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='accountcategorycode')"
    for path in (f"{base}/OptionSet", f"{base}/{NS}.PicklistAttributeMetadata/OptionSet"):
        body = ok(get(crm_http, crm_root, path, **{"$select": "Name,Options"}))
        assert body["Name"] == "account_accountcategorycode"
        assert [o["Value"] for o in body["Options"]] == [1, 2]
    assert get(crm_http, crm_root, f"{base}/GlobalOptionSet").status_code == 404  # a local choice
    assert get(crm_http, crm_root, "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='name')/"
                                   "OptionSet").status_code == 400
