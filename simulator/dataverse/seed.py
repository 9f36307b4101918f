"""Deterministic sample data: the Dynamics "(sample)" accounts, contacts, tasks and users."""

from __future__ import annotations

import random
import uuid

from simulator.config import SimConfig
from simulator.dataverse.dialect import BUSINESS_UNIT_ID
from simulator.odata.store import VERSION_COLUMN

SAMPLE_ACCOUNTS = [
    "A. Datum Corporation (sample)", "Adventure Works (sample)", "Alpine Ski House (sample)",
    "Blue Yonder Airlines (sample)", "City Power & Light (sample)", "Coho Winery (sample)",
    "Contoso Pharmaceuticals (sample)", "Fabrikam, Inc. (sample)", "Fourth Coffee (sample)",
    "Litware, Inc. (sample)",
]
FIRST = ["Rene", "Paul", "Sidney", "Scott", "Robert", "Rene", "Nancy", "Maria", "Jim", "Susan", "Thomas", "Yvonne"]
LAST = ["Valdes", "Cannon", "Higa", "Konersmann", "Lyon", "O'Bryan", "Anderson", "Campbell", "Glynn", "Burk",
        "Andersen", "McKay"]
# System views (savedqueries) with their well-known ids, run by ``?savedQuery=<id>``.
SYSTEM_VIEWS = [
    {"savedqueryid": "00000000-0000-0000-00aa-000010001002", "name": "Active Accounts", "returnedtypecode": "account",
     "isdefault": True,
     "fetchxml": '<fetch version="1.0" mapping="logical"><entity name="account"><attribute name="name"/>'
                 '<attribute name="accountid"/><attribute name="telephone1"/><order attribute="name" descending="false"/>'
                 '<filter type="and"><condition attribute="statecode" operator="eq" value="0"/></filter>'
                 '</entity></fetch>'},
    {"savedqueryid": "00000000-0000-0000-00aa-000010001003", "name": "Inactive Accounts",
     "returnedtypecode": "account", "isdefault": False,
     "fetchxml": '<fetch version="1.0" mapping="logical"><entity name="account"><attribute name="name"/>'
                 '<attribute name="accountid"/><order attribute="name" descending="false"/>'
                 '<filter type="and"><condition attribute="statecode" operator="eq" value="1"/></filter>'
                 '</entity></fetch>'},
    {"savedqueryid": "00000000-0000-0000-00aa-000010001004", "name": "Active Contacts",
     "returnedtypecode": "contact", "isdefault": True,
     "fetchxml": '<fetch version="1.0" mapping="logical"><entity name="contact"><attribute name="fullname"/>'
                 '<attribute name="contactid"/><order attribute="fullname" descending="false"/>'
                 '<filter type="and"><condition attribute="statecode" operator="eq" value="0"/></filter>'
                 '</entity></fetch>'},
]
CITIES = ["Redmond", "Seattle", "Renton", "Bellevue", "Dallas", "Lynnwood", "Santa Cruz", "Los Angeles"]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def seed_dataverse(service, config: SimConfig, accounts: int = 30, contacts: int = 60) -> None:
    """Insert the sample rows (same ids and values for the same ``config.seed``)."""
    rng = random.Random(config.seed)
    created = "2024-01-15T08:00:00Z"
    users, user_ids = [], []
    for sim_user in config.users:
        user_id = _uuid(rng)
        user_ids.append(user_id)
        users.append({"systemuserid": user_id, "firstname": sim_user.given_name, "lastname": sim_user.family_name,
                      "fullname": f"{sim_user.given_name} {sim_user.family_name}", "domainname": sim_user.upn,
                      "internalemailaddress": sim_user.upn,
                      "azureactivedirectoryobjectid": sim_user.object_id.lower(), "isdisabled": False,
                      "accessmode": 0})
    for client in config.clients:
        if client.secret:
            users.append({"systemuserid": _uuid(rng), "firstname": "#", "lastname": client.display_name,
                          "fullname": f"# {client.display_name}", "domainname": f"{client.client_id}@sim",
                          "applicationid": client.client_id.lower(),
                          "azureactivedirectoryobjectid": client.service_principal_id.lower(),
                          "isdisabled": False, "accessmode": 4})
    owner = user_ids[0]
    with service.store.transaction() as conn:
        def insert(set_name: str, row: dict) -> None:
            version = service.store.next_version(conn)
            row = dict(row)
            row[VERSION_COLUMN] = version
            if service.model.entity_set(set_name).type.prop("versionnumber"):
                row["versionnumber"] = version
            row.setdefault("createdon", created)
            row.setdefault("modifiedon", created)
            conn.execute(service.table(set_name).insert().values(**row))

        for user in users:
            insert("systemusers", user | {"_businessunitid_value": BUSINESS_UNIT_ID})
        account_ids = []
        for i in range(accounts):
            name = SAMPLE_ACCOUNTS[i] if i < len(SAMPLE_ACCOUNTS) else f"Sample Account {i + 1:03d}"
            account_id = _uuid(rng)
            account_ids.append(account_id)
            insert("accounts", {
                "accountid": account_id, "name": name, "accountnumber": f"ACC-{i + 1:04d}",
                "telephone1": f"555-01{i:02d}", "address1_city": rng.choice(CITIES), "address1_country": "USA",
                "revenue": float(rng.randrange(10, 900) * 10000), "numberofemployees": rng.randrange(5, 5000),
                "creditonhold": i % 4 == 0, "accountcategorycode": 1 + i % 2, "statecode": 1 if i % 7 == 6 else 0,
                "statuscode": 2 if i % 7 == 6 else 1, "_ownerid_value": owner, "_createdby_value": owner,
                "_modifiedby_value": owner, "_transactioncurrencyid_value": "9f6c0000-0000-4000-8000-00000000e0e0",
                "websiteurl": f"https://www.example{i}.com",
            })
        contact_ids = []
        for i in range(contacts):
            first, last = FIRST[i % len(FIRST)], LAST[(i * 5) % len(LAST)]
            contact_id = _uuid(rng)
            contact_ids.append(contact_id)
            insert("contacts", {
                "contactid": contact_id, "firstname": first, "lastname": last, "fullname": f"{first} {last}",
                "emailaddress1": f"{first.lower()}.{last.lower().replace(chr(39), '')}{i}@example.com",
                "jobtitle": rng.choice(["Purchasing Manager", "Owner", "Sales Rep", "Engineer"]),
                "telephone1": f"555-02{i:02d}", "birthdate": f"19{60 + i % 40}-0{1 + i % 9}-1{i % 9}",
                "creditlimit": float(rng.randrange(1, 50) * 1000), "numberofchildren": i % 4,
                "donotemail": i % 3 == 0, "statecode": 0, "statuscode": 1,
                "_parentcustomerid_value": account_ids[i % accounts] if i % 5 else None,
                "_ownerid_value": owner, "_createdby_value": owner, "_modifiedby_value": owner,
            })
        for view in SYSTEM_VIEWS:
            insert("savedqueries", view | {"querytype": 0, "statecode": 0, "_ownerid_value": owner,
                                           "_createdby_value": owner, "_modifiedby_value": owner})
        table = service.table("accounts")
        for i, account_id in enumerate(account_ids[: len(SAMPLE_ACCOUNTS)]):
            conn.execute(table.update().where(table.c.accountid == account_id)
                         .values(_primarycontactid_value=contact_ids[i + 1]))
        for i in range(accounts * 2):
            insert("tasks", {
                "activityid": _uuid(rng), "subject": f"Follow up {i + 1}", "prioritycode": i % 3,
                "statecode": 0 if i % 3 else 1, "scheduledstart": f"2024-02-{1 + i % 27:02d}T09:00:00Z",
                "_regardingobjectid_value": account_ids[i % 10], "_ownerid_value": owner,
                "_createdby_value": owner, "_modifiedby_value": owner,
            })
