"""Key formatting and parsing per dialect, and the malformed-URL errors."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest

from harness.errors import HarnessError
from harness.odata import (
    BUSINESS_CENTRAL,
    DATAVERSE,
    FNO,
    EntityRef,
    ODataClient,
    ODataUrlError,
    entity_path,
    format_key,
    parse_entity_id,
    validate_path,
)

GUID = "7eb682f1-ca75-e511-80d4-00155d2a68d1"
ROOT = "https://org.crm.dynamics.com/api/data/v9.2"


# ---------------------------------------------------------------------- Dataverse
def test_dataverse_primary_key_is_bare_lowercase_guid():
    assert entity_path("accounts", GUID.upper(), DATAVERSE) == f"accounts({GUID})"
    assert entity_path("accounts", uuid.UUID(GUID), DATAVERSE) == f"accounts({GUID})"


def test_dataverse_rejects_braced_and_non_guid_primary_keys():
    with pytest.raises(ODataUrlError, match="braces") as info:
        format_key("{" + GUID + "}", DATAVERSE)
    assert GUID in str(info.value)
    with pytest.raises(ODataUrlError, match="not a GUID"):
        format_key("anonymous", DATAVERSE)
    with pytest.raises(ODataUrlError, match="not a GUID"):
        format_key(42, DATAVERSE)


def test_dataverse_alternate_keys_quote_strings_and_keep_order():
    assert entity_path("accounts", {"accountnumber": "X"}, DATAVERSE) == "accounts(accountnumber='X')"
    assert entity_path("contacts", {"firstname": "Joe", "emailaddress1": "a@b.c"}, DATAVERSE) == (
        "contacts(firstname='Joe',emailaddress1='a@b.c')")
    assert entity_path("things", {"code": 7, "name": "a"}, DATAVERSE) == "things(code=7,name='a')"


def test_dataverse_lookup_key_is_a_bare_guid_even_from_a_string():
    assert entity_path("accounts", {"_primarycontactid_value": GUID.upper()}, DATAVERSE) == (
        f"accounts(_primarycontactid_value={GUID})")
    with pytest.raises(ODataUrlError, match="_primarycontactid_value"):
        format_key({"_primarycontactid_value": "joe"}, DATAVERSE)


def test_key_values_are_percent_encoded_but_quotes_stay():
    path = entity_path("accounts", {"accountnumber": "O'Bryan & Sons #1/2+3 50%"}, DATAVERSE)
    assert path == "accounts(accountnumber='O''Bryan%20%26%20Sons%20%231%2F2%2B3%2050%25')"
    assert unquote(path) == "accounts(accountnumber='O''Bryan & Sons #1/2+3 50%')"


# ---------------------------------------------------------------------- F&O
def test_fno_composite_key_puts_dataareaid_first():
    key = {"CustomerAccount": "US-001", "dataAreaId": "usmf"}
    assert entity_path("CustomersV3", key, FNO) == "CustomersV3(dataAreaId='usmf',CustomerAccount='US-001')"
    line = {"LineNumber": 20, "PurchaseOrderNumber": "WSPO-0422062", "DataAreaId": "whsl"}
    assert format_key(line, FNO) == "DataAreaId='whsl',LineNumber=20,PurchaseOrderNumber='WSPO-0422062'"


def test_fno_datetime_and_quote_escaping_in_keys():
    key = {"RequestId": "USMF-000065", "LeaveDate": datetime(2019, 10, 4, 12, tzinfo=UTC), "dataAreaId": "USMF"}
    assert format_key(key, FNO) == "dataAreaId='USMF',RequestId='USMF-000065',LeaveDate=2019-10-04T12:00:00Z"
    assert format_key({"dataAreaId": "usmf", "Name": "O'Neil"}, FNO) == "dataAreaId='usmf',Name='O''Neil'"


def test_fno_single_string_key():
    assert entity_path("LegalEntities", "dat", FNO) == "LegalEntities('dat')"


# ---------------------------------------------------------------------- BC
def test_bc_guid_keys_are_bare_and_other_strings_quoted():
    assert entity_path("customers", GUID.upper(), BUSINESS_CENTRAL) == f"customers({GUID})"
    assert entity_path("Customer", "10000", BUSINESS_CENTRAL) == "Customer('10000')"
    assert entity_path("SalesOrder", {"Document_Type": "Order", "No": "101005"}, BUSINESS_CENTRAL) == (
        "SalesOrder(Document_Type='Order',No='101005')")


def test_empty_key_is_refused():
    with pytest.raises(ODataUrlError):
        format_key({}, FNO)


# ---------------------------------------------------------------------- parsing
def test_parse_dataverse_entity_id_header():
    ref = parse_entity_id(f"{ROOT}/accounts({GUID})", DATAVERSE)
    assert ref == EntityRef("accounts", uuid.UUID(GUID))
    assert ref.path(DATAVERSE) == f"accounts({GUID})"


def test_parse_fno_odata_id_with_encoded_quotes():
    url = "https://fo.example.com/data/CustomersV3(dataAreaId=%27usmf%27,CustomerAccount=%27US-001%27)"
    assert parse_entity_id(url, FNO) == EntityRef("CustomersV3",
                                                  {"dataAreaId": "usmf", "CustomerAccount": "US-001"})


def test_parse_relative_and_typed_key_parts():
    ref = parse_entity_id("/PurchaseOrderLinesV2(dataAreaId='whsl',PurchaseOrderNumber='WSPO-1',LineNumber=20)")
    assert ref.key == {"dataAreaId": "whsl", "PurchaseOrderNumber": "WSPO-1", "LineNumber": 20}
    ref = parse_entity_id("MyLeaveRequests(LeaveDate=2019-10-04T12:00:00Z,dataAreaId='USMF')")
    assert ref.key["LeaveDate"] == datetime(2019, 10, 4, 12, tzinfo=UTC)


def test_parse_takes_the_last_segment_and_ignores_the_query():
    ref = parse_entity_id(f"{ROOT}/accounts({GUID})/Account_Tasks({GUID})?$select=subject")
    assert ref.entity_set == "Account_Tasks"


@pytest.mark.parametrize(("dialect", "entity_set", "key"), [
    (DATAVERSE, "accounts", uuid.UUID(GUID)),
    (DATAVERSE, "accounts", {"accountnumber": "a/b,c)(d'e&f#g+h%i"}),
    (DATAVERSE, "accounts", {"_primarycontactid_value": uuid.UUID(GUID)}),
    (FNO, "CustomersV3", {"dataAreaId": "usmf", "CustomerAccount": "O'Neil/1"}),
    (FNO, "PurchaseOrderLinesV2", {"dataAreaId": "whsl", "PurchaseOrderNumber": "P", "LineNumber": 20}),
    (BUSINESS_CENTRAL, "customers", uuid.UUID(GUID)),
    (BUSINESS_CENTRAL, "Customer", "10000"),
])
def test_format_then_parse_round_trips(dialect, entity_set, key):
    url = ODataClient("https://host.example/root", dialect).url_for(entity_path(entity_set, key, dialect))
    assert parse_entity_id(url, dialect) == EntityRef(entity_set, key)


def test_parse_refuses_urls_without_a_key():
    with pytest.raises(ODataUrlError, match="no key"):
        parse_entity_id(f"{ROOT}/accounts")


# ---------------------------------------------------------------------- malformed paths
@pytest.mark.parametrize(("path", "problem", "position"), [
    (f"accounts({{{GUID}}})", "braces", 9),
    ("accounts(name='x)", "unterminated", 14),
    (f"accounts({GUID}", "never closed", 8),
    ("accounts(x))", "no matching", 11),
    ("systemusers(anonymous)", "not a GUID", 12),
    ("accounts('abc')", "not a GUID", 9),
    ("CustomersV3('usmf','US-1')", "name every part", 12),
    ("accounts(name='a',)", "empty key part", 18),
    (f"accounts({GUID})x", "after the closing", 46),
    ("accounts(a=1,a=2)", "appears twice", 15),
])
def test_malformed_dataverse_paths_name_problem_and_position(path, problem, position):
    with pytest.raises(ODataUrlError) as info:
        validate_path(path, DATAVERSE)
    assert problem in str(info.value)
    assert info.value.position == position
    assert f"position {position}" in str(info.value)
    assert isinstance(info.value, HarnessError)


@pytest.mark.parametrize("path", [
    f"accounts({GUID})",
    f"accounts({GUID.upper()})/Account_Tasks/$count",
    "contacts(firstname='Joe',emailaddress1='abc@example.com')",
    "contacts(lastname='O''Bryan')",
    "accounts(accountnumber='a/b(c)')/primarycontactid",
    "WhoAmI()",
    "EntityDefinitions(LogicalName='account')/Attributes",
    "InitializeFrom(EntityMoniker=@p1,TargetEntityName=@p2,TargetFieldType=@p3)",
    "RetrieveTotalRecordCount(EntityNames=['account','contact'])",
    'Microsoft.Dynamics.CRM.In(PropertyName=\'lastname\',PropertyValues=["a","O\'Brian"])',
    f"systemusers({GUID})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()",
    "$metadata",
])
def test_valid_dataverse_paths_pass(path):
    validate_path(path, DATAVERSE)


def test_non_guid_single_keys_are_fine_outside_dataverse():
    validate_path("LegalEntities('dat')", FNO)
    validate_path("Company('CRONUS USA, Inc.')/Customer('10000')", BUSINESS_CENTRAL)


def test_client_checks_paths_before_sending():
    client = ODataClient(ROOT, DATAVERSE)
    with pytest.raises(ODataUrlError, match="braces"):
        client.url_for(f"accounts({{{GUID}}})?$select=name")
    with pytest.raises(ODataUrlError, match="%23"):
        client.url_for("accounts(accountnumber='a#b')")
    with pytest.raises(ODataUrlError, match="fragment"):
        client.url_for("accounts#x")
    assert client.url_for(f"accounts({{{GUID}}})", validate=False).endswith(f"accounts({{{GUID}}})")
    assert client.url_for("/api/data/v9.2/contacts(lastname='O%27%27Bryan')") == (
        "https://org.crm.dynamics.com/api/data/v9.2/contacts(lastname='O%27%27Bryan')")
