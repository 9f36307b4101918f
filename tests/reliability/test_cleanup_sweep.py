"""``harness cleanup --target live`` sweeps every company of every root and fails loudly on leftovers.

Records are made the way a killed run leaves them (tagged names, no teardown) in every place a suite
can write: Dataverse, two F&O legal entities, two Business Central companies. The sweep runs the real
command against a ``.env`` pointing at the session's simulator.
"""

from __future__ import annotations

import pytest

from harness.auth import MemoryTokenCache, TokenBroker
from harness.cleanup import company_scopes
from harness.cli import main as harness_main
from harness.naming import ValueSource, run_tag
from harness.odata import Query, contains
from harness.targets import client_for
from simulator.config import CONFIDENTIAL_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, PUBLIC_CLIENT_ID

pytestmark = [pytest.mark.sim_only, pytest.mark.writes]

RUN_ID = "20261204-sw33p1"


@pytest.fixture
def env_file(sim, tmp_path):
    c = sim.config
    path = tmp_path / "live.env"
    path.write_text("\n".join([
        "HARNESS_TOKEN_CACHE=off", f"TENANT_ID={c.tenant_id}", f"AUTHORITY={c.login_url}",
        f"CRM_URL={c.crm_url}", f"CRM_CLIENT_ID={PUBLIC_CLIENT_ID}", "CRM_USERNAME=admin@contoso.onmicrosoft.com",
        f"CRM_PASSWORD={DEFAULT_PASSWORD}",
        f"FNO_URL={c.fno_url}", f"FNO_CLIENT_ID={CONFIDENTIAL_CLIENT_ID}", f"FNO_CLIENT_SECRET={DEFAULT_CLIENT_SECRET}",
        f"BC_URL={c.bc_url}", f"BC_CLIENT_ID={CONFIDENTIAL_CLIENT_ID}", f"BC_CLIENT_SECRET={DEFAULT_CLIENT_SECRET}",
    ]) + "\n")
    return path


@pytest.fixture
def clients(harness_targets):
    with TokenBroker(MemoryTokenCache()) as broker:
        made = {name: client_for(harness_targets[name], broker) for name in ("crm", "fno", "bc")}
        yield made
        for client in made.values():
            client.close()


def leave_records_behind(clients) -> int:
    """What a killed run leaves: tagged records in every root and every company. Returns how many."""
    values = ValueSource(RUN_ID, seed=7)
    crm, fno, bc = clients["crm"], clients["fno"], clients["bc"]
    crm.create("accounts", {"name": values.name("Left")})
    for company in ("usmf", "usrt"):
        fno.create("CustomerGroups", {"dataAreaId": company, "CustomerGroupId": "S" + values.token(5).upper(),
                                      "Description": values.name("Left")})
    scopes = company_scopes(bc)
    assert len(scopes) == 2
    for scope in scopes:
        bc.create(f"{scope}customers", {"displayName": values.name("Left")})
    return 1 + 2 + len(scopes)


def tagged_left(clients) -> int:
    tag = run_tag(RUN_ID)
    crm, fno, bc = clients["crm"], clients["fno"], clients["bc"]
    left = len(crm.query("accounts", Query(filter=contains("name", tag))).value)
    left += len(fno.query("CustomerGroups", Query(filter=contains("Description", tag),
                                                  extra={"cross-company": "true"})).value)
    for scope in company_scopes(bc):
        left += len(bc.query(f"{scope}customers", Query(filter=contains("displayName", tag))).value)
    return left


def cleanup(env_file, *extra: str) -> int:
    return harness_main(["cleanup", "--target", "live", "--env-file", str(env_file), "--run-id", RUN_ID, *extra])


def test_cleanup_sweeps_every_company_of_every_root(clients, env_file, capsys):
    made = leave_records_behind(clients)
    assert tagged_left(clients) == made
    assert cleanup(env_file) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert f"{made} tagged record(s) removed" in out
    assert out.count("deleted bc:companies(") == 2 and out.count("deleted fno:CustomerGroups") == 2
    assert tagged_left(clients) == 0
    assert cleanup(env_file) == 0 and "0 tagged record(s) removed" in capsys.readouterr().out


def test_cleanup_exits_non_zero_naming_what_it_could_not_delete(clients, env_file, sim_faults, capsys):
    made = leave_records_behind(clients)
    sim_faults.inject(host="bc", path="*/customers(*", method="DELETE", status=403, count=None,
                      code="Authorization_InsufficientPermissions", message="You do not have permission.")
    assert cleanup(env_file) == 1
    captured = capsys.readouterr()
    problems = [line for line in captured.err.splitlines() if line.startswith("  bc:companies(")]
    assert len(problems) == 2 and all("403" in line or "permission" in line for line in problems), captured.err
    assert "2 problem(s)" in captured.err and "deleted bc:" not in captured.out
    assert captured.out.count("deleted ") == made - 2
    assert tagged_left(clients) == 2  # only the BC customers remain
    sim_faults.clear()
    assert cleanup(env_file) == 0
    assert tagged_left(clients) == 0
    assert made == 5
