"""Parity with Newman: the same collection, run by Newman and by the harness against the same simulator,
gives every assertion the same verdict (item × iteration × assertion → passed/failed/skipped).

Newman comes from ``node_modules/`` (``npm ci`` at the repository root; package.json pins it).
Without it these tests skip — except in CI (``CI`` set), where they fail.

Besides the three shipped collections, two collections under ``tests/postman/data/`` keep the
comparison honest: one full of failing assertions, script errors and a request error, one with
iterations, a data file (JSON and CSV, with more iterations than rows), ``setNextRequest`` jumps,
a loop, ``setNextRequest(null)`` and ``skipRequest``. Each case gets a fresh simulator, and the
collections clean up after themselves, so the second run sees what the first one saw.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.postman import CollectionRunner, load_collection, load_environment
from harness.postman.plugin import find_environment
from harness.postman.results import RunResult
from harness.postman.target_variables import SIMULATOR_VARIABLES, simulator_variables
from tests.postman.helpers import COLLECTIONS, REPO_ROOT

NEWMAN = REPO_ROOT / "node_modules" / ".bin" / "newman"
DATA = Path(__file__).with_name("data")
FAILURES = DATA / "parity-failures.postman_collection.json"
ITERATIONS = DATA / "parity-iterations.postman_collection.json"


def require_newman(path: Path = NEWMAN, environ: Mapping[str, str] = os.environ) -> Path:
    """Newman's binary; without it: fail in CI (``CI`` set), skip elsewhere — with the reason either way."""
    if path.exists():
        return path
    reason = f"Newman is not installed ({path} is missing): run `npm ci` in the repository root " \
             "(package.json pins newman)"
    if environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def newman() -> Path:
    return require_newman()


@pytest.fixture
def sim():
    """A fresh simulator per case: both runs see the same state, and no other test's."""
    from simulator.server import SimulatorServer

    with SimulatorServer() as server:
        yield server


# ---------------------------------------------------------------------------- the two runs
@dataclass(frozen=True)
class Case:
    collection: Path
    data: Path | None = None
    iterations: int | None = None

    @property
    def environment(self) -> Path | None:
        return find_environment(self.collection)[0]


def sim_env_vars(case: Case, sim) -> dict[str, str]:
    """The simulator variables the collection does not define itself (what the harness layer supplies)."""
    collection = load_collection(case.collection)
    defined = {v.key for v in collection.variables}
    if case.environment is not None:
        defined |= set(load_environment(case.environment).values)
    return {k: v for k, v in simulator_variables(sim).items() if k in SIMULATOR_VARIABLES and k not in defined}


def run_newman(newman: Path, case: Case, sim, tmp_path: Path) -> dict:
    report = tmp_path / f"newman-{case.collection.stem}.json"
    command = [str(newman), "run", str(case.collection), "--reporters", "json", "--reporter-json-export",
               str(report)]
    if case.environment is not None:
        command += ["-e", str(case.environment)]
    if case.data is not None:
        command += ["-d", str(case.data)]
    if case.iterations is not None:
        command += ["-n", str(case.iterations)]
    for key, value in sim_env_vars(case, sim).items():
        command += ["--env-var", f"{key}={value}"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert report.is_file(), f"newman wrote no report (exit {completed.returncode}): {completed.stderr[-2000:]}"
    return json.loads(report.read_text(encoding="utf-8"))


def run_harness(case: Case, sim) -> RunResult:
    environment = load_environment(case.environment) if case.environment else None
    with CollectionRunner(load_collection(case.collection), environment=environment, iteration_data=case.data,
                          iterations=case.iterations, harness_variables=simulator_variables(sim)) as runner:
        return runner.run()


# ---------------------------------------------------------------------------- what is compared
def newman_executions(report: dict) -> list[dict]:
    """``run.executions`` once per item run: Newman pushes an execution again for each ``pm.sendRequest``
    (the same object, keyed by ``cursor.ref``), and none for a request skipped with ``skipRequest``."""
    seen: set[str] = set()
    unique = []
    for execution in report["run"]["executions"]:
        ref = execution["cursor"]["ref"]
        if ref not in seen:
            seen.add(ref)
            unique.append(execution)
    return unique


def newman_verdicts(report: dict) -> list[tuple[str, int, str, str]]:
    verdicts = []
    for execution in newman_executions(report):
        for assertion in execution.get("assertions", []):
            outcome = "skipped" if assertion.get("skipped") else ("failed" if assertion.get("error") else "passed")
            verdicts.append((execution["item"]["name"], execution["cursor"]["iteration"], assertion["assertion"],
                             outcome))
    return verdicts


def harness_verdicts(result: RunResult) -> list[tuple[str, int, str, str]]:
    return [(e.item.name, e.iteration, a.name, "skipped" if a.skipped else ("passed" if a.passed else "failed"))
            for e in result.executions for a in e.assertions]


def newman_script_errors(report: dict) -> list[tuple[str, int, str, str]]:
    return [(f["source"]["name"], f["cursor"]["iteration"], f["at"], f["error"]["name"])
            for f in report["run"]["failures"] if f["at"] in ("test-script", "prerequest-script")]


def harness_script_errors(result: RunResult) -> list[tuple[str, int, str, str]]:
    return [(e.item.name, e.iteration, f"{s.event}-script", s.name) for e in result.executions
            for s in e.script_errors]


def newman_flow(report: dict) -> list[tuple[str, int]]:
    """Which requests were sent, in order (setNextRequest jumps and loops included)."""
    return [(e["item"]["name"], e["cursor"]["iteration"]) for e in newman_executions(report)]


def harness_flow(result: RunResult) -> list[tuple[str, int]]:
    return [(e.item.name, e.iteration) for e in result.executions if not e.skipped]


def assert_parity(report: dict, result: RunResult) -> list[tuple[str, int, str, str]]:
    assert harness_flow(result) == newman_flow(report)
    ours, theirs = harness_verdicts(result), newman_verdicts(report)
    disagreements = [(o, t) for o, t in zip(ours, theirs, strict=False) if o != t]
    assert not disagreements and len(ours) == len(theirs), (disagreements, len(ours), len(theirs))
    assert harness_script_errors(result) == newman_script_errors(report)
    failed = Counter(v[3] for v in ours)
    stats = report["run"]["stats"]["assertions"]
    assert (sum(failed.values()), failed["failed"]) == (stats["total"], stats["failed"])
    return ours


SHIPPED = sorted(COLLECTIONS.glob("*.postman_collection.json"))


# ---------------------------------------------------------------------------- the cases
@pytest.mark.parametrize("path", SHIPPED, ids=[p.name.split(".")[0] for p in SHIPPED])
def test_shipped_collections_agree_with_newman(newman, sim, tmp_path, path):
    case = Case(path)
    result = run_harness(case, sim)  # first the harness, then Newman on the same simulator
    report = run_newman(newman, case, sim, tmp_path)
    verdicts = assert_parity(report, result)
    assert verdicts and all(v[3] == "passed" for v in verdicts)


@pytest.fixture(scope="module")
def failure_runs(newman, tmp_path_factory) -> tuple[dict, RunResult]:
    """The failing collection run once by each (Newman first this time), for the two tests below."""
    from simulator.server import SimulatorServer

    case = Case(FAILURES)
    with SimulatorServer() as server:
        report = run_newman(newman, case, server, tmp_path_factory.mktemp("newman"))
        return report, run_harness(case, server)


def test_failures_and_script_errors_agree_with_newman(failure_runs):
    report, result = failure_runs
    verdicts = assert_parity(report, result)
    outcomes = Counter(v[3] for v in verdicts)
    assert outcomes["failed"] >= 10 and outcomes["passed"] >= 10 and outcomes["skipped"] == 1, outcomes
    errors = harness_script_errors(result)
    assert {(e[2], e[3]) for e in errors} == {("test-script", "ReferenceError"), ("prerequest-script", "Error"),
                                               ("test-script", "SyntaxError")}
    assert [e.item.name for e in result.executions if e.request_error] == ["Connection refused"]
    assert [f["source"]["name"] for f in report["run"]["failures"] if f["at"] == "request"] == ["Connection refused"]


def _first_line(name: str, message: str) -> str:
    """Newman's JSONError messages end in a code frame (``...at 1:1\\n\\n^``); the sandbox gives the first line."""
    return message.split("\n", 1)[0] if name == "JSONError" else message


def test_failure_messages_match_newman(failure_runs):
    """Beyond the verdicts: every failed assertion has Newman's error name and message — chai's
    messages for ``pm.expect``/``pm.response.to``, legacy ``tests[...]`` ("expected false to be
    truthy"), whatever a ``pm.test`` throws (a string: the test's name), and ``pm.response`` after a
    refused connection (an empty response: "expected PostmanResponse{ …(5) } to have property 'code'")."""
    report, result = failure_runs
    theirs = {(e["item"]["name"], a["assertion"]): (a["error"]["name"], _first_line(a["error"]["name"],
                                                                                    a["error"]["message"]))
              for e in newman_executions(report) for a in e.get("assertions", []) if a.get("error")}
    ours = {(e.item.name, a.name): (a.error_name, a.error_message) for e in result.executions
            for a in e.failed_assertions}
    assert set(ours) == set(theirs)
    mismatched = {key: (message, theirs.get(key)) for key, message in ours.items() if theirs.get(key) != message}
    assert not mismatched
    assert ours[("WhoAmI with wrong expectations", "legacy failing check")] == (
        "AssertionError", "expected false to be truthy")
    assert ours[("Errors inside pm.test", "a thrown string fails the test")] == (
        "AssertionError", "a thrown string fails the test")
    assert ours[("Connection refused", "status 200")] == (
        "AssertionError", "expected PostmanResponse{ \u2026(5) } to have property 'code'")
    assert sum(1 for item, _ in ours if item == "Connection refused") == 10


@pytest.mark.parametrize("data, iterations", [
    (DATA / "parity-iterations.data.json", None),
    (DATA / "parity-iterations.data.csv", 4),  # more iterations than rows: the last row is reused
], ids=["json-data", "csv-data-4-iterations"])
def test_iterations_data_and_set_next_request_agree_with_newman(newman, sim, tmp_path, data, iterations):
    case = Case(ITERATIONS, data=data, iterations=iterations)
    result = run_harness(case, sim)
    report = run_newman(newman, case, sim, tmp_path)
    verdicts = assert_parity(report, result)
    flow = harness_flow(result)
    expected_iterations = iterations or 3
    assert {iteration for _, iteration in flow} == set(range(expected_iterations))
    # iteration 2 (beta) jumps from Create straight to Delete; iteration 3 (gamma) stops after Delete
    assert [name for name, it in flow if it == 1] == ["Create account", "Delete account", "Read deleted account"]
    assert [name for name, it in flow if it == 2][-1] == "Delete account"
    assert [name for name, it in flow if it == 0].count("Poll") == 3
    # skipRequest: later iterations run the token item's pre-request script but send nothing
    assert [(e.item.name, e.iteration) for e in result.executions if e.skipped] == [
        ("Get token", it) for it in range(1, expected_iterations)]
    failed = [v for v in verdicts if v[3] == "failed"]
    assert {(v[0], v[2]) for v in failed} == {("Read account", "name matches the data row's expectedName")}
    assert {v[1] for v in failed} == ({2, 3} if iterations == 4 else {2})


def test_missing_newman_fails_in_ci_and_skips_elsewhere(tmp_path):
    missing = tmp_path / "node_modules" / ".bin" / "newman"
    with pytest.raises(pytest.fail.Exception, match="npm ci"):
        require_newman(missing, {"CI": "true"})
    with pytest.raises(pytest.skip.Exception, match="Newman is not installed"):
        require_newman(missing, {})
    assert require_newman(Path(__file__), {"CI": "1"}) == Path(__file__)


SANDBOX = DATA / "parity-sandbox.postman_collection.json"


def test_pm_api_libraries_and_legacy_forms_agree_with_newman(newman, sim, tmp_path):
    """Every pm.* API, every library Postman's sandbox offers and the legacy globals, passing and failing."""
    case = Case(SANDBOX)
    result = run_harness(case, sim)
    report = run_newman(newman, case, sim, tmp_path)
    verdicts = assert_parity(report, result)
    outcomes = Counter(v[3] for v in verdicts)
    assert outcomes["passed"] >= 30 and outcomes["failed"] >= 8 and outcomes["skipped"] == 1, outcomes
    messages = {(e.item.name, a.name): a.error_message for e in result.executions for a in e.assertions if not a.passed}
    theirs = {(e["item"]["name"], a["assertion"]): a["error"]["message"] for e in newman_executions(report)
              for a in e.get("assertions", []) if a.get("error")}
    assert messages == theirs  # chai's and chai-postman's messages, word for word
    assert harness_script_errors(result) == [("Redeclared legacy global", 0, "test-script", "SyntaxError")]
