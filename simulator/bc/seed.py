"""Deterministic CRONUS-style demo data: "CRONUS USA, Inc." with the usual customers, vendors and
items, and a small second company, "My Company", so tests can prove that companies are separate."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

from simulator.config import SimConfig
from simulator.odata.store import VERSION_COLUMN

CUSTOMERS = [
    ("10000", "Adatum Corporation", "192 Market Square", "Atlanta", "GA", "31772", "robert.townes@contoso.com"),
    ("20000", "Trey Research", "153 Thomas Drive", "Chicago", "IL", "61236", "helen.ray@contoso.com"),
    ("30000", "School of Fine Art", "10 High Tower Green", "Miami", "FL", "37125", "meagan.bond@contoso.com"),
    ("40000", "Alpine Ski House", "10 Deerfield Road", "Atlanta", "GA", "31772", "ian.deberry@contoso.com"),
    ("50000", "Relecloud", "25 Water Way", "Chicago", "IL", "61236", "jesse.homer@contoso.com"),
    ("60000", "Coho Winery", "43 Chalk Street", "Miami", "FL", "37125", "pat.coleman@contoso.com"),
]
VENDORS = [("10000", "Fabrikam, Inc.", "Atlanta", "GA"), ("20000", "First Up Consultants", "Chicago", "IL"),
           ("30000", "Graphic Design Institute", "Miami", "FL"), ("40000", "Wide World Importers", "Atlanta", "GA"),
           ("50000", "Nod Publishers", "Chicago", "IL")]
ITEMS = [("1896-S", "ATHENS Desk", 1000.8, 780.7), ("1900-S", "PARIS Guest Chair, black", 192.8, 150.4),
         ("1906-S", "ATHENS Mobile Pedestal", 281.4, 219.5), ("1908-S", "LONDON Swivel Chair, blue", 190.1, 148.3),
         ("1920-S", "ANTWERP Conference Table", 420.4, 328.0), ("1928-S", "AMSTERDAM Lamp", 54.9, 42.8),
         ("1936-S", "BERLIN Guest Chair, yellow", 192.8, 150.4), ("1964-S", "TOKYO Guest Chair, blue", 192.8, 150.4),
         ("1968-S", "MEXICO Swivel Chair, black", 190.1, 148.3), ("1996-S", "ATLANTA Whiteboard, base", 1397.3, 1090.0)]


@dataclass
class Company:
    id: str
    name: str
    customers: int
    vendors: int
    items: int
    orders: int


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def companies(config: SimConfig) -> list[Company]:
    """The companies of every environment; ids depend only on ``config.seed``."""
    rng = random.Random(f"bc-companies-{config.seed}")
    first, second = sorted([_uuid(rng), _uuid(rng)])  # CRONUS lists first, as in a trial tenant
    return [Company(first, "CRONUS USA, Inc.", len(CUSTOMERS), len(VENDORS), len(ITEMS), 8),
            Company(second, "My Company", 2, 1, 3, 1)]


def seed_companies(service, config: SimConfig) -> None:
    with service.store.transaction() as conn:
        for company in companies(config):
            version = service.store.next_version(conn)
            conn.execute(service.table("companies").insert().values(
                id=company.id, systemVersion="25.0.23364.24999", timestamp=version, name=company.name,
                displayName=company.name, businessProfileId="", systemCreatedAt="2024-01-10T08:00:00Z",
                systemCreatedBy="00000000-0000-0000-0000-000000000001", systemModifiedAt="2024-01-10T08:00:00Z",
                systemModifiedBy="00000000-0000-0000-0000-000000000001", **{VERSION_COLUMN: version}))


def seed_company(service, company: Company, config: SimConfig) -> None:
    """Rows of one company, inserted through the dialect's blanks so they look like BC's."""
    rng = random.Random(f"bc-{company.id}-{config.seed}")
    dialect = service.dialect
    stamp = "2024-01-15T08:00:00Z"
    with service.store.transaction() as conn:
        def insert(set_name: str, row: dict) -> dict:
            entity_set = service.model.entity_set(set_name)
            if entity_set.type.prop("id") is not None:
                row = {"id": _uuid(rng)} | row
            dialect.fill_defaults(entity_set, row)
            if entity_set.type.prop("lastModifiedDateTime") is not None:
                row["lastModifiedDateTime"] = stamp
            row[VERSION_COLUMN] = service.store.next_version(conn)
            conn.execute(service.table(set_name).insert().values(**row))
            return row

        customers = [insert("customers", {
            "number": number, "displayName": name, "type": "Company", "addressLine1": street, "city": city,
            "state": state, "country": "US", "postalCode": zip_code, "email": email,
            "phoneNumber": f"555-01{i:02d}", "website": "", "currencyCode": "USD", "taxLiable": True,
            "creditLimit": float(rng.randrange(0, 20) * 1000), "balanceDue": float(rng.randrange(0, 9000)),
            "blocked": "_x0020_" if i % 5 else "Ship",
        }) for i, (number, name, street, city, state, zip_code, email) in enumerate(CUSTOMERS[:company.customers])]
        vendors = []
        for number, name, city, state in VENDORS[:company.vendors]:
            vendors.append(insert("vendors", {"number": number, "displayName": name, "city": city, "state": state, "country": "US",
                               "currencyCode": "USD", "blocked": "_x0020_", "balance": float(rng.randrange(0, 5000))}))
        items = [insert("items", {
            "number": number, "displayName": name, "type": "Inventory", "unitPrice": price, "unitCost": cost,
            "inventory": float(rng.randrange(0, 200)), "baseUnitOfMeasureCode": "PCS", "itemCategoryCode": "FURNITURE",
            "generalProductPostingGroupCode": "RETAIL", "inventoryPostingGroupCode": "RESALE",
        }) for number, name, price, cost in ITEMS[:company.items]]
        for i in range(company.orders):
            customer = customers[i % len(customers)]
            order_id = _uuid(rng)
            total = 0.0
            for sequence in range(1, 2 + rng.randrange(3)):
                item = rng.choice(items)
                quantity = float(rng.randrange(1, 10))
                amount = round(quantity * item["unitPrice"], 2)
                total += amount
                insert("salesOrderLines", {
                    "documentId": order_id, "sequence": sequence * 10000, "itemId": item["id"], "lineType": "Item",
                    "lineObjectNumber": item["number"], "description": item["displayName"],
                    "unitOfMeasureCode": "PCS", "quantity": quantity, "unitPrice": item["unitPrice"],
                    "amountExcludingTax": amount, "amountIncludingTax": amount, "netAmount": amount,
                })
            insert("salesOrders", {
                "id": order_id, "number": f"S-ORD{101001 + i}", "orderDate": f"2024-02-{1 + i:02d}",
                "postingDate": f"2024-02-{1 + i:02d}", "customerId": customer["id"],
                "customerNumber": customer["number"], "customerName": customer["displayName"],
                "billToName": customer["displayName"], "billToCustomerId": customer["id"],
                "billToCustomerNumber": customer["number"], "shipToName": customer["displayName"],
                "sellToAddressLine1": customer["addressLine1"], "sellToCity": customer["city"],
                "sellToState": customer["state"], "sellToCountry": "US", "sellToPostalCode": customer["postalCode"],
                "currencyCode": "USD", "status": "Open" if i % 2 else "Draft",
                "totalAmountExcludingTax": round(total, 2), "totalAmountIncludingTax": round(total, 2),
                "email": customer["email"],
            })
        seed_reference(insert, company, customers, vendors)


# code, display name per reference set (CRONUS-like setup data)
REFERENCE = {
    "currencies": [("CAD", "Canadian dollar", "$"), ("EUR", "Euro", "€"), ("GBP", "Pound Sterling", "£"),
                   ("MXN", "Mexican peso", "$")],
    "paymentTerms": [("10 DAYS", "Net 10 days", "10D"), ("14 DAYS", "Net 14 days", "14D"),
                     ("1M(8D)", "1 Month/2% 8 days", "1M"), ("COD", "Cash on delivery", "0D")],
    "paymentMethods": [("BANK", "Bank Transfer"), ("CASH", "Cash payment"), ("CHECK", "Check payment")],
    "shipmentMethods": [("CFR", "Cost and Freight"), ("EXW", "Ex Warehouse"), ("PICKUP", "Pickup at Location")],
    "itemCategories": [("FURNITURE", "Office Furniture"), ("CHAIR", "Office Chair"), ("DESK", "Office Desk")],
    "unitsOfMeasure": [("PCS", "Piece", "EA"), ("BOX", "Box", "BX"), ("HOUR", "Hour", "HUR")],
    "countriesRegions": [("US", "United States"), ("CA", "Canada"), ("GB", "United Kingdom"), ("DK", "Denmark")],
    "taxGroups": [("FURNITURE", "Taxable Olympic Furniture"), ("LABOR", "Labor on Job"), ("NONTAXABLE", "Nontaxable")],
    "locations": [("EAST", "East Warehouse"), ("MAIN", "Main Warehouse"), ("WEST", "West Warehouse")],
}
ACCOUNTS = [("10100", "Checking account", "Assets"), ("10400", "Accounts Receivable", "Assets"),
            ("20100", "Accounts Payable", "Liabilities"), ("30100", "Capital Stock", "Equity"),
            ("40100", "Sales, Retail", "Income"), ("50100", "Cost of Materials", "CostofGoodsSold"),
            ("60100", "Office Supplies", "Expense")]


def seed_reference(insert, company: Company, customers: list[dict], vendors: list[dict]) -> None:
    """Setup data every trial company has: currencies, terms, accounts, journals, dimensions, contacts."""
    stamp = "2024-01-15"
    insert("companyInformation", {"displayName": company.name, "addressLine1": "7122 South Ashford Street",
                                  "city": "Atlanta", "state": "GA", "country": "US", "postalCode": "31772",
                                  "phoneNumber": "+1 425 555 0100", "email": "", "currencyCode": "USD",
                                  "currentFiscalYearStartDate": "2024-01-01", "industry": ""})
    for set_name, rows in REFERENCE.items():
        for row in rows:
            values = {"code": row[0], "displayName": row[1]}
            if set_name == "currencies":
                values |= {"symbol": row[2], "amountDecimalPlaces": "2:2", "amountRoundingPrecision": 0.01}
            elif set_name == "paymentTerms":
                values |= {"dueDateCalculation": row[2]}
            elif set_name == "unitsOfMeasure":
                values |= {"internationalStandardCode": row[2], "symbol": ""}
            insert(set_name, values)
    for rate, code in ((1.35, "CAD"), (0.92, "EUR"), (0.79, "GBP")):
        insert("currencyExchangeRates", {"currencyCode": code, "startingDate": "2024-01-01",
                                         "exchangeRateAmount": rate, "relationalExchangeRateAmount": 1.0})
    accounts = [insert("accounts", {"number": n, "displayName": name, "category": category, "accountType": "Posting",
                                    "directPosting": True, "netChange": 0.0}) for n, name, category in ACCOUNTS]
    for month in range(1, 13):
        insert("accountingPeriods", {"startingDate": f"2024-{month:02d}-01", "name": dt_month(month),
                                     "newFiscalYear": month == 1})
    for name in ("GENERAL", "DEFAULT"):
        insert("journals", {"code": name, "displayName": f"{name.title()} journal", "templateDisplayName": "GENERAL"})
    insert("customerPaymentJournals", {"code": "GENERAL", "displayName": "Cash receipts",
                                       "templateDisplayName": "CASHRCPT"})
    insert("vendorPaymentJournals", {"code": "GENERAL", "displayName": "Payments", "templateDisplayName": "PAYMENT"})
    for code, values in (("AREA", ("30", "40", "50")), ("DEPARTMENT", ("ADM", "PROD", "SALES"))):
        dimension = insert("dimensions", {"code": code, "displayName": code.title()})
        for value in values:
            insert("dimensionValues", {"code": value, "dimensionId": dimension["id"], "displayName": value})
    for number, customer in enumerate(customers, start=1):
        insert("customerFinancialDetails", {"id": customer["id"], "number": customer["number"],
                                            "balance": customer["balanceDue"], "totalSalesExcludingTax": 0.0,
                                            "overdueAmount": 0.0})
        insert("agedAccountsReceivable", {"customerId": customer["id"], "customerNumber": customer["number"],
                                          "name": customer["displayName"], "currencyCode": "USD",
                                          "balanceDue": customer["balanceDue"], "currentAmount": customer["balanceDue"],
                                          "agedAsOfDate": stamp, "periodLengthFilter": "30D"})
        contact = insert("contacts", {"number": f"CT{number * 10:06d}", "type": "Company",
                                      "displayName": customer["displayName"], "email": customer["email"],
                                      "city": customer["city"], "country": "US",
                                      "searchName": customer["displayName"].upper()})
        insert("contactsInformation", {"contactId": contact["id"], "contactNumber": contact["number"],
                                       "contactName": contact["displayName"], "contactType": "Company",
                                       "relatedId": customer["id"], "relatedType": "Customer"})
    for vendor in vendors:
        insert("agedAccountsPayable", {"vendorId": vendor["id"], "vendorNumber": vendor["number"],
                                       "name": vendor["displayName"], "currencyCode": "USD",
                                       "balanceDue": vendor["balance"], "currentAmount": vendor["balance"],
                                       "agedAsOfDate": stamp, "periodLengthFilter": "30D"})
    insert("bankAccounts", {"number": "CHECKING", "displayName": "Checking account", "bankAccountNumber": "9876543210",
                            "currencyCode": "", "iban": ""})
    insert("employees", {"number": "EH", "givenName": "Esther", "surname": "Huerta", "displayName": "Esther Huerta",
                         "jobTitle": "Production Assistant", "status": "Active", "employmentDate": "2020-06-01"})
    for number, account in enumerate(accounts[:3], start=1):
        insert("generalLedgerEntries", {"entryNumber": number, "postingDate": stamp, "documentNumber": "G00001",
                                        "accountId": account["id"], "accountNumber": account["number"],
                                        "description": "Opening entry", "debitAmount": 1000.0 * number})
    seed_breadth(insert, customers, vendors, accounts, stamp)
    for line, caption in ((10, "Assets"), (20, "Liabilities"), (30, "Equity")):
        insert("balanceSheets", {"lineNumber": line, "display": caption, "lineType": "header", "indentation": 0,
                                 "balance": 0.0, "dateFilter": stamp})
        insert("cashFlowStatements", {"lineNumber": line, "display": caption, "lineType": "header",
                                      "indentation": 0, "netChange": 0.0, "dateFilter": stamp})


def dt_month(month: int) -> str:
    return ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
            "November", "December")[month - 1]


def seed_breadth(insert, customers: list[dict], vendors: list[dict], accounts: list[dict], stamp: str) -> None:
    """Posting groups, fixed assets, projects, 1099 codes and the report pages of a trial company."""
    for code, description in (("RESALE", "Resale items"), ("FINISHED", "Finished items")):
        insert("inventoryPostingGroups", {"code": code, "description": description})
    for code, description in (("RETAIL", "Retail"), ("SERVICES", "Resources, etc."), ("MISC", "Miscellaneous")):
        insert("generalProductPostingGroups", {"code": code, "description": description,
                                               "defaultVATProductPostingGroup": "", "autoInsertDefault": True})
    locations = [insert("fixedAssetLocations", {"code": code, "displayName": name})
                 for code, name in (("ADM", "Administration"), ("PROD", "Production"))]
    for number, (name, location) in enumerate((("Company car", locations[0]), ("Conveyor belt", locations[1])),
                                              start=1):
        insert("fixedAssets", {"number": f"FA{number * 10:06d}", "displayName": name, "classCode": "TANGIBLE",
                               "fixedAssetLocationCode": location["code"], "fixedAssetLocationId": location["id"]})
    for number, name in (("J00010", "Office renovation"), ("J00020", "Trade fair stand")):
        insert("projects", {"number": number, "displayName": name})
    for code, name, minimum in (("MISC-01", "Rents", 600.0), ("MISC-07", "Nonemployee compensation", 600.0),
                                ("NEC-01", "Nonemployee compensation", 600.0)):
        insert("irs1099", {"code": code, "displayName": name, "minimum": minimum})
    for line, caption in ((10, "Income"), (20, "Cost of Goods Sold"), (30, "Net Income")):
        insert("incomeStatements", {"lineNumber": line, "display": caption, "lineType": "header", "indentation": 0,
                                    "netChange": 0.0, "dateFilter": stamp})
        insert("retainedEarningsStatements", {"lineNumber": line, "display": caption, "lineType": "header",
                                              "indentation": 0, "netChange": 0.0, "dateFilter": stamp})
    for account in accounts:
        insert("trialBalances", {"number": account["number"], "accountId": account["id"], "accountType": "Posting",
                                 "display": account["displayName"], "totalDebit": 0.0, "totalCredit": 0.0,
                                 "balanceAtDateDebit": 0.0, "balanceAtDateCredit": 0.0, "dateFilter": stamp})
    for customer in customers:
        insert("customerSales", {"customerId": customer["id"], "customerNumber": customer["number"],
                                 "name": customer["displayName"], "totalSalesAmount": 0.0})
    for vendor in vendors:
        insert("vendorPurchases", {"vendorId": vendor["id"], "vendorNumber": vendor["number"],
                                   "name": vendor["displayName"], "totalPurchaseAmount": 0.0})
