"""Business Central posting flows and server-driven paging (API v2.0 docs: dynamics_salesquote_makeorder,
dynamics_salesorder_shipandinvoice, dynamics_salesinvoice_post/cancel, Server-Driven-Paging-in-OData-Web-Services)."""

from __future__ import annotations

import pytest

from harness.odata import ODataError, Query

pytestmark = [pytest.mark.bc, pytest.mark.writes]


@pytest.fixture
def company(bc) -> str:
    companies = bc.query("companies", Query(select=["id", "name"])).value
    return f"companies({companies[0]['id']})"


def draft_quote(bc, company: str) -> dict:
    customer = bc.query(f"{company}/customers", Query(top=1)).value[0]
    item = bc.query(f"{company}/items", Query(top=1)).value[0]
    quote = bc.create(f"{company}/salesQuotes", {"customerId": customer["id"]}).json()
    bc.create(f"{company}/salesQuotes({quote['id']})/salesQuoteLines", {"itemId": item["id"], "quantity": 2})
    return bc.get(f"{company}/salesQuotes({quote['id']})").json()


def test_quote_becomes_an_order_that_ships_into_a_read_only_invoice(bc, company):
    quote = draft_quote(bc, company)
    assert bc.action("makeOrder", entity_set=f"{company}/salesQuotes", key=quote["id"]).status == 204
    with pytest.raises(ODataError) as gone:
        bc.get(f"{company}/salesQuotes({quote['id']})")
    assert gone.value.status == 404
    orders = bc.query(f"{company}/salesOrders", Query(filter=f"customerId eq {quote['customerId']}",
                                                      orderby="number desc", top=1)).value
    order = orders[0]
    assert order["totalAmountExcludingTax"] == quote["totalAmountExcludingTax"]
    assert bc.action("shipAndInvoice", entity_set=f"{company}/salesOrders", key=order["id"]).status == 204
    invoices = bc.query(f"{company}/salesInvoices", Query(filter=f"orderId eq {order['id']}")).value
    assert len(invoices) == 1 and invoices[0]["status"] == "Open"
    refused = bc.patch(f"{company}/salesInvoices({invoices[0]['id']})", {"externalDocumentNumber": "X"},
                       headers={"If-Match": "*"}, expect_error=True)
    assert refused.status == 400


def test_draft_invoice_posts_once(bc, company):
    quote = draft_quote(bc, company)
    bc.action("makeInvoice", entity_set=f"{company}/salesQuotes", key=quote["id"])
    drafts = bc.query(f"{company}/salesInvoices", Query(
        filter=f"customerId eq {quote['customerId']} and status eq 'Draft'", orderby="number desc", top=1)).value
    invoice = drafts[0]
    assert bc.action("post", entity_set=f"{company}/salesInvoices", key=invoice["id"]).status == 204
    assert bc.get(f"{company}/salesInvoices({invoice['id']})").json()["status"] == "Open"
    again = bc.action("post", entity_set=f"{company}/salesInvoices", key=invoice["id"], expect_error=True)
    assert again.status == 400


def test_server_driven_paging_follows_next_links(bc, company):
    pages = list(bc.iter_pages(f"{company}/currencies", Query(select=["code"]), maxpagesize=2))
    assert len(pages) >= 2 and all(len(p.value) <= 2 for p in pages)
    codes = [row["code"] for page in pages for row in page.value]
    assert len(codes) == len(set(codes))
