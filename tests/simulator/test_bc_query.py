"""Business Central queries: filters, select/expand/orderby/top/skip/count and 20,000-row pages."""

from __future__ import annotations

import uuid

import pytest
import requests

from simulator.bc.seed import companies
from simulator.config import BC_AUDIENCE, SimConfig
from simulator.odata.store import VERSION_COLUMN
from simulator.server import SimulatorServer
from tests.tokens import app_token


@pytest.fixture(scope="module")
def bc(sim) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {app_token(sim, BC_AUDIENCE)}"
    return session


@pytest.fixture(scope="module")
def company(sim, bc) -> str:
    api = f"{sim.config.bc_url}/v2.0/{sim.config.tenant_id}/production/api/v2.0"
    cronus = next(c["id"] for c in bc.get(f"{api}/companies").json()["value"] if c["name"] == "CRONUS USA, Inc.")
    return f"{api}/companies({cronus})"


def values(bc, url: str) -> list[dict]:
    reply = bc.get(url)
    assert reply.status_code == 200, reply.text
    return reply.json()["value"]


def test_filter_select_and_orderby(bc, company):
    rows = values(bc, f"{company}/items?$filter=unitPrice gt 200&$select=number,unitPrice&$orderby=unitPrice desc")
    prices = [row["unitPrice"] for row in rows]
    assert prices and all(p > 200 for p in prices) and prices == sorted(prices, reverse=True)
    assert set(rows[0]) == {"@odata.etag", "id", "number", "unitPrice"}
    chairs = values(bc, f"{company}/items?$filter=contains(displayName,'Chair')&$select=displayName")
    assert chairs and all("Chair" in row["displayName"] for row in chairs)
    assert values(bc, f"{company}/customers?$filter=blocked eq 'Ship'&$select=number")


def test_top_skip_and_count(bc, company):
    everything = values(bc, f"{company}/items?$select=number&$orderby=number")
    body = bc.get(f"{company}/items?$select=number&$orderby=number&$top=3&$skip=2&$count=true").json()
    assert body["@odata.count"] == len(everything)
    assert [row["number"] for row in body["value"]] == [row["number"] for row in everything[2:5]]


def test_filter_errors_use_bc_codes(bc, company):
    reply = bc.get(f"{company}/items?$filter=nope eq 1")
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == "BadRequest_NotFound"
    assert error["message"].startswith("Could not find a property named 'nope' on type 'Microsoft.NAV.item'.")


def test_filter_on_guid_and_navigation(bc, company):
    order = values(bc, f"{company}/salesOrders?$top=1")[0]
    lines = values(bc, f"{company}/salesOrderLines?$filter=documentId eq {order['id']}")
    assert lines and {line["documentId"] for line in lines} == {order["id"]}
    assert values(bc, f"{company}/salesOrderLines?$filter=documentId eq {uuid.uuid4()}") == []


# ---------------------------------------------------------------- paging (own simulator with many rows)
EXTRA_ITEMS = 20_010


@pytest.fixture(scope="module")
def big_bc():
    """A private simulator whose CRONUS company has more than 20,000 items."""
    config = SimConfig()
    with SimulatorServer(config) as server:
        cronus = companies(config)[0]
        service = server.apps.bc.state.router.by_company[cronus.id]
        entity_set = service.model.entity_set("items")
        batch = []
        for number in range(EXTRA_ITEMS):
            row = {"id": str(uuid.UUID(int=number + 1)), "number": f"BULK{number:05d}", "displayName": "bulk"}
            service.dialect.fill_defaults(entity_set, row)
            row[VERSION_COLUMN] = number + 1
            batch.append(row)
        with service.store.transaction() as conn:
            conn.execute(service.table("items").insert(), batch)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {app_token(server, BC_AUDIENCE)}"
        api = f"{server.config.bc_url}/v2.0/{server.config.tenant_id}/production/api/v2.0"
        yield session, f"{api}/companies({cronus.id})"


def test_pages_hold_20000_rows(big_bc):
    bc, company = big_bc
    first = bc.get(f"{company}/items?$select=number&$count=true").json()
    total = first["@odata.count"]
    assert total == EXTRA_ITEMS + 10
    assert len(first["value"]) == 20_000
    assert first["@odata.nextLink"].startswith(f"{company}/items?")
    second = bc.get(first["@odata.nextLink"]).json()
    assert len(second["value"]) == total - 20_000 and "@odata.nextLink" not in second
    assert len({row["id"] for row in first["value"] + second["value"]}) == total


def test_maxpagesize_preference_lowers_the_page(big_bc):
    bc, company = big_bc
    reply = bc.get(f"{company}/items?$select=number", headers={"Prefer": "odata.maxpagesize=500"})
    assert reply.headers["Preference-Applied"] == "odata.maxpagesize=500"
    body = reply.json()
    assert len(body["value"]) == 500
    following = bc.get(body["@odata.nextLink"], headers={"Prefer": "odata.maxpagesize=500"}).json()
    assert len(following["value"]) == 500
    assert not {r["id"] for r in body["value"]} & {r["id"] for r in following["value"]}
    capped = bc.get(f"{company}/items?$select=number", headers={"Prefer": "odata.maxpagesize=50000"})
    assert capped.headers["Preference-Applied"] == "odata.maxpagesize=20000"
