"""``$batch`` on the three roots, as the real services document it (dataverse.md 7.1, fno_bc.md A7 and B6).

Dataverse and F&O: multipart with atomic change sets and Content-ID references; Business Central:
the JSON format with atomicity groups, ``dependsOn`` and ``Isolation``. Runs against the simulator
(recorded cassettes) and, with ``--target=live --allow-writes``, against real services.
"""

from __future__ import annotations

import re

import pytest

from harness.odata import Query, contains, eq

GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


# ---------------------------------------------------------------------------- Dataverse
def _accounts_named(crm, marker: str) -> list[str]:
    return sorted(r["name"] for r in crm.query("accounts", Query(select=["name"],
                                                                 filter=contains("name", marker))).value)


@pytest.mark.crm
@pytest.mark.writes
def test_crm_changeset_with_references_and_a_get(crm, values):
    marker = values.name("Batch")
    batch = crm.batch()
    with batch.changeset() as cs:
        account = cs.post("accounts", {"name": f"{marker} parent"})
        contact = cs.post("contacts", {"lastname": marker, "parentcustomerid_account@odata.bind": account.ref})
        cs.patch(account.ref, {"telephone1": "555-0100"})
    batch.get("accounts", params={"$select": "name,telephone1", "$filter": f"contains(name,'{marker}')"})
    result = batch.send()
    assert result.status == 200
    assert result.response.headers["Content-Type"].startswith("multipart/mixed")
    assert [(p.status, p.content_id) for p in result.parts] == \
        [(204, account.content_id), (204, contact.content_id), (204, "3"), (200, None)]
    account_url = result.parts[0].headers["OData-EntityId"]
    assert re.fullmatch(re.escape(crm.api_root) + rf"/accounts\({GUID}\)", account_url)
    assert [(r["name"], r["telephone1"]) for r in result.parts[3].json()["value"]] == [(f"{marker} parent", "555-0100")]
    contact_url = result.parts[1].headers["OData-EntityId"]
    linked = crm.get(contact_url, params={"$select": "_parentcustomerid_value"}).json()
    assert linked["_parentcustomerid_value"] == account_url.rsplit("(", 1)[1].rstrip(")")
    crm.delete(contact_url)
    crm.delete(account_url)


@pytest.mark.crm
@pytest.mark.writes
def test_crm_changeset_failing_in_third_part_leaves_nothing(crm, values):
    marker = values.name("Atomic")
    batch = crm.batch()
    with batch.changeset() as cs:
        cs.post("accounts", {"name": f"{marker} 1"})
        cs.post("accounts", {"name": f"{marker} 2"})
        third = cs.post("accounts", {"name": f"{marker} 3", "nosuchcolumn": 1})
    result = batch.send()
    assert result.status == 400
    assert [(p.status, p.content_id) for p in result.parts] == [(400, third.content_id)]
    assert "nosuchcolumn" in result.parts[0].error.message
    assert _accounts_named(crm, marker) == []


@pytest.mark.crm
@pytest.mark.writes
def test_crm_continue_on_error(crm, values):
    marker = values.name("Continue")
    batch = crm.batch()
    batch.get("accounts(00000000-0000-0000-0000-00000000dead)")
    batch.post("accounts", {"name": marker})
    stopped = batch.send()
    assert stopped.status == 404 and [p.status for p in stopped.parts] == [404]
    assert _accounts_named(crm, marker) == []  # the first failure stopped the batch
    result = batch.send(continue_on_error=True)
    assert result.status == 200
    assert [p.status for p in result.parts] == [404, 204]
    assert result.parts[0].error.code == "0x80040217"
    assert _accounts_named(crm, marker) == [marker]
    crm.delete(result.parts[1].headers["OData-EntityId"])


@pytest.mark.crm
def test_crm_batch_limits_and_bad_references(crm):
    batch = crm.batch()
    for _ in range(1001):
        batch.get("WhoAmI")
    too_many = batch.send()
    assert too_many.status == 400 and too_many.parts == []
    assert "1000" in crm.error_for(too_many.response).message
    batch = crm.batch()
    with batch.changeset() as cs:
        cs.post("contacts", {"lastname": "x", "parentcustomerid_account@odata.bind": "$9"})
    result = batch.send()
    assert result.status == 400
    assert result.parts[0].error.message == "Content-ID Reference: '$9' does not exist in the batch context."


# ---------------------------------------------------------------------------- Finance and Operations
def _customers_named(fno, marker: str) -> list[dict]:
    return fno.query("CustomersV3", Query(select=["OrganizationName", "CustomerAccount", "dataAreaId"],
                                          filter=eq("OrganizationName", f"*{marker}*"))).value


@pytest.mark.fno
@pytest.mark.writes
def test_fno_changeset_creates_header_and_lines_atomically(fno, values):
    marker = values.name("Batch")
    batch = fno.batch()
    with batch.changeset() as cs:
        cs.post("CustomersV3", {"OrganizationName": f"{marker} a", "CustomerGroupId": "10"})
        cs.post("CustomersV3", {"OrganizationName": f"{marker} b", "CustomerGroupId": "10"})
    batch.get("CustomerGroups", params={"$top": "1"})
    result = batch.send()
    assert result.status == 200
    assert [p.status for p in result.parts] == [201, 201, 200]
    created = _customers_named(fno, marker)
    assert sorted(r["OrganizationName"] for r in created) == [f"{marker} a", f"{marker} b"]
    for row in created:
        fno.delete(f"CustomersV3(dataAreaId='{row['dataAreaId']}',CustomerAccount='{row['CustomerAccount']}')")


@pytest.mark.fno
@pytest.mark.writes
def test_fno_changeset_failing_in_third_part_leaves_nothing(fno, values):
    marker = values.name("Atomic")
    batch = fno.batch()
    with batch.changeset() as cs:
        for suffix in ("a", "b"):
            cs.post("CustomersV3", {"OrganizationName": f"{marker} {suffix}", "CustomerGroupId": "10"})
        cs.post("CustomersV3", {"OrganizationName": f"{marker} c", "NoSuchField": 1})
    result = batch.send()
    assert result.status == 200  # F&O answers 200 and puts the failure in the part
    assert len(result.parts) == 1 and result.parts[0].status >= 400 and result.parts[0].content_id == "3"
    assert result.parts[0].error.message
    assert _customers_named(fno, marker) == []


# ---------------------------------------------------------------------------- Business Central
@pytest.fixture
def bc_company(bc) -> str:
    return f"companies({bc.query('companies', Query(select=['id'])).value[0]['id']})"


def _bc_customers(bc, company: str, marker: str) -> list[dict]:
    return bc.query(f"{company}/customers", Query(select=["id", "displayName"],
                                                 filter=contains("displayName", marker))).value


@pytest.mark.bc
@pytest.mark.writes
def test_bc_atomicity_group_and_depends_on(bc, bc_company, values):
    marker = values.name("Group")
    batch = bc.batch()
    with batch.changeset() as group:
        group.post(f"{bc_company}/customers", {"displayName": f"{marker} 1"})
        group.post(f"{bc_company}/customers", {"displayName": f"{marker} 2", "nosuchfield": 1})
    batch.post(f"{bc_company}/customers", {"displayName": f"{marker} 3"}, depends_on=["g1"])
    independent = batch.post(f"{bc_company}/customers", {"displayName": f"{marker} 4"})
    result = batch.send()
    assert result.status == 200
    assert [p.status for p in result.parts][1] == 400
    assert [p.status for p in result.parts][2:] == [424, 201]
    assert result.parts[0].status >= 400  # rolled back with its group
    assert [r["displayName"] for r in _bc_customers(bc, bc_company, marker)] == [f"{marker} 4"]
    bc.delete(f"{bc_company}/customers", result.by_id(independent.content_id).json()["id"])


@pytest.mark.bc
@pytest.mark.writes
def test_bc_isolation_snapshot_and_references(bc, bc_company, values):
    marker = values.name("Snapshot")
    batch = bc.batch()
    created = batch.post(f"{bc_company}/customers", {"displayName": f"{marker} 1"})
    batch.patch(created.ref, {"phoneNumber": "555-0101"}, headers={"If-Match": "*"})
    batch.post(f"{bc_company}/customers", {"displayName": f"{marker} 2", "nosuchfield": 1})
    rolled_back = batch.send(isolation="snapshot")
    assert rolled_back.status == 200 and rolled_back.parts[2].status == 400
    assert _bc_customers(bc, bc_company, marker) == []
    batch = bc.batch()
    created = batch.post(f"{bc_company}/customers", {"displayName": f"{marker} 1"})
    batch.patch(created.ref, {"phoneNumber": "555-0101"}, headers={"If-Match": "*"})
    result = batch.send(isolation="snapshot")
    assert [p.status for p in result.parts] == [201, 200]
    assert result.parts[1].json()["phoneNumber"] == "555-0101"
    bc.delete(f"{bc_company}/customers", result.parts[0].json()["id"])
