"""The public API a script or notebook uses: ``from harness import connect`` and a signed-in client."""

from __future__ import annotations

import subprocess
import sys

import pytest

import harness
from harness.errors import HarnessError
from simulator.config import DEFAULT_PASSWORD, PUBLIC_CLIENT_ID
from simulator.server import SimulatorServer


@pytest.fixture(scope="module")
def server():
    with SimulatorServer() as sim:
        yield sim


def test_connect_gives_a_signed_in_client_from_the_env_file(server, tmp_path, monkeypatch):
    for key in ("HARNESS_ENV_FILE", "HARNESS_TARGET", "CRM_URL", "CLIENT_ID", "TENANT_ID"):
        monkeypatch.delenv(key, raising=False)
    c = server.config
    env = tmp_path / "notebook.env"
    env.write_text(f"CRM_URL={c.crm_url}\nCRM_TENANT_ID={c.tenant_id}\nCRM_CLIENT_ID={PUBLIC_CLIENT_ID}\n"
                   f"CRM_USERNAME={c.users[0].upn}\nCRM_PASSWORD={DEFAULT_PASSWORD}\nCRM_AUTHORITY={c.login_url}\n"
                   "HARNESS_TOKEN_CACHE=off\n")
    with harness.connect("crm", env) as crm:
        assert isinstance(crm, harness.ODataClient)
        assert crm.whoami()["UserId"]
        page = crm.query("accounts", harness.Query(select=["name"], top=2))
        assert len(page.value) == 2
    with pytest.raises(HarnessError, match="no settings for target 'fno'"):
        harness.connect("fno", env)


def test_importing_harness_stays_cheap():
    code = "import sys, harness; print(sorted(m for m in ('requests', 'harness.odata', 'harness.auth') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert set(harness.__all__) >= {"connect", "load_settings", "ODataClient", "Query", "HarnessError"}
