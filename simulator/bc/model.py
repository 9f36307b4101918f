"""The Business Central API v2.0 entities the simulator serves (namespace ``Microsoft.NAV``).

Field lists follow the public AL source of the API pages (``APIV2Customers.Page.al`` and friends)
and the v2.0 resource docs, trimmed to what the suites use. Keys are the record's SystemId (``id``,
a GUID written unquoted in URLs). Enum members keep BC's XML-escaped spelling: the blank option is
``_x0020_`` and "Non-Inventory" is ``Non_x002D_Inventory``.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.bc import catalog
from simulator.odata.model import EntityModel, EntitySet, EntityType, EnumType, Navigation, Property

NAMESPACE = "Microsoft.NAV"

CONTACT_TYPE = EnumType("contactType", {"Company": 0, "Person": 1})
CUSTOMER_BLOCKED = EnumType("customerBlocked", {"_x0020_": 0, "Ship": 1, "Invoice": 2, "All": 3})
VENDOR_BLOCKED = EnumType("vendorBlocked", {"_x0020_": 0, "Payment": 1, "All": 2})
ITEM_TYPE = EnumType("itemType", {"Inventory": 0, "Service": 1, "Non_x002D_Inventory": 2})
ORDER_STATUS = EnumType("salesOrderStatus", {"Draft": 0, "In_x0020_Review": 1, "Open": 2, "Released": 3})
LINE_TYPE = EnumType("salesLineType", {"Comment": 0, "Account": 1, "Item": 2, "Resource": 3,
                                       "Fixed_x0020_Asset": 4, "Charge": 5})
ENUMS = [CONTACT_TYPE, CUSTOMER_BLOCKED, VENDOR_BLOCKED, ITEM_TYPE, ORDER_STATUS, LINE_TYPE, *catalog.ENUMS]

EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
COMPANY_SCOPED = ("customers", "vendors", "items", "salesOrders", "salesOrderLines",
                  *(r.set_name for r in catalog.CATALOG))


@dataclass(frozen=True)
class NumberSeries:
    """A BC No. Series: ``prefix`` + zero-padded number, increasing by ``step``."""

    prefix: str
    width: int
    step: int
    first: int

    def format(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.width}d}"

    def parse(self, value: str) -> int | None:
        rest = value[len(self.prefix):] if value.startswith(self.prefix) else ""
        return int(rest) if rest.isdigit() and len(rest) == self.width else None


# entity set -> (record caption in AL messages, No. Series for "number")
CAPTIONS = {"companies": "Company", "customers": "Customer", "vendors": "Vendor", "items": "Item",
            "salesOrders": "Sales Header", "salesOrderLines": "Sales Line",
            **{r.set_name: r.caption for r in catalog.CATALOG}}
NUMBER_SERIES = {
    "customers": NumberSeries("C", 5, 10, 10),
    "vendors": NumberSeries("V", 5, 10, 10),
    "items": NumberSeries("ITEM", 5, 10, 10),
    "salesOrders": NumberSeries("S-ORD", 6, 1, 101001),
    **{r.set_name: NumberSeries(*r.series) for r in catalog.CATALOG if r.series},
}



def _id() -> Property:
    return Property("id", "Edm.Guid", nullable=False)


def _s(name: str, length: int | None = None, **kw) -> Property:
    return Property(name, "Edm.String", max_length=length, **kw)


def _dec(name: str, **kw) -> Property:
    return Property(name, "Edm.Decimal", precision=38, scale=20, **kw)


def _modified() -> Property:
    return Property("lastModifiedDateTime", "Edm.DateTimeOffset", read_only=True)


def _address(prefix: str = "") -> list[Property]:
    def name(base: str) -> str:
        return prefix + base[0].upper() + base[1:] if prefix else base
    return [_s(name("addressLine1"), 100), _s(name("addressLine2"), 50), _s(name("city"), 30),
            _s(name("state"), 30), _s(name("country"), 10), _s(name("postalCode"), 20)]


def _terms() -> list[Navigation]:
    """The single-valued navigations of a party or document to its currency, terms and shipment method."""
    return [Navigation("currency", "currencies", False, "currencyId"),
            Navigation("paymentTerm", "paymentTerms", False, "paymentTermsId"),
            Navigation("shipmentMethod", "shipmentMethods", False, "shipmentMethodId")]


def _default_dimensions() -> Navigation:
    return Navigation("defaultDimensions", "defaultDimensions", True, "parentId")


def build_model(operations: list | None = None) -> EntityModel:
    """The v2.0 model; ``operations`` are the registry's declarations (:mod:`simulator.bc.operations`)."""
    company = EntityType("company", ["id"], [
        _id(), _s("systemVersion", 250, read_only=True), Property("timestamp", "Edm.Int64", read_only=True),
        _s("name", 30), _s("displayName", 250), _s("businessProfileId", 250),
        Property("systemCreatedAt", "Edm.DateTimeOffset", read_only=True),
        Property("systemCreatedBy", "Edm.Guid", read_only=True),
        Property("systemModifiedAt", "Edm.DateTimeOffset", read_only=True),
        Property("systemModifiedBy", "Edm.Guid", read_only=True),
    ])
    customer = EntityType("customer", ["id"], [
        _id(), _s("number", 20), _s("displayName", 100), Property("type", CONTACT_TYPE.name), *_address(),
        _s("phoneNumber", 30), _s("email", 80), _s("website", 80), _s("salespersonCode", 20),
        _dec("balanceDue", read_only=True), _dec("creditLimit"), Property("taxLiable", "Edm.Boolean"),
        Property("taxAreaId", "Edm.Guid"), _s("taxAreaDisplayName", 100), _s("taxRegistrationNumber", 20),
        Property("currencyId", "Edm.Guid"), _s("currencyCode", 10), Property("paymentTermsId", "Edm.Guid"),
        Property("shipmentMethodId", "Edm.Guid"), Property("paymentMethodId", "Edm.Guid"),
        Property("blocked", CUSTOMER_BLOCKED.name), _modified(),
    ])
    vendor = EntityType("vendor", ["id"], [
        _id(), _s("number", 20), _s("displayName", 100), *_address(), _s("phoneNumber", 30), _s("email", 80),
        _s("website", 80), _s("taxRegistrationNumber", 20), Property("currencyId", "Edm.Guid"),
        _s("currencyCode", 10), _s("irs1099Code", 10), Property("paymentTermsId", "Edm.Guid"),
        Property("paymentMethodId", "Edm.Guid"), Property("taxLiable", "Edm.Boolean"),
        Property("blocked", VENDOR_BLOCKED.name), _dec("balance", read_only=True), _modified(),
    ])
    item = EntityType("item", ["id"], [
        _id(), _s("number", 20), _s("displayName", 100), _s("displayName2", 50), Property("type", ITEM_TYPE.name),
        Property("itemCategoryId", "Edm.Guid"), _s("itemCategoryCode", 20), Property("blocked", "Edm.Boolean"),
        _s("gtin", 14), _dec("inventory", read_only=True), _dec("unitPrice"),
        Property("priceIncludesTax", "Edm.Boolean"), _dec("unitCost"), Property("taxGroupId", "Edm.Guid"),
        _s("taxGroupCode", 20), Property("baseUnitOfMeasureId", "Edm.Guid"), _s("baseUnitOfMeasureCode", 10),
        _s("generalProductPostingGroupCode", 20), _s("inventoryPostingGroupCode", 20), _modified(),
    ])
    order = EntityType("salesOrder", ["id"], [
        _id(), _s("number", 20), _s("externalDocumentNumber", 35), Property("orderDate", "Edm.Date"),
        Property("postingDate", "Edm.Date"), Property("customerId", "Edm.Guid"), _s("customerNumber", 20),
        _s("customerName", 100, read_only=True), _s("billToName", 100), Property("billToCustomerId", "Edm.Guid"),
        _s("billToCustomerNumber", 20), _s("shipToName", 100), _s("shipToContact", 100), *_address("sellTo"),
        Property("currencyId", "Edm.Guid"), _s("currencyCode", 10), Property("pricesIncludeTax", "Edm.Boolean"),
        Property("paymentTermsId", "Edm.Guid"), Property("shipmentMethodId", "Edm.Guid"), _s("salesperson", 20),
        Property("partialShipping", "Edm.Boolean"), Property("requestedDeliveryDate", "Edm.Date"),
        _dec("discountAmount"), Property("discountAppliedBeforeTax", "Edm.Boolean", read_only=True),
        _dec("totalAmountExcludingTax", read_only=True), _dec("totalTaxAmount", read_only=True),
        _dec("totalAmountIncludingTax", read_only=True), Property("fullyShipped", "Edm.Boolean", read_only=True),
        Property("status", ORDER_STATUS.name, read_only=True), _modified(), _s("phoneNumber", 30),
        _s("email", 80),
    ], [Navigation("salesOrderLines", "salesOrderLines", True, "documentId"),
        Navigation("customer", "customers", False, "customerId"), *_terms()])
    customer.add_navigation(Navigation("customerContacts", "customerContacts", True, "customerId"))
    for navigation in (*_terms(), Navigation("paymentMethod", "paymentMethods", False, "paymentMethodId"),
                       _default_dimensions()):
        customer.add_navigation(navigation)
    for navigation in (*_terms()[:2], Navigation("paymentMethod", "paymentMethods", False, "paymentMethodId"),
                       _default_dimensions()):
        vendor.add_navigation(navigation)
    for navigation in (Navigation("itemCategory", "itemCategories", False, "itemCategoryId"),
                       Navigation("itemVariants", "itemVariants", True, "itemId"), _default_dimensions()):
        item.add_navigation(navigation)
    line = EntityType("salesOrderLine", ["id"], [
        _id(), Property("documentId", "Edm.Guid"), Property("sequence", "Edm.Int32"),
        Property("itemId", "Edm.Guid"), Property("accountId", "Edm.Guid"), Property("lineType", LINE_TYPE.name),
        _s("lineObjectNumber", 20), _s("description", 100), _s("description2", 50),
        Property("unitOfMeasureId", "Edm.Guid"), _s("unitOfMeasureCode", 10), _dec("quantity"), _dec("unitPrice"),
        _dec("discountAmount"), _dec("discountPercent"), Property("discountAppliedBeforeTax", "Edm.Boolean"),
        _dec("amountExcludingTax", read_only=True), _s("taxCode", 50), _dec("taxPercent", read_only=True),
        _dec("totalTaxAmount", read_only=True), _dec("amountIncludingTax", read_only=True),
        _dec("netAmount", read_only=True), Property("shipmentDate", "Edm.Date"),
        _dec("shippedQuantity", read_only=True), _dec("invoicedQuantity", read_only=True),
        _dec("invoiceQuantity"), _dec("shipQuantity"), Property("itemVariantId", "Edm.Guid"),
        Property("locationId", "Edm.Guid"),
    ], [Navigation("item", "items", False, "itemId"), Navigation("account", "accounts", False, "accountId")])
    return EntityModel(
        namespace=NAMESPACE, alias="NAV", container="NAV",
        entity_sets=[
            EntitySet("companies", company, writable=False, logical_name="Company"),
            EntitySet("customers", customer, logical_name="Customer", default_order=("number",)),
            EntitySet("vendors", vendor, logical_name="Vendor", default_order=("number",)),
            EntitySet("items", item, logical_name="Item", default_order=("number",)),
            EntitySet("salesOrders", order, logical_name="Sales Header", default_order=("number",)),
            EntitySet("salesOrderLines", line, logical_name="Sales Line", default_order=("documentId", "sequence")),
            *catalog.entity_sets(),
        ],
        enums=ENUMS,
        operations=list(operations or []),
    )
