"""A create is never made twice: 429/503 after commit, look-alike names, Business Central companies.

Each test arms a fault on the simulator (``phase="after"``: the service commits, then the answer is
replaced) and checks the end state on the server: how many records carry the name.
"""

from __future__ import annotations

import pytest

from harness.odata import Query, contains, eq
from harness.odata.retry import OutcomeUnknownError

pytestmark = [pytest.mark.sim_only, pytest.mark.writes]


def _exact(client, entity_set: str, field: str, value: str) -> list[dict]:
    """Rows whose ``field`` is exactly ``value`` (the service's ``eq`` ignores case)."""
    return [row for row in client.query(entity_set, Query(filter=eq(field, value)), retry=False).value
            if row[field] == value]


@pytest.fixture
def bc_company(make_client) -> str:
    bc = make_client("bc")
    return f"companies({bc.query('companies', Query(select=['id'])).value[0]['id']})"


# ---------------------------------------------------------------------- item 7: 429/503 after the commit
@pytest.mark.parametrize("status", [503, 429])
def test_create_refused_after_it_committed_is_probed_not_resent(make_client, sim_faults, values, status):
    crm = make_client()
    name = values.name(f"After{status}")
    sim_faults.inject(host="crm", path="*/accounts", method="POST", status=status, retry_after=0, phase="after")
    response = crm.create("accounts", {"name": name})
    assert response.ok
    assert crm.retry_stats.recovered == 1  # found by the probe, not sent again
    assert len(_exact(crm, "accounts", "name", name)) == 1


def test_bc_create_throttled_after_it_committed_is_not_duplicated(make_client, sim_faults, values, bc_company):
    bc = make_client("bc")
    name = values.name("BcAfter429")
    sim_faults.inject(host="bc", path="*/customers", method="POST", status=429, retry_after=0, phase="after")
    response = bc.create(f"{bc_company}/customers", {"displayName": name})
    assert response.ok and bc.retry_stats.recovered == 1
    assert len(_exact(bc, f"{bc_company}/customers", "displayName", name)) == 1


def test_create_refused_after_commit_with_nothing_to_probe_is_not_resent(make_client, sim_faults, values):
    crm = make_client()
    name = f"After503NoTag {values.token(12)}"
    sim_faults.inject(host="crm", path="*/accounts", method="POST", status=503, retry_after=0, phase="after")
    with pytest.raises(OutcomeUnknownError, match="may or may not have applied it"):
        crm.create("accounts", {"name": name})
    rows = _exact(crm, "accounts", "name", name)
    assert len(rows) == 1
    crm.delete("accounts", rows[0]["accountid"])


def test_service_protection_429_is_resent_without_a_probe(make_client, sim_faults, values):
    """Dataverse's documented service-protection codes prove the request was refused unprocessed."""
    crm = make_client()
    name = f"Protected {values.token(12)}"
    sim_faults.inject(host="crm", path="*/accounts", method="POST", status=429, retry_after=0, count=2,
                      code="0x80072322", message="Number of requests exceeded the limit of 6000 over time window "
                                                 "of 300 seconds.")
    response = crm.create("accounts", {"name": name})
    assert response.status == 204 and crm.retry_stats.retries == 2
    rows = _exact(crm, "accounts", "name", name)
    assert len(rows) == 1
    crm.delete("accounts", rows[0]["accountid"])


# ---------------------------------------------------------------------- item 8: exact probe
def test_probe_is_not_fooled_by_a_name_that_differs_only_in_case(make_client, sim_faults, values):
    crm = make_client()
    name = values.name("CaseProbe")
    crm.create("accounts", {"name": name.upper()})  # someone else's look-alike
    sim_faults.inject(host="crm", path="*/accounts", method="POST", kind="reset", phase="after")
    response = crm.create("accounts", {"name": name}, unique_field="name")
    assert response.ok and crm.retry_stats.recovered == 1
    assert response.json()["name"] == name
    assert len(_exact(crm, "accounts", "name", name)) == 1
    assert len(_exact(crm, "accounts", "name", name.upper())) == 1


# ---------------------------------------------------------------------- item 9: Business Central companies
def test_bc_lost_create_is_found_under_its_company(make_client, sim_faults, values, bc_company):
    bc = make_client("bc")
    name = values.name("BcLost")
    sim_faults.inject(host="bc", path="*/customers", method="POST", kind="reset", phase="after")
    response = bc.create(f"{bc_company}/customers", {"displayName": name})
    assert response.ok and bc.retry_stats.recovered == 1
    assert response.created.entity_set == f"{bc_company}/customers"
    assert len(_exact(bc, f"{bc_company}/customers", "displayName", name)) == 1


def test_bc_teardown_deletes_under_the_company(make_client, created_records, values, bc_company):
    bc = make_client("bc")
    name = values.name("BcTeardown")
    created = bc.create(f"{bc_company}/customers", {"displayName": name})
    assert created.created.entity_set == f"{bc_company}/customers"
    assert [entity_set for _, entity_set, _ in created_records.records] == [f"{bc_company}/customers"]
    assert created_records.sweep() == []
    left = bc.query(f"{bc_company}/customers", Query(filter=contains("displayName", name))).value
    assert left == []


# ---------------------------------------------------------------------- F&O: other legal entities
def test_fno_lost_create_in_another_company_is_found_and_torn_down(make_client, sim_faults, values,
                                                                   created_records):
    fno = make_client("fno")
    group = "Y" + values.token(5).upper()
    sim_faults.inject(host="fno", path="/data/CustomerGroups", method="POST", kind="reset", phase="after")
    response = fno.create("CustomerGroups", {"dataAreaId": "usrt", "CustomerGroupId": group,
                                             "Description": values.name("Usrt")},
                          key_fields=["dataAreaId", "CustomerGroupId"])
    assert response.ok and fno.retry_stats.recovered == 1
    assert created_records.sweep() == []
    left = fno.query("CustomerGroups", Query(filter=eq("CustomerGroupId", group), extra={"cross-company": "true"}))
    assert left.value == []
