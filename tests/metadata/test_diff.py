"""diff_metadata: drift between two `$metadata` documents, as JSON and as a readable report."""

from __future__ import annotations

import json

import pytest

from harness.metadata import diff_metadata, parse_csdl

from .test_parser import csdl

OLD = csdl(
    """
    <EnumType Name="Status"><Member Name="Open" Value="0"/><Member Name="Closed" Value="1"/><Member Name="Gone" Value="2"/></EnumType>
    <EntityType Name="Base" Abstract="true">
      <Key><PropertyRef Name="id"/></Key>
      <Property Name="id" Type="Edm.Guid" Nullable="false"/>
      <Property Name="createdon" Type="Edm.DateTimeOffset"/>
    </EntityType>
    <EntityType Name="Order" BaseType="t.Base">
      <Property Name="number" Type="Edm.String" MaxLength="20"/>
      <Property Name="amount" Type="Edm.Int32"/>
      <Property Name="note" Type="Edm.String" MaxLength="100"/>
      <Property Name="status" Type="t.Status" Nullable="false"/>
      <Property Name="legacy" Type="Edm.String"/>
      <NavigationProperty Name="customer" Type="t.Customer" Partner="orders"/>
      <NavigationProperty Name="lines" Type="Collection(t.Line)"/>
    </EntityType>
    <EntityType Name="Customer" BaseType="t.Base">
      <Property Name="name" Type="Edm.String"/>
      <NavigationProperty Name="orders" Type="Collection(t.Order)" Partner="customer"/>
    </EntityType>
    <EntityType Name="Line"><Key><PropertyRef Name="order"/><PropertyRef Name="no"/></Key>
      <Property Name="order" Type="Edm.Guid" Nullable="false"/><Property Name="no" Type="Edm.Int32" Nullable="false"/>
    </EntityType>
    <Action Name="Ship" IsBound="true"><Parameter Name="o" Type="t.Order"/></Action>
    <Function Name="Total"><ReturnType Type="Edm.Int32"/></Function>
    <EntityContainer Name="C">
      <EntitySet Name="Orders" EntityType="t.Order"/>
      <EntitySet Name="Customers" EntityType="t.Customer"/>
      <EntitySet Name="Lines" EntityType="t.Line"/>
      <FunctionImport Name="Total" Function="t.Total"/>
    </EntityContainer>
    """
)

NEW = csdl(
    """
    <EnumType Name="Status"><Member Name="Open" Value="0"/><Member Name="Closed" Value="5"/><Member Name="Held" Value="3"/></EnumType>
    <EntityType Name="Base" Abstract="true">
      <Key><PropertyRef Name="id"/></Key>
      <Property Name="id" Type="Edm.Guid" Nullable="false"/>
      <Property Name="createdon" Type="Edm.DateTimeOffset"/>
    </EntityType>
    <EntityType Name="Order" BaseType="t.Base">
      <Property Name="number" Type="Edm.String" MaxLength="10"/>
      <Property Name="amount" Type="Edm.Decimal"/>
      <Property Name="note" Type="Edm.String" MaxLength="200"/>
      <Property Name="status" Type="t.Status"/>
      <Property Name="region" Type="Edm.String"/>
      <Property Name="code" Type="Edm.String" Nullable="false"/>
      <NavigationProperty Name="customer" Type="t.Customer" Partner="placed"/>
      <NavigationProperty Name="invoice" Type="t.Invoice"/>
    </EntityType>
    <EntityType Name="Customer" BaseType="t.Base">
      <Property Name="name" Type="Edm.String"/>
      <NavigationProperty Name="placed" Type="Collection(t.Order)" Partner="customer"/>
    </EntityType>
    <EntityType Name="Line"><Key><PropertyRef Name="no"/></Key>
      <Property Name="order" Type="Edm.Guid" Nullable="false"/><Property Name="no" Type="Edm.Int32" Nullable="false"/>
    </EntityType>
    <EntityType Name="Invoice"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.Guid" Nullable="false"/></EntityType>
    <Action Name="Ship" IsBound="true"><Parameter Name="o" Type="t.Order"/><Parameter Name="when" Type="Edm.Date"/></Action>
    <Function Name="Total"><ReturnType Type="Edm.Int64"/></Function>
    <EntityContainer Name="C">
      <EntitySet Name="Orders" EntityType="t.Order"/>
      <EntitySet Name="Customers" EntityType="t.Customer"/>
      <EntitySet Name="Lines" EntityType="t.Line"/>
      <EntitySet Name="Invoices" EntityType="t.Invoice"/>
      <FunctionImport Name="Total" Function="t.Total"/>
    </EntityContainer>
    """
)


@pytest.fixture(scope="module")
def drift():
    return diff_metadata(parse_csdl(OLD), parse_csdl(NEW))


def changes(drift, category: str) -> dict[tuple[str, str, str], tuple]:
    return {(c.kind, c.path, c.detail): (c.old, c.new, c.breaking) for c in drift.of(category)}


def test_entity_sets_and_types(drift):
    assert changes(drift, "entity_set") == {("added", "Invoices", ""): (None, "Test.NS.Invoice", False)}
    assert changes(drift, "entity_type") == {("added", "Test.NS.Invoice", ""): (None, None, False)}


def test_properties(drift):
    found = changes(drift, "property")
    order = "Test.NS.Order"
    assert found == {
        ("removed", f"{order}/legacy", ""): ("Edm.String", None, True),
        ("added", f"{order}/region", ""): (None, "Edm.String", False),
        # a new non-nullable writable property without default breaks existing creates
        ("added", f"{order}/code", ""): (None, "Edm.String", True),
        ("changed", f"{order}/amount", "type"): ("Edm.Int32", "Edm.Decimal", True),
        ("changed", f"{order}/number", "max_length"): (20, 10, True),
        ("changed", f"{order}/note", "max_length"): (100, 200, False),
        ("changed", f"{order}/status", "nullable"): (False, True, True),
    }
    # inherited members are compared as the wire sees them, but unchanged ones are not reported
    assert not any("createdon" in c.path for c in drift.changes)


def test_keys(drift):
    assert changes(drift, "key") == {("changed", "Test.NS.Line", "key"): (["order", "no"], ["no"], True)}


def test_navigation(drift):
    assert changes(drift, "navigation") == {
        ("removed", "Test.NS.Order/lines", ""): ("Collection(Test.NS.Line)", None, True),
        ("added", "Test.NS.Order/invoice", ""): (None, "Test.NS.Invoice", False),
        ("changed", "Test.NS.Order/customer", "partner"): ("orders", "placed", False),
        ("removed", "Test.NS.Customer/orders", ""): ("Collection(Test.NS.Order)", None, True),
        ("added", "Test.NS.Customer/placed", ""): (None, "Collection(Test.NS.Order)", False),
    }


def test_enums(drift):
    assert changes(drift, "enum_member") == {
        ("removed", "Test.NS.Status/Gone", ""): (2, None, True),
        ("added", "Test.NS.Status/Held", ""): (None, 3, False),
        ("changed", "Test.NS.Status/Closed", "value"): (1, 5, True),
    }


def test_operations(drift):
    assert changes(drift, "action") == {
        ("removed", "Test.NS.Ship(o:Test.NS.Order)", ""): (None, None, True),
        ("added", "Test.NS.Ship(o:Test.NS.Order,when:Edm.Date)", ""): (None, None, False),
    }
    assert changes(drift, "function") == {
        ("changed", "Test.NS.Total()", "return_type"): ("Edm.Int32", "Edm.Int64", True),
    }
    assert drift.of("function_import") == []


def test_reports(drift):
    data = json.loads(drift.to_json())
    assert data["breaking"] == len(drift.breaking) == 12
    assert data["summary"]["property"] == {"added": 2, "removed": 1, "changed": 4}
    assert {"kind", "category", "path", "detail", "old", "new", "breaking"} == set(data["changes"][0])
    text = drift.to_text()
    assert text.splitlines()[0] == "Metadata drift: <string> -> <string>"
    assert "Breaking changes (12):" in text and "Other changes (" in text
    assert "  ~ property Test.NS.Order/amount: type Edm.Int32 -> Edm.Int64" not in text
    assert "  ~ property Test.NS.Order/amount: type Edm.Int32 -> Edm.Decimal" in text
    assert "  - removed property Test.NS.Order/legacy (Edm.String)" in text
    assert "  + added entity set Invoices (Test.NS.Invoice)" in text
    # breaking changes come before the compatible ones
    assert text.index("removed property") < text.index("added entity set")


def test_identical_documents_have_no_drift():
    report = diff_metadata(parse_csdl(OLD), parse_csdl(OLD))
    assert report.is_empty and report.breaking == []
    assert report.to_text().endswith("No differences.")
    assert json.loads(report.to_json())["changes"] == []


def test_corpus_v81_online_to_v82_onprem(dynamics_crm, crm_schema):
    report = diff_metadata(dynamics_crm, crm_schema)
    added_sets = {c.path for c in report.of("entity_set", "added")}
    assert len(added_sets) == 16 and "he_employees" in added_sets
    assert report.of("entity_set", "removed") == []
    summary = report.summary()
    assert summary["entity_type"] == {"added": 16, "removed": 0, "changed": 0}
    assert summary["navigation"] == {"added": 200, "removed": 0, "changed": 0}
    assert summary["property"]["added"] == 148
    assert summary["key"] == {"added": 0, "removed": 0, "changed": 28}  # alternate keys appear in v8.2
    assert {c.path for c in report.of("action", "removed")} >= {
        "Microsoft.Dynamics.CRM.SetProcess(Target:Microsoft.Dynamics.CRM.crmbaseentity,"
        "NewProcess:Microsoft.Dynamics.CRM.crmbaseentity)"
    }
    assert [c.path for c in report.of("action_import", "removed")] == ["CancelContract"]
    lookup = "Microsoft.Dynamics.CRM.account/_he_employeeid_value"
    assert ("added", lookup) in {(c.kind, c.path) for c in report.changes}
    flags = {c.path for c in report.of("enum_type", "changed") if c.detail == "is_flags"}
    assert "Microsoft.Dynamics.CRM.AccessRights" in flags
    assert all(c.breaking for c in report.of("action", "removed"))
    assert len(report.breaking) == 20
    # the reverse direction turns every addition into a breaking removal
    assert len(diff_metadata(crm_schema, dynamics_crm).breaking) > 400
    text = report.to_text()
    assert "+ added entity set he_employees (Microsoft.Dynamics.CRM.he_employee)" in text
