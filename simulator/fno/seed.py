"""Deterministic Contoso-style demo data across companies ``usmf``, ``usrt`` and ``dat``.

The same ``config.seed`` always gives the same rows. ``usmf`` and ``usrt`` both have sales order
``000001`` on purpose: only ``dataAreaId`` tells them apart, as in a real multi-company database.
"""

from __future__ import annotations

import random

from simulator.config import SimConfig
from simulator.fno.model import TABLES
from simulator.odata.store import VERSION_COLUMN

COMPANIES = [
    ("usmf", "Contoso Entertainment System USA", "Contoso Entertainment", "123 Coffee Street", "Redmond",
     "WA", "98052"),
    ("usrt", "Contoso Retail USA", "Contoso Retail", "1 Microsoft Way", "Seattle", "WA", "98101"),
    ("dat", "Company accounts data", "Company accounts dat", "", "", "", ""),
]
CUSTOMER_GROUPS = [("10", "Wholesale customers", "Net30"), ("20", "Major customers", "Net45"),
                   ("30", "Retail customers", "Net10"), ("80", "Other customers", "Net30"),
                   ("90", "Internet customers", "CreditCard")]
ORGANIZATIONS = [
    "Forest Wholesales", "Contoso Retail San Diego", "Contoso Retail Los Angeles", "Contoso Retail Seattle",
    "Contoso Retail Dallas", "Contoso Retail New York", "Lamna Healthcare Company", "Sparrow Travel",
    "Humongous Insurance", "Fabrikam Electronics", "Trey Research", "Alpine Ski House", "Tailspin Toys",
    "Wingtip Toys", "Northwind Traders", "Adatum Corporation", "Litware, Inc.", "Proseware, Inc.",
    "Coho Vineyard", "Fourth Coffee", "Relecloud", "Woodgrove Bank", "Margie's Travel", "Best For You Organics",
    "Consolidated Messenger", "Graphic Design Institute", "School of Fine Art", "Southridge Video",
    "VanArsdel, Ltd.", "World Wide Importers",
]
VENDORS = ["Fabrikam Supplier", "Contoso office supply", "Datum Receivers", "Tailspin Parts", "Litware Components",
           "Wide World Logistics", "Northwind Electric", "City Power & Light", "Acme Office Supplies",
           "Lucerne Publishing", "Nod Publishers", "Blue Yonder Airlines"]
CITIES = [("Redmond", "WA", "98052"), ("Seattle", "WA", "98101"), ("San Diego", "CA", "92101"),
          ("Los Angeles", "CA", "90012"), ("Dallas", "TX", "75201"), ("New York", "NY", "10001"),
          ("Chicago", "IL", "60601"), ("Miami", "FL", "33101")]
ITEMS = [("D0001", "MidRangeSpeaker2", 89.99), ("D0003", "StandardSpeaker", 210.0), ("T0001", "SpeakerCable", 12.5),
         ("T0004", "TelevisionM12037", 1599.0), ("A0001", "HDMI Cable 6ft", 9.99), ("M0001", "Mid-range amp", 425.0)]
# (company, customers, vendors, orders)
VOLUMES = [("usmf", 30, 12, 20), ("usrt", 20, 6, 10)]


def seed_fno(service, config: SimConfig) -> None:
    """Insert the demo rows through the dialect's defaults so they look like F&O's."""
    rng = random.Random(config.seed)
    dialect = service.dialect
    with service.store.transaction() as conn:
        def insert(set_name: str, row: dict) -> dict:
            row = dict(row)
            entity_set = service.model.entity_set(set_name)
            dialect.normalise(entity_set, row)
            dialect.fill_defaults(entity_set, row)
            row[VERSION_COLUMN] = service.store.next_version(conn)
            conn.execute(service.table(set_name).insert().values(**row))
            return row

        for number, (company, name, alias, street, city, state, zip_code) in enumerate(COMPANIES):
            insert("LegalEntities", {
                "LegalEntityId": company, "Name": name, "NameAlias": alias[:20], "PartyNumber": f"{number + 1:09d}",
                "CompanyName": name, "AddressStreet": street, "AddressCity": city, "AddressState": state,
                "AddressZipCode": zip_code, "AddressCountryRegionId": "USA" if city else "",
                "FullPrimaryAddress": f"{street}\n{city}, {state} {zip_code}\nUSA" if city else "",
                "AddressValidFrom": "2016-01-01T00:00:00Z" if city else None,
                "TimeZone": "GMTMINUS0800PACIFICTIME" if city else "GMTMINUS0500EASTERNTIME",
            })
            groups = CUSTOMER_GROUPS if company != "dat" else CUSTOMER_GROUPS[:1]
            for group_id, description, terms in groups:
                insert("CustomerGroups", {"dataAreaId": company, "CustomerGroupId": group_id,
                                          "Description": description, "PaymentTermId": terms})
        party = 100
        for company, customers, vendors, orders in VOLUMES:
            accounts = []
            for i in range(customers):
                sequence = dialect.sequences.sequence(TABLES["CustomersV3"], "CustomerAccount", company)
                account = sequence.format(i + 1)
                organization = ORGANIZATIONS[i % len(ORGANIZATIONS)]
                city, state, zip_code = rng.choice(CITIES)
                street = f"{rng.randrange(100, 9999)} {rng.choice(['Main', 'Oak', 'Pine', 'Lake', 'Hill'])} Street"
                party += 1
                accounts.append((account, organization))
                insert("CustomersV3", {
                    "dataAreaId": company, "CustomerAccount": account, "OrganizationName": organization,
                    "NameAlias": organization[:20], "PartyNumber": f"{party:09d}",
                    "CustomerGroupId": rng.choice(CUSTOMER_GROUPS)[0], "SalesCurrencyCode": "USD",
                    "CreditLimit": float(rng.randrange(0, 50) * 1000), "OnHoldStatus": "No" if i % 9 else "Invoice",
                    "CreditLimitIsMandatory": "Yes" if i % 4 == 0 else "No",
                    "IsSalesTaxIncludedInPrices": "Yes" if i % 5 == 0 else "No",
                    "PaymentTerms": rng.choice(["Net10", "Net30", "Net45"]), "AddressStreet": street,
                    "AddressCity": city, "AddressState": state, "AddressZipCode": zip_code,
                    "AddressCountryRegionId": "USA", "AddressDescription": organization,
                    "FullPrimaryAddress": f"{street}\n{city}, {state} {zip_code}\nUSA",
                    "AddressValidFrom": "2016-01-01T00:00:00Z", "AddressValidTo": "2154-12-31T23:59:59Z",
                    "PrimaryContactEmail": f"info@{organization.split()[0].lower().strip(',.')}{i}.example.com",
                    "PrimaryContactPhone": f"425-555-{i:04d}",
                    "OrganizationNumberOfEmployees": rng.randrange(5, 5000),
                    "CredManCustomerSince": f"20{10 + i % 12}-0{1 + i % 9}-15",
                })
            for i in range(vendors):
                sequence = dialect.sequences.sequence(TABLES["VendorsV2"], "VendorAccount", company)
                city, state, zip_code = rng.choice(CITIES)
                party += 1
                insert("VendorsV2", {
                    "dataAreaId": company, "VendorAccount": sequence.format(i + 1),
                    "VendorOrganizationName": VENDORS[i % len(VENDORS)], "VendorSearchName": VENDORS[i % len(VENDORS)][:20],
                    "PartyNumber": f"{party:09d}", "VendorGroupId": rng.choice(["10", "20", "30"]),
                    "CurrencyCode": "USD", "OnHoldStatus": "No" if i % 5 else "Payment",
                    "DefaultPaymentTermsName": "Net30", "AddressCity": city, "AddressState": state,
                    "AddressZipCode": zip_code, "AddressCountryRegionId": "USA",
                    "AddressValidFrom": "2016-01-01T00:00:00Z",
                    "PrimaryEmailAddress": f"sales@vendor{i}.example.com",
                })
            lot = 0
            for i in range(orders):
                number = TABLES["SalesOrderHeadersV2"].numbered["SalesOrderNumber"][company].format(i + 1)
                account, organization = accounts[i % len(accounts)]
                day = 1 + i % 27
                lines = []
                for sequence in range(1, 2 + rng.randrange(4)):
                    item, description, price = rng.choice(ITEMS)
                    quantity = float(rng.randrange(1, 20))
                    lot += 1
                    lines.append({
                        "dataAreaId": company, "InventoryLotId": f"{company.upper()}-{lot:06d}",
                        "SalesOrderNumber": number, "LineNumber": float(sequence),
                        "LineCreationSequenceNumber": sequence, "ItemNumber": item, "LineDescription": description,
                        "OrderedSalesQuantity": quantity, "SalesPrice": price, "LineAmount": round(quantity * price, 2),
                        "CurrencyCode": "USD", "SalesOrderLineStatus": "Invoiced" if i % 3 == 0 else "Backorder",
                        "RequestedShippingDate": f"2024-03-{day:02d}", "RequestedReceiptDate": f"2024-03-{day:02d}",
                        "ShippingSiteId": "1", "ShippingWarehouseId": "11", "DeliveryAddressName": organization,
                    })
                insert("SalesOrderHeadersV2", {
                    "dataAreaId": company, "SalesOrderNumber": number, "OrderingCustomerAccountNumber": account,
                    "InvoiceCustomerAccountNumber": account, "SalesOrderName": organization,
                    "DeliveryAddressName": organization, "CurrencyCode": "USD",
                    "SalesOrderStatus": "Invoiced" if i % 3 == 0 else "Backorder",
                    "RequestedShippingDate": f"2024-03-{day:02d}", "RequestedReceiptDate": f"2024-03-{day:02d}",
                    "OrderCreationDateTime": f"2024-02-{day:02d}T09:{i % 60:02d}:00Z",
                    "OrderTotalAmount": round(sum(line["LineAmount"] for line in lines), 2),
                    "DefaultShippingSiteId": "1", "DefaultShippingWarehouseId": "11",
                })
                for line in lines:
                    insert("SalesOrderLines", line)


def seed_data_management(service) -> None:
    """``DataManagementEntities``: every entity a data package may carry, named as Data management names it."""
    with service.store.transaction() as conn:
        for set_name, info in TABLES.items():
            if not info.dmf_name:
                continue
            entity_set = service.model.entity_set(set_name)
            conn.execute(service.table("DataManagementEntities").insert().values(
                EntityName=info.dmf_name, TargetEntity=info.aot_name, PublicEntityName=entity_set.type.name,
                PublicCollectionName=set_name, EntityCategory=info.dmf_category,
                IsShared="No" if "dataAreaId" in entity_set.type.key else "Yes",
                **{VERSION_COLUMN: service.store.next_version(conn)}))
