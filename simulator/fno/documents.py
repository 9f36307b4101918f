"""Sales-order business logic the F&O simulator runs on writes.

A header takes its names and currency from the ordering customer; a line gets the next line
number, its amount (quantity x price - discount) and the header's currency; the header's
``OrderTotalAmount`` follows its lines; deleting a header deletes its lines.
"""

from __future__ import annotations

import sqlalchemy as sa

HEADERS = "SalesOrderHeadersV2"
LINES = "SalesOrderLines"


def before_write(dialect, set_name: str, values: dict, existing: dict | None, merged: dict, conn,
                 now: str) -> None:
    if set_name == HEADERS and existing is None:
        _new_header(dialect, values, conn, now)
    elif set_name == LINES:
        if existing is None:
            _new_line(dialect, values, conn)
        merged = (existing or {}) | values
        if merged.get("CalculateLineAmount") == "Yes":
            per = merged.get("SalesPriceQuantity") or 1.0
            amount = (merged.get("OrderedSalesQuantity") or 0.0) * (merged.get("SalesPrice") or 0.0) / per
            values["LineAmount"] = round(amount - (merged.get("LineDiscountAmount") or 0.0), 2)
        _update_total(dialect, conn, merged, replace=values.get("LineAmount", merged.get("LineAmount")))


def before_delete(dialect, set_name: str, row: dict, conn) -> None:
    if set_name == HEADERS:
        lines = dialect.service.table(LINES)
        conn.execute(lines.delete().where(lines.c.dataAreaId == row["dataAreaId"],
                                          lines.c.SalesOrderNumber == row["SalesOrderNumber"]))
    elif set_name == LINES:
        _update_total(dialect, conn, row, replace=0.0)


def _new_header(dialect, values: dict, conn, now: str) -> None:
    customer = dialect.lookup(conn, "CustomersV3", values["dataAreaId"], "CustomerAccount",
                              values["OrderingCustomerAccountNumber"]) or {}
    values["InvoiceCustomerAccountNumber"] = values["InvoiceCustomerAccountNumber"] or \
        values["OrderingCustomerAccountNumber"]
    values["SalesOrderName"] = values["SalesOrderName"] or customer.get("OrganizationName", "")
    values["DeliveryAddressName"] = values["DeliveryAddressName"] or customer.get("OrganizationName", "")
    values["CurrencyCode"] = values["CurrencyCode"] or customer.get("SalesCurrencyCode", "USD")
    values["OrderCreationDateTime"] = now
    values["OrderTotalAmount"] = 0.0


def _new_line(dialect, values: dict, conn) -> None:
    header = dialect.lookup(conn, HEADERS, values["dataAreaId"], "SalesOrderNumber", values["SalesOrderNumber"])
    lines = dialect.service.table(LINES)
    in_order = sa.and_(lines.c.dataAreaId == values["dataAreaId"],
                       lines.c.SalesOrderNumber == values["SalesOrderNumber"])
    last = conn.execute(sa.select(sa.func.max(lines.c.LineCreationSequenceNumber)).where(in_order)).scalar()
    sequence = (last or 0) + 1
    values["LineCreationSequenceNumber"] = sequence
    if not values.get("LineNumber"):
        values["LineNumber"] = float(sequence)
    if header:
        values["CurrencyCode"] = values["CurrencyCode"] or header["CurrencyCode"]
        values["DeliveryAddressName"] = values["DeliveryAddressName"] or header["DeliveryAddressName"]
        for name in ("RequestedShippingDate", "RequestedReceiptDate"):
            if values[name].startswith("1900-"):
                values[name] = header[name]


def _update_total(dialect, conn, line: dict, replace: float) -> None:
    """Set the header total to the other lines' amounts plus ``replace`` for this line."""
    header = dialect.lookup(conn, HEADERS, line["dataAreaId"], "SalesOrderNumber", line["SalesOrderNumber"])
    if header is None:
        return
    lines = dialect.service.table(LINES)
    others = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(lines.c.LineAmount), 0.0)).where(
        lines.c.dataAreaId == line["dataAreaId"], lines.c.SalesOrderNumber == line["SalesOrderNumber"],
        lines.c.InventoryLotId != line["InventoryLotId"])).scalar_one()
    dialect.touch(conn, HEADERS, header, {"OrderTotalAmount": round(others + (replace or 0.0), 2)})
