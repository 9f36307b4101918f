"""The F&O data entities the simulator serves, in the ``Microsoft.Dynamics.DataEntities`` namespace.

Property names, enum names and key shapes follow real Finance and Operations captures (the Nango
fixtures quoted in the reference notes), trimmed to the columns the suites use. Besides the OData
model, :data:`TABLES` records what F&O's X++ layer knows about each entity (AOT name, table
caption, mandatory fields, relations, number sequences): the dialect uses it for defaults,
validation and the "Write failed" error texts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.odata.model import EntityModel, EntitySet, EntityType, EnumType, Navigation, Property

NAMESPACE = "Microsoft.Dynamics.DataEntities"

NO_YES = EnumType("NoYes", {"No": 0, "Yes": 1})
PARTY_TYPE = EnumType("DirPartyBaseType", {"None": 0, "Person": 1, "Organization": 2})
BLOCKED = EnumType("CustVendorBlocked", {"No": 0, "Invoice": 1, "All": 2, "Payment": 3, "Requisition": 4,
                                         "Never": 5})
GENDER = EnumType("Gender", {"Unknown": 0, "Male": 1, "Female": 2, "NonSpecific": 3})
SALES_STATUS = EnumType("SalesStatus", {"None": 0, "Backorder": 1, "Delivered": 2, "Invoiced": 3,
                                        "Canceled": 4})
OPERATION_TYPE = EnumType("DMFOperationType", {"Import": 0, "Export": 1})
PROJECT_CATEGORY = EnumType("DMFProjectCategory", {"Project": 0, "Configuration": 1, "Integration": 2,
                                                   "Other": 3})
REFRESH_TYPE = EnumType("DMFRefreshType", {"FullPush": 0, "IncrementalPush": 1})
ENUMS = [NO_YES, PARTY_TYPE, BLOCKED, GENDER, SALES_STATUS, OPERATION_TYPE, PROJECT_CATEGORY, REFRESH_TYPE]

EMPTY_DATE = "1900-01-01T12:00:00Z"  # an empty date-only field
EMPTY_DATETIME = "1900-01-01T00:00:00Z"  # an empty date-time field
EMPTY_GUID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class NumberSequence:
    """How F&O numbers a key field in one company: ``prefix`` + a zero-padded counter."""

    prefix: str
    width: int

    def format(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.width}d}"

    def parse(self, value: str) -> int | None:
        rest = value[len(self.prefix):] if value.startswith(self.prefix) else None
        return int(rest) if rest and rest.isdigit() and len(rest) == self.width else None


@dataclass(frozen=True)
class Relation:
    """A field that must name an existing row of another entity in the same company."""

    field: str
    target_set: str
    target_field: str
    table_caption: str  # "Customer groups": how the infolog names the related table


@dataclass
class TableInfo:
    """X++-side facts about one data entity."""

    aot_name: str  # CustCustomerV3Entity: the name in "Write failed for table row of type ..."
    table: str  # CustTable
    caption: str  # Customers
    labels: dict[str, str] = field(default_factory=dict)  # field -> label in infolog texts
    mandatory: tuple[str, ...] = ()
    relations: tuple[Relation, ...] = ()
    date_only: frozenset[str] = frozenset()
    defaults: dict[str, object] = field(default_factory=dict)  # create-time defaults beyond "empty"
    nullable: frozenset[str] = frozenset()  # fields F&O leaves null instead of "empty"
    numbered: dict[str, dict[str, NumberSequence]] = field(default_factory=dict)  # field -> company -> seq
    datasources: int = 1  # RecVersion,RecId pairs in the ETag
    dmf_name: str = ""  # the Data management entity name ("Customers V3"); "" = not in data packages
    dmf_category: str = "Master"

    def label(self, name: str) -> str:
        return self.labels.get(name, name)


def _s(name: str, length: int | None = None, **kw) -> Property:
    return Property(name, "Edm.String", max_length=length, **kw)


def _enum(name: str, enum: EnumType, **kw) -> Property:
    return Property(name, enum.name, **kw)


def _dt(name: str) -> Property:
    return Property(name, "Edm.DateTimeOffset")


def _dec(name: str, **kw) -> Property:
    return Property(name, "Edm.Decimal", precision=32, scale=6, **kw)


def _company() -> Property:
    return Property("dataAreaId", "Edm.String", nullable=False, max_length=4)


def _numbered(default_width: int, **companies: NumberSequence) -> dict[str, NumberSequence]:
    """Per-company sequences; other companies get ``<COMPANY>-000001`` like a fresh F&O company."""
    return dict(companies) | {"*": NumberSequence("", default_width)}


def build_model(operations: list | None = None) -> EntityModel:
    """The F&O model; ``operations`` are the registry's declarations (:mod:`simulator.fno.operations`)."""
    operations = list(operations or [])
    legal_entity = EntityType("LegalEntity", ["LegalEntityId"], [
        _s("LegalEntityId", 4, nullable=False),
        _s("Name", 100), _s("NameAlias", 20), _s("PartyNumber", 40), _s("CompanyName", 60),
        _s("AddressStreet", 250), _s("AddressCity", 60), _s("AddressState", 10), _s("AddressZipCode", 10),
        _s("AddressCountryRegionId", 10), _s("FullPrimaryAddress", 250), _dt("AddressValidFrom"),
        _dt("AddressValidTo"), _s("LanguageId", 7), _s("TimeZone", 60), _dt("StartDateOfBusiness"),
        _enum("UseForFinancialConsolidationProcess", NO_YES), _s("PrimaryContactEmail", 255),
        _s("PrimaryContactPhone", 255),
    ])
    customer_group = EntityType("CustomerGroup", ["dataAreaId", "CustomerGroupId"], [
        _company(), _s("CustomerGroupId", 10, nullable=False), _s("Description", 60),
        _s("PaymentTermId", 10), _s("DefaultDimensionDisplayValue", 500),
        _enum("IsSalesTaxIncludedInPrice", NO_YES),
    ])
    customer = EntityType("CustomerV3", ["dataAreaId", "CustomerAccount"], [
        _company(), _s("CustomerAccount", 20, nullable=False),
        _s("OrganizationName", 100), _s("NameAlias", 20), _enum("PartyType", PARTY_TYPE), _s("PartyNumber", 40),
        _s("PersonFirstName", 25), _s("PersonLastName", 25), _enum("PersonGender", GENDER),
        _s("CustomerGroupId", 10), _s("SalesCurrencyCode", 3), _dec("CreditLimit"),
        _enum("CreditLimitIsMandatory", NO_YES), _enum("OnHoldStatus", BLOCKED),
        _enum("IsSalesTaxIncludedInPrices", NO_YES), _s("PaymentTerms", 10), _s("PaymentMethod", 10),
        _s("SalesTaxGroup", 10), _s("DeliveryMode", 10), _s("DeliveryTerms", 10), _s("InvoiceAccount", 20),
        _s("AddressStreet", 250), _s("AddressCity", 60), _s("AddressState", 10), _s("AddressZipCode", 10),
        _s("AddressCountryRegionId", 10), _s("AddressDescription", 60), _s("FullPrimaryAddress", 250),
        _dt("AddressValidFrom"), _dt("AddressValidTo"), _s("PrimaryContactEmail", 255),
        _s("PrimaryContactPhone", 255), _s("PrimaryContactURL", 255), _s("LanguageId", 7),
        Property("OrganizationNumberOfEmployees", "Edm.Int32"), _dt("CredManCustomerSince"),
        _dt("CredManLastReviewDate"), _enum("IsOneTimeCustomer", NO_YES),
    ])
    vendor = EntityType("VendorV2", ["dataAreaId", "VendorAccount"], [
        _company(), _s("VendorAccount", 20, nullable=False),
        _s("VendorOrganizationName", 100), _s("VendorSearchName", 20), _enum("VendorPartyType", PARTY_TYPE),
        _s("PartyNumber", 40), _s("VendorGroupId", 10), _s("CurrencyCode", 3), _dec("CreditLimit"),
        _enum("OnHoldStatus", BLOCKED), _s("DefaultPaymentTermsName", 10), _s("DefaultDeliveryTermsCode", 10),
        _s("AddressStreet", 250), _s("AddressCity", 60), _s("AddressState", 10), _s("AddressZipCode", 10),
        _s("AddressCountryRegionId", 10), _s("FullPrimaryAddress", 250), _dt("AddressValidFrom"),
        _s("PrimaryEmailAddress", 255), _s("PrimaryPhoneNumber", 255), _enum("IsOneTimeVendor", NO_YES),
        _s("LanguageId", 7),
    ])
    header = EntityType("SalesOrderHeaderV2", ["dataAreaId", "SalesOrderNumber"], [
        _company(), _s("SalesOrderNumber", 20, nullable=False),
        _s("OrderingCustomerAccountNumber", 20), _s("InvoiceCustomerAccountNumber", 20),
        _s("SalesOrderName", 100), _s("CurrencyCode", 3), _enum("SalesOrderStatus", SALES_STATUS),
        _enum("IsSalesProcessingStopped", NO_YES), _enum("ArePricesIncludingSalesTax", NO_YES),
        _dt("RequestedShippingDate"), _dt("RequestedReceiptDate"), _dt("ConfirmedShippingDate"),
        _dt("OrderCreationDateTime"), _s("CustomerRequisitionNumber", 20), _s("CustomersOrderReference", 60),
        _s("DeliveryAddressName", 100), _s("DeliveryAddressStreet", 250), _s("DeliveryAddressCity", 60),
        _s("DeliveryAddressZipCode", 10), _s("DeliveryAddressCountryRegionId", 10), _s("DeliveryModeCode", 10),
        _s("PaymentTermsName", 10), _s("DefaultShippingSiteId", 10), _s("DefaultShippingWarehouseId", 10),
        _s("Email", 255), _s("URL", 255), _s("LanguageId", 7),
        _dec("OrderTotalAmount", read_only=True, description="Sum of the line amounts."),
        Property("TransportationDocumentLineId", "Edm.Guid"),
    ], [Navigation("SalesOrderLines", "SalesOrderLines", True, "SalesOrderNumber",
                   principal="SalesOrderNumber", match=("dataAreaId",))])
    line = EntityType("SalesOrderLine", ["dataAreaId", "InventoryLotId"], [
        _company(), _s("InventoryLotId", 20, nullable=False),
        _s("SalesOrderNumber", 20), _dec("LineNumber"), Property("LineCreationSequenceNumber", "Edm.Int32"),
        _s("ItemNumber", 20), _s("LineDescription", 1000), _dec("OrderedSalesQuantity"), _dec("SalesPrice"),
        _dec("SalesPriceQuantity"), _s("SalesUnitSymbol", 10), _dec("LineDiscountAmount"),
        _dec("LineDiscountPercentage"), _dec("LineAmount"), _enum("CalculateLineAmount", NO_YES),
        _s("CurrencyCode", 3), _enum("SalesOrderLineStatus", SALES_STATUS), _enum("IsLineStopped", NO_YES),
        _dt("RequestedShippingDate"), _dt("RequestedReceiptDate"), _dt("ConfirmedShippingDate"),
        _s("ShippingSiteId", 10), _s("ShippingWarehouseId", 10), _s("DeliveryAddressName", 100),
    ])
    definition_group = EntityType("DataManagementDefinitionGroup", ["Name"], [
        _s("Name", 60, nullable=False), _s("Description", 60), _enum("OperationType", OPERATION_TYPE),
        _enum("ProjectCategory", PROJECT_CATEGORY), _enum("GenerateDataPackage", NO_YES),
    ])
    definition_detail = EntityType("DataManagementDefinitionGroupDetail", ["DefinitionGroupId", "EntityName"], [
        _s("DefinitionGroupId", 60, nullable=False), _s("EntityName", 60, nullable=False),
        _s("SourceFormat", 20), Property("ExecutionUnit", "Edm.Int32"),
        Property("LevelInExecutionUnit", "Edm.Int32"), Property("SequenceInLevel", "Edm.Int32"),
        _enum("DefaultRefreshType", REFRESH_TYPE), _enum("AutoGenerateMapping", NO_YES),
        _enum("ValidationStatus", NO_YES, read_only=True),
    ])
    dmf_entity = EntityType("DataManagementEntity", ["EntityName"], [
        _s("EntityName", 60, nullable=False), _s("TargetEntity", 81), _s("PublicEntityName", 81),
        _s("PublicCollectionName", 81), _s("EntityCategory", 20), _enum("IsShared", NO_YES),
    ])
    return EntityModel(
        namespace=NAMESPACE, alias="", container="Resources",
        entity_sets=[
            EntitySet("LegalEntities", legal_entity, writable=False, logical_name="OMLegalEntity"),
            EntitySet("CustomerGroups", customer_group, logical_name="CustCustomerGroupEntity"),
            EntitySet("CustomersV3", customer, logical_name="CustCustomerV3Entity"),
            EntitySet("VendorsV2", vendor, logical_name="VendVendorV2Entity"),
            EntitySet("SalesOrderHeadersV2", header, logical_name="SalesOrderHeaderV2Entity"),
            EntitySet("SalesOrderLines", line, logical_name="SalesOrderLineEntity"),
            EntitySet("DataManagementDefinitionGroups", definition_group,
                      logical_name="DMFDefinitionGroupEntity"),
            EntitySet("DataManagementDefinitionGroupDetails", definition_detail,
                      logical_name="DMFDefinitionGroupDetailEntity"),
            EntitySet("DataManagementEntities", dmf_entity, writable=False, logical_name="DMFEntityEntity"),
        ],
        operations=operations,
        enums=ENUMS,
    )


TABLES: dict[str, TableInfo] = {
    "LegalEntities": TableInfo(
        "OMLegalEntity", "CompanyInfo", "Legal entities",
        date_only=frozenset({"StartDateOfBusiness"}), datasources=3,
        defaults={"LanguageId": "en-US"},
        dmf_name="Legal entities", dmf_category="Reference",
    ),
    "CustomerGroups": TableInfo(
        "CustCustomerGroupEntity", "CustGroup", "Customer groups",
        labels={"CustomerGroupId": "Customer group"},
        dmf_name="Customer groups", dmf_category="Reference",
    ),
    "CustomersV3": TableInfo(
        "CustCustomerV3Entity", "CustTable", "Customers",
        labels={"CustomerAccount": "Customer account", "CustomerGroupId": "Customer group",
                "SalesCurrencyCode": "Currency"},
        mandatory=("CustomerGroupId",),
        relations=(Relation("CustomerGroupId", "CustomerGroups", "CustomerGroupId", "Customer groups"),),
        date_only=frozenset({"CredManCustomerSince", "CredManLastReviewDate"}),
        defaults={"PartyType": "Organization", "SalesCurrencyCode": "USD", "LanguageId": "en-US"},
        numbered={"CustomerAccount": _numbered(6, usmf=NumberSequence("US-", 3),
                                                usrt=NumberSequence("004", 3))},
        datasources=11,
        dmf_name="Customers V3", dmf_category="Master",
    ),
    "VendorsV2": TableInfo(
        "VendVendorV2Entity", "VendTable", "Vendors",
        labels={"VendorAccount": "Vendor account", "VendorGroupId": "Vendor group"},
        mandatory=("VendorGroupId",),
        defaults={"VendorPartyType": "Organization", "CurrencyCode": "USD", "LanguageId": "en-US"},
        numbered={"VendorAccount": _numbered(6, usmf=NumberSequence("US-1", 2),
                                              usrt=NumberSequence("V-RT", 3))},
        datasources=8,
        dmf_name="Vendors V2", dmf_category="Master",
    ),
    "SalesOrderHeadersV2": TableInfo(
        "SalesOrderHeaderV2Entity", "SalesTable", "Sales orders",
        labels={"SalesOrderNumber": "Sales order", "OrderingCustomerAccountNumber": "Customer account"},
        mandatory=("OrderingCustomerAccountNumber",),
        relations=(Relation("OrderingCustomerAccountNumber", "CustomersV3", "CustomerAccount", "Customers"),
                   Relation("InvoiceCustomerAccountNumber", "CustomersV3", "CustomerAccount", "Customers")),
        date_only=frozenset({"RequestedShippingDate", "RequestedReceiptDate", "ConfirmedShippingDate"}),
        defaults={"SalesOrderStatus": "Backorder", "LanguageId": "en-US",
                  "TransportationDocumentLineId": EMPTY_GUID},
        numbered={"SalesOrderNumber": _numbered(6, usmf=NumberSequence("", 6), usrt=NumberSequence("", 6))},
        datasources=7,
        dmf_name="Sales order headers V2", dmf_category="Document",
    ),
    "SalesOrderLines": TableInfo(
        "SalesOrderLineEntity", "SalesLine", "Order lines",
        labels={"SalesOrderNumber": "Sales order", "ItemNumber": "Item number",
                "InventoryLotId": "Lot ID"},
        mandatory=("SalesOrderNumber", "ItemNumber"),
        relations=(Relation("SalesOrderNumber", "SalesOrderHeadersV2", "SalesOrderNumber", "Sales orders"),),
        date_only=frozenset({"RequestedShippingDate", "RequestedReceiptDate", "ConfirmedShippingDate"}),
        defaults={"CalculateLineAmount": "Yes", "SalesOrderLineStatus": "Backorder", "SalesPriceQuantity": 1.0,
                  "SalesUnitSymbol": "ea"},
        numbered={"InventoryLotId": _numbered(6)},
        datasources=7,
        dmf_name="Sales order lines", dmf_category="Document",
    ),
    "DataManagementDefinitionGroups": TableInfo(
        "DMFDefinitionGroupEntity", "DMFDefinitionGroup", "Data projects",
        labels={"Name": "Name", "OperationType": "Operation type"},
        defaults={"OperationType": "Import", "ProjectCategory": "Project", "GenerateDataPackage": "Yes"},
    ),
    "DataManagementDefinitionGroupDetails": TableInfo(
        "DMFDefinitionGroupDetailEntity", "DMFDefinitionGroupEntity", "Data project entities",
        labels={"DefinitionGroupId": "Definition group", "EntityName": "Entity name"},
        relations=(Relation("DefinitionGroupId", "DataManagementDefinitionGroups", "Name", "Data projects"),
                   Relation("EntityName", "DataManagementEntities", "EntityName", "Target entities")),
        defaults={"SourceFormat": "XML-Element", "DefaultRefreshType": "FullPush", "AutoGenerateMapping": "Yes",
                  "ValidationStatus": "Yes", "ExecutionUnit": 1, "LevelInExecutionUnit": 1, "SequenceInLevel": 1},
    ),
    "DataManagementEntities": TableInfo("DMFEntityEntity", "DMFEntity", "Target entities"),
}


def dmf_tables() -> dict[str, TableInfo]:
    """Entity set -> table info of every entity a data package may carry."""
    return {name: info for name, info in TABLES.items() if info.dmf_name}
