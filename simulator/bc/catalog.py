"""Business Central API v2.0 entity sets beyond the hand-modelled core, from one compact table.

Each row is one documented v2.0 resource (MicrosoftDocs ``dev-itpro/api-reference/v2.0/resources/
dynamics_<resource>.md``; AL source ``Apps/W1/APIV2/app/src/pages/APIV2*.Page.al``): entity set, type
name, the record caption AL messages use, which writes the API page allows (``C`` insert, ``U`` modify,
``D`` delete; none = read-only, which BC answers with 405 ``BadRequest_MethodNotAllowed``), its number
series and its fields. Field specs are ``name:type`` with ``s<len>`` string, ``g`` GUID, ``d`` date,
``t`` date-time, ``m`` decimal, ``i`` integer, ``b`` boolean, ``e.<enum>`` an enum of :data:`ENUMS`;
a trailing ``!`` marks a computed (read-only) field. Every type has ``id`` (the SystemId) as its key
unless the row names other keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.odata.model import EntitySet, EntityType, EnumType, Navigation, Property

ENUMS = [
    EnumType("salesQuoteStatus", {"Draft": 0, "Sent": 1, "Accepted": 2, "Expired_x0020_": 3}),
    EnumType("salesInvoiceStatus", {"Draft": 0, "In_x0020_Review": 1, "Open": 2, "Paid": 3, "Canceled": 4,
                                    "Corrective": 5}),
    EnumType("salesCreditMemoStatus", {"Draft": 0, "In_x0020_Review": 1, "Open": 2, "Paid": 3, "Canceled": 4,
                                       "Corrective": 5}),
    EnumType("purchaseInvoiceStatus", {"Draft": 0, "In_x0020_Review": 1, "Open": 2, "Paid": 3, "Canceled": 4,
                                       "Corrective": 5}),
    EnumType("purchaseOrderStatus", {"Draft": 0, "In_x0020_Review": 1, "Open": 2, "Released": 3}),
    EnumType("genJournalDocumentType", {"_x0020_": 0, "Payment": 1, "Invoice": 2, "Credit_x0020_Memo": 3,
                                        "Finance_x0020_Charge_x0020_Memo": 4, "Reminder": 5, "Refund": 6}),
    EnumType("contactBusinessRelationLinkToTable", {"_x0020_": 0, "Customer": 1, "Vendor": 2,
                                                    "Bank_x0020_Account": 3, "Employee": 4}),
    EnumType("employeeStatus", {"Active": 0, "Inactive": 1, "Terminated": 2}),
    EnumType("glAccountCategory", {"_x0020_": 0, "Assets": 1, "Liabilities": 2, "Equity": 3, "Income": 4,
                                   "CostofGoodsSold": 5, "Expense": 6}),
    EnumType("attachmentEntityBufferDocumentType", {"_x0020_": 0, "Journal": 1, "Sales_x0020_Order": 2,
                                                    "Sales_x0020_Quote": 3, "Sales_x0020_Credit_x0020_Memo": 4,
                                                    "Sales_x0020_Invoice": 5, "Purchase_x0020_Invoice": 6,
                                                    "Purchase_x0020_Order": 7, "Employee": 8, "Item": 9,
                                                    "Customer": 10, "Vendor": 11}),
    EnumType("defaultDimensionParentType", {"_x0020_": 0, "Customer": 1, "Item": 2, "Vendor": 3, "Employee": 4}),
    EnumType("defaultDimensionValuePostingType", {"_x0020_": 0, "Code_x0020_Mandatory": 1, "Same_x0020_Code": 2,
                                                  "No_x0020_Code": 3}),
    EnumType("opportunityStatus", {"Not_x0020_Started": 0, "In_x0020_Progress": 1, "Won": 2, "Lost": 3}),
    EnumType("itemLedgerEntryType", {"Purchase": 0, "Sale": 1, "Positive_x0020_Adjmt_x002E_": 2,
                                     "Negative_x0020_Adjmt_x002E_": 3, "Transfer": 4, "Consumption": 5, "Output": 6,
                                     "_x0020_": 7, "Assembly_x0020_Consumption": 8, "Assembly_x0020_Output": 9}),
]

ADDRESS = "addressLine1:s100 addressLine2:s50 city:s30 state:s30 country:s10 postalCode:s20"
MODIFIED = "lastModifiedDateTime:t!"
TERMS_NAVS = "currency:currencies:currencyId paymentTerm:paymentTerms:paymentTermsId " \
             "shipmentMethod:shipmentMethods:shipmentMethodId"
SALES_NAVS = "customer:customers:customerId " + TERMS_NAVS
PURCHASE_NAVS = "vendor:vendors:vendorId " + TERMS_NAVS
LINE_NAVS = "item:items:itemId account:accounts:accountId"
SALES_PARTY = ("customerId:g customerNumber:s20 customerName:s100! billToName:s100 billToCustomerId:g "
               "billToCustomerNumber:s20 shipToName:s100 shipToContact:s100 sellToAddressLine1:s100 "
               "sellToAddressLine2:s50 sellToCity:s30 sellToCountry:s10 sellToState:s30 sellToPostalCode:s20 "
               "currencyId:g currencyCode:s10 pricesIncludeTax:b paymentTermsId:g shipmentMethodId:g "
               "salesperson:s20 discountAmount:m discountAppliedBeforeTax:b! totalAmountExcludingTax:m! "
               "totalTaxAmount:m! totalAmountIncludingTax:m! phoneNumber:s30 email:s80")
PURCHASE_PARTY = ("vendorId:g vendorNumber:s20 vendorName:s100! payToName:s100 payToVendorId:g "
                  "payToVendorNumber:s20 shipToName:s100 shipToContact:s100 buyFromAddressLine1:s100 "
                  "buyFromAddressLine2:s50 buyFromCity:s30 buyFromCountry:s10 buyFromState:s30 "
                  "buyFromPostalCode:s20 currencyId:g currencyCode:s10 pricesIncludeTax:b paymentTermsId:g "
                  "shipmentMethodId:g purchaser:s20 discountAmount:m discountAppliedBeforeTax:b! "
                  "totalAmountExcludingTax:m! totalTaxAmount:m! totalAmountIncludingTax:m!")
LINE = ("documentId:g sequence:i itemId:g accountId:g lineType:e.salesLineType lineObjectNumber:s20 "
        "description:s100 description2:s50 unitOfMeasureId:g unitOfMeasureCode:s10 quantity:m "
        "unitPrice:m discountAmount:m discountPercent:m discountAppliedBeforeTax:b amountExcludingTax:m! "
        "taxCode:s50 taxPercent:m! totalTaxAmount:m! amountIncludingTax:m! netAmount:m! itemVariantId:g "
        "locationId:g")
PURCHASE_LINE = LINE.replace("unitPrice:m", "unitCost:m")  # purchase lines carry the direct unit cost
JOURNAL = "code:s10 displayName:s100 templateDisplayName:s10! balancingAccountId:g balancingAccountNumber:s20 " \
          + MODIFIED
PAYMENT = ("journalId:g journalDisplayName:s10! lineNumber:i contactId:g postingDate:d documentNumber:s20 "
           "externalDocumentNumber:s35 amount:m description:s100 comment:s250 " + MODIFIED)
REPORT_LINE = "lineNumber:i display:s250 lineType:s30 indentation:i dateFilter:d"
AGED = "name:s100 currencyCode:s10 balanceDue:m currentAmount:m period1Amount:m period2Amount:m " \
       "period3Amount:m agedAsOfDate:d periodLengthFilter:s10"


@dataclass(frozen=True)
class Resource:
    """One row of the catalogue (see the module docstring)."""

    set_name: str
    type_name: str
    caption: str
    writes: str  # subset of "CUD"
    fields: str
    key: tuple[str, ...] = ("id",)
    series: tuple[str, int, int, int] | None = None  # prefix, width, step, first
    lines: str | None = None  # the collection navigation to the document's lines
    navs: str = ""  # single-valued navigations, ``name:targetSet:fkColumn`` each
    order: tuple[str, ...] = ()  # BC's list order (the record's primary key), before the SystemId


R = Resource
CATALOG: list[Resource] = [
    R("accounts", "account", "G/L Account", "",
      "number:s20 displayName:s100 category:e.glAccountCategory subCategory:s80 blocked:b accountType:s30 "
      "directPosting:b netChange:m! consolidationTranslationMethod:s30 consolidationDebitAccount:s20 "
      "consolidationCreditAccount:s20 excludeFromConsolidation:b " + MODIFIED),
    R("accountingPeriods", "accountingPeriod", "Accounting Period", "",
      "startingDate:d name:s10 newFiscalYear:b closed:b dateLocked:b"),
    R("agedAccountsPayable", "agedAccountsPayable", "Vendor", "", "vendorId:g vendorNumber:s20 " + AGED,
      key=("vendorId",)),
    R("agedAccountsReceivable", "agedAccountsReceivable", "Customer", "", "customerId:g customerNumber:s20 " + AGED,
      key=("customerId",)),
    R("applyVendorEntries", "applyVendorEntry", "Vendor Ledger Entry", "U",
      "applied:b appliesToId:s50 postingDate:d! documentType:e.genJournalDocumentType! documentNumber:s20! "
      "externalDocumentNumber:s35! vendorNumber:s20! vendorName:s100! description:s100! remainingAmount:m! "
      + MODIFIED),
    R("attachments", "attachment", "Attachment", "CUD",
      "parentId:g fileName:s250 byteSize:i! parentType:e.attachmentEntityBufferDocumentType " + MODIFIED),
    R("balanceSheets", "balanceSheet", "Acc. Schedule Line", "", REPORT_LINE + " balance:m"),
    R("bankAccounts", "bankAccount", "Bank Account", "CUD",
      "number:s20 displayName:s100 bankAccountNumber:s30 blocked:b currencyCode:s10 currencyId:g iban:s50 "
      "intercompanyEnabled:b " + MODIFIED, series=("B", 3, 10, 10)),
    R("cashFlowStatements", "cashFlowStatement", "Acc. Schedule Line", "", REPORT_LINE + " netChange:m"),
    R("companyInformation", "companyInformation", "Company Information", "U",
      f"displayName:s100 {ADDRESS} phoneNumber:s30 faxNumber:s30 email:s80 website:s80 taxRegistrationNumber:s20 "
      "currencyCode:s10! currentFiscalYearStartDate:d! industry:s30 " + MODIFIED),
    R("contacts", "contact", "Contact", "CUD",
      f"number:s20 type:e.contactType displayName:s100 companyNumber:s20 companyName:s100! "
      f"businessRelation:s50! jobTitle:s30 {ADDRESS} phoneNumber:s30 mobilePhoneNumber:s30 email:s80 "
      "website:s80 searchName:s100 privacyBlocked:b taxRegistrationNumber:s20 lastInteractionDate:d! "
      + MODIFIED, series=("CT", 6, 10, 10)),
    R("contactsInformation", "contactInformation", "Contact Business Relation", "",
      "contactId:g contactNumber:s20 contactName:s100 contactType:e.contactType relatedId:g "
      "relatedType:e.contactBusinessRelationLinkToTable", key=("contactId", "relatedId")),
    R("countriesRegions", "countryRegion", "Country/Region", "CUD",
      "code:s10 displayName:s50 addressFormat:s50 " + MODIFIED),
    R("currencies", "currency", "Currency", "CUD",
      "code:s10 displayName:s30 symbol:s10 amountDecimalPlaces:s5 amountRoundingPrecision:m " + MODIFIED),
    R("currencyExchangeRates", "currencyExchangeRate", "Currency Exchange Rate", "CUD",
      "currencyCode:s10 startingDate:d exchangeRateAmount:m relationalCurrencyCode:s10 "
      "relationalExchangeRateAmount:m"),
    R("customerContacts", "customerContact", "Contact", "UD",
      "email:s80 firstName:s30 lastName:s30 professionalTitle:s30 customerId:g customerName:s100! "
      "primaryPhoneNumber:s30"),
    R("customerFinancialDetails", "customerFinancialDetail", "Customer", "",
      "number:s20 balance:m totalSalesExcludingTax:m overdueAmount:m"),
    R("customerPaymentJournals", "customerPaymentJournal", "Gen. Journal Batch", "CUD", JOURNAL,
      lines="customerPayments"),
    R("customerPayments", "customerPayment", "Gen. Journal Line", "CUD",
      "customerId:g customerNumber:s20 appliesToInvoiceId:g appliesToInvoiceNumber:s20 " + PAYMENT),
    R("dimensions", "dimension", "Dimension", "", "code:s20 displayName:s30 " + MODIFIED, lines="dimensionValues"),
    R("dimensionValues", "dimensionValue", "Dimension Value", "",
      "code:s20 dimensionId:g displayName:s50 consolidationCode:s20 " + MODIFIED,
      navs="dimension:dimensions:dimensionId"),
    R("employees", "employee", "Employee", "CUD",
      f"number:s20 displayName:s100! givenName:s30 middleName:s30 surname:s30 jobTitle:s30 {ADDRESS} "
      "phoneNumber:s30 mobilePhone:s30 email:s80 personalEmail:s80 employmentDate:d terminationDate:d "
      "status:e.employeeStatus birthDate:d statisticsGroupCode:s10 " + MODIFIED, series=("E", 4, 10, 10)),
    R("generalLedgerEntries", "generalLedgerEntry", "G/L Entry", "",
      "entryNumber:i postingDate:d documentNumber:s20 documentType:e.genJournalDocumentType accountId:g "
      "accountNumber:s20 description:s100 debitAmount:m creditAmount:m " + MODIFIED),
    R("itemCategories", "itemCategory", "Item Category", "CUD", "code:s20 displayName:s100 " + MODIFIED),
    R("journals", "journal", "Gen. Journal Batch", "CUD", JOURNAL, lines="journalLines"),
    R("journalLines", "journalLine", "Gen. Journal Line", "CUD",
      "accountType:s20 accountId:g accountNumber:s20 taxCode:s20 balanceAccountType:s20 balancingAccountId:g "
      "balancingAccountNumber:s20 " + PAYMENT),
    R("locations", "location", "Location", "CUD",
      f"code:s10 displayName:s100 contact:s100 {ADDRESS} phoneNumber:s30 email:s80 website:s80 " + MODIFIED),
    R("paymentMethods", "paymentMethod", "Payment Method", "CUD", "code:s10 displayName:s100 " + MODIFIED),
    R("paymentTerms", "paymentTerm", "Payment Terms", "CUD",
      "code:s10 displayName:s100 dueDateCalculation:s30 discountDateCalculation:s30 discountPercent:m "
      "calculateDiscountOnCreditMemos:b " + MODIFIED),
    R("purchaseInvoices", "purchaseInvoice", "Purchase Header", "CUD",
      "number:s20 invoiceDate:d postingDate:d dueDate:d vendorInvoiceNumber:s35 orderId:g! orderNumber:s20! "
      f"{PURCHASE_PARTY} status:e.purchaseInvoiceStatus! " + MODIFIED,
      series=("PI", 6, 1, 108001), lines="purchaseInvoiceLines", navs=PURCHASE_NAVS),
    R("purchaseInvoiceLines", "purchaseInvoiceLine", "Purchase Line", "CUD", PURCHASE_LINE + " expectedReceiptDate:d", navs=LINE_NAVS),
    R("purchaseOrders", "purchaseOrder", "Purchase Header", "CUD",
      f"number:s20 orderDate:d postingDate:d vendorInvoiceNumber:s35 {PURCHASE_PARTY} "
      "status:e.purchaseOrderStatus! fullyReceived:b! requestedReceiptDate:d " + MODIFIED,
      series=("PO", 6, 1, 106001), lines="purchaseOrderLines", navs=PURCHASE_NAVS),
    R("purchaseOrderLines", "purchaseOrderLine", "Purchase Line", "CUD",
      PURCHASE_LINE + " expectedReceiptDate:d receivedQuantity:m! invoicedQuantity:m! receiveQuantity:m invoiceQuantity:m", navs=LINE_NAVS),
    R("salesCreditMemos", "salesCreditMemo", "Sales Header", "CUD",
      "number:s20 externalDocumentNumber:s35 creditMemoDate:d postingDate:d dueDate:d invoiceId:g "
      f"invoiceNumber:s20 {SALES_PARTY} status:e.salesCreditMemoStatus! " + MODIFIED,
      series=("S-CR", 6, 1, 104001), lines="salesCreditMemoLines", navs=SALES_NAVS),
    R("salesCreditMemoLines", "salesCreditMemoLine", "Sales Line", "CUD", LINE + " shipmentDate:d", navs=LINE_NAVS),
    R("salesInvoices", "salesInvoice", "Sales Header", "CUD",
      "number:s20 externalDocumentNumber:s35 invoiceDate:d postingDate:d dueDate:d "
      f"customerPurchaseOrderReference:s35 orderId:g! orderNumber:s20! {SALES_PARTY} remainingAmount:m! "
      "status:e.salesInvoiceStatus! " + MODIFIED, series=("S-INV", 6, 1, 102001), lines="salesInvoiceLines", navs=SALES_NAVS),
    R("salesInvoiceLines", "salesInvoiceLine", "Sales Line", "CUD", LINE + " shipmentDate:d", navs=LINE_NAVS),
    R("salesQuotes", "salesQuote", "Sales Header", "CUD",
      "number:s20 externalDocumentNumber:s35 documentDate:d postingDate:d dueDate:d "
      f"{SALES_PARTY} status:e.salesQuoteStatus! sentDate:t! validUntilDate:d acceptedDate:d! " + MODIFIED,
      series=("S-QUO", 6, 1, 1001), lines="salesQuoteLines", navs=SALES_NAVS),
    R("salesQuoteLines", "salesQuoteLine", "Sales Line", "CUD", LINE, navs=LINE_NAVS),
    R("shipmentMethods", "shipmentMethod", "Shipment Method", "CUD", "code:s10 displayName:s100 " + MODIFIED),
    R("taxGroups", "taxGroup", "Tax Group", "CUD", "code:s20 displayName:s100 taxType:s20! " + MODIFIED),
    R("unitsOfMeasure", "unitOfMeasure", "Unit of Measure", "CUD",
      "code:s10 displayName:s50 internationalStandardCode:s10 symbol:s10 " + MODIFIED),
    R("customerSales", "customerSale", "Customer", "",
      "customerId:g customerNumber:s20 name:s100 totalSalesAmount:m dateFilter_FilterOnly:d",
      key=("customerId",), order=("customerNumber",)),
    R("defaultDimensions", "defaultDimension", "Default Dimension", "CUD",
      "parentType:e.defaultDimensionParentType parentId:g dimensionId:g dimensionCode:s20! dimensionValueId:g "
      "dimensionValueCode:s20! postingValidation:e.defaultDimensionValuePostingType " + MODIFIED,
      navs="dimension:dimensions:dimensionId dimensionValue:dimensionValues:dimensionValueId"),
    R("fixedAssetLocations", "fixedAssetLocation", "FA Location", "CUD", "code:s10 displayName:s30 " + MODIFIED,
      order=("code",)),
    R("fixedAssets", "fixedAsset", "Fixed Asset", "CUD",
      "number:s20 displayName:s100 fixedAssetLocationCode:s10 fixedAssetLocationId:g classCode:s10 "
      "subclassCode:s10 blocked:b serialNumber:s50 employeeNumber:s20 employeeId:g underMaintenance:b " + MODIFIED,
      series=("FA", 6, 10, 10), order=("number",),
      navs="fixedAssetLocation:fixedAssetLocations:fixedAssetLocationId employee:employees:employeeId"),
    R("generalProductPostingGroups", "generalProductPostingGroup", "Gen. Product Posting Group", "CUD",
      "code:s20 description:s100 defaultVATProductPostingGroup:s20 autoInsertDefault:b " + MODIFIED,
      order=("code",)),
    R("incomeStatements", "incomeStatement", "Acc. Schedule Line", "", REPORT_LINE + " netChange:m",
      order=("lineNumber",)),
    R("inventoryPostingGroups", "inventoryPostingGroup", "Inventory Posting Group", "CUD",
      "code:s20 description:s100 " + MODIFIED, order=("code",)),
    R("irs1099", "irs1099", "IRS 1099 Form-Box", "CUD", "code:s10 displayName:s100 minimum:m " + MODIFIED,
      order=("code",)),
    R("itemLedgerEntries", "itemLedgerEntry", "Item Ledger Entry", "",
      "entryNumber:i itemNumber:s20 postingDate:d entryType:e.itemLedgerEntryType sourceNumber:s20 "
      "sourceType:s20 documentNumber:s20 documentType:s30 description:s100 quantity:m salesAmountActual:m "
      "costAmountActual:m " + MODIFIED, order=("entryNumber",)),
    R("itemVariants", "itemVariant", "Item Variant", "CUD", "itemId:g itemNumber:s20 code:s10 description:s100",
      order=("itemNumber", "code"), navs="item:items:itemId"),
    R("opportunities", "opportunity", "Opportunity", "CUD",
      "number:s20 contactNumber:s20 contactName:s100! contactCompanyName:s100! salespersonCode:s20 "
      "description:s100 status:e.opportunityStatus closed:b! creationDate:d! dateClosed:d! "
      "calculatedCurrentValue:m! chancesOfSuccessPrc:m! completedPrc:m! estimatedClosingDate:d! "
      "estimatedValue:m! systemCreatedAt:t! " + MODIFIED, series=("OP", 6, 10, 10), order=("number",)),
    R("projects", "project", "Job", "CUD", "number:s20 displayName:s100", series=("J", 5, 10, 10),
      order=("number",)),
    R("purchaseReceipts", "purchaseReceipt", "Purch. Rcpt. Header", "",
      "number:s20 invoiceDate:d postingDate:d dueDate:d vendorNumber:s20 vendorName:s100 payToName:s100 "
      "payToContact:s100 payToVendorNumber:s20 shipToName:s100 shipToContact:s100 buyFromAddressLine1:s100 "
      "buyFromAddressLine2:s50 buyFromCity:s30 buyFromCountry:s10 buyFromState:s30 buyFromPostalCode:s20 "
      "currencyCode:s10 orderNumber:s20 " + MODIFIED,
      series=("R-RCPT", 6, 1, 107001), lines="purchaseReceiptLines", order=("number",)),
    R("purchaseReceiptLines", "purchaseReceiptLine", "Purch. Rcpt. Line", "",
      "documentId:g sequence:i lineType:e.salesLineType lineObjectNumber:s20 description:s100 description2:s50 "
      "unitCost:m quantity:m discountPercent:m taxPercent:m expectedReceiptDate:d", order=("documentId", "sequence")),
    R("retainedEarningsStatements", "retainedEarningsStatement", "Acc. Schedule Line", "",
      REPORT_LINE + " netChange:m", order=("lineNumber",)),
    R("salesShipments", "salesShipment", "Sales Shipment Header", "",
      "number:s20 externalDocumentNumber:s35 documentDate:d postingDate:d dueDate:d "
      "customerPurchaseOrderReference:s35 customerNumber:s20 customerName:s100 billToName:s100 "
      "billToCustomerNumber:s20 shipToName:s100 shipToContact:s100 sellToAddressLine1:s100 "
      "sellToAddressLine2:s50 sellToCity:s30 sellToCountry:s10 sellToState:s30 sellToPostalCode:s20 "
      "currencyCode:s10 orderNumber:s20 paymentTermsCode:s10 shipmentMethodCode:s10 salesperson:s20 "
      "pricesIncludeTax:b phoneNumber:s30 email:s80 " + MODIFIED,
      series=("S-SHPT", 6, 1, 102001), lines="salesShipmentLines", order=("number",)),
    R("salesShipmentLines", "salesShipmentLine", "Sales Shipment Line", "",
      "documentId:g sequence:i lineType:e.salesLineType lineObjectNumber:s20 description:s100 description2:s50 "
      "unitOfMeasureCode:s10 unitPrice:m quantity:m discountPercent:m taxPercent:m shipmentDate:d",
      order=("documentId", "sequence")),
    R("timeRegistrationEntries", "timeRegistrationEntry", "Time Sheet Detail", "CUD",
      "employeeId:g employeeNumber:s20 jobId:g jobNumber:s20 jobTaskNumber:s20 absence:s10 lineNumber:i! "
      "date:d quantity:m status:s20! unitOfMeasureId:g unitOfMeasureCode:s10! lastModfiedDateTime:t!",
      order=("employeeNumber", "date"), navs="employee:employees:employeeId project:projects:jobId"),
    R("trialBalances", "trialBalance", "G/L Account", "",
      "number:s20 accountId:g accountType:s30 display:s100 totalDebit:m totalCredit:m balanceAtDateDebit:m "
      "balanceAtDateCredit:m dateFilter:d", order=("number",), navs="account:accounts:accountId"),
    R("vendorPurchases", "vendorPurchase", "Vendor", "",
      "vendorId:g vendorNumber:s20 name:s100 totalPurchaseAmount:m dateFilter_FilterOnly:d",
      key=("vendorId",), order=("vendorNumber",)),
    R("vendorPaymentJournals", "vendorPaymentJournal", "Gen. Journal Batch", "CUD", JOURNAL,
      lines="vendorPayments"),
    R("vendorPayments", "vendorPayment", "Gen. Journal Line", "CUD",
      "vendorId:g vendorNumber:s20 appliesToInvoiceId:g appliesToInvoiceNumber:s20 " + PAYMENT),
]
BY_SET = {r.set_name: r for r in CATALOG}
LINE_FK = {"journalLines": "journalId", "customerPayments": "journalId", "vendorPayments": "journalId",
           "dimensionValues": "dimensionId"}  # line sets whose parent link is not ``documentId``

_TYPES = {"g": "Edm.Guid", "d": "Edm.Date", "t": "Edm.DateTimeOffset", "m": "Edm.Decimal", "i": "Edm.Int32",
          "b": "Edm.Boolean"}


def _property(spec: str) -> Property:
    name, _, kind = spec.partition(":")
    read_only = kind.endswith("!")
    kind = kind.rstrip("!")
    if kind.startswith("s"):
        return Property(name, "Edm.String", max_length=int(kind[1:]) if kind[1:] else None, read_only=read_only)
    if kind.startswith("e."):
        return Property(name, kind[2:], read_only=read_only)
    if kind == "m":
        return Property(name, "Edm.Decimal", precision=38, scale=20, read_only=read_only)
    return Property(name, _TYPES[kind], read_only=read_only)


def entity_sets() -> list[EntitySet]:
    """The catalogue's entity sets, with their line navigations."""
    sets = []
    for resource in CATALOG:
        props = [_property(spec) for spec in resource.fields.split()]
        if resource.key == ("id",):
            props.insert(0, Property("id", "Edm.Guid", nullable=False))
        else:
            props = [Property(p.name, p.type, nullable=False) if p.name in resource.key else p for p in props]
        navigations = []
        if resource.lines:
            navigations.append(Navigation(resource.lines, resource.lines, True, LINE_FK.get(resource.lines,
                                                                                             "documentId")))
        navigations += [_single(nav) for nav in resource.navs.split()]
        sets.append(EntitySet(resource.set_name, EntityType(resource.type_name, list(resource.key), props,
                                                            navigations),
                              writable=bool(resource.writes), logical_name=resource.caption,
                              writes=resource.writes, default_order=list_order(resource, props)))
    return sets


def _single(spec: str) -> Navigation:
    name, target, fk = spec.split(":")
    return Navigation(name, target, False, fk)


def list_order(resource: Resource, props: list[Property]) -> tuple[str, ...]:
    """BC lists a page in its record's primary-key order: No./Code, or document and line number."""
    if resource.order:
        return resource.order
    names = {p.name for p in props}
    for columns in (("number",), ("dimensionId", "code"), ("code",), ("documentId", "sequence"),
                    ("journalId", "lineNumber"), ("entryNumber",), ("lineNumber",), ("startingDate",),
                    ("currencyCode", "startingDate")):
        if set(columns) <= names:
            return columns
    return ()
