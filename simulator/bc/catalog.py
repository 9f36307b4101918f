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
]

ADDRESS = "addressLine1:s100 addressLine2:s50 city:s30 state:s30 country:s10 postalCode:s20"
MODIFIED = "lastModifiedDateTime:t!"
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
      "code:s20 dimensionId:g displayName:s50 consolidationCode:s20 " + MODIFIED),
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
      series=("PI", 6, 1, 108001), lines="purchaseInvoiceLines"),
    R("purchaseInvoiceLines", "purchaseInvoiceLine", "Purchase Line", "CUD", PURCHASE_LINE + " expectedReceiptDate:d"),
    R("purchaseOrders", "purchaseOrder", "Purchase Header", "CUD",
      f"number:s20 orderDate:d postingDate:d vendorInvoiceNumber:s35 {PURCHASE_PARTY} "
      "status:e.purchaseOrderStatus! fullyReceived:b! requestedReceiptDate:d " + MODIFIED,
      series=("PO", 6, 1, 106001), lines="purchaseOrderLines"),
    R("purchaseOrderLines", "purchaseOrderLine", "Purchase Line", "CUD",
      PURCHASE_LINE + " expectedReceiptDate:d receivedQuantity:m! invoicedQuantity:m! receiveQuantity:m invoiceQuantity:m"),
    R("salesCreditMemos", "salesCreditMemo", "Sales Header", "CUD",
      "number:s20 externalDocumentNumber:s35 creditMemoDate:d postingDate:d dueDate:d invoiceId:g "
      f"invoiceNumber:s20 {SALES_PARTY} status:e.salesCreditMemoStatus! " + MODIFIED,
      series=("S-CR", 6, 1, 104001), lines="salesCreditMemoLines"),
    R("salesCreditMemoLines", "salesCreditMemoLine", "Sales Line", "CUD", LINE + " shipmentDate:d"),
    R("salesInvoices", "salesInvoice", "Sales Header", "CUD",
      "number:s20 externalDocumentNumber:s35 invoiceDate:d postingDate:d dueDate:d "
      f"customerPurchaseOrderReference:s35 orderId:g! orderNumber:s20! {SALES_PARTY} remainingAmount:m! "
      "status:e.salesInvoiceStatus! " + MODIFIED, series=("S-INV", 6, 1, 102001), lines="salesInvoiceLines"),
    R("salesInvoiceLines", "salesInvoiceLine", "Sales Line", "CUD", LINE + " shipmentDate:d"),
    R("salesQuotes", "salesQuote", "Sales Header", "CUD",
      "number:s20 externalDocumentNumber:s35 documentDate:d postingDate:d dueDate:d "
      f"{SALES_PARTY} status:e.salesQuoteStatus! sentDate:t! validUntilDate:d acceptedDate:d! " + MODIFIED,
      series=("S-QUO", 6, 1, 1001), lines="salesQuoteLines"),
    R("salesQuoteLines", "salesQuoteLine", "Sales Line", "CUD", LINE),
    R("shipmentMethods", "shipmentMethod", "Shipment Method", "CUD", "code:s10 displayName:s100 " + MODIFIED),
    R("taxGroups", "taxGroup", "Tax Group", "CUD", "code:s20 displayName:s100 taxType:s20! " + MODIFIED),
    R("unitsOfMeasure", "unitOfMeasure", "Unit of Measure", "CUD",
      "code:s10 displayName:s50 internationalStandardCode:s10 symbol:s10 " + MODIFIED),
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
        sets.append(EntitySet(resource.set_name, EntityType(resource.type_name, list(resource.key), props,
                                                            navigations),
                              writable=bool(resource.writes), logical_name=resource.caption,
                              writes=resource.writes))
    return sets
