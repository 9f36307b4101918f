"""``harness test`` options do what they say: ``--no-suites`` runs the collections only, and
``--target live`` runs the collections against the instance in ``.env`` (not a private simulator)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.reporting.test_main_job import REPO, clean_env, harness_test

ROPC = REPO / "collections" / "dataverse-ropc-token.postman_collection.json"
LIVE_PASSWORD = "Live-only-Passw0rd!"  # differs from the simulator's default: a private sim would refuse it


def test_no_suites_collects_only_the_collections(tmp_path):
    result = harness_test(tmp_path, "--no-suites", "--reports", "out", "--", "--collect-only", "-q")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    items = [line for line in result.stdout.splitlines() if "::" in line]
    assert items, result.stdout[-2000:]
    assert all(".postman_collection.json::" in line for line in items), [i for i in items if "postman" not in i][:5]
    assert not any(line.startswith("tests/") for line in items)


@pytest.fixture
def live_instance():
    """A simulator standing in for the user's real instance, with its own password."""
    from simulator.config import CONFIDENTIAL_CLIENT_ID, PUBLIC_CLIENT_ID, SimClient, SimConfig, SimUser
    from simulator.server import SimulatorServer

    config = SimConfig(users=[SimUser("admin@contoso.onmicrosoft.com", password=LIVE_PASSWORD)],
                       clients=[SimClient(PUBLIC_CLIENT_ID, public=True),
                                SimClient(CONFIDENTIAL_CLIENT_ID, secret="live-secret-value", public=True)])
    with SimulatorServer(config) as server:
        yield server


def test_live_target_runs_the_collections_against_the_env_instance(tmp_path: Path, live_instance):
    from simulator.config import PUBLIC_CLIENT_ID

    c = live_instance.config
    (tmp_path / ".env").write_text("\n".join([
        "HARNESS_TOKEN_CACHE=off", f"TENANT_ID={c.tenant_id}", f"AUTHORITY={c.login_url}", f"CRM_URL={c.crm_url}",
        f"CRM_CLIENT_ID={PUBLIC_CLIENT_ID}", "CRM_USERNAME=admin@contoso.onmicrosoft.com",
        f"CRM_PASSWORD={LIVE_PASSWORD}"]) + "\n")
    seen = live_instance.faults.inject(host="crm", kind="slow", delay=0, count=None)  # counts requests only
    signins = live_instance.faults.inject(host="login", kind="slow", delay=0, count=None)
    result = harness_test(tmp_path, "--target", "live", "--env-file", ".env", "--no-suites",
                          "--collections", str(ROPC), "--reports", "out", "--cassette-dir", "cass",
                          env=clean_env(tmp_path))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert signins.hits >= 1 and seen.hits >= 6  # the token request and the Dataverse folder reached it
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["target"] == "live" and summary["totals"]["passed"] >= 6
    cassettes = list((tmp_path / "cass").rglob("*.json")) + list((tmp_path / "cass").rglob("*.yaml"))
    assert cassettes
    recorded = "".join(path.read_text() for path in cassettes)
    assert '"recorded_from": "live instance"' in recorded  # the label, now true (the hits above)
    assert '"recorded_from": "embedded simulator"' not in recorded
    assert LIVE_PASSWORD not in recorded + result.stdout + result.stderr
