"""The simulator as a standalone server and with file storage."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import requests

from simulator.config import SimConfig
from simulator.server import SimulatorServer
from tests.tokens import ropc_token


def test_python_m_simulator_serves_every_host(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "simulator", "--port", "0", "--seed", "3"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = [process.stdout.readline() for _ in range(6)]
        urls = dict(re.findall(r"^\s+([A-Za-z /&()]+?):\s+(http://\S+)", "".join(banner), re.M))
        assert set(urls) == {"login (Entra ID)", "Dataverse / CRM", "Finance & Operations", "Business Central"}
        login = urls["login (Entra ID)"]
        tenant = re.search(r"tenant ([0-9a-f-]+)", banner[0]).group(1)
        for _ in range(100):
            try:
                keys = requests.get(f"{login}/{tenant}/discovery/keys", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        assert keys.status_code == 200
        anonymous = requests.get(urls["Dataverse / CRM"] + "/WhoAmI", timeout=5)
        assert anonymous.status_code == 401 and "resource_id=" in anonymous.headers["WWW-Authenticate"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_standalone_reports_a_busy_port_without_traceback():
    with SimulatorServer() as running:
        busy = running.ports["login"]
        result = subprocess.run([sys.executable, "-m", "simulator", "--port", str(busy)], capture_output=True,
                                text=True, timeout=30)
    assert result.returncode == 2
    assert "cannot listen" in result.stderr and "Traceback" not in result.stderr


def test_file_database_keeps_rows_across_restarts(tmp_path):
    url = f"sqlite:///{tmp_path / 'sim.db'}"
    with SimulatorServer(SimConfig(database_url=url)) as first:
        token = ropc_token(first, first.config.crm_url)
        root = f"{first.config.crm_url}/api/data/v9.2"
        headers = {"Authorization": f"Bearer {token}"}
        created = requests.post(f"{root}/accounts", json={"name": "Persisted"}, headers=headers, timeout=10)
        entity_path = created.headers["OData-EntityId"].split("/api/data/v9.2/")[1]
        count = int(requests.get(f"{root}/accounts/$count", headers=headers, timeout=10).text)
    with SimulatorServer(SimConfig(database_url=url)) as second:
        token = ropc_token(second, second.config.crm_url)
        root = f"{second.config.crm_url}/api/data/v9.2"
        headers = {"Authorization": f"Bearer {token}"}
        assert requests.get(f"{root}/{entity_path}", headers=headers, timeout=10).json()["name"] == "Persisted"
        assert int(requests.get(f"{root}/accounts/$count", headers=headers, timeout=10).text) == count
