"""Twin orgs: the simulator serves a real Dataverse `$metadata` document (both corpus documents), with
the built-in org's Dataverse behaviour, over real HTTP."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests

from harness.metadata import parse_csdl
from simulator.config import SimConfig
from simulator.server import SimulatorServer
from simulator.twin import TwinError, load_twin
from tests.tokens import app_token, minted_token, ropc_token

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "Simple.OData.Client"
DOCUMENTS = ["DynamicsCRM.xml", "crm_schema.xml"]
JSON_HEADERS = {"Accept": "application/json", "OData-MaxVersion": "4.0", "OData-Version": "4.0"}


class Twin:
    """A running twin with a signed-in admin session and the parsed input document."""

    def __init__(self, server: SimulatorServer, document: Path):
        self.server = server
        self.document = document
        self.root = f"{server.config.crm_url}/api/data/v9.2"
        self.http = requests.Session()
        self.http.headers.update({**JSON_HEADERS, "Authorization": f"Bearer {ropc_token(server, server.config.crm_url)}"})

    def url(self, path: str) -> str:
        return f"{self.root}/{path}"

    def create(self, entity_set: str, body: dict) -> dict:
        reply = self.http.post(self.url(entity_set), json=body, headers={"Prefer": "return=representation"})
        assert reply.status_code == 201, reply.text
        return reply.json()


@pytest.fixture(scope="module", params=DOCUMENTS)
def twin(request):
    document = CORPUS / request.param
    if not document.exists():
        pytest.skip(f"corpus file {document} is not available")
    with SimulatorServer(SimConfig(crm_metadata_path=str(document))) as server:
        yield Twin(server, document)


@pytest.fixture(scope="module")
def source_model(twin):
    return parse_csdl(twin.document)


def test_metadata_has_the_documents_entity_sets_and_keys(twin, source_model):
    reply = twin.http.get(twin.url("$metadata"), headers={"Accept": "application/xml"})
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/xml")
    served = parse_csdl(reply.content)
    assert set(served.entity_sets) == set(source_model.entity_sets)
    assert len(served.entity_sets) > 200
    for name in source_model.entity_sets:
        source_type = source_model.entity_set_type(name)
        served_type = served.entity_set_type(name)
        assert served_type.name == source_type.name, name
        assert served_type.key == source_type.key, name  # inherited keys: systemusers(ownerid), tasks(activityid)
        assert set(served_type.properties) <= set(source_type.properties), name
    assert served.entity_set_type("systemusers").key == ["ownerid"]
    assert served.entity_set_type("tasks").key == ["activityid"]
    assert "WhoAmI" in served.container.function_imports


def test_only_unstorable_columns_are_left_out(twin, source_model):
    served = parse_csdl(twin.http.get(twin.url("$metadata"), headers={"Accept": "application/xml"}).content)
    for name in source_model.entity_sets:
        source_type = source_model.entity_set_type(name)
        missing = set(source_type.properties) - set(served.entity_set_type(name).properties)
        for prop in missing:
            kind = source_type.properties[prop].type
            storable = kind.startswith("Edm.") and kind not in ("Edm.Stream",) or kind in source_model.enum_types
            clash = sum(p.lower() == prop.lower() for p in source_type.properties) > 1
            assert not storable or clash, f"{name}.{prop} ({kind}) was left out"
    notes = twin.server.apps.crm.state.twin.notes
    assert any("iscustomizable" in note for note in notes)


def test_whoami_for_a_user_and_an_application_user(twin):
    me = twin.http.get(twin.url("WhoAmI")).json()
    user = twin.http.get(twin.url(f"systemusers({me['UserId']})"), params={"$select": "fullname,domainname"}).json()
    assert user["domainname"] == "admin@contoso.onmicrosoft.com" and user["fullname"] == "Ada Admin"
    app = requests.get(twin.url("WhoAmI"), headers={**JSON_HEADERS, "Authorization":
                                                    f"Bearer {app_token(twin.server, twin.server.config.crm_url)}"})
    assert app.status_code == 200 and app.json()["UserId"] != me["UserId"]
    stranger = minted_token(twin.server, oid=str(uuid.uuid4()))  # signed in, but no systemuser row
    refused = requests.get(twin.url("WhoAmI"), headers={**JSON_HEADERS, "Authorization": f"Bearer {stranger}"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "0x80072560"


def test_account_create_read_update_query_delete(twin):
    me = twin.http.get(twin.url("WhoAmI")).json()["UserId"]
    name = f"Twin {uuid.uuid4().hex[:8]}"
    created = twin.create("accounts", {"name": name, "numberofemployees": 42, "telephone1": "555-0100"})
    key = created["accountid"]
    assert created["_ownerid_value"] == me and created["createdon"] and created["statecode"] == 0
    read = twin.http.get(twin.url(f"accounts({key})"), params={"$select": "name,numberofemployees"})
    assert read.status_code == 200 and read.headers["ETag"].startswith('W/"')
    assert read.json()["name"] == name and read.json()["numberofemployees"] == 42
    assert twin.http.patch(twin.url(f"accounts({key})"), json={"numberofemployees": 43}).status_code == 204
    found = twin.http.get(twin.url("accounts"), params={"$filter": f"name eq '{name}' and numberofemployees gt 42",
                                                       "$select": "name", "$count": "true"}).json()
    assert found["@odata.count"] == 1 and found["value"][0]["accountid"] == key
    annotated = twin.http.get(twin.url(f"accounts({key})"), params={"$select": "_ownerid_value"},
                              headers={"Prefer": 'odata.include-annotations="*"'}).json()
    assert annotated["_ownerid_value@OData.Community.Display.V1.FormattedValue"] == "Ada Admin"
    assert annotated["_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] == "systemuser"
    assert twin.http.delete(twin.url(f"accounts({key})")).status_code == 204
    assert twin.http.get(twin.url(f"accounts({key})")).status_code == 404


def test_lookups_bind_and_expand_both_ways(twin):
    account = twin.create("accounts", {"name": "Twin parent"})
    contact = twin.create("contacts", {"lastname": "Child", "firstname": "Ann",
                                       "parentcustomerid_account@odata.bind": f"/accounts({account['accountid']})"})
    assert contact["_parentcustomerid_value"] == account["accountid"]
    assert contact["fullname"] == "Ann Child"
    expanded = twin.http.get(twin.url(f"contacts({contact['contactid']})"),
                             params={"$expand": "parentcustomerid_account($select=name)"}).json()
    assert expanded["parentcustomerid_account"]["name"] == "Twin parent"
    children = twin.http.get(twin.url(f"accounts({account['accountid']})/contact_customer_accounts"),
                             params={"$select": "lastname"}).json()["value"]
    assert [c["lastname"] for c in children] == ["Child"]
    refused = twin.http.post(twin.url("accounts"), json={"name": "x", "_ownerid_value": account["accountid"]})
    assert refused.status_code == 400  # lookups are written through @odata.bind only, like Dataverse
    unknown = twin.http.post(twin.url("accounts"), json={"nosuchcolumn": 1})
    assert unknown.status_code == 400 and "nosuchcolumn" in unknown.json()["error"]["message"]


def test_custom_entity_of_crm_schema(twin):
    if "he_employees" not in parse_csdl(twin.document).entity_sets:
        pytest.skip("only crm_schema.xml has the custom he_employee table")
    employee = twin.create("he_employees", {"he_name": "Erika Muster", "he_employeenumber": 7,
                                            "he_city": "Hamburg"})
    assert employee["he_employeeid"] and employee["_ownerid_value"]
    rows = twin.http.get(twin.url("he_employees"), params={"$filter": "he_employeenumber eq 7 and he_city eq 'Hamburg'",
                                                           "$select": "he_name"}).json()["value"]
    assert [r["he_name"] for r in rows] == ["Erika Muster"]
    owner = twin.http.get(twin.url(f"he_employees({employee['he_employeeid']})"),
                          params={"$expand": "ownerid($select=fullname)"}).json()
    assert owner["ownerid"]["fullname"] == "Ada Admin"
    annotated = twin.http.get(twin.url(f"he_employees({employee['he_employeeid']})"), params={"$select": "he_name"},
                              headers={"Prefer": 'odata.include-annotations="*"'})
    assert annotated.status_code == 200


# ---------------------------------------------------------------------------- edge cases, small documents
SMALL = """<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="crmbaseentity" Abstract="true"/>
      <EntityType Name="principal" BaseType="mscrm.crmbaseentity" Abstract="true">
        <Key><PropertyRef Name="ownerid"/></Key>
        <Property Name="ownerid" Type="Edm.Guid"/>
      </EntityType>
      <EntityType Name="systemuser" BaseType="mscrm.principal">
        <Property Name="systemuserid" Type="Edm.Guid"/>
        <Property Name="fullname" Type="Edm.String"/>
        <Property Name="domainname" Type="Edm.String"/>
      </EntityType>
      <EntityType Name="team" BaseType="mscrm.principal">
        <Property Name="name" Type="Edm.String"/>
      </EntityType>
      <EntityType Name="zz_widget" BaseType="mscrm.crmbaseentity">
        <Key><PropertyRef Name="zz_widgetid"/></Key>
        <Property Name="zz_widgetid" Type="Edm.Guid"/>
        <Property Name="zz_name" Type="Edm.String"/>
        <Property Name="zz_code" Type="mscrm.Code"/>
        <Property Name="zz_size" Type="mscrm.Size"/>
        <Property Name="zz_tags" Type="Collection(Edm.String)"/>
        <Property Name="zz_label" Type="mscrm.Label"/>
        <Property Name="ZZ_Name" Type="Edm.String"/>
        <Property Name="createdon" Type="Edm.DateTimeOffset">
          <Annotation Term="Org.OData.Core.V1.Computed" Bool="true"/>
        </Property>
        <Property Name="_ownerid_value" Type="Edm.Guid"/>
        <Property Name="_zz_orphan_value" Type="Edm.Guid"/>
        <NavigationProperty Name="ownerid" Type="mscrm.principal" Partner="owner_zz_widget">
          <ReferentialConstraint Property="_ownerid_value" ReferencedProperty="ownerid"/>
        </NavigationProperty>
        <NavigationProperty Name="zz_widget_team" Type="Collection(mscrm.team)" Partner="zz_widget_team"/>
        <Annotation Term="OData.Community.Keys.V1.AlternateKeys">
          <Collection>
            <Record Type="OData.Community.Keys.V1.AlternateKey">
              <PropertyValue Property="Key">
                <Collection>
                  <Record Type="OData.Community.Keys.V1.PropertyRef">
                    <PropertyValue Property="Alias" String="zz_code"/>
                    <PropertyValue Property="Name" PropertyPath="zz_code"/>
                  </Record>
                </Collection>
              </PropertyValue>
            </Record>
          </Collection>
        </Annotation>
      </EntityType>
      <ComplexType Name="Label"><Property Name="Text" Type="Edm.String"/></ComplexType>
      <ComplexType Name="WhoAmIResponse">
        <Property Name="BusinessUnitId" Type="Edm.Guid" Nullable="false"/>
        <Property Name="UserId" Type="Edm.Guid" Nullable="false"/>
        <Property Name="OrganizationId" Type="Edm.Guid" Nullable="false"/>
      </ComplexType>
      <EnumType Name="Size"><Member Name="Small" Value="1"/><Member Name="Large" Value="2"/></EnumType>
      <TypeDefinition Name="Code" UnderlyingType="Edm.String"/>
      <Function Name="WhoAmI"><ReturnType Type="mscrm.WhoAmIResponse" Nullable="false"/></Function>
      <EntityContainer Name="System">
        <EntitySet Name="systemusers" EntityType="Microsoft.Dynamics.CRM.systemuser"/>
        <EntitySet Name="teams" EntityType="Microsoft.Dynamics.CRM.team"/>
        <EntitySet Name="zz_widgets" EntityType="Microsoft.Dynamics.CRM.zz_widget">
          <NavigationPropertyBinding Path="zz_widget_team" Target="teams"/>
        </EntitySet>
        <FunctionImport Name="WhoAmI" Function="Microsoft.Dynamics.CRM.WhoAmI"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"""


@pytest.fixture
def small(tmp_path) -> Path:
    path = tmp_path / "small.xml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def test_loader_keeps_what_sqlite_can_store_and_says_what_it_left_out(small):
    twin = load_twin(str(small))
    widget = twin.model.entity_set("zz_widgets").type
    names = [p.name for p in widget.properties]
    assert widget.key == ["zz_widgetid"] and widget.primary_name == "zz_name"
    assert widget.prop("zz_code").type == "Edm.String"  # type definition -> underlying type
    assert widget.prop("zz_size").type == "Size" and twin.model.enum("Size").members == {"Small": 1, "Large": 2}
    assert "zz_tags" not in names and "zz_label" not in names and "ZZ_Name" not in names
    assert widget.prop("createdon").read_only
    assert widget.prop("_ownerid_value").lookup_of == "ownerid" and widget.prop("_ownerid_value").read_only
    assert widget.prop("_zz_orphan_value").read_only and widget.prop("_zz_orphan_value").lookup_of is None
    owner = widget.nav("ownerid")
    assert owner.target_set == "systemusers"  # abstract principal -> a derived set keyed by ownerid
    assert widget.nav("zz_widget_team") is None  # many-to-many: no foreign key to follow
    assert widget.alternate_keys == [["zz_code"]]
    assert twin.model.entity_set("systemusers").type.key == ["ownerid"]
    notes = " | ".join(twin.notes)
    for left_out in ("zz_tags", "zz_label", "ZZ_Name", "zz_widget_team"):
        assert left_out in notes


def test_small_twin_serves_enums_alternate_keys_and_keeps_rows_in_a_file(small, tmp_path):
    database = f"sqlite:///{tmp_path / 'twin.db'}"
    config = SimConfig(crm_metadata_path=str(small), database_url=database)
    with SimulatorServer(config) as server:
        root = f"{server.config.crm_url}/api/data/v9.2"
        headers = {**JSON_HEADERS, "Authorization": f"Bearer {ropc_token(server, server.config.crm_url)}"}
        created = requests.post(f"{root}/zz_widgets", json={"zz_name": "Gear", "zz_code": "G-1", "zz_size": "Large"},
                                headers={**headers, "Prefer": "return=representation"})
        assert created.status_code == 201, created.text
        by_alternate = requests.get(f"{root}/zz_widgets(zz_code='G-1')", headers=headers)
        assert by_alternate.status_code == 200 and by_alternate.json()["zz_size"] == "Large"
        bad_enum = requests.post(f"{root}/zz_widgets", json={"zz_size": "Huge"}, headers=headers)
        assert bad_enum.status_code == 400
        user_id = requests.get(f"{root}/WhoAmI", headers=headers).json()["UserId"]
    with SimulatorServer(SimConfig(crm_metadata_path=str(small), database_url=database)) as server:
        root = f"{server.config.crm_url}/api/data/v9.2"
        headers = {**JSON_HEADERS, "Authorization": f"Bearer {ropc_token(server, server.config.crm_url)}"}
        assert requests.get(f"{root}/WhoAmI", headers=headers).json()["UserId"] == user_id
        users = requests.get(f"{root}/systemusers", params={"$count": "true"}, headers=headers).json()
        assert users["@odata.count"] == len(server.config.users) + 2  # not seeded twice
        assert requests.get(f"{root}/zz_widgets(zz_code='G-1')", headers=headers).status_code == 200


def test_a_table_wider_than_sqlite_allows_is_refused(tmp_path):
    columns = "".join(f'<Property Name="c{i}" Type="Edm.String"/>' for i in range(2100))
    wide = SMALL.replace('<Property Name="zz_name" Type="Edm.String"/>', columns)
    path = tmp_path / "wide.xml"
    path.write_text(wide, encoding="utf-8")
    with pytest.raises(TwinError, match=r"zz_widget.*columns.*SQLite"):
        load_twin(str(path))


@pytest.mark.parametrize(("content", "expected"), [
    (None, "no such \\$metadata file"),
    ("<edmx:Edmx xmlns:edmx='http://docs.oasis-open.org/odata/ns/edmx'><unclosed>", "not well-formed XML"),
    ("<html><body>sign in</body></html>", "expected <edmx:Edmx>"),
    ("<edmx:Edmx xmlns:edmx='http://schemas.microsoft.com/ado/2007/06/edmx'/>", "OData v1-v3"),
    ("<edmx:Edmx xmlns:edmx='http://docs.oasis-open.org/odata/ns/edmx'/>", "no <EntityContainer>"),
])
def test_unusable_documents_are_clear_errors(tmp_path, content, expected):
    path = tmp_path / "org.xml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(TwinError, match=expected) as raised:
        load_twin(str(path))
    assert str(path) in str(raised.value)


def test_a_missing_base_type_is_named(tmp_path):
    path = tmp_path / "org.xml"
    path.write_text(SMALL.replace('BaseType="mscrm.principal">\n        <Property Name="systemuserid"',
                                  'BaseType="mscrm.nosuchbase">\n        <Property Name="systemuserid"'))
    with pytest.raises(TwinError, match="nosuchbase"):
        load_twin(str(path))


def test_command_line_twin_with_a_bad_file_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "org.xml"
    bad.write_text("not xml at all")
    result = subprocess.run([sys.executable, "-m", "simulator", "--port", "0", "--crm-metadata", str(bad)],
                            capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and str(bad) in result.stderr
    assert "Traceback" not in result.stderr


def test_dataverse_query_surface_in_twin_mode(twin):
    name = f"Twin FX {uuid.uuid4().hex[:8]}"
    for employees in (10, 20, 30):
        twin.create("accounts", {"name": f"{name} {employees}", "numberofemployees": employees})
    fetch = ("<fetch><entity name='account'><attribute name='name'/><attribute name='numberofemployees'/>"
             f"<order attribute='numberofemployees' descending='true'/><filter>"
             f"<condition attribute='name' operator='begins-with' value='{name}'/></filter></entity></fetch>")
    got = twin.http.get(twin.url("accounts"), params={"fetchXml": fetch})
    assert got.status_code == 200, got.text
    assert [r["numberofemployees"] for r in got.json()["value"]] == [30, 20, 10]
    applied = twin.http.get(twin.url("accounts"), params={
        "$apply": f"filter(startswith(name,'{name}'))/aggregate(numberofemployees with sum as total,$count as n)"})
    assert applied.status_code == 200, applied.text
    assert applied.json()["value"] == [{"total": 60, "n": 3}]
    between = twin.http.get(twin.url("accounts"), params={
        "$filter": "startswith(name,@p) and Microsoft.Dynamics.CRM.Between(PropertyName='numberofemployees',"
                   "PropertyValues=[\"15\",\"35\"])", "@p": f"'{name}'", "$select": "name"})
    assert between.status_code == 200, between.text
    assert len(between.json()["value"]) == 2
    assert twin.http.get(twin.url("accounts"), params={"sql": "SELECT name FROM account"}).status_code == 400
