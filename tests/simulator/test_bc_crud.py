"""Business Central API v2.0: URL shape, companies, CRUD with mandatory If-Match, sales documents, errors.

Everything goes over real HTTP to the session simulator; tokens come from its identity provider.
"""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from lxml import etree

from simulator.config import BC_AUDIENCE
from tests.tokens import app_token

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CORRELATED = re.compile(r"^(?P<text>.+)  CorrelationId:  (?P<id>[0-9a-f-]{36})\.$", re.DOTALL)
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


@pytest.fixture(scope="module")
def api(sim) -> str:
    return f"{sim.config.bc_url}/v2.0/{sim.config.tenant_id}/production/api/v2.0"


@pytest.fixture(scope="module")
def cronus(bc, api) -> str:
    companies = bc.get(f"{api}/companies").json()["value"]
    return next(c["id"] for c in companies if c["name"] == "CRONUS USA, Inc.")


@pytest.fixture(scope="module")
def company(api, cronus) -> str:
    return f"{api}/companies({cronus})"


@pytest.fixture
def customer(bc, company):
    reply = bc.post(f"{company}/customers", json={"displayName": f"pytest {uuid.uuid4().hex[:8]}"})
    assert reply.status_code == 201, reply.text
    body = reply.json()
    yield body
    bc.delete(f"{company}/customers({body['id']})", headers={"If-Match": "*"})


def bc_error(reply: requests.Response, status: int, code: str) -> str:
    """Check BC's error envelope (no innererror, CorrelationId suffix) and return the text before the suffix."""
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    match = CORRELATED.match(body["error"]["message"])
    assert match, body["error"]["message"]
    assert match.group("id") == reply.headers["ms-correlation-x"]
    return match.group("text")


# ---------------------------------------------------------------- URL shape and companies
def test_companies_at_the_top_of_the_api(bc, api):
    reply = bc.get(f"{api}/companies")
    assert reply.status_code == 200
    assert reply.headers["OData-Version"] == "4.0"
    assert GUID.match(reply.headers["request-id"]) and GUID.match(reply.headers["ms-correlation-x"])
    body = reply.json()
    assert body["@odata.context"] == f"{api}/$metadata#companies"
    names = [c["name"] for c in body["value"]]
    assert names[0] == "CRONUS USA, Inc." and len(names) == 2
    assert all(GUID.match(c["id"]) for c in body["value"])


def test_company_by_unquoted_guid_key(bc, api, cronus):
    body = bc.get(f"{api}/companies({cronus})").json()
    assert body["@odata.context"] == f"{api}/$metadata#companies/$entity"
    assert body["displayName"] == "CRONUS USA, Inc."


def test_tenant_can_be_a_domain_or_left_out_and_environments_ignore_case(sim, bc, cronus):
    host = sim.config.bc_url
    for root in (f"{host}/v2.0/{sim.config.tenant_domain}/production/api/v2.0",
                 f"{host}/v2.0/production/api/v2.0", f"{host}/v2.0/{sim.config.tenant_id}/Sandbox/api/v2.0"):
        reply = bc.get(f"{root}/companies")
        assert reply.status_code == 200, (root, reply.text)
        assert reply.json()["@odata.context"] == f"{root}/$metadata#companies"
        assert cronus in {c["id"] for c in reply.json()["value"]}


def test_unknown_environment(sim, bc):
    reply = bc.get(f"{sim.config.bc_url}/v2.0/{sim.config.tenant_id}/nosuchenv/api/v2.0/companies")
    assert "'nosuchenv'" in bc_error(reply, 404, "Internal_TenantUnavailable")


def test_tenant_segment_must_be_the_token_tenant(sim, bc):
    other = "11111111-2222-4333-8444-555555555555"
    reply = bc.get(f"{sim.config.bc_url}/v2.0/{other}/production/api/v2.0/companies")
    bc_error(reply, 401, "Authentication_InvalidCredentials")


def test_paths_outside_the_api(sim, bc):
    reply = bc.get(f"{sim.config.bc_url}/v2.0/{sim.config.tenant_id}/production/ODataV4/Company")
    assert bc_error(reply, 404, "BadRequest_NotFound").startswith("No HTTP resource was found")


def test_metadata_and_service_document(bc, api):
    reply = bc.get(f"{api}/$metadata")
    assert reply.status_code == 200
    schema = etree.fromstring(reply.content).find(f".//{EDM}Schema")
    assert schema.get("Namespace") == "Microsoft.NAV" and schema.get("Alias") == "NAV"
    blocked = schema.find(f"{EDM}EnumType[@Name='customerBlocked']")
    assert [m.get("Name") for m in blocked] == ["_x0020_", "Ship", "Invoice", "All"]
    customer = schema.find(f"{EDM}EntityType[@Name='customer']")
    assert [r.get("Name") for r in customer.find(f"{EDM}Key")] == ["id"]
    assert customer.find(f"{EDM}Property[@Name='id']").get("Type") == "Edm.Guid"
    names = {e["name"] for e in bc.get(f"{api}/").json()["value"]}
    assert {"companies", "customers", "vendors", "items", "salesOrders", "salesOrderLines"} <= names


def test_companies_are_read_only(bc, api, cronus):
    reply = bc.post(f"{api}/companies", json={"name": "New"})
    assert bc_error(reply, 405, "BadRequest_MethodNotAllowed").startswith(
        "'POST' requests for 'companies' of EdmType 'Entity' are not allowed")


# ---------------------------------------------------------------- company scope
def test_each_company_has_its_own_rows(bc, api):
    companies = {c["name"]: c["id"] for c in bc.get(f"{api}/companies").json()["value"]}
    cronus = bc.get(f"{api}/companies({companies['CRONUS USA, Inc.']})/customers").json()
    mine = bc.get(f"{api}/companies({companies['My Company']})/customers").json()
    assert cronus["@odata.context"] == f"{api}/$metadata#companies({companies['CRONUS USA, Inc.']})/customers"
    assert len(mine["value"]) == 2 and len(cronus["value"]) > 2
    assert not {c["id"] for c in mine["value"]} & {c["id"] for c in cronus["value"]}
    other = bc.get(f"{api}/companies({companies['My Company']})/customers({cronus['value'][0]['id']})")
    bc_error(other, 404, "Internal_RecordNotFound")


def test_company_as_a_query_parameter(bc, api, cronus):
    by_id = bc.get(f"{api}/vendors?company={cronus}").json()["value"]
    by_name = bc.get(f"{api}/vendors", params={"company": "CRONUS USA, Inc."}).json()["value"]
    assert by_id == by_name and len(by_id) == 5
    reply = bc.get(f"{api}/vendors")
    assert "company=[name]" in bc_error(reply, 400, "Internal_CompanyNotFound")


def test_unknown_company_and_unknown_segment(bc, api):
    unknown = bc.get(f"{api}/companies({uuid.uuid4()})/customers")
    assert bc_error(unknown, 404, "Internal_RecordNotFound").startswith("The Company does not exist.")
    segment = bc.get(f"{api}/companies({uuid.uuid4()})".replace("companies(", "nothing("))
    assert bc_error(segment, 404, "BadRequest_NotFound") == "Resource not found for the segment 'nothing'."


# ---------------------------------------------------------------- CRUD and concurrency
def test_get_by_id_and_key_errors(bc, company, cronus, api):
    first = bc.get(f"{company}/items?$top=1").json()["value"][0]
    reply = bc.get(f"{company}/items({first['id']})")
    assert reply.status_code == 200
    body = reply.json()
    assert body["@odata.context"] == f"{api}/$metadata#companies({cronus})/items/$entity"
    assert reply.headers["ETag"] == body["@odata.etag"]
    assert bc_error(bc.get(f"{company}/items('{first['id']}')"), 400, "BadRequest_NotFound") == \
        "Bad Request - Error in query syntax."
    missing = bc.get(f"{company}/items({uuid.uuid4()})")
    assert bc_error(missing, 404, "Internal_RecordNotFound").startswith("The Item does not exist.")


def test_post_returns_201_with_the_full_entity(bc, company, cronus, api, customer):
    assert GUID.match(customer["id"])
    assert customer["@odata.context"] == f"{api}/$metadata#companies({cronus})/customers/$entity"
    assert re.fullmatch(r"C\d{5}", customer["number"])  # from the customer No. Series
    assert customer["blocked"] == "_x0020_" and customer["type"] == "Company"  # BC's blank enum spelling
    assert customer["balanceDue"] == 0 and customer["currencyId"] == "00000000-0000-0000-0000-000000000000"
    assert customer["lastModifiedDateTime"].endswith("Z")
    stored = bc.get(f"{company}/customers({customer['id']})").json()
    assert stored["displayName"] == customer["displayName"]


def test_patch_needs_if_match_and_returns_the_entity(bc, company, customer):
    url = f"{company}/customers({customer['id']})"
    missing = bc.patch(url, json={"displayName": "no etag"})
    assert bc_error(missing, 400, "BadRequest_InvalidToken") == (
        "Could not validate the client concurrency token required by the service. "
        "Please provide a valid token in the client request.")
    updated = bc.patch(url, json={"displayName": "with etag", "creditLimit": 1234.5},
                       headers={"If-Match": customer["@odata.etag"]})
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["displayName"] == "with etag" and body["creditLimit"] == 1234.5
    assert body["@odata.etag"] != customer["@odata.etag"] and updated.headers["ETag"] == body["@odata.etag"]
    stale = bc.patch(url, json={"displayName": "stale"}, headers={"If-Match": customer["@odata.etag"]})
    assert bc_error(stale, 409, "Request_EntityChanged") == "Another user has already changed the record."
    star = bc.patch(url, json={"displayName": "star"}, headers={"If-Match": "*"})
    assert star.status_code == 200 and star.json()["displayName"] == "star"


def test_delete_needs_if_match_and_returns_204(bc, company):
    created = bc.post(f"{company}/vendors", json={"displayName": "pytest vendor"}).json()
    url = f"{company}/vendors({created['id']})"
    bc_error(bc.delete(url), 400, "BadRequest_InvalidToken")
    bc_error(bc.delete(url, headers={"If-Match": 'W/"JzE7MTsn"'}), 409, "Request_EntityChanged")
    deleted = bc.delete(url, headers={"If-Match": created["@odata.etag"]})
    assert deleted.status_code == 204 and deleted.content == b""
    bc_error(bc.get(url), 404, "Internal_RecordNotFound")


def test_duplicate_number_and_bad_values(bc, company):
    duplicate = bc.post(f"{company}/customers", json={"number": "10000", "displayName": "again"})
    assert "No.='10000'" in bc_error(duplicate, 409, "Internal_EntityWithSameKeyExists")
    bad_enum = bc.post(f"{company}/customers", json={"blocked": "Sometimes"})
    bc_error(bad_enum, 400, "Application_EvaluateException")
    unknown = bc.post(f"{company}/customers", json={"nope": 1})
    assert "'nope' does not exist on type 'Microsoft.NAV.customer'" in bc_error(unknown, 400, "BadRequest")
    too_long = bc.post(f"{company}/customers", json={"displayName": "x" * 101})
    bc_error(too_long, 400, "Application_StringExceededLength")


def test_put_is_not_allowed(bc, company, customer):
    reply = bc.put(f"{company}/customers({customer['id']})", json={"displayName": "put"},
                   headers={"If-Match": "*"})
    bc_error(reply, 405, "BadRequest_MethodNotAllowed")


# ---------------------------------------------------------------- sales orders
def test_sales_order_needs_a_customer(bc, company):
    reply = bc.post(f"{company}/salesOrders", json={"externalDocumentNumber": "X"})
    assert bc_error(reply, 400, "Application_DialogException") == "A customerNumber or a customerID must be provided."
    unknown = bc.post(f"{company}/salesOrders", json={"customerNumber": "99999"})
    assert "No.='99999'" in bc_error(unknown, 400, "Internal_RecordNotFound")


def test_sales_order_lines_totals_and_nested_paths(bc, company, cronus, api):
    order = bc.post(f"{company}/salesOrders", json={"customerNumber": "20000", "orderDate": "2025-01-15"})
    assert order.status_code == 201, order.text
    order = order.json()
    assert order["customerName"] == "Trey Research" and order["status"] == "Draft"
    assert re.fullmatch(r"S-ORD\d{6}", order["number"]) and order["orderDate"] == "2025-01-15"
    order_url = f"{company}/salesOrders({order['id']})"
    line = bc.post(f"{order_url}/salesOrderLines", json={"lineObjectNumber": "1896-S", "quantity": 2})
    assert line.status_code == 201, line.text
    line = line.json()
    assert line["documentId"] == order["id"] and line["sequence"] == 10000
    assert line["description"] == "ATHENS Desk" and line["amountExcludingTax"] == round(2 * 1000.8, 2)
    second = bc.post(f"{order_url}/salesOrderLines", json={"lineObjectNumber": "1928-S", "quantity": 1,
                                                          "unitPrice": 50}).json()
    assert second["sequence"] == 20000 and second["amountExcludingTax"] == 50
    listed = bc.get(f"{order_url}/salesOrderLines").json()
    assert listed["@odata.context"] == f"{api}/$metadata#companies({cronus})/salesOrderLines"
    assert [row["sequence"] for row in sorted(listed["value"], key=lambda r: r["sequence"])] == [10000, 20000]
    assert bc.get(order_url).json()["totalAmountExcludingTax"] == round(2 * 1000.8 + 50, 2)
    nested = f"{order_url}/salesOrderLines({line['id']})"
    changed = bc.patch(nested, json={"quantity": 3}, headers={"If-Match": line["@odata.etag"]})
    assert changed.status_code == 200 and changed.json()["amountExcludingTax"] == round(3 * 1000.8, 2)
    assert bc.get(order_url).json()["totalAmountExcludingTax"] == round(3 * 1000.8 + 50, 2)
    expanded = bc.get(f"{order_url}?$expand=salesOrderLines,customer").json()
    assert len(expanded["salesOrderLines"]) == 2 and expanded["customer"]["number"] == "20000"
    current = bc.get(order_url).json()["@odata.etag"]
    assert bc.delete(order_url, headers={"If-Match": current}).status_code == 204
    bc_error(bc.get(f"{company}/salesOrderLines({line['id']})"), 404, "Internal_RecordNotFound")


def test_sales_order_deep_insert(bc, company):
    reply = bc.post(f"{company}/salesOrders", json={
        "customerNumber": "10000",
        "salesOrderLines": [{"lineObjectNumber": "1900-S", "quantity": 1}, {"lineObjectNumber": "1900-S",
                                                                              "quantity": 2}]})
    assert reply.status_code == 201, reply.text
    order = reply.json()
    try:
        assert order["totalAmountExcludingTax"] == round(3 * 192.8, 2)
        lines = bc.get(f"{company}/salesOrders({order['id']})/salesOrderLines").json()["value"]
        assert len(lines) == 2
    finally:
        bc.delete(f"{company}/salesOrders({order['id']})", headers={"If-Match": "*"})


def test_file_database_keeps_companies_and_rows_across_restarts(tmp_path):
    from simulator.config import SimConfig
    from simulator.server import SimulatorServer

    def session_for(server) -> tuple[requests.Session, str]:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {app_token(server, BC_AUDIENCE)}"
        return session, f"{server.config.bc_url}/v2.0/{server.config.tenant_id}/production/api/v2.0"

    url = f"sqlite:///{tmp_path / 'bc.db'}"
    with SimulatorServer(SimConfig(database_url=url)) as first:
        bc, api = session_for(first)
        companies = bc.get(f"{api}/companies").json()["value"]
        created = bc.post(f"{api}/companies({companies[0]['id']})/items", json={"displayName": "Persisted"}).json()
    with SimulatorServer(SimConfig(database_url=url)) as second:
        bc, api = session_for(second)
        assert bc.get(f"{api}/companies").json()["value"] == companies
        item = bc.get(f"{api}/companies({companies[0]['id']})/items({created['id']})").json()
        assert item["displayName"] == "Persisted" and item["number"] == created["number"]
