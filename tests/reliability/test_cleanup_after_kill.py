"""A run killed mid-way leaves only records that ``harness cleanup`` finds and removes.

The scenario needs a server that outlives the killed run: ``python -m simulator`` in its own
process with a file database. A ``--target=live`` pytest run (a ``.env`` pointing at that server,
as at any real org) creates tagged records and is SIGKILLed before its teardown; then
``harness cleanup --target=live --run-id ...`` sweeps them. It also proves live mode works against
any server that speaks the protocol.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.auth import MemoryTokenCache, TokenBroker
from harness.cleanup import sweep_tagged
from harness.naming import run_tag
from harness.odata import Query, contains
from harness.settings import load_settings
from harness.targets import client_for
from simulator.config import DEFAULT_PASSWORD, PUBLIC_CLIENT_ID

pytestmark = [pytest.mark.sim_only, pytest.mark.writes]

REPO = Path(__file__).resolve().parents[2]
RUN_ID = "20261127-k1ll3d"
CREATES = 3

DOOMED_TEST = '''
import pathlib
import time


def test_creates_then_hangs(crm, values):
    for index in range({creates}):
        crm.create("accounts", {{"name": values.name(f"Doomed {{index}}")}})
        crm.create("contacts", {{"lastname": values.name(f"Doomed {{index}}")}})
    pathlib.Path({marker!r}).write_text("created")
    time.sleep(120)  # killed here, before teardown can delete anything
'''


def _wait_for(condition, what: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"{what}: the process exited early ({process.returncode}):\n{output}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def standalone_simulator(tmp_path):
    """``python -m simulator --port 0`` with a file database; yields its banner's URLs."""
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", "0", "--database", f"sqlite:///{tmp_path / 'sim.db'}"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    banner: list[str] = []
    try:
        while not any("Press Ctrl+C" in line for line in banner):
            line = process.stdout.readline()
            if not line:
                raise AssertionError("the simulator exited:\n" + "".join(banner))
            banner.append(line)
        text = "".join(banner)
        urls = dict(re.findall(r"^\s+(login|Dataverse)[^:]*:\s+(\S+)", text, re.M))
        yield {"tenant": re.search(r"tenant ([0-9a-f-]{36})", text).group(1),
               "login": urls["login"], "crm": urls["Dataverse"].split("/api/data/")[0]}
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            process.kill()


def test_records_of_a_killed_run_are_swept(standalone_simulator, tmp_path):
    sim = standalone_simulator
    env_file = tmp_path / "live.env"
    env_file.write_text(
        f"CRM_URL={sim['crm']}\nCRM_TENANT_ID={sim['tenant']}\nCRM_CLIENT_ID={PUBLIC_CLIENT_ID}\n"
        f"CRM_USERNAME=admin@contoso.onmicrosoft.com\nCRM_PASSWORD={DEFAULT_PASSWORD}\n"
        f"CRM_AUTHORITY={sim['login']}\nHARNESS_TOKEN_CACHE=off\n")
    marker = tmp_path / "created.marker"
    test_file = tmp_path / "test_doomed.py"
    test_file.write_text(DOOMED_TEST.format(creates=CREATES, marker=str(marker)))
    run = subprocess.Popen(
        [sys.executable, "-m", "pytest", str(test_file), "--target=live", f"--env-file={env_file}",
         f"--run-id={RUN_ID}", "--allow-writes", "-p", "no:cacheprovider", "-p", "no:randomly", "-q",
         f"--rootdir={tmp_path}"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        _wait_for(marker.exists, "the records to be created", run)
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=10)
    assert run.returncode == -signal.SIGKILL

    settings = load_settings(str(env_file))
    tag = run_tag(RUN_ID)
    with TokenBroker(MemoryTokenCache()) as broker:
        crm = client_for(settings.crm, broker)
        left = {"accounts": "name", "contacts": "lastname"}

        def leftovers() -> dict[str, int]:
            return {es: len(list(crm.iter_all(es, Query(filter=contains(field, tag)))))
                    for es, field in left.items()}

        assert leftovers() == {"accounts": CREATES, "contacts": CREATES}  # teardown never ran

        swept = subprocess.run(
            [sys.executable, "-m", "harness.cli", "cleanup", "--target=live", f"--env-file={env_file}",
             f"--run-id={RUN_ID}"], cwd=REPO, capture_output=True, text=True, timeout=60)
        assert swept.returncode == 0, swept.stderr
        assert f"{2 * CREATES} tagged record(s) removed" in swept.stdout
        assert DEFAULT_PASSWORD not in swept.stdout + swept.stderr
        assert leftovers() == {"accounts": 0, "contacts": 0}
        assert sweep_tagged(crm, "crm", tag) == []  # nothing left for a second sweep either
