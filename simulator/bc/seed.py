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
            row = {"id": _uuid(rng)} | row
            entity_set = service.model.entity_set(set_name)
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
        for number, name, city, state in VENDORS[:company.vendors]:
            insert("vendors", {"number": number, "displayName": name, "city": city, "state": state, "country": "US",
                               "currencyCode": "USD", "blocked": "_x0020_", "balance": float(rng.randrange(0, 5000))})
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
