"""F&O query options: wildcards, enum literals, select/expand/orderby/top/skip/count and paging."""

from __future__ import annotations

import pytest
import requests
import sqlalchemy as sa

from simulator.config import SimConfig
from simulator.fno import build_fno_app
from simulator.keys import SigningKey
from simulator.odata.store import VERSION_COLUMN
from simulator.server import SimulatorServer
from tests.tokens import app_token

NS = "Microsoft.Dynamics.DataEntities"


@pytest.fixture(scope="module")
def fno(sim) -> requests.Session:
    """Like the conftest's, but without ``OData-Version``, as these tests have always sent."""
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {app_token(sim, sim.config.fno_url)}",
                            "Accept": "application/json"})
    return session


def rows(fno, url: str) -> list[dict]:
    reply = fno.get(url)
    assert reply.status_code == 200, reply.text
    return reply.json()["value"]


def query_error(reply: requests.Response) -> str:
    """The message of a 400 'query not valid' error, checked for F&O's envelope."""
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert error["code"] == "" and error["message"].startswith("The query specified in the URI is not valid. ")
    assert error["innererror"]["type"] == "Microsoft.OData.ODataException"
    return error["innererror"]["message"]


# ---------------------------------------------------------------- $filter
def test_eq_with_stars_is_a_contains_wildcard(fno, fno_root):
    base = f"{fno_root}/CustomersV3?$select=OrganizationName"
    everyone = rows(fno, base)
    matched = rows(fno, base + "&$filter=OrganizationName eq '*retail*'")
    assert matched and all("retail" in row["OrganizationName"].lower() for row in matched)
    others = rows(fno, base + "&$filter=OrganizationName ne '*retail*'")
    assert all("retail" not in row["OrganizationName"].lower() for row in others)
    assert len(matched) + len(others) == len(everyone)
    prefix = rows(fno, base + "&$filter=OrganizationName eq 'Contoso*'")
    assert prefix and all(row["OrganizationName"].startswith("Contoso") for row in prefix)
    exact = rows(fno, base + "&$filter=OrganizationName eq 'Forest Wholesales'")
    assert [row["OrganizationName"] for row in exact] == ["Forest Wholesales"]


def test_wildcard_does_not_treat_percent_or_underscore_as_wildcards(fno, fno_root):
    assert rows(fno, f"{fno_root}/CustomersV3?$filter=OrganizationName eq '*%25*'") == []
    assert rows(fno, f"{fno_root}/CustomersV3?$filter=OrganizationName eq '_orest*'") == []


def test_enum_literals_work_with_eq_and_ne(fno, fno_root):
    base = f"{fno_root}/CustomersV3?$select=OnHoldStatus"
    held = rows(fno, base + f"&$filter=OnHoldStatus eq {NS}.CustVendorBlocked'Invoice'")
    assert held and {row["OnHoldStatus"] for row in held} == {"Invoice"}
    free = rows(fno, base + f"&$filter=OnHoldStatus ne {NS}.CustVendorBlocked'Invoice'")
    assert "Invoice" not in {row["OnHoldStatus"] for row in free}
    assert len(held) + len(free) == len(rows(fno, base))
    both = rows(fno, base + f"&$filter=OnHoldStatus eq {NS}.CustVendorBlocked'Invoice' and "
                            f"CreditLimitIsMandatory eq {NS}.NoYes'Yes'")
    assert all(row["OnHoldStatus"] == "Invoice" for row in both)


def test_enum_literals_refuse_other_operators_and_plain_strings(fno, fno_root):
    url = f"{fno_root}/CustomersV3?$filter="
    assert "use 'eq' or 'ne'" in query_error(fno.get(url + f"OnHoldStatus gt {NS}.CustVendorBlocked'No'"))
    assert "incompatible types" in query_error(fno.get(url + "OnHoldStatus eq 'Invoice'"))
    assert "incompatible types" in query_error(fno.get(url + f"OnHoldStatus eq {NS}.NoYes'Yes'"))
    assert "not a valid enumeration type constant" in query_error(fno.get(url + f"OnHoldStatus eq {NS}.NoYes'Maybe'"))
    assert "is not an enumeration type" in query_error(fno.get(url + f"OnHoldStatus eq {NS}.Nothing'x'"))


def test_in_and_has_are_not_supported(fno, fno_root):
    url = f"{fno_root}/CustomersV3?$filter="
    assert "'in' operator is not supported" in query_error(fno.get(url + "CustomerAccount in ('US-001','US-002')"))
    assert "'has' operator is not supported" in query_error(fno.get(url + f"OnHoldStatus has {NS}.NoYes'Yes'"))


def test_a_quoted_enum_like_text_is_just_a_string(fno, fno_root):
    assert rows(fno, f"{fno_root}/CustomersV3?$filter=OrganizationName eq '{NS}.NoYes''Yes'''") == []


def test_unknown_property_in_filter(fno, fno_root):
    message = query_error(fno.get(f"{fno_root}/CustomersV3?$filter=Nope eq 1"))
    assert message == f"Could not find a property named 'Nope' on type '{NS}.CustomerV3'."


# ---------------------------------------------------------------- other options
def test_select_narrows_the_context_and_keeps_the_etag(fno, fno_root):
    body = fno.get(f"{fno_root}/CustomersV3?$select=CustomerAccount,OrganizationName&$top=2").json()
    assert body["@odata.context"] == f"{fno_root}/$metadata#CustomersV3(CustomerAccount,OrganizationName)"
    for row in body["value"]:
        assert row["@odata.etag"].startswith('W/"')
        assert set(row) == {"@odata.etag", "dataAreaId", "CustomerAccount", "OrganizationName"}


def test_expand_with_nested_select(fno, fno_root):
    url = (f"{fno_root}/SalesOrderHeadersV2?$select=SalesOrderNumber&$top=3"
           "&$expand=SalesOrderLines($select=InventoryLotId,ItemNumber)")
    body = fno.get(url).json()
    assert body["@odata.context"] == (f"{fno_root}/$metadata#SalesOrderHeadersV2(SalesOrderNumber,SalesOrderLines,"
                                      "SalesOrderLines(InventoryLotId,ItemNumber))")
    for order in body["value"]:
        assert order["SalesOrderLines"]
        for line in order["SalesOrderLines"]:
            assert "ItemNumber" in line and "LineAmount" not in line


def test_orderby_top_and_skip(fno, fno_root):
    base = f"{fno_root}/CustomersV3?$select=CustomerAccount&$orderby=CustomerAccount desc"
    ordered = [row["CustomerAccount"] for row in rows(fno, base)]
    assert ordered == sorted(ordered, reverse=True)
    page = [row["CustomerAccount"] for row in rows(fno, base + "&$top=3&$skip=2")]
    assert page == ordered[2:5]


def test_count_true_reports_the_total_and_ignores_top(fno, fno_root):
    everything = rows(fno, f"{fno_root}/VendorsV2?$select=VendorAccount")
    body = fno.get(f"{fno_root}/VendorsV2?$select=VendorAccount&$top=1&$count=true").json()
    assert list(body)[:2] == ["@odata.context", "@odata.count"]  # the count comes before value
    assert body["@odata.count"] == len(everything) > 1
    assert len(body["value"]) == 1
    assert "@odata.nextLink" not in body


def test_count_respects_the_filter_and_the_company(fno, fno_root):
    url = f"{fno_root}/CustomersV3?$count=true&$top=0&$filter=OrganizationName eq '*Retail*'"
    local = fno.get(url).json()["@odata.count"]
    everywhere = fno.get(url + "&cross-company=true").json()["@odata.count"]
    assert 0 < local < everywhere


# ---------------------------------------------------------------- paging (own simulator with many rows)
EXTRA_GROUPS = 10_050


@pytest.fixture(scope="module")
def big_fno():
    """A private simulator whose usmf company has more than 10,000 customer groups."""
    with SimulatorServer(SimConfig()) as server:
        service = server.apps.fno.state.service
        entity_set = service.model.entity_set("CustomerGroups")
        with service.store.transaction() as conn:
            batch = []
            for number in range(EXTRA_GROUPS):
                row = {"dataAreaId": "usmf", "CustomerGroupId": f"G{number:05d}", "Description": f"Group {number}"}
                service.dialect.fill_defaults(entity_set, row)
                row[VERSION_COLUMN] = number + 1
                batch.append(row)
            conn.execute(service.table("CustomerGroups").insert(), batch)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {app_token(server, server.config.fno_url)}"
        yield server, session


def test_pages_hold_10000_rows_and_continue_with_a_skip_next_link(big_fno):
    server, fno = big_fno
    root = f"{server.config.fno_url}/data"
    first = fno.get(f"{root}/CustomerGroups?$select=CustomerGroupId&$count=true").json()
    total = first["@odata.count"]
    assert total == EXTRA_GROUPS + 5
    assert len(first["value"]) == 10_000
    next_link = first["@odata.nextLink"]
    assert next_link.startswith(f"{root}/CustomerGroups?") and "$skip=10000" in next_link
    second = fno.get(next_link).json()
    assert len(second["value"]) == total - 10_000
    assert "@odata.nextLink" not in second
    seen = [row["CustomerGroupId"] for row in first["value"] + second["value"]]
    assert len(set(seen)) == total


def test_top_above_the_page_size_is_completed_by_the_next_link(big_fno):
    server, fno = big_fno
    root = f"{server.config.fno_url}/data"
    first = fno.get(f"{root}/CustomerGroups?$select=CustomerGroupId&$top=10003").json()
    assert len(first["value"]) == 10_000
    second = fno.get(first["@odata.nextLink"]).json()
    assert len(second["value"]) == 3 and "@odata.nextLink" not in second


# ---------------------------------------------------------------- deterministic seed
def seeded_customers(seed: int) -> list[tuple]:
    app, store = build_fno_app(SimConfig(seed=seed), SigningKey())
    try:
        table = app.state.service.table("CustomersV3")
        with store.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(
                sa.select(table.c.dataAreaId, table.c.CustomerAccount, table.c.AddressCity, table.c.CreditLimit)
                .order_by(table.c.dataAreaId, table.c.CustomerAccount))]
    finally:
        store.close()


def test_seed_is_deterministic_per_config_seed():
    first, again, other = seeded_customers(7), seeded_customers(7), seeded_customers(8)
    assert first == again
    assert first != other
    assert {company for company, *_ in first} == {"usmf", "usrt"}
