"""Business Central API v2.0 breadth: the documented entity sets, read-only pages, bound actions and
their state changes (quote → order → posted invoice → cancelled), journals, paging and $schemaversion.

Sources: MicrosoftDocs dynamics365smb-devitpro-pb dev-itpro/api-reference/v2.0/resources/*.md and
api/dynamics_<resource>_<action>.md; webservices/Server-Driven-Paging-in-OData-Web-Services.md.
"""

from __future__ import annotations

import json
import pathlib

import pytest
import requests
from lxml import etree

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
COLLECTION = (pathlib.Path(__file__).resolve().parents[3] / "shared" / "corpus" / "business-central-api-postman"
              / "Business_Central_API_v2.0.postman_collection.json")
DOCUMENTED = ["accounts", "accountingPeriods", "agedAccountsPayable", "agedAccountsReceivable", "applyVendorEntries",
              "attachments", "balanceSheets", "bankAccounts", "cashFlowStatements", "companyInformation", "contacts",
              "contactsInformation", "countriesRegions", "currencies", "currencyExchangeRates", "customers",
              "customerFinancialDetails", "customerPayments", "customerPaymentJournals", "dimensions",
              "dimensionValues", "employees", "generalLedgerEntries", "items", "itemCategories", "journals",
              "journalLines", "locations", "paymentMethods", "paymentTerms", "purchaseInvoices",
              "purchaseInvoiceLines", "purchaseOrders", "purchaseOrderLines", "salesCreditMemos",
              "salesCreditMemoLines", "salesInvoices", "salesInvoiceLines", "salesOrders", "salesOrderLines",
              "salesQuotes", "salesQuoteLines", "shipmentMethods", "taxGroups", "unitsOfMeasure", "vendors",
              "vendorPayments", "vendorPaymentJournals",
              # the second batch (issue 17 item 3)
              "salesShipments", "salesShipmentLines", "purchaseReceipts", "purchaseReceiptLines", "itemVariants",
              "projects", "defaultDimensions", "timeRegistrationEntries", "opportunities", "irs1099",
              "retainedEarningsStatements", "incomeStatements", "trialBalances", "customerSales", "vendorPurchases",
              "itemLedgerEntries", "fixedAssets", "fixedAssetLocations", "inventoryPostingGroups",
              "generalProductPostingGroups"]


@pytest.fixture(scope="module")
def api(sim) -> str:
    return f"{sim.config.bc_url}/v2.0/{sim.config.tenant_id}/production/api/v2.0"


@pytest.fixture(scope="module")
def bc(bc) -> requests.Session:
    """The shared session (conftest), sending ``If-Match: *`` on writes as this module's tests expect."""
    bc.headers["If-Match"] = "*"
    return bc


@pytest.fixture(scope="module")
def company(bc, api) -> str:
    companies = bc.get(f"{api}/companies").json()["value"]
    return f"{api}/companies({next(c['id'] for c in companies if c['name'] == 'CRONUS USA, Inc.')})"


def created(reply: requests.Response) -> dict:
    assert reply.status_code == 201, reply.text
    return reply.json()


def no_content(reply: requests.Response) -> None:
    assert reply.status_code == 204, reply.text


def test_every_documented_set_is_served_and_declared(bc, api, company):
    names = {s["name"] for s in bc.get(f"{api}/").json()["value"]}
    assert set(DOCUMENTED) <= names
    document = etree.fromstring(bc.get(f"{api}/$metadata").content)
    declared = {e.get("Name") for e in document.iter(f"{EDM}EntitySet")}
    assert set(DOCUMENTED) <= declared
    for name in DOCUMENTED:
        reply = bc.get(f"{company}/{name}", params={"$top": "1"})
        assert reply.status_code == 200, (name, reply.text)


@pytest.mark.skipif(not COLLECTION.exists(), reason="the public corpus is not next to this checkout")
def test_every_set_of_the_public_collection_that_bc_documents_exists(bc, company):
    """The collection's paths, less the two names v2.0 spells differently (contactsInformation) or nests."""
    data = json.loads(COLLECTION.read_text(encoding="utf-8"))
    used = set()

    def walk(items):
        for item in items:
            if "item" in item:
                walk(item["item"])
            else:
                raw = item["request"]["url"]["raw"] if isinstance(item["request"]["url"], dict) \
                    else item["request"]["url"]
                tail = raw.split("companies({{companyId}})/", 1)
                if len(tail) == 2:
                    used.add(tail[1].split("(")[0].split("?")[0].split("/")[0])
    walk(data["item"])
    assert len(used) >= 25
    missing = {name for name in used if bc.get(f"{company}/{name}", params={"$top": "1"}).status_code != 200}
    assert missing == {"contactInformation"}  # the v2.0 entity set is contactsInformation


@pytest.mark.parametrize("name, method", [("accounts", "post"), ("generalLedgerEntries", "post"),
                                          ("companyInformation", "post"), ("applyVendorEntries", "post"),
                                          ("customerFinancialDetails", "post"), ("salesShipments", "post"),
                                          ("salesShipmentLines", "post"), ("purchaseReceipts", "post"),
                                          ("itemLedgerEntries", "post"), ("trialBalances", "post"),
                                          ("incomeStatements", "post"), ("retainedEarningsStatements", "post"),
                                          ("customerSales", "post"), ("vendorPurchases", "post")])
def test_read_only_pages_refuse_writes_the_bc_way(bc, company, name, method):
    reply = bc.request(method.upper(), f"{company}/{name}", json={})
    assert reply.status_code == 405, reply.text
    assert reply.json()["error"]["code"] == "BadRequest_MethodNotAllowed"


def test_read_only_rows_refuse_delete(bc, company):
    info = bc.get(f"{company}/companyInformation").json()["value"][0]
    assert bc.delete(f"{company}/companyInformation({info['id']})").status_code == 405
    patched = bc.patch(f"{company}/companyInformation({info['id']})", json={"displayName": "CRONUS Renamed"})
    assert patched.status_code == 200 and patched.json()["displayName"] == "CRONUS Renamed"


def new_quote(bc, company) -> dict:
    customer = bc.get(f"{company}/customers", params={"$top": "1"}).json()["value"][0]
    item = bc.get(f"{company}/items", params={"$top": "1"}).json()["value"][0]
    quote = created(bc.post(f"{company}/salesQuotes", json={"customerId": customer["id"]}))
    assert quote["status"] == "Draft" and quote["customerNumber"] == customer["number"]
    created(bc.post(f"{company}/salesQuotes({quote['id']})/salesQuoteLines",
                    json={"itemId": item["id"], "quantity": 3}))
    return bc.get(f"{company}/salesQuotes({quote['id']})").json()


def test_quote_to_order_to_posted_invoice_to_cancel(bc, company):
    quote = new_quote(bc, company)
    assert quote["totalAmountExcludingTax"] > 0
    no_content(bc.post(f"{company}/salesQuotes({quote['id']})/Microsoft.NAV.makeOrder"))
    assert bc.get(f"{company}/salesQuotes({quote['id']})").status_code == 404
    orders = bc.get(f"{company}/salesOrders", params={"$filter": f"customerId eq {quote['customerId']}",
                                                      "$expand": "salesOrderLines"}).json()["value"]
    order = next(o for o in orders if o["totalAmountExcludingTax"] == quote["totalAmountExcludingTax"])
    assert len(order["salesOrderLines"]) == 1

    no_content(bc.post(f"{company}/salesOrders({order['id']})/Microsoft.NAV.shipAndInvoice"))
    assert bc.get(f"{company}/salesOrders({order['id']})").status_code == 404
    invoices = bc.get(f"{company}/salesInvoices", params={"$filter": f"orderId eq {order['id']}"}).json()["value"]
    (invoice,) = invoices
    assert invoice["status"] == "Open" and invoice["orderNumber"] == order["number"]
    assert invoice["totalAmountIncludingTax"] == order["totalAmountIncludingTax"]

    locked = bc.patch(f"{company}/salesInvoices({invoice['id']})", json={"externalDocumentNumber": "X"})
    assert locked.status_code == 400 and locked.json()["error"]["code"] == "Application_DialogException"
    lines = bc.get(f"{company}/salesInvoices({invoice['id']})/salesInvoiceLines").json()["value"]
    assert bc.patch(f"{company}/salesInvoiceLines({lines[0]['id']})", json={"quantity": 9}).status_code == 400
    assert bc.delete(f"{company}/salesInvoices({invoice['id']})").status_code == 400
    again = bc.post(f"{company}/salesInvoices({invoice['id']})/Microsoft.NAV.post")
    assert again.status_code == 400

    no_content(bc.post(f"{company}/salesInvoices({invoice['id']})/Microsoft.NAV.cancel"))
    assert bc.get(f"{company}/salesInvoices({invoice['id']})").json()["status"] == "Canceled"
    memos = bc.get(f"{company}/salesCreditMemos", params={"$filter": f"invoiceId eq {invoice['id']}"}).json()
    assert [m["status"] for m in memos["value"]] == ["Corrective"]


def test_draft_invoice_is_posted_once_and_needs_lines(bc, company):
    customer = bc.get(f"{company}/customers", params={"$top": "1"}).json()["value"][0]
    empty = created(bc.post(f"{company}/salesInvoices", json={"customerNumber": customer["number"]}))
    nothing = bc.post(f"{company}/salesInvoices({empty['id']})/Microsoft.NAV.post")
    assert nothing.status_code == 400 and "There is nothing to post." in nothing.json()["error"]["message"]
    quote = new_quote(bc, company)
    no_content(bc.post(f"{company}/salesQuotes({quote['id']})/Microsoft.NAV.makeInvoice"))
    draft = bc.get(f"{company}/salesInvoices", params={
        "$filter": f"customerId eq {quote['customerId']} and status eq 'Draft' and totalAmountExcludingTax gt 0"}
    ).json()["value"][-1]
    assert bc.patch(f"{company}/salesInvoices({draft['id']})", json={"externalDocumentNumber": "PO-1"}).ok
    no_content(bc.post(f"{company}/salesInvoices({draft['id']})/Microsoft.NAV.post"))
    assert bc.get(f"{company}/salesInvoices({draft['id']})").json()["status"] == "Open"
    assert bc.get(f"{company}/salesInvoices({draft['id']})/Microsoft.NAV.post").status_code == 405
    assert bc.post(f"{company}/salesInvoices({draft['id']})/Microsoft.NAV.shipAndInvoice").status_code == 404
    assert bc.post(f"{company}/salesInvoices({draft['id']})/Microsoft.NAV.post", json={"x": 1}).status_code == 400


def test_purchase_order_receive_and_invoice(bc, company):
    vendor = bc.get(f"{company}/vendors", params={"$top": "1"}).json()["value"][0]
    item = bc.get(f"{company}/items", params={"$top": "1"}).json()["value"][0]
    order = created(bc.post(f"{company}/purchaseOrders", json={"vendorNumber": vendor["number"]}))
    assert order["vendorName"] == vendor["displayName"]
    line = created(bc.post(f"{company}/purchaseOrders({order['id']})/purchaseOrderLines",
                           json={"itemId": item["id"], "quantity": 2}))
    assert line["unitCost"] == item["unitCost"] and line["amountExcludingTax"] == round(2 * item["unitCost"], 2)
    no_content(bc.post(f"{company}/purchaseOrders({order['id']})/Microsoft.NAV.receiveAndInvoice"))
    invoices = bc.get(f"{company}/purchaseInvoices", params={"$filter": f"orderId eq {order['id']}"}).json()
    assert [i["status"] for i in invoices["value"]] == ["Open"]


def test_journal_post_turns_lines_into_ledger_entries(bc, company):
    journal = created(bc.post(f"{company}/journals", json={"code": "PYTEST", "displayName": "pytest"}))
    lines = [created(bc.post(f"{company}/journals({journal['id']})/journalLines", json={
        "accountNumber": "10100", "amount": amount, "documentNumber": "PYT-1", "description": "pytest"}))
        for amount in (100.0, -100.0)]
    assert [(line["lineNumber"], line["journalDisplayName"]) for line in lines] == [(10000, "PYTEST"),
                                                                                    (20000, "PYTEST")]
    orphan = bc.post(f"{company}/journalLines", json={"journalId": "00000000-0000-0000-0000-0000000000aa",
                                                      "amount": 1})
    assert orphan.status_code == 400 and orphan.json()["error"]["code"] == "Internal_RecordNotFound"
    before = len(bc.get(f"{company}/generalLedgerEntries").json()["value"])
    no_content(bc.post(f"{company}/journals({journal['id']})/Microsoft.NAV.post"))
    entries = bc.get(f"{company}/generalLedgerEntries", params={"$filter": "documentNumber eq 'PYT-1'"}).json()
    assert len(entries["value"]) == 2 and len(bc.get(f"{company}/generalLedgerEntries").json()["value"]) == before + 2
    assert bc.get(f"{company}/journals({journal['id']})/journalLines").json()["value"] == []
    assert bc.post(f"{company}/journals({journal['id']})/Microsoft.NAV.post").status_code == 400


def test_actions_are_declared_bound_to_their_types(bc, api):
    document = etree.fromstring(bc.get(f"{api}/$metadata").content)
    bindings = {(a.get("Name"), a.find(f"{EDM}Parameter").get("Type")) for a in document.iter(f"{EDM}Action")}
    for name, type_name in [("post", "salesInvoice"), ("cancel", "salesInvoice"), ("shipAndInvoice", "salesOrder"),
                            ("makeInvoice", "salesQuote"), ("makeOrder", "salesQuote"), ("post", "journal"),
                            ("receiveAndInvoice", "purchaseOrder")]:
        assert (name, f"NAV.{type_name}") in bindings


def test_schemaversion_and_server_driven_paging(bc, company):
    assert bc.get(f"{company}/currencies", params={"$schemaversion": "2.1"}).status_code == 200
    bad = bc.get(f"{company}/currencies", params={"$schemaversion": "9.9"})
    assert bad.status_code == 400 and "9.9" in bad.json()["error"]["message"]
    first = bc.get(f"{company}/currencies", headers={"Prefer": "odata.maxpagesize=2"}).json()
    assert len(first["value"]) == 2 and "$skiptoken=" in first["@odata.nextLink"]
    second = bc.get(first["@odata.nextLink"], headers={"Prefer": "odata.maxpagesize=2"}).json()
    assert {c["code"] for c in first["value"]}.isdisjoint({c["code"] for c in second["value"]})


def test_deep_insert_of_a_quote_with_lines(bc, company):
    customer = bc.get(f"{company}/customers", params={"$top": "1"}).json()["value"][0]
    item = bc.get(f"{company}/items", params={"$top": "1"}).json()["value"][0]
    quote = created(bc.post(f"{company}/salesQuotes", json={
        "customerNumber": customer["number"],
        "salesQuoteLines": [{"lineObjectNumber": item["number"], "quantity": 2},
                            {"itemId": item["id"], "quantity": 1}]}))
    assert quote["totalAmountExcludingTax"] == round(3 * item["unitPrice"], 2)
    lines = bc.get(f"{company}/salesQuotes({quote['id']})/salesQuoteLines").json()["value"]
    assert sorted(line["sequence"] for line in lines) == [10000, 20000]


def test_ship_and_invoice_posts_a_shipment_and_receive_a_receipt(bc, company):
    quote = new_quote(bc, company)
    no_content(bc.post(f"{company}/salesQuotes({quote['id']})/Microsoft.NAV.makeOrder"))
    order = bc.get(f"{company}/salesOrders", params={"$orderby": "lastModifiedDateTime desc", "$top": "1"}
                   ).json()["value"][0]
    no_content(bc.post(f"{company}/salesOrders({order['id']})/Microsoft.NAV.shipAndInvoice"))
    shipments = bc.get(f"{company}/salesShipments", params={"$filter": f"orderNumber eq '{order['number']}'",
                                                            "$expand": "salesShipmentLines"}).json()["value"]
    (shipment,) = shipments
    assert shipment["number"].startswith("S-SHPT") and shipment["customerNumber"] == order["customerNumber"]
    (line,) = shipment["salesShipmentLines"]
    assert line["quantity"] == 3 and line["sequence"] == 10000 and line["shipmentDate"] != "0001-01-01"
    refused = bc.patch(f"{company}/salesShipments({shipment['id']})", json={"shipToName": "x"})
    assert refused.status_code == 405 and refused.json()["error"]["code"] == "BadRequest_MethodNotAllowed"
    assert bc.delete(f"{company}/salesShipmentLines({line['id']})").status_code == 405

    vendor = bc.get(f"{company}/vendors", params={"$top": "1"}).json()["value"][0]
    item = bc.get(f"{company}/items", params={"$top": "1"}).json()["value"][0]
    purchase = created(bc.post(f"{company}/purchaseOrders", json={"vendorId": vendor["id"]}))
    created(bc.post(f"{company}/purchaseOrders({purchase['id']})/purchaseOrderLines",
                    json={"itemId": item["id"], "quantity": 4}))
    no_content(bc.post(f"{company}/purchaseOrders({purchase['id']})/Microsoft.NAV.receiveAndInvoice"))
    receipt = bc.get(f"{company}/purchaseReceipts", params={"$filter": f"orderNumber eq '{purchase['number']}'"}
                     ).json()["value"][0]
    lines = bc.get(f"{company}/purchaseReceipts({receipt['id']})/purchaseReceiptLines").json()["value"]
    assert receipt["vendorNumber"] == vendor["number"] and [x["quantity"] for x in lines] == [4]


def test_expand_documented_navigations(bc, company):
    term = bc.get(f"{company}/paymentTerms", params={"$filter": "code eq 'COD'"}).json()["value"][0]
    method = bc.get(f"{company}/shipmentMethods", params={"$filter": "code eq 'PICKUP'"}).json()["value"][0]
    customer = created(bc.post(f"{company}/customers", json={"displayName": "Expand Ltd", "paymentTermsId": term["id"],
                                                             "shipmentMethodId": method["id"]}))
    got = bc.get(f"{company}/customers({customer['id']})",
                 params={"$expand": "currency,paymentTerm,shipmentMethod,defaultDimensions"}).json()
    assert got["paymentTerm"]["code"] == "COD" and got["shipmentMethod"]["code"] == "PICKUP"
    assert got["currency"] is None and got["defaultDimensions"] == []

    dimension = bc.get(f"{company}/dimensions", params={"$expand": "dimensionValues"}).json()["value"][0]
    value = dimension["dimensionValues"][0]
    default = created(bc.post(f"{company}/defaultDimensions", json={
        "parentType": "Customer", "parentId": customer["id"], "dimensionId": dimension["id"],
        "dimensionValueId": value["id"], "postingValidation": "Code_x0020_Mandatory"}))
    expanded = bc.get(f"{company}/customers({customer['id']})", params={"$expand": "defaultDimensions"}).json()
    assert [d["id"] for d in expanded["defaultDimensions"]] == [default["id"]]
    with_dimension = bc.get(f"{company}/defaultDimensions({default['id']})",
                            params={"$expand": "dimension,dimensionValue"}).json()
    assert with_dimension["dimension"]["code"] == dimension["code"]
    assert with_dimension["dimensionValue"]["code"] == value["code"]

    invoice = created(bc.post(f"{company}/salesInvoices", json={"customerId": customer["id"]}))
    listed = bc.get(f"{company}/salesInvoices", params={"$filter": f"id eq {invoice['id']}",
                                                        "$expand": "customer"}).json()["value"]
    assert listed[0]["customer"]["displayName"] == "Expand Ltd"

    category = bc.get(f"{company}/itemCategories", params={"$filter": "code eq 'CHAIR'"}).json()["value"][0]
    item = bc.get(f"{company}/items", params={"$top": "1"}).json()["value"][0]
    assert bc.patch(f"{company}/items({item['id']})", json={"itemCategoryId": category["id"]}).ok
    variant = created(bc.post(f"{company}/itemVariants", json={"itemId": item["id"], "itemNumber": item["number"],
                                                               "code": "BLUE", "description": "Blue"}))
    got = bc.get(f"{company}/items({item['id']})", params={"$expand": "itemCategory,itemVariants"}).json()
    assert got["itemCategory"]["code"] == "CHAIR" and [v["id"] for v in got["itemVariants"]] == [variant["id"]]
    unknown = bc.get(f"{company}/customers", params={"$expand": "nonsense"})
    assert unknown.status_code == 400


def test_lists_come_in_bc_order_not_guid_order(bc, company):
    created(bc.post(f"{company}/customers", json={"number": "00001", "displayName": "First by number"}))
    numbers = [c["number"] for c in bc.get(f"{company}/customers").json()["value"]]
    assert numbers == sorted(numbers) and numbers[0] == "00001"
    codes = [c["code"] for c in bc.get(f"{company}/currencies").json()["value"]]
    assert codes == sorted(codes) and len(codes) > 2
    quote = new_quote(bc, company)
    item = bc.get(f"{company}/items", params={"$top": "1"}).json()["value"][0]
    for quantity in (1, 2, 5):
        created(bc.post(f"{company}/salesQuotes({quote['id']})/salesQuoteLines",
                        json={"itemId": item["id"], "quantity": quantity}))
    lines = bc.get(f"{company}/salesQuotes({quote['id']})/salesQuoteLines").json()["value"]
    assert [x["sequence"] for x in lines] == [10000, 20000, 30000, 40000]
    entries = [e["lineNumber"] for e in bc.get(f"{company}/incomeStatements").json()["value"]]
    assert entries == [10, 20, 30]
