"""Document logic of the BC simulator: sales and purchase headers, their lines and totals.

A header takes its customer's (or vendor's) number, name, address and currency and refuses to exist
without one, with the documented AL message; a line takes its item's description and price (cost on
purchase lines), gets the next ``sequence`` (steps of 10000 like AL line numbers) and its amounts;
the header's totals follow its lines. Deleting a header deletes its lines. Posted documents
(an invoice or credit memo past ``Draft``) are read-only, with their lines.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from simulator.bc.errors import bc_problem
from simulator.bc.model import EMPTY_GUID
from simulator.odata.store import VERSION_COLUMN


@dataclass(frozen=True)
class Document:
    lines: str
    party: str  # "customer" | "vendor"
    document_type: str  # AL "Document Type" of the header
    header_caption: str
    price: str  # the line field that carries the item's price or cost


DOCUMENTS = {
    "salesOrders": Document("salesOrderLines", "customer", "Order", "Sales Header", "unitPrice"),
    "salesQuotes": Document("salesQuoteLines", "customer", "Quote", "Sales Header", "unitPrice"),
    "salesInvoices": Document("salesInvoiceLines", "customer", "Invoice", "Sales Header", "unitPrice"),
    "salesCreditMemos": Document("salesCreditMemoLines", "customer", "Credit Memo", "Sales Header", "unitPrice"),
    "purchaseInvoices": Document("purchaseInvoiceLines", "vendor", "Invoice", "Purchase Header", "unitCost"),
    "purchaseOrders": Document("purchaseOrderLines", "vendor", "Order", "Purchase Header", "unitCost"),
    # posted, read-only: made by shipAndInvoice / receiveAndInvoice
    "salesShipments": Document("salesShipmentLines", "customer", "Shipment", "Sales Shipment Header", "unitPrice"),
    "purchaseReceipts": Document("purchaseReceiptLines", "vendor", "Receipt", "Purch. Rcpt. Header", "unitCost"),
}
HEADER_OF = {doc.lines: header for header, doc in DOCUMENTS.items()}
POSTABLE = ("salesInvoices", "salesCreditMemos", "purchaseInvoices")  # read-only once past Draft
EDITABLE_STATUSES = ("Draft", "In_x0020_Review")

# party fields a header copies from its customer or vendor: header field -> party field
CUSTOMER_FIELDS = {"customerId": "id", "customerNumber": "number", "customerName": "displayName",
                   "billToName": "displayName", "billToCustomerId": "id", "billToCustomerNumber": "number",
                   "shipToName": "displayName", "sellToAddressLine1": "addressLine1",
                   "sellToAddressLine2": "addressLine2", "sellToCity": "city", "sellToState": "state",
                   "sellToCountry": "country", "sellToPostalCode": "postalCode", "currencyCode": "currencyCode",
                   "phoneNumber": "phoneNumber", "email": "email"}
VENDOR_FIELDS = {"vendorId": "id", "vendorNumber": "number", "vendorName": "displayName", "payToName": "displayName",
                 "payToVendorId": "id", "payToVendorNumber": "number", "buyFromAddressLine1": "addressLine1",
                 "buyFromAddressLine2": "addressLine2", "buyFromCity": "city", "buyFromState": "state",
                 "buyFromCountry": "country", "buyFromPostalCode": "postalCode", "currencyCode": "currencyCode"}


def _changed(values: dict, existing: dict | None, name: str) -> bool:
    """Whether the request set ``name`` to a non-blank value different from the stored one."""
    return values.get(name) not in (None, "", EMPTY_GUID, (existing or {}).get(name))


def lookup(service, conn, set_name: str, column: str, value) -> dict | None:
    if value in (None, "", EMPTY_GUID):
        return None
    table = service.table(set_name)
    row = conn.execute(sa.select(table).where(table.c[column] == value)).first()
    return dict(row._mapping) if row else None


def _missing(caption: str, field: str, value) -> Exception:
    return bc_problem(400, "Internal_RecordNotFound",
                      f"The {caption} does not exist. Identification fields and values: {field}='{value}'")


def posted_problem(set_name: str) -> Exception:
    return bc_problem(400, "Application_DialogException",
                      f"The {DOCUMENTS[set_name].header_caption} has been posted and can no longer be changed.")


def check_editable(service, conn, set_name: str, row: dict | None) -> None:
    """Refuse changes to a posted document or to a line of one."""
    if set_name in HEADER_OF:
        header_set = HEADER_OF[set_name]
        row = lookup(service, conn, header_set, "id", (row or {}).get("documentId"))
        set_name = header_set
    if set_name in POSTABLE and row is not None and row.get("status") not in EDITABLE_STATUSES:
        raise posted_problem(set_name)


JOURNAL_LINES = {"journalLines": "journals", "customerPayments": "customerPaymentJournals",
                 "vendorPayments": "vendorPaymentJournals"}


def _journal_line(service, conn, set_name: str, values: dict, existing: dict | None) -> None:
    """A journal line belongs to an existing journal and gets the next line number (steps of 10000)."""
    merged = (existing or {}) | values
    journal = lookup(service, conn, JOURNAL_LINES[set_name], "id", merged.get("journalId"))
    if journal is None:
        raise bc_problem(400, "BadRequest_RequiredParamNotProvided" if not merged.get("journalId")
                         else "Internal_RecordNotFound",
                         "Field 'journalId' must not be blank or empty." if not merged.get("journalId")
                         else f"The Gen. Journal Batch does not exist. Identification fields and values: "
                              f"Id='{merged.get('journalId')}'")
    values["journalDisplayName"] = journal["code"]
    if existing is None and not values.get("lineNumber"):
        lines = service.table(set_name)
        last = conn.execute(sa.select(sa.func.max(lines.c.lineNumber)).where(
            lines.c.journalId == journal["id"])).scalar()
        values["lineNumber"] = (last or 0) + 10000


def before_write(service, conn, set_name: str, values: dict, existing: dict | None) -> None:
    if set_name in JOURNAL_LINES:
        _journal_line(service, conn, set_name, values, existing)
    if set_name in DOCUMENTS:
        check_editable(service, conn, set_name, existing)
        _header(service, conn, set_name, values, existing)
    elif set_name in HEADER_OF:
        check_editable(service, conn, set_name, (existing or {}) | values)
        _line(service, conn, set_name, values, existing)


def before_delete(service, conn, set_name: str, row: dict) -> None:
    if set_name in DOCUMENTS:
        check_editable(service, conn, set_name, row)
        lines = service.table(DOCUMENTS[set_name].lines)
        conn.execute(lines.delete().where(lines.c.documentId == row["id"]))
    elif set_name in HEADER_OF:
        check_editable(service, conn, set_name, row)
        update_totals(service, conn, HEADER_OF[set_name], row["documentId"], exclude=row["id"], extra=None)


def _header(service, conn, set_name: str, values: dict, existing: dict | None) -> None:
    party = DOCUMENTS[set_name].party
    source, fields = ("customers", CUSTOMER_FIELDS) if party == "customer" else ("vendors", VENDOR_FIELDS)
    by_id = _changed(values, existing, f"{party}Id")
    by_number = _changed(values, existing, f"{party}Number")
    if existing is None and not by_id and not by_number:
        raise bc_problem(400, "Application_DialogException",
                         f"A {party}Number or a {party}ID must be provided.")
    found = None
    if by_id:
        found = lookup(service, conn, source, "id", values[f"{party}Id"])
        if found is None:
            raise _missing(party.capitalize(), "Id", values[f"{party}Id"])
    elif by_number:
        found = lookup(service, conn, source, "number", values[f"{party}Number"])
        if found is None:
            raise _missing(party.capitalize(), "No.", values[f"{party}Number"])
    if found is not None:
        names = {p.name for p in service.model.entity_set(set_name).type.properties}
        values.update({field: found[source_field] for field, source_field in fields.items()
                       if field in names and source_field in found})


def _line(service, conn, set_name: str, values: dict, existing: dict | None) -> None:
    header_set = HEADER_OF[set_name]
    doc = DOCUMENTS[header_set]
    merged = (existing or {}) | values
    header = lookup(service, conn, header_set, "id", merged.get("documentId"))
    if header is None:
        if not merged.get("documentId"):
            raise bc_problem(400, "BadRequest_RequiredParamNotProvided", "Field 'documentId' must not be blank or "
                                                                         "empty.")
        raise bc_problem(400, "Internal_RecordNotFound",
                         f"The {doc.header_caption} does not exist. Identification fields and values: "
                         f"Document Type='{doc.document_type}',Id='{merged.get('documentId')}'")
    if existing is None:
        lines = service.table(set_name)
        last = conn.execute(sa.select(sa.func.max(lines.c.sequence)).where(
            lines.c.documentId == header["id"])).scalar()
        values["sequence"] = (last or 0) + 10000
    item = None
    if _changed(values, existing, "itemId"):
        item = lookup(service, conn, "items", "id", values["itemId"])
        if item is None:
            raise _missing("Item", "Id", values["itemId"])
    elif _changed(values, existing, "lineObjectNumber") and merged.get("lineType") == "Item":
        item = lookup(service, conn, "items", "number", values["lineObjectNumber"])
        if item is None:
            raise _missing("Item", "No.", values["lineObjectNumber"])
    if item is not None:
        values.update({"itemId": item["id"], "lineObjectNumber": item["number"],
                       "unitOfMeasureCode": item["baseUnitOfMeasureCode"]})
        if not values.get("description"):
            values["description"] = item["displayName"]
        if not values.get(doc.price):
            values[doc.price] = item[doc.price]
        merged = (existing or {}) | values
    amount = round((merged.get("quantity") or 0.0) * (merged.get(doc.price) or 0.0)
                   - (merged.get("discountAmount") or 0.0), 2)
    values.update({"amountExcludingTax": amount, "netAmount": amount, "taxPercent": 0.0, "totalTaxAmount": 0.0,
                   "amountIncludingTax": amount})
    update_totals(service, conn, header_set, header["id"], exclude=merged.get("id"), extra=amount)


def update_totals(service, conn, header_set: str, header_id: str, exclude, extra: float | None) -> None:
    lines = service.table(DOCUMENTS[header_set].lines)
    clause = lines.c.documentId == header_id
    if exclude is not None:
        clause = sa.and_(clause, lines.c.id != exclude)
    others = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(lines.c.amountExcludingTax), 0.0))
                          .where(clause)).scalar_one()
    total = round(others + (extra or 0.0), 2)
    headers = service.table(header_set)
    changes = {"totalAmountExcludingTax": total, "totalTaxAmount": 0.0, "totalAmountIncludingTax": total,
               VERSION_COLUMN: service.store.next_version(conn)}
    if "remainingAmount" in headers.c:
        changes["remainingAmount"] = total
    conn.execute(headers.update().where(headers.c.id == header_id).values(**changes))


# ---------------------------------------------------------------------- copies (used by the bound actions)
def insert_row(service, conn, set_name: str, values: dict) -> dict:
    """Insert a row the way BC fills it: blanks for what is not given, a new SystemId and version."""
    entity_set = service.model.entity_set(set_name)
    row = {"id": str(uuid.uuid4())} | values
    service.dialect.fill_defaults(entity_set, row)
    service.dialect.stamp_modified(entity_set, row)
    row[VERSION_COLUMN] = service.store.next_version(conn)
    conn.execute(service.table(set_name).insert().values(**row))
    return row


def copy_document(service, conn, source_set: str, header: dict, target_set: str, overrides: dict,
                  line_values: dict | None = None) -> dict:
    """A new ``target_set`` document with the header's and lines' common fields (quote → order → invoice)."""
    target_props = {p.name for p in service.model.entity_set(target_set).type.properties}
    values = {k: v for k, v in header.items() if k in target_props and k not in ("id", "number", "status")}
    values["number"] = service.dialect.next_number(service, conn, target_set)
    values.update(overrides)
    copy = insert_row(service, conn, target_set, values)
    source_lines, target_lines = DOCUMENTS[source_set].lines, DOCUMENTS[target_set].lines
    line_props = {p.name for p in service.model.entity_set(target_lines).type.properties}
    table = service.table(source_lines)
    for line in conn.execute(sa.select(table).where(table.c.documentId == header["id"]).order_by(table.c.sequence)):
        line = dict(line._mapping)
        insert_row(service, conn, target_lines, {k: v for k, v in line.items() if k in line_props and k != "id"}
                   | {"documentId": copy["id"]} | (line_values or {}))
    return copy


def delete_document(service, conn, set_name: str, header: dict) -> None:
    lines = service.table(DOCUMENTS[set_name].lines)
    conn.execute(lines.delete().where(lines.c.documentId == header["id"]))
    table = service.table(set_name)
    conn.execute(table.delete().where(table.c.id == header["id"]))


def line_count(service, conn, set_name: str, header_id: str) -> int:
    lines = service.table(DOCUMENTS[set_name].lines)
    return conn.execute(sa.select(sa.func.count()).select_from(lines).where(lines.c.documentId == header_id)) \
        .scalar_one()


def set_values(service, conn, set_name: str, row_id: str, changes: dict) -> None:
    table = service.table(set_name)
    entity_set = service.model.entity_set(set_name)
    changes = dict(changes)
    service.dialect.stamp_modified(entity_set, changes)
    changes[VERSION_COLUMN] = service.store.next_version(conn)
    conn.execute(table.update().where(table.c.id == row_id).values(**changes))
