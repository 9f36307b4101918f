"""The pytest plugin end to end, in separate pytest processes: record, replay, explain, stay offline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.recording.helpers import REPO

# Plugins the inner runs do not need are off: every pytest process pays for importing them.
INI = """
[pytest]
addopts = -p no:cacheprovider -p no:schemathesis -p no:hypothesispytest -p no:anyio
"""

SMALL_SUITE = '''
import pytest

pytestmark = pytest.mark.vcr


def test_create_and_read(crm, values):
    name = values.name("Plugin")
    key = crm.create("accounts", {"name": name, "revenue": VALUE}).created.key
    assert crm.retrieve("accounts", key, select=["name"]).json()["name"] == name


@pytest.mark.parametrize("word", ["Alpha one", "x/y: 'z'"])
def test_parametrized(crm, values, word):
    name = values.name(word).replace("'", "''")
    assert crm.get("accounts", {"$filter": f"name eq '{name}'"}).json()["value"] == []
'''

# A stopped simulator: its URLs are known but nothing listens there any more.
STOPPED_SIM = '''
import pytest
from simulator.server import SimulatorServer


@pytest.fixture(scope="session")
def sim():
    server = SimulatorServer().start()
    server.stop()
    yield server
'''


def write_suite(path: Path, value: int = 5) -> None:
    (path / "tests" / "api").mkdir(parents=True, exist_ok=True)
    (path / "tests" / "api" / "test_small.py").write_text(SMALL_SUITE.replace("VALUE", str(value)))


def run(pytester: pytest.Pytester, *args: str):
    """A pytest run in a separate process (in-process runs would re-import SQLAlchemy and break it)."""
    return pytester.runpytest_subprocess("tests", *args)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    """A small project recorded once (record mode ``once``) from the embedded simulator."""
    return tmp_path_factory.mktemp("recorded")


@pytest.fixture
def project(pytester: pytest.Pytester, recorded: Path) -> pytest.Pytester:
    pytester.makeini(INI)
    if not (recorded / "cassettes").exists():
        write_suite(pytester.path)
        run(pytester, "--record-mode=once").assert_outcomes(passed=3)
        shutil.copytree(pytester.path / "cassettes", recorded / "cassettes")
    else:
        write_suite(pytester.path)
        shutil.copytree(recorded / "cassettes", pytester.path / "cassettes")
    return pytester


def test_recorded_cassettes_have_a_header_and_values_and_replay_offline(project: pytest.Pytester):
    folder = project.path / "cassettes" / "api" / "test_small"
    names = sorted(p.name for p in folder.iterdir())
    assert names[0] == "test_create_and_read.json" and len(names) == 3
    assert any(name.startswith("test_parametrized[Alpha-one]-") for name in names)
    doc = json.loads((folder / "test_create_and_read.json").read_text())
    header = doc["metadata"]["recording"]
    assert header["recorded_from"] == "embedded simulator" and header["target"] == "sim"
    assert header["test"] == "tests/api/test_small.py::test_create_and_read"
    assert header["harness_version"] and header["recorded_at"].endswith("Z") and header["record_mode"] == "once"
    drawn = doc["metadata"]["values"]["drawn"]
    assert [item["kind"] for item in drawn] == ["token"]
    created = doc["interactions"][1]["request"]
    assert created["body"]["json"]["name"].startswith(f"Plugin {drawn[0]['value']} zzh-")

    (project.path / "tests" / "conftest.py").write_text(STOPPED_SIM)
    result = run(project, "--record-mode=none", "--block-network")
    result.assert_outcomes(passed=3)
    assert any("cassettes:" in line and "record mode: none" in line for line in result.outlines)


NEW_TEST = '''

def test_not_recorded_yet(crm):
    crm.whoami()
'''


def test_a_changed_request_and_a_missing_cassette_fail_with_readable_explanations(project: pytest.Pytester):
    write_suite(project.path, value=7)  # the test now sends another revenue
    with (project.path / "tests" / "api" / "test_small.py").open("a") as stream:
        stream.write(NEW_TEST)
    result = run(project, "--record-mode=none", "--block-network", "-k", "create_and_read or not_recorded")
    result.assert_outcomes(failed=2, deselected=2)
    text = result.stdout.str()
    assert "This request has no recorded answer in the cassette of tests/api/test_small.py::test_create_and_read" in text
    assert "cassettes/api/test_small/test_create_and_read.json (4 interactions, 1 played so far)" in text
    assert "record mode: none: replay only" in text
    assert "closest recorded request: #2 (not played yet) POST http://127.0.0.1:" in text
    assert "odata_body: $.revenue: request 7 ≠ recorded 5" in text
    assert 'to record it again: pytest "tests/api/test_small.py::test_create_and_read" --record-mode=rewrite' in text
    assert "cassettes/api/test_small/test_not_recorded_yet.json (the file does not exist)" in text
    assert "nothing was recorded for this test yet" in text
    assert "Can't play back this request" not in text  # vcrpy's own message was replaced


def test_rewrite_records_fresh_values_into_another_cassette_dir(project: pytest.Pytester):
    first = json.loads((project.path / "cassettes/api/test_small/test_create_and_read.json").read_text())
    other = project.path / "fresh"
    run(project, "--record-mode=rewrite", "--cassette-dir", str(other)).assert_outcomes(passed=3)
    second = json.loads((other / "api/test_small/test_create_and_read.json").read_text())
    assert first["metadata"]["values"] != second["metadata"]["values"]
    assert second["metadata"]["recording"]["record_mode"] == "rewrite"


def test_committed_suite_cassettes_replay_with_the_simulator_stopped_and_no_network(pytester: pytest.Pytester):
    """CI's situation, made stricter: every committed suite cassette replays with nothing listening
    and every connection blocked (no --allowed-hosts), so no suite request can reach a simulator."""
    pytester.makeini(INI)
    shutil.copytree(REPO / "tests" / "suites", pytester.path / "tests" / "suites",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (pytester.path / "tests" / "__init__.py").write_text("")
    (pytester.path / "tests" / "conftest.py").write_text(STOPPED_SIM)
    shutil.copytree(REPO / "cassettes" / "suites", pytester.path / "cassettes" / "suites")
    result = pytester.runpytest_subprocess("tests/suites", "--record-mode=none", "--block-network", "-q")
    outcomes = result.parseoutcomes()
    suite_tests = len(list((REPO / "cassettes" / "suites").rglob("*.json")))
    assert outcomes.get("passed") == suite_tests and "failed" not in outcomes and "error" not in outcomes, \
        result.stdout.str()[-3000:]
