"""Business Central bound actions (``POST …/salesOrders({id})/Microsoft.NAV.shipAndInvoice``), one registry.

Each documented v2.0 action (MicrosoftDocs ``dev-itpro/api-reference/v2.0/api/dynamics_<resource>_<action>.md``)
answers 204 No Content and changes state the way BC does: a quote becomes an order or an invoice (the
quote is gone), an order shipped and invoiced becomes a posted invoice (the order is gone), a draft
invoice or credit memo is posted (then read-only), a posted invoice is cancelled, a journal's lines
become general ledger entries. Errors are AL's, as ``Application_DialogException``.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from simulator.bc import documents
from simulator.bc.errors import bc_problem
from simulator.odata.operations import OperationCall, OperationRegistry

REGISTRY = OperationRegistry("Microsoft.NAV", "NAV")


def _dialog(message: str) -> Exception:
    return bc_problem(400, "Application_DialogException", message)


def _today() -> str:
    return dt.date.today().isoformat()


def _require_lines(call: OperationCall, set_name: str) -> None:
    if documents.line_count(call.service, call.conn, set_name, call.row["id"]) == 0:
        raise _dialog("There is nothing to post.")


def _require_draft(call: OperationCall, set_name: str, what: str) -> None:
    if call.row.get("status") not in documents.EDITABLE_STATUSES:
        raise _dialog(f"The {what} {call.row.get('number')} has already been posted.")


def _post(call: OperationCall, set_name: str, what: str) -> None:
    _require_draft(call, set_name, what)
    _require_lines(call, set_name)
    changes = {"status": "Open", "postingDate": call.row.get("postingDate") or _today()}
    documents.set_values(call.service, call.conn, set_name, call.row["id"], changes)


# ---------------------------------------------------------------------- sales quotes
@REGISTRY.action("makeOrder", bound_to="salesQuotes")
def make_order(call: OperationCall) -> None:
    """The quote becomes a sales order with the same lines; the quote is deleted."""
    documents.copy_document(call.service, call.conn, "salesQuotes", call.row, "salesOrders",
                            {"orderDate": _today(), "status": "Draft"})
    documents.delete_document(call.service, call.conn, "salesQuotes", call.row)


@REGISTRY.action("makeInvoice", bound_to="salesQuotes")
def make_invoice(call: OperationCall) -> None:
    """The quote becomes a draft sales invoice; the quote is deleted."""
    documents.copy_document(call.service, call.conn, "salesQuotes", call.row, "salesInvoices",
                            {"invoiceDate": _today(), "status": "Draft"})
    documents.delete_document(call.service, call.conn, "salesQuotes", call.row)


@REGISTRY.action("send", bound_to="salesQuotes")
def send_quote(call: OperationCall) -> None:
    documents.set_values(call.service, call.conn, "salesQuotes", call.row["id"],
                         {"status": "Sent", "sentDate": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})


# ---------------------------------------------------------------------- sales orders
@REGISTRY.action("shipAndInvoice", bound_to="salesOrders")
def ship_and_invoice(call: OperationCall) -> None:
    """Post the whole order: a posted shipment and a posted sales invoice remember the order; the order is
    deleted."""
    _require_lines(call, "salesOrders")
    documents.copy_document(call.service, call.conn, "salesOrders", call.row, "salesShipments", {
        "documentDate": _today(), "postingDate": _today(), "orderNumber": call.row["number"]},
        line_values={"shipmentDate": _today()})
    documents.copy_document(call.service, call.conn, "salesOrders", call.row, "salesInvoices", {
        "invoiceDate": _today(), "postingDate": _today(), "status": "Open", "orderId": call.row["id"],
        "orderNumber": call.row["number"], "remainingAmount": call.row.get("totalAmountIncludingTax") or 0.0})
    documents.delete_document(call.service, call.conn, "salesOrders", call.row)


# ---------------------------------------------------------------------- sales invoices and credit memos
@REGISTRY.action("post", bound_to="salesInvoices")
def post_sales_invoice(call: OperationCall) -> None:
    _post(call, "salesInvoices", "Sales Invoice")


@REGISTRY.action("postAndSend", bound_to="salesInvoices")
def post_and_send_sales_invoice(call: OperationCall) -> None:
    _post(call, "salesInvoices", "Sales Invoice")


@REGISTRY.action("cancel", bound_to="salesInvoices")
def cancel_sales_invoice(call: OperationCall) -> None:
    """A posted, open invoice is cancelled by a posted corrective credit memo."""
    if call.row.get("status") != "Open":
        raise _dialog(f"You cannot cancel the posted sales invoice {call.row.get('number')} because it is not "
                      "open.")
    documents.copy_document(call.service, call.conn, "salesInvoices", call.row, "salesCreditMemos", {
        "creditMemoDate": _today(), "postingDate": _today(), "status": "Corrective", "invoiceId": call.row["id"],
        "invoiceNumber": call.row["number"]})
    documents.set_values(call.service, call.conn, "salesInvoices", call.row["id"],
                         {"status": "Canceled", "remainingAmount": 0.0})


@REGISTRY.action("makeCorrectiveCreditMemo", bound_to="salesInvoices")
def make_corrective_credit_memo(call: OperationCall) -> None:
    if call.row.get("status") in documents.EDITABLE_STATUSES:
        raise _dialog("A corrective credit memo can only be made for a posted invoice.")
    documents.copy_document(call.service, call.conn, "salesInvoices", call.row, "salesCreditMemos", {
        "creditMemoDate": _today(), "status": "Draft", "invoiceId": call.row["id"],
        "invoiceNumber": call.row["number"]})


@REGISTRY.action("post", bound_to="salesCreditMemos")
def post_sales_credit_memo(call: OperationCall) -> None:
    _post(call, "salesCreditMemos", "Sales Credit Memo")


@REGISTRY.action("cancel", bound_to="salesCreditMemos")
def cancel_sales_credit_memo(call: OperationCall) -> None:
    if call.row.get("status") != "Open":
        raise _dialog(f"You cannot cancel the posted sales credit memo {call.row.get('number')} because it is "
                      "not open.")
    documents.set_values(call.service, call.conn, "salesCreditMemos", call.row["id"], {"status": "Canceled"})


# ---------------------------------------------------------------------- purchases
@REGISTRY.action("post", bound_to="purchaseInvoices")
def post_purchase_invoice(call: OperationCall) -> None:
    _post(call, "purchaseInvoices", "Purchase Invoice")


@REGISTRY.action("receiveAndInvoice", bound_to="purchaseOrders")
def receive_and_invoice(call: OperationCall) -> None:
    _require_lines(call, "purchaseOrders")
    documents.copy_document(call.service, call.conn, "purchaseOrders", call.row, "purchaseReceipts", {
        "postingDate": _today(), "orderNumber": call.row["number"]}, line_values={"expectedReceiptDate": _today()})
    documents.copy_document(call.service, call.conn, "purchaseOrders", call.row, "purchaseInvoices", {
        "invoiceDate": _today(), "postingDate": _today(), "status": "Open", "orderId": call.row["id"],
        "orderNumber": call.row["number"]})
    documents.delete_document(call.service, call.conn, "purchaseOrders", call.row)


# ---------------------------------------------------------------------- journals
def _post_journal(call: OperationCall, lines_set: str, account_field: str) -> None:
    """Each journal line becomes a general ledger entry; the journal is emptied."""
    lines = call.service.table(lines_set)
    rows = [dict(r._mapping) for r in call.conn.execute(
        sa.select(lines).where(lines.c.journalId == call.row["id"]).order_by(lines.c.lineNumber))]
    if not rows:
        raise _dialog("There is nothing to post.")
    entries = call.service.table("generalLedgerEntries")
    last = call.conn.execute(sa.select(sa.func.max(entries.c.entryNumber))).scalar() or 0
    for number, line in enumerate(rows, start=last + 1):
        amount = line.get("amount") or 0.0
        documents.insert_row(call.service, call.conn, "generalLedgerEntries", {
            "entryNumber": number, "postingDate": line.get("postingDate") or _today(),
            "documentNumber": line.get("documentNumber") or "",
            "documentType": "Payment" if lines_set != "journalLines" else "_x0020_",
            "accountNumber": line.get(account_field) or "", "description": line.get("description") or "",
            "debitAmount": amount if amount > 0 else 0.0, "creditAmount": -amount if amount < 0 else 0.0})
    call.conn.execute(lines.delete().where(lines.c.journalId == call.row["id"]))


@REGISTRY.action("post", bound_to="journals")
def post_journal(call: OperationCall) -> None:
    _post_journal(call, "journalLines", "accountNumber")


@REGISTRY.action("post", bound_to="customerPaymentJournals")
def post_customer_payments(call: OperationCall) -> None:
    _post_journal(call, "customerPayments", "customerNumber")


@REGISTRY.action("post", bound_to="vendorPaymentJournals")
def post_vendor_payments(call: OperationCall) -> None:
    _post_journal(call, "vendorPayments", "vendorNumber")
