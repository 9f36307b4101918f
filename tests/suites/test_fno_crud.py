"""CRUD semantics of the Finance and Operations ``/data`` root, as the real service behaves (fno_bc.md A2-A6)."""

from __future__ import annotations

import base64
import re

import pytest

from harness.odata import FnoEnum, ODataError, Query, and_, eq

pytestmark = [pytest.mark.fno, pytest.mark.writes]


def new_customer(fno, values, **extra) -> dict:
    body = {"dataAreaId": "usmf", "OrganizationName": values.name("Customer"), "CustomerGroupId": "10",
            "SalesCurrencyCode": "USD"} | extra
    response = fno.create("CustomersV3", body)
    assert response.status == 201
    return response.json()


def test_create_returns_201_with_the_full_entity(fno, values):
    body = new_customer(fno, values)
    assert body["dataAreaId"] == "usmf"
    assert body["CustomerAccount"]  # filled from the number sequence
    assert body["@odata.context"].endswith("/data/$metadata#CustomersV3/$entity")
    assert set(body) > {"OrganizationName", "CustomerGroupId", "PartyType", "CreditLimit"}
    assert body["PartyType"] == "Organization"  # enums come back as strings


def test_etag_is_weak_and_base64(fno, values):
    body = new_customer(fno, values)
    match = re.fullmatch(r'W/"([A-Za-z0-9+/=]+)"', body["@odata.etag"])
    assert match
    base64.b64decode(match.group(1), validate=True)


def test_retrieve_by_composite_key(fno, values):
    created = new_customer(fno, values)
    key = {"dataAreaId": "usmf", "CustomerAccount": created["CustomerAccount"]}
    body = fno.retrieve("CustomersV3", key, select=["OrganizationName", "CustomerGroupId"]).json()
    assert body["OrganizationName"] == created["OrganizationName"]
    assert body["dataAreaId"] == "usmf" and body["CustomerAccount"] == created["CustomerAccount"]


def test_default_company_applies_to_creates_without_data_area(fno, values):
    response = fno.create("CustomersV3", {"OrganizationName": values.name("Default company"),
                                          "CustomerGroupId": "10"})
    assert response.json()["dataAreaId"] == "usmf"


def test_update_is_204_and_changes_the_etag(fno, values):
    created = new_customer(fno, values)
    key = {"dataAreaId": "usmf", "CustomerAccount": created["CustomerAccount"]}
    response = fno.update("CustomersV3", key, {"CreditLimit": 2500})
    assert response.status == 204
    after = fno.retrieve("CustomersV3", key).json()
    assert after["CreditLimit"] == 2500
    assert after["@odata.etag"] != created["@odata.etag"]


def test_stale_if_match_is_412(fno, values):
    created = new_customer(fno, values)
    key = {"dataAreaId": "usmf", "CustomerAccount": created["CustomerAccount"]}
    fno.update("CustomersV3", key, {"CreditLimit": 1}, if_match=created["@odata.etag"])
    with pytest.raises(ODataError) as raised:
        fno.update("CustomersV3", key, {"CreditLimit": 2}, if_match=created["@odata.etag"])
    assert raised.value.status == 412


def test_delete_then_not_found(fno, values):
    created = new_customer(fno, values)
    key = {"dataAreaId": "usmf", "CustomerAccount": created["CustomerAccount"]}
    assert fno.delete("CustomersV3", key).status == 204
    with pytest.raises(ODataError) as raised:
        fno.retrieve("CustomersV3", key)
    assert raised.value.status == 404


def test_write_failure_has_the_innererror_shape(fno, values):
    with pytest.raises(ODataError) as raised:
        fno.create("CustomersV3", {"dataAreaId": "usmf", "OrganizationName": values.name("Bad"),
                                   "CustomerGroupId": "NOPE"})
    error = raised.value
    assert error.status == 400
    body = error.response.json()["error"]
    assert body["message"] == "An error has occurred."
    assert set(body["innererror"]) >= {"message", "type", "stacktrace"}
    assert "Write failed" in error.message or "Customer groups" in error.message


def test_unknown_entity_set_is_a_routing_error(fno):
    response = fno.get("NoSuchEntities", expect_error=True)
    assert response.status == 404
    assert response.json()["Message"].startswith("No HTTP resource was found")


def test_sales_order_with_lines(fno, values):
    customer = new_customer(fno, values)
    header = fno.create("SalesOrderHeadersV2", {
        "dataAreaId": "usmf", "OrderingCustomerAccountNumber": customer["CustomerAccount"],
        "CustomerRequisitionNumber": values.token(10), "SalesOrderName": values.name("Order")}).json()
    assert header["SalesOrderNumber"]
    lines = fno.get(f"SalesOrderHeadersV2(dataAreaId='usmf',SalesOrderNumber='{header['SalesOrderNumber']}')"
                    "/SalesOrderLines").json()["value"]
    assert lines == []
    found = fno.query("SalesOrderHeadersV2", Query(filter=and_(
        eq("SalesOrderNumber", header["SalesOrderNumber"]), eq("IsSalesProcessingStopped", FnoEnum("NoYes", "No")))))
    assert [row["SalesOrderNumber"] for row in found.value] == [header["SalesOrderNumber"]]
