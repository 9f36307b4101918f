"""Finance and Operations ``/data``: metadata, companies and keys, CRUD, ETags and error shapes.

Everything goes over real HTTP to the session simulator; tokens come from its identity provider.
"""

from __future__ import annotations

import base64
import re
import uuid
from urllib.parse import quote

import pytest
import requests
from lxml import etree

from tests.tokens import app_token

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
NS = "Microsoft.Dynamics.DataEntities"
WRITE_EXCEPTION = "Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException"


def customer_url(root: str, company: str, account: str) -> str:
    return f"{root}/CustomersV3(dataAreaId='{company}',CustomerAccount='{quote(account)}')"


@pytest.fixture
def new_customer(fno, fno_root):
    """A customer created in the default company for one test, deleted afterwards."""
    reply = fno.post(f"{fno_root}/CustomersV3", json={"OrganizationName": f"pytest {uuid.uuid4().hex[:8]}",
                                                       "CustomerGroupId": "10"})
    assert reply.status_code == 201, reply.text
    body = reply.json()
    yield body
    fno.delete(customer_url(fno_root, body["dataAreaId"], body["CustomerAccount"]))


def assert_fno_error(reply: requests.Response, status: int) -> dict:
    """F&O's OData error: empty code, an innererror with message/type/stacktrace."""
    assert reply.status_code == status, reply.text
    error = reply.json()["error"]
    assert error["code"] == ""
    assert set(error["innererror"]) == {"message", "type", "stacktrace"}
    return error


def etag_pairs(etag: str) -> list[tuple[int, int]]:
    """``W/"<base64>"`` → the (RecVersion, RecId) pairs it encodes."""
    match = re.fullmatch(r'W/"([A-Za-z0-9+/=]+)"', etag)
    assert match, etag
    text = base64.b64decode(match.group(1)).decode()
    assert text.startswith("'") and text.endswith("'"), text
    return [tuple(int(n) for n in pair.split(",")) for pair in text[1:-1].split(";")]


# ---------------------------------------------------------------- documents
def test_service_document_lists_entity_sets(fno, fno_root):
    body = fno.get(f"{fno_root}/").json()
    assert body["@odata.context"] == f"{fno_root}/$metadata"
    names = {entry["name"] for entry in body["value"]}
    assert {"CustomersV3", "VendorsV2", "LegalEntities", "SalesOrderHeadersV2", "SalesOrderLines"} <= names


def test_metadata_has_the_fno_namespace_enum_types_and_composite_keys(fno, fno_root):
    reply = fno.get(f"{fno_root}/$metadata", headers={"Accept": "application/xml"})
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("application/xml")
    schema = etree.fromstring(reply.content).find(f".//{EDM}Schema")
    assert schema.get("Namespace") == NS
    no_yes = schema.find(f"{EDM}EnumType[@Name='NoYes']")
    assert [(m.get("Name"), m.get("Value")) for m in no_yes] == [("No", "0"), ("Yes", "1")]
    customer = schema.find(f"{EDM}EntityType[@Name='CustomerV3']")
    assert [r.get("Name") for r in customer.find(f"{EDM}Key")] == ["dataAreaId", "CustomerAccount"]
    company = customer.find(f"{EDM}Property[@Name='dataAreaId']")
    assert company.get("Nullable") == "false" and company.get("Type") == "Edm.String"
    assert customer.find(f"{EDM}Property[@Name='OnHoldStatus']").get("Type") == f"{NS}.CustVendorBlocked"
    header = schema.find(f"{EDM}EntityType[@Name='SalesOrderHeaderV2']")
    nav = header.find(f"{EDM}NavigationProperty[@Name='SalesOrderLines']")
    assert nav.get("Type") == f"Collection({NS}.SalesOrderLine)"
    container = schema.find(f"{EDM}EntityContainer")
    assert container.get("Name") == "Resources"
    assert container.find(f"{EDM}EntitySet[@Name='CustomersV3']").get("EntityType") == f"{NS}.CustomerV3"


# ---------------------------------------------------------------- companies and keys
def test_legal_entities_list_the_companies_and_are_not_company_scoped(fno, fno_root):
    body = fno.get(f"{fno_root}/LegalEntities").json()
    ids = {row["LegalEntityId"] for row in body["value"]}
    assert {"usmf", "usrt", "dat"} <= ids
    usmf = next(row for row in body["value"] if row["LegalEntityId"] == "usmf")
    assert usmf["Name"] == "Contoso Entertainment System USA"


def test_reads_return_the_default_company_unless_cross_company(sim, fno, fno_root):
    default = fno.get(f"{fno_root}/CustomersV3?$select=CustomerAccount&$count=true").json()
    assert {row["dataAreaId"] for row in default["value"]} == {sim.config.fno_default_company}
    everything = fno.get(f"{fno_root}/CustomersV3?$select=CustomerAccount&$count=true&cross-company=true").json()
    assert {"usmf", "usrt"} <= {row["dataAreaId"] for row in everything["value"]}
    assert everything["@odata.count"] > default["@odata.count"]


def test_filtering_another_company_needs_cross_company(fno, fno_root):
    url = f"{fno_root}/VendorsV2?$filter=dataAreaId eq 'usrt'"
    assert fno.get(url).json()["value"] == []
    rows = fno.get(url + "&cross-company=true").json()["value"]
    assert rows and {row["dataAreaId"] for row in rows} == {"usrt"}


def test_get_by_composite_key_accepts_any_case_and_order(fno, fno_root):
    reply = fno.get(customer_url(fno_root, "USMF", "US-001"))
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["@odata.context"] == f"{fno_root}/$metadata#CustomersV3/$entity"
    assert body["dataAreaId"] == "usmf" and body["CustomerAccount"] == "US-001"
    assert reply.headers["ETag"] == body["@odata.etag"]
    swapped = fno.get(f"{fno_root}/CustomersV3(CustomerAccount='US-001',dataAreaId='usmf')").json()
    assert swapped["OrganizationName"] == body["OrganizationName"]


def test_by_key_read_in_another_company_needs_cross_company(fno, fno_root):
    url = customer_url(fno_root, "usrt", "004001")
    assert_fno_error(fno.get(url), 404)
    reply = fno.get(url + "?cross-company=true")
    assert reply.status_code == 200 and reply.json()["dataAreaId"] == "usrt"


def test_same_order_number_in_two_companies_are_different_orders(fno, fno_root):
    def order(company):
        url = (f"{fno_root}/SalesOrderHeadersV2(dataAreaId='{company}',SalesOrderNumber='000001')"
               "?cross-company=true&$expand=SalesOrderLines")
        return fno.get(url).json()
    usmf, usrt = order("usmf"), order("usrt")
    assert usmf["OrderingCustomerAccountNumber"].startswith("US-")
    assert usrt["OrderingCustomerAccountNumber"].startswith("004")
    assert {line["dataAreaId"] for line in usmf["SalesOrderLines"]} == {"usmf"}
    assert {line["dataAreaId"] for line in usrt["SalesOrderLines"]} == {"usrt"}
    assert round(sum(line["LineAmount"] for line in usmf["SalesOrderLines"]), 2) == usmf["OrderTotalAmount"]


def test_composite_key_needs_every_key_field(fno, fno_root):
    error = assert_fno_error(fno.get(f"{fno_root}/CustomersV3('US-001')"), 400)
    assert error["message"].startswith("The query specified in the URI is not valid.")


# ---------------------------------------------------------------- create
def test_post_returns_201_with_the_entity_and_a_number_sequence_key(sim, fno, fno_root, new_customer):
    body = new_customer
    assert body["@odata.context"] == f"{fno_root}/$metadata#CustomersV3/$entity"
    assert body["dataAreaId"] == sim.config.fno_default_company
    assert re.fullmatch(r"US-\d{3}", body["CustomerAccount"])
    assert int(body["CustomerAccount"][3:]) > 30  # after the seeded US-001..US-030
    second = fno.post(f"{fno_root}/CustomersV3", json={"OrganizationName": "pytest next", "CustomerGroupId": "20"})
    try:
        assert second.status_code == 201
        assert int(second.json()["CustomerAccount"][3:]) == int(body["CustomerAccount"][3:]) + 1
        assert second.headers["Location"] == customer_url(fno_root, "usmf", second.json()["CustomerAccount"])
    finally:
        fno.delete(customer_url(fno_root, "usmf", second.json()["CustomerAccount"]))


def test_created_rows_look_like_fno_values(new_customer):
    body = new_customer
    assert body["PersonFirstName"] == "" and body["PaymentTerms"] == ""  # strings are never null
    assert body["OnHoldStatus"] == "No" and body["PartyType"] == "Organization"  # enums as member names
    assert body["CreditLimit"] == 0
    assert body["CredManCustomerSince"] == "1900-01-01T12:00:00Z"  # empty date-only field
    assert body["AddressValidFrom"] == "1900-01-01T00:00:00Z"  # empty date-time field
    assert body["SalesCurrencyCode"] == "USD"


def test_post_with_odata_type_annotation_and_date_only_value(fno, fno_root):
    reply = fno.post(f"{fno_root}/CustomersV3", json={
        "@odata.type": f"#{NS}.CustomerV3", "OrganizationName": "pytest dated", "CustomerGroupId": "30",
        "CredManCustomerSince": "2021-03-04", "OnHoldStatus": "All"})
    assert reply.status_code == 201, reply.text
    body = reply.json()
    try:
        assert body["CredManCustomerSince"] == "2021-03-04T12:00:00Z"
        assert body["OnHoldStatus"] == "All"
    finally:
        fno.delete(customer_url(fno_root, "usmf", body["CustomerAccount"]))


def test_post_takes_the_company_from_the_body(fno, fno_root):
    reply = fno.post(f"{fno_root}/CustomersV3", json={"dataAreaId": "USRT", "OrganizationName": "pytest retail",
                                                      "CustomerGroupId": "10"})
    assert reply.status_code == 201, reply.text
    body = reply.json()
    url = customer_url(fno_root, "usrt", body["CustomerAccount"])
    try:
        assert body["dataAreaId"] == "usrt"
        assert re.fullmatch(r"004\d{3}", body["CustomerAccount"])  # usrt's own number sequence
        assert fno.get(url).status_code == 404  # not in the default company
        assert fno.get(url + "?cross-company=true").status_code == 200
    finally:
        assert fno.delete(url + "?cross-company=true").status_code == 204


def test_post_with_an_explicit_key_keeps_it(fno, fno_root):
    account = f"PY-{uuid.uuid4().hex[:6]}"
    reply = fno.post(f"{fno_root}/CustomersV3", json={"CustomerAccount": account, "OrganizationName": "pytest",
                                                      "CustomerGroupId": "10"})
    assert reply.status_code == 201
    try:
        assert reply.json()["CustomerAccount"] == account
        duplicate = fno.post(f"{fno_root}/CustomersV3", json={"CustomerAccount": account, "CustomerGroupId": "10"})
        error = assert_fno_error(duplicate, 400)
        assert "The record already exists." in error["innererror"]["message"]
    finally:
        fno.delete(customer_url(fno_root, "usmf", account))


# ---------------------------------------------------------------- update, delete, etags
def test_patch_put_delete_return_204_with_empty_bodies(fno, fno_root, new_customer):
    url = customer_url(fno_root, "usmf", new_customer["CustomerAccount"])
    patched = fno.patch(url, json={"OrganizationName": "pytest patched", "CreditLimit": 2500})
    assert patched.status_code == 204 and patched.content == b""
    after = fno.get(url).json()
    assert after["OrganizationName"] == "pytest patched" and after["CreditLimit"] == 2500
    assert after["@odata.etag"] != new_customer["@odata.etag"]
    put = fno.put(url, json={"AddressCity": "Redmond"})
    assert put.status_code == 204
    merged = fno.get(url).json()
    assert merged["AddressCity"] == "Redmond" and merged["OrganizationName"] == "pytest patched"
    deleted = fno.delete(url)
    assert deleted.status_code == 204 and deleted.content == b""
    assert_fno_error(fno.get(url), 404)


def test_etags_encode_recversion_and_a_stable_recid(fno, fno_root, new_customer):
    url = customer_url(fno_root, "usmf", new_customer["CustomerAccount"])
    before = etag_pairs(new_customer["@odata.etag"])
    assert len(before) == 11 and before[1:] == [(0, 0)] * 10  # one pair per data source, like CustomersV3
    fno.patch(url, json={"NameAlias": "changed"})
    after = etag_pairs(fno.get(url).json()["@odata.etag"])
    assert after[0][1] == before[0][1]  # RecId stays
    assert after[0][0] != before[0][0]  # RecVersion moves on every write


def test_if_match_is_optional_but_honoured(fno, fno_root, new_customer):
    url = customer_url(fno_root, "usmf", new_customer["CustomerAccount"])
    stale = new_customer["@odata.etag"]
    assert fno.patch(url, json={"NameAlias": "no if-match"}).status_code == 204
    error = assert_fno_error(fno.patch(url, json={"NameAlias": "stale"}, headers={"If-Match": stale}), 412)
    assert error["message"] == "An error has occurred."
    current = fno.get(url).json()["@odata.etag"]
    assert fno.patch(url, json={"NameAlias": "fresh"}, headers={"If-Match": current}).status_code == 204
    assert fno.patch(url, json={"NameAlias": "star"}, headers={"If-Match": "*"}).status_code == 204
    assert_fno_error(fno.delete(url, headers={"If-Match": current}), 412)
    assert fno.get(url).json()["NameAlias"] == "star"


def test_patch_of_a_missing_record_is_404_not_an_upsert(fno, fno_root):
    url = customer_url(fno_root, "usmf", "NOPE-404")
    assert_fno_error(fno.patch(url, json={"OrganizationName": "x"}), 404)
    assert_fno_error(fno.get(url), 404)


def test_key_fields_cannot_be_changed(fno, fno_root, new_customer):
    url = customer_url(fno_root, "usmf", new_customer["CustomerAccount"])
    error = assert_fno_error(fno.patch(url, json={"CustomerAccount": "US-999"}), 400)
    assert error["innererror"]["message"].startswith("Write failed for table row of type 'CustCustomerV3Entity'.")


def test_property_path_and_count_path(fno, fno_root):
    value = fno.get(f"{customer_url(fno_root, 'usmf', 'US-001')}/OrganizationName").json()
    assert value["value"] == fno.get(customer_url(fno_root, "usmf", "US-001")).json()["OrganizationName"]
    count = fno.get(f"{fno_root}/CustomersV3/$count")
    assert count.headers["Content-Type"].startswith("text/plain")
    assert int(count.text) == fno.get(f"{fno_root}/CustomersV3?$count=true&$top=0").json()["@odata.count"]


# ---------------------------------------------------------------- sales orders and lines
def test_sales_order_with_lines_number_sequences_totals_and_cascade(fno, fno_root):
    header = fno.post(f"{fno_root}/SalesOrderHeadersV2", json={"OrderingCustomerAccountNumber": "US-002",
                                                               "RequestedShippingDate": "2025-05-01"})
    assert header.status_code == 201, header.text
    order = header.json()
    number = order["SalesOrderNumber"]
    order_url = f"{fno_root}/SalesOrderHeadersV2(dataAreaId='usmf',SalesOrderNumber='{number}')"
    customer = fno.get(customer_url(fno_root, "usmf", "US-002")).json()
    assert re.fullmatch(r"\d{6}", number) and int(number) > 20
    assert order["SalesOrderName"] == customer["OrganizationName"]
    assert order["InvoiceCustomerAccountNumber"] == "US-002"
    assert order["SalesOrderStatus"] == "Backorder" and order["OrderTotalAmount"] == 0
    assert order["RequestedShippingDate"] == "2025-05-01T12:00:00Z"
    lots = []
    for quantity, price in ((2, 10.5), (3, 100)):
        line = fno.post(f"{fno_root}/SalesOrderLines", json={
            "SalesOrderNumber": number, "ItemNumber": "D0001", "OrderedSalesQuantity": quantity, "SalesPrice": price})
        assert line.status_code == 201, line.text
        lots.append(line.json())
    assert [line["LineNumber"] for line in lots] == [1, 2]
    assert [line["LineAmount"] for line in lots] == [21.0, 300.0]
    assert re.fullmatch(r"USMF-\d{6}", lots[0]["InventoryLotId"]) and lots[0]["CurrencyCode"] == "USD"
    assert lots[0]["RequestedShippingDate"] == "2025-05-01T12:00:00Z"  # taken from the header
    expanded = fno.get(f"{order_url}?$expand=SalesOrderLines").json()
    assert expanded["OrderTotalAmount"] == 321.0
    assert sorted(line["InventoryLotId"] for line in expanded["SalesOrderLines"]) == \
        sorted(line["InventoryLotId"] for line in lots)
    via_navigation = fno.get(f"{order_url}/SalesOrderLines").json()
    assert via_navigation["@odata.context"] == f"{fno_root}/$metadata#SalesOrderLines"
    assert len(via_navigation["value"]) == 2
    line_url = f"{fno_root}/SalesOrderLines(dataAreaId='usmf',InventoryLotId='{lots[0]['InventoryLotId']}')"
    assert fno.patch(line_url, json={"OrderedSalesQuantity": 4}).status_code == 204
    assert fno.get(line_url).json()["LineAmount"] == 42.0
    assert fno.get(order_url).json()["OrderTotalAmount"] == 342.0
    assert fno.delete(order_url).status_code == 204
    assert_fno_error(fno.get(line_url), 404)  # deleting the header deleted its lines


def test_sales_line_needs_an_existing_order(fno, fno_root):
    reply = fno.post(f"{fno_root}/SalesOrderLines", json={"SalesOrderNumber": "999999", "ItemNumber": "D0001"})
    error = assert_fno_error(reply, 400)
    assert "in the related table 'Sales orders'" in error["innererror"]["message"]


# ---------------------------------------------------------------- errors
def test_write_failed_error_for_an_unknown_related_value(fno, fno_root):
    reply = fno.post(f"{fno_root}/CustomersV3", json={"OrganizationName": "pytest", "CustomerGroupId": "Local"})
    error = assert_fno_error(reply, 400)
    assert error["message"] == "An error has occurred."
    inner = error["innererror"]
    assert inner["message"] == (
        "Write failed for table row of type 'CustCustomerV3Entity'. Infolog: Warning: The value 'Local' in field "
        "'Customer group' is not found in the related table 'Customer groups'.; Warning: validateField failed on "
        "field 'CustCustomerV3Entity.CustomerGroupId'.")
    assert inner["type"] == WRITE_EXCEPTION and inner["stacktrace"].strip().startswith("at ")


def test_write_failed_error_for_a_missing_mandatory_field(fno, fno_root):
    error = assert_fno_error(fno.post(f"{fno_root}/CustomersV3", json={"OrganizationName": "no group"}), 400)
    assert "Field 'Customer group' must be filled in." in error["innererror"]["message"]


def test_unknown_company_in_the_body_is_refused(fno, fno_root):
    reply = fno.post(f"{fno_root}/CustomersV3", json={"dataAreaId": "zzzz", "CustomerGroupId": "10"})
    assert "Company 'zzzz' does not exist" in assert_fno_error(reply, 400)["innererror"]["message"]


def test_unknown_property_and_bad_values_in_the_body(fno, fno_root):
    unknown = assert_fno_error(fno.post(f"{fno_root}/CustomersV3", json={"Nope": 1, "CustomerGroupId": "10"}), 400)
    assert f"'Nope' does not exist on type '{NS}.CustomerV3'" in unknown["innererror"]["message"]
    bad_enum = assert_fno_error(fno.post(f"{fno_root}/CustomersV3", json={"OnHoldStatus": "Maybe"}), 400)
    assert bad_enum["innererror"]["message"] == "The string 'Maybe' is not a valid enumeration type constant."


def test_unknown_entity_set_gives_the_web_api_routing_error(fno, fno_root):
    reply = fno.get(f"{fno_root}/CustomersV9?$top=1")
    assert reply.status_code == 404
    body = reply.json()
    assert set(body) == {"Message"}
    assert body["Message"].startswith(f"No HTTP resource was found that matches the request URI '{fno_root}/CustomersV9")
    assert fno.get(f"{sim_root(fno_root)}/api/services/Nothing").json()["Message"].startswith("No HTTP resource")


def sim_root(fno_root: str) -> str:
    return fno_root[: -len("/data")]


def test_unsupported_method_gives_the_web_api_message(fno, fno_root):
    reply = fno.post(customer_url(fno_root, "usmf", "US-001"), json={})
    assert reply.status_code == 405
    assert reply.json() == {"Message": "The requested resource does not support http method 'POST'."}


def test_read_only_entity_refuses_writes(fno, fno_root):
    assert_fno_error(fno.post(f"{fno_root}/LegalEntities", json={"LegalEntityId": "new"}), 400)


def test_vendor_post_uses_the_company_vendor_sequence(fno, fno_root):
    reply = fno.post(f"{fno_root}/VendorsV2", json={"VendorOrganizationName": "pytest vendor", "VendorGroupId": "10"})
    assert reply.status_code == 201, reply.text
    body = reply.json()
    url = f"{fno_root}/VendorsV2(dataAreaId='usmf',VendorAccount='{body['VendorAccount']}')"
    try:
        assert re.fullmatch(r"US-1\d{2}", body["VendorAccount"]) and int(body["VendorAccount"][4:]) > 12
        assert body["VendorPartyType"] == "Organization" and body["CurrencyCode"] == "USD"
    finally:
        assert fno.delete(url).status_code == 204
    missing_group = fno.post(f"{fno_root}/VendorsV2", json={"VendorOrganizationName": "no group"})
    assert "Field 'Vendor group' must be filled in." in assert_fno_error(missing_group, 400)["innererror"]["message"]


def test_file_database_keeps_rows_and_number_sequences_across_restarts(tmp_path):
    from simulator.config import SimConfig
    from simulator.server import SimulatorServer

    url = f"sqlite:///{tmp_path / 'fno.db'}"
    with SimulatorServer(SimConfig(database_url=url)) as first:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {app_token(first, first.config.fno_url)}"
        root = f"{first.config.fno_url}/data"
        created = session.post(f"{root}/CustomersV3", json={"OrganizationName": "Persisted", "CustomerGroupId": "10"})
        account = created.json()["CustomerAccount"]
    with SimulatorServer(SimConfig(database_url=url)) as second:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {app_token(second, second.config.fno_url)}"
        root = f"{second.config.fno_url}/data"
        assert session.get(customer_url(root, "usmf", account)).json()["OrganizationName"] == "Persisted"
        assert len(session.get(f"{root}/LegalEntities").json()["value"]) == 3  # not seeded twice
        following = session.post(f"{root}/CustomersV3", json={"OrganizationName": "Next", "CustomerGroupId": "10"})
        assert int(following.json()["CustomerAccount"][3:]) == int(account[3:]) + 1
