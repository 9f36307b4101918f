"""parse_csdl on handmade CSDL (inheritance, aliases, keys, enums, annotations) and the real corpus."""

from __future__ import annotations

import io

import pytest

from harness.metadata import parse_csdl
from harness.metadata.model import EntityType

from .conftest import CRM_SCHEMA, DATA, DYNAMICS_CRM

EDMX_HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">\n'
    "<edmx:DataServices>\n"
)
EDMX_TAIL = "</edmx:DataServices>\n</edmx:Edmx>\n"


def csdl(schema_body: str, namespace: str = "Test.NS", alias: str | None = "t") -> str:
    alias_attr = f' Alias="{alias}"' if alias else ""
    return (
        EDMX_HEAD
        + f'<Schema Namespace="{namespace}"{alias_attr} xmlns="http://docs.oasis-open.org/odata/ns/edm">\n'
        + schema_body
        + "\n</Schema>\n"
        + EDMX_TAIL
    )


# -- handmade Dataverse-shaped document ----------------------------------------------------------


def test_aliases_are_resolved_everywhere(dataverse_small):
    model = dataverse_small
    assert model.aliases["mscrm"] == "Microsoft.Dynamics.CRM"
    assert model.aliases["Core"] == "Org.OData.Core.V1"
    account = model.entity_types["Microsoft.Dynamics.CRM.account"]
    assert account.base_type == "Microsoft.Dynamics.CRM.crmbaseentity"
    assert account.properties["iscustomizable"].type == "Microsoft.Dynamics.CRM.BooleanManagedProperty"
    nav = account.navigation_properties["Account_Tasks"]
    assert (nav.type, nav.collection, nav.partner) == ("Microsoft.Dynamics.CRM.task", True, "regardingobjectid_account_task")
    # an EntitySet written with the alias resolves to the same type
    assert model.entity_sets["contacts"].entity_type == "Microsoft.Dynamics.CRM.contact"
    assert model.entity_type("mscrm.account") is account
    assert model.entity_type("account") is account
    assert model.resolve_name("Collection(mscrm.task)") == "Collection(Microsoft.Dynamics.CRM.task)"


def test_keys_and_properties_are_inherited(dataverse_small):
    model = dataverse_small
    user = model.entity_types["Microsoft.Dynamics.CRM.systemuser"]
    assert user.declared_key == []
    assert user.key == ["ownerid"]  # from principal
    assert list(user.properties) == ["ownerid", "systemuserid", "fullname"]  # base members first
    assert list(user.declared_properties) == ["systemuserid", "fullname"]
    task = model.entity_types["Microsoft.Dynamics.CRM.task"]
    assert task.key == ["activityid"]  # from activitypointer
    assert "subject" in task.properties and task.properties["subject"].max_length == 200
    assert model.entity_set_type("tasks") is task


def test_property_facets_and_annotations(dataverse_small):
    account = dataverse_small.entity_types["Microsoft.Dynamics.CRM.account"]
    props = account.properties
    assert props["name"].max_length == 160 and props["name"].nullable
    assert props["revenue"].scale == "variable"
    assert props["versionnumber"].concurrency_token and props["versionnumber"].read_only
    assert props["createdon"].computed and props["createdon"].read_only
    assert props["_primarycontactid_value"].computed
    assert not props["name"].computed and not props["name"].read_only
    assert props["accountid"].description == "Unique identifier of the account."
    assert account.description == "Business that represents a customer."
    # Tag annotation without a value, written with the Core alias, means true
    fullname = dataverse_small.entity_types["Microsoft.Dynamics.CRM.systemuser"].properties["fullname"]
    assert fullname.computed
    nav = account.navigation_properties["primarycontactid"]
    assert not nav.nullable and not nav.collection
    assert [(c.property, c.referenced_property) for c in nav.referential_constraints] == [
        ("_primarycontactid_value", "contactid")
    ]


def test_alternate_keys(dataverse_small):
    account = dataverse_small.entity_types["Microsoft.Dynamics.CRM.account"]
    assert [(k.properties, k.aliases) for k in account.alternate_keys] == [(("accountnumber",), ("accountnumber",))]


def test_enums_flags_and_implicit_values(dataverse_small):
    rights = dataverse_small.enum_types["Microsoft.Dynamics.CRM.AccessRights"]
    assert rights.is_flags and [(m.name, m.value) for m in rights.members] == [
        ("None", 0), ("ReadAccess", 1), ("WriteAccess", 2),
    ]
    access = dataverse_small.enum_types["Microsoft.Dynamics.CRM.EndpointAccessType"]
    assert not access.is_flags
    assert [(m.name, m.value) for m in access.members] == [("Default", 0), ("Internet", 1), ("Intranet", 2)]


def test_operations_and_container(dataverse_small):
    model = dataverse_small
    (whoami,) = model.functions["Microsoft.Dynamics.CRM.WhoAmI"]
    assert not whoami.is_bound and whoami.return_type.type == "Microsoft.Dynamics.CRM.WhoAmIResponse"
    assert not whoami.return_type.nullable
    (access,) = model.functions["Microsoft.Dynamics.CRM.RetrievePrincipalAccess"]
    assert access.is_bound and access.binding_type == "Microsoft.Dynamics.CRM.systemuser"
    assert [p.type for p in access.parameters] == ["Microsoft.Dynamics.CRM.systemuser", "Microsoft.Dynamics.CRM.crmbaseentity"]
    (queue,) = model.actions["Microsoft.Dynamics.CRM.AddToQueue"]
    assert queue.is_bound and queue.return_type is None
    container = model.container
    assert container.full_name == "Microsoft.Dynamics.CRM.System"
    assert container.entity_sets["accounts"].navigation_bindings == {
        "primarycontactid": "contacts", "Account_Tasks": "tasks",
    }
    assert container.entity_sets["accounts"].capabilities == {"SkipSupported": False, "CountRestrictions.Countable": True}
    assert container.function_imports["WhoAmI"].operation == "Microsoft.Dynamics.CRM.WhoAmI"
    assert container.function_imports["RetrieveCurrentOrganization"].operation == (
        "Microsoft.Dynamics.CRM.RetrieveCurrentOrganization"
    )
    assert container.action_imports["PublishAllXml"].kind == "action"


def test_composite_keys_and_enum_properties(fno_small):
    line = fno_small.entity_type("PurchaseOrderLineV2")
    assert line.key == ["dataAreaId", "PurchaseOrderNumber", "LineNumber"]
    assert line.properties["dataAreaId"].max_length == 4 and not line.properties["dataAreaId"].nullable
    customer = fno_small.entity_type("CustomerV3")
    assert customer.properties["IsSalesTaxIncludedInPrice"].type == "Microsoft.Dynamics.DataEntities.NoYes"
    assert customer.properties["CreditLimit"].precision == 32 and customer.properties["CreditLimit"].scale == 6
    assert fno_small.container.name == "Resources"
    (action,) = fno_small.actions["Microsoft.Dynamics.DataEntities.GetAzureWriteUrl"]
    assert action.binding_type == "Collection(Microsoft.Dynamics.DataEntities.LegalEntity)"


def test_containment_navigation(bc_small):
    company = bc_small.entity_type("NAV.company")
    assert company.navigation_properties["customers"].contains_target
    assert bc_small.entity_type("customer").properties["type"].type == "Microsoft.NAV.contactType"


# -- smaller shapes --------------------------------------------------------------------------------


def test_out_of_line_annotations_singletons_typedefs_and_overloads():
    text = csdl(
        """
        <TypeDefinition Name="Code" UnderlyingType="Edm.String" MaxLength="10"/>
        <ComplexType Name="Address"><Property Name="City" Type="Edm.String"/></ComplexType>
        <ComplexType Name="PostalAddress" BaseType="t.Address"><Property Name="Zip" Type="t.Code"/></ComplexType>
        <EntityType Name="Thing" OpenType="true" HasStream="true">
          <Key><PropertyRef Name="Id"/></Key>
          <Property Name="Id" Type="Edm.Int32" Nullable="false"/>
          <Property Name="Stamp" Type="Edm.DateTimeOffset"/>
          <Property Name="Where" Type="t.PostalAddress"/>
          <Property Name="Tags" Type="Collection(Edm.String)"/>
        </EntityType>
        <Function Name="Find"><Parameter Name="a" Type="Edm.Int32"/><ReturnType Type="t.Thing"/></Function>
        <Function Name="Find"><Parameter Name="a" Type="Edm.String"/><ReturnType Type="Collection(t.Thing)"/></Function>
        <EntityContainer Name="C">
          <EntitySet Name="Things" EntityType="t.Thing"/>
          <Singleton Name="Me" Type="t.Thing"><NavigationPropertyBinding Path="x" Target="Things"/></Singleton>
        </EntityContainer>
        <Annotations Target="t.Thing/Stamp">
          <Annotation Term="Org.OData.Core.V1.Computed" Bool="true"/>
          <Annotation Term="Org.OData.Core.V1.Description" String="Server time"/>
        </Annotations>
        <Annotations Target="t.C/Things">
          <Annotation Term="Org.OData.Capabilities.V1.InsertRestrictions">
            <Record><PropertyValue Property="Insertable" Bool="false"/></Record>
          </Annotation>
        </Annotations>
        """
    )
    model = parse_csdl(text)
    thing = model.entity_types["Test.NS.Thing"]
    assert thing.open_type and thing.has_stream
    assert thing.properties["Stamp"].computed and thing.properties["Stamp"].description == "Server time"
    assert thing.properties["Tags"].is_collection and thing.properties["Tags"].element_type == "Edm.String"
    assert model.entity_sets["Things"].capabilities == {"InsertRestrictions.Insertable": False}
    assert model.singletons["Me"].type == "Test.NS.Thing"
    assert model.singletons["Me"].navigation_bindings == {"x": "Things"}
    assert model.type_definitions["Test.NS.Code"].underlying_type == "Edm.String"
    postal = model.complex_types["Test.NS.PostalAddress"]
    assert list(postal.properties) == ["City", "Zip"]
    assert [op.signature for op in model.functions["Test.NS.Find"]] == [
        "Test.NS.Find(a:Edm.Int32)", "Test.NS.Find(a:Edm.String)",
    ]


def test_key_redeclared_by_derived_type_wins():
    # Dataverse re-declares activitypointer's key on every activity type; CSDL forbids it, we accept it.
    text = csdl(
        """
        <EntityType Name="Base" Abstract="true"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.Guid"/></EntityType>
        <EntityType Name="Derived" BaseType="t.Base"><Key><PropertyRef Name="id"/></Key></EntityType>
        """
    )
    assert parse_csdl(text).entity_types["Test.NS.Derived"].key == ["id"]


def test_member_annotations_do_not_describe_the_enum():
    text = csdl(
        """
        <EnumType Name="E">
          <Member Name="A"><Annotation Term="Org.OData.Core.V1.Description" String="member A"/></Member>
          <Annotation Term="Org.OData.Core.V1.Description" String="the enum"/>
        </EnumType>
        """
    )
    assert parse_csdl(text).enum_types["Test.NS.E"].description == "the enum"


@pytest.mark.parametrize("kind", ["path", "str_path", "bytes", "text", "file"])
def test_input_forms(kind):
    path = DATA / "bc_small.xml"
    source = {
        "path": path,
        "str_path": str(path),
        "bytes": path.read_bytes(),
        "text": path.read_text(),
        "file": io.BytesIO(path.read_bytes()),
    }[kind]
    model = parse_csdl(source)
    assert set(model.entity_sets) == {"companies", "customers", "items"}
    expected = {"bytes": "<bytes>", "text": "<string>", "file": "<stream>"}.get(kind, str(path))
    assert model.source == expected


def test_bom_prefixed_document_parses():
    text = "\ufeff" + csdl('<EntityType Name="X"><Key><PropertyRef Name="i"/></Key><Property Name="i" Type="Edm.Int32"/></EntityType>')
    assert "Test.NS.X" in parse_csdl(text.encode("utf-8")).entity_types


# -- real corpus -----------------------------------------------------------------------------------

# Counted with grep over the files. SOURCES.md lists 265/237/139/132 for DynamicsCRM.xml: those are the
# counts of the repository's later version, which injects one test ExampleEntity/Set/Action/Complex type.
CORPUS_COUNTS = {
    DYNAMICS_CRM.name: dict(
        entity_types=264, entity_sets=236, actions=138, functions=166, action_imports=79, function_imports=50,
        complex_types=131, enum_types=33, navigation=4856, lookups=1422, alternate_key_types=0,
    ),
    CRM_SCHEMA.name: dict(
        entity_types=280, entity_sets=252, actions=149, functions=174, action_imports=87, function_imports=57,
        complex_types=150, enum_types=38, navigation=5228, lookups=1554, alternate_key_types=28,
    ),
}


@pytest.mark.parametrize("fixture", ["dynamics_crm", "crm_schema"])
def test_corpus_counts(fixture, request):
    model = request.getfixturevalue(fixture)
    expected = CORPUS_COUNTS[model.source.rsplit("/", 1)[-1]]
    types = model.entity_types.values()
    actual = dict(
        entity_types=len(model.entity_types),
        entity_sets=len(model.entity_sets),
        actions=sum(len(v) for v in model.actions.values()),
        functions=sum(len(v) for v in model.functions.values()),
        action_imports=len(model.container.action_imports),
        function_imports=len(model.container.function_imports),
        complex_types=len(model.complex_types),
        enum_types=len(model.enum_types),
        navigation=sum(len(t.declared_navigation) for t in types),
        lookups=sum(1 for t in types for p in t.declared_properties if p.startswith("_") and p.endswith("_value")),
        alternate_key_types=sum(1 for t in types if t.alternate_keys),
    )
    assert actual == expected
    assert model.container.name == "System" and model.aliases["mscrm"] == "Microsoft.Dynamics.CRM"
    # every set points at a known type and every non-abstract set type has a single GUID key
    for entity_set in model.entity_sets.values():
        entity_type = model.entity_types[entity_set.entity_type]
        assert len(entity_type.key) == 1
        assert entity_type.properties[entity_type.key[0]].type == "Edm.Guid"


def test_corpus_inheritance(dynamics_crm):
    model = dynamics_crm
    account: EntityType = model.entity_type("mscrm.account")
    assert account.key == ["accountid"] and account.base_type == "Microsoft.Dynamics.CRM.crmbaseentity"
    assert model.entity_types["Microsoft.Dynamics.CRM.crmbaseentity"].abstract
    # systemuser and team share principal's ownerid key; activities share activitypointer's activityid
    for name in ("systemuser", "team"):
        assert model.entity_type(name).base_type == "Microsoft.Dynamics.CRM.principal"
        assert "ownerid" in model.entity_type(name).properties
    assert model.entity_type("task").key == ["activityid"]
    assert model.entity_type("task").base_type == "Microsoft.Dynamics.CRM.activitypointer"
    assert model.entity_sets["accounts"].capabilities["SkipSupported"] is False
    assert model.entity_type("account").properties["openrevenue"].computed
    assert model.entity_type("account").properties["versionnumber"].read_only


def test_corpus_alternate_keys_and_custom_entity(crm_schema):
    model = crm_schema
    assert model.entity_sets["he_employees"].entity_type == "Microsoft.Dynamics.CRM.he_employee"
    assert model.entity_type("he_employee").key == ["he_employeeid"]
    entity_metadata = model.entity_type("EntityMetadata")
    assert [k.properties for k in entity_metadata.alternate_keys] == [("LogicalName",)]
    assert [k.aliases for k in entity_metadata.alternate_keys] == [("LogicalName",)]
    assert model.entity_type("account").description.startswith("Ein Geschäft")
