"""Sales-order logic of the BC simulator: customer and item lookups, line amounts, order totals.

An order takes its customer's number, name, address and currency (and refuses to exist without a
customer, with the documented AL message); a line takes its item's description and price, gets the
next ``sequence`` (steps of 10000 like AL line numbers) and its amounts; the order's totals follow
its lines. Deleting an order deletes its lines.
"""

from __future__ import annotations

import sqlalchemy as sa

from simulator.bc.errors import bc_problem
from simulator.bc.model import EMPTY_GUID
from simulator.odata.store import VERSION_COLUMN

ORDERS = "salesOrders"
LINES = "salesOrderLines"


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


def before_write(service, conn, set_name: str, values: dict, existing: dict | None) -> None:
    if set_name == ORDERS:
        _order(service, conn, values, existing)
    elif set_name == LINES:
        _line(service, conn, values, existing)


def before_delete(service, conn, set_name: str, row: dict) -> None:
    if set_name == ORDERS:
        lines = service.table(LINES)
        conn.execute(lines.delete().where(lines.c.documentId == row["id"]))
    elif set_name == LINES:
        _update_totals(service, conn, row["documentId"], exclude=row["id"], extra=None)


def _order(service, conn, values: dict, existing: dict | None) -> None:
    by_id = _changed(values, existing, "customerId")
    by_number = _changed(values, existing, "customerNumber")
    if existing is None and not by_id and not by_number:
        raise bc_problem(400, "Application_DialogException", "A customerNumber or a customerID must be provided.")
    customer = None
    if by_id:
        customer = lookup(service, conn, "customers", "id", values["customerId"])
        if customer is None:
            raise _missing("Customer", "Id", values["customerId"])
    elif by_number:
        customer = lookup(service, conn, "customers", "number", values["customerNumber"])
        if customer is None:
            raise _missing("Customer", "No.", values["customerNumber"])
    if customer is not None:
        values.update({
            "customerId": customer["id"], "customerNumber": customer["number"],
            "customerName": customer["displayName"], "billToName": customer["displayName"],
            "billToCustomerId": customer["id"], "billToCustomerNumber": customer["number"],
            "shipToName": customer["displayName"], "sellToAddressLine1": customer["addressLine1"],
            "sellToAddressLine2": customer["addressLine2"], "sellToCity": customer["city"],
            "sellToState": customer["state"], "sellToCountry": customer["country"],
            "sellToPostalCode": customer["postalCode"], "currencyCode": customer["currencyCode"],
            "phoneNumber": customer["phoneNumber"], "email": customer["email"],
        })


def _line(service, conn, values: dict, existing: dict | None) -> None:
    merged = (existing or {}) | values
    order = lookup(service, conn, ORDERS, "id", merged.get("documentId"))
    if order is None:
        raise bc_problem(400, "BadRequest_RequiredParamNotProvided" if not merged.get("documentId")
                         else "Internal_RecordNotFound",
                         "Field 'documentId' must not be blank or empty." if not merged.get("documentId")
                         else f"The Sales Header does not exist. Identification fields and values: "
                              f"Document Type='Order',Id='{merged.get('documentId')}'")
    if existing is None:
        lines = service.table(LINES)
        last = conn.execute(sa.select(sa.func.max(lines.c.sequence)).where(
            lines.c.documentId == order["id"])).scalar()
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
        if not values.get("unitPrice"):
            values["unitPrice"] = item["unitPrice"]
        merged = (existing or {}) | values
    amount = round((merged.get("quantity") or 0.0) * (merged.get("unitPrice") or 0.0)
                   - (merged.get("discountAmount") or 0.0), 2)
    values.update({"amountExcludingTax": amount, "netAmount": amount, "taxPercent": 0.0, "totalTaxAmount": 0.0,
                   "amountIncludingTax": amount})
    _update_totals(service, conn, order["id"], exclude=merged.get("id"), extra=amount)


def _update_totals(service, conn, order_id: str, exclude, extra: float | None) -> None:
    lines = service.table(LINES)
    clause = lines.c.documentId == order_id
    if exclude is not None:
        clause = sa.and_(clause, lines.c.id != exclude)
    others = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(lines.c.amountExcludingTax), 0.0))
                          .where(clause)).scalar_one()
    total = round(others + (extra or 0.0), 2)
    orders = service.table(ORDERS)
    conn.execute(orders.update().where(orders.c.id == order_id).values(
        totalAmountExcludingTax=total, totalTaxAmount=0.0, totalAmountIncludingTax=total,
        **{VERSION_COLUMN: service.store.next_version(conn)}))
