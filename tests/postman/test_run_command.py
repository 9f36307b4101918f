"""``harness run``: Newman's options, summary, exit codes and reporters, and no secret in any output.

Most runs go through ``harness.cli.main`` in-process (each starts its own simulator, as the
command does); two go through a real subprocess to check what a CI job sees.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.cli import main
from harness.commands.run import target_variables
from harness.postman.reporters.record import pretty_bytes, pretty_ms
from harness.postman.target_variables import simulator_variables
from simulator.config import DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD
from tests.postman.helpers import COLLECTIONS, REPO_ROOT, collection, request_item, write_json

ROPC = COLLECTIONS / "dataverse-ropc-token.postman_collection.json"
DATA = Path(__file__).with_name("data")
FAILURES = DATA / "parity-failures.postman_collection.json"
ITERATIONS = DATA / "parity-iterations.postman_collection.json"
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.")
CANARY = "canary-secret-9f3b2c"


def harness_run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(["run", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


def row(out: str, label: str) -> tuple[int, int]:
    """``(executed, failed)`` of one row of the summary table."""
    match = re.search(rf"│\s+{label} │\s+(\d+) │\s+(\d+) │", out)
    assert match, f"no '{label}' row in:\n{out}"
    return int(match.group(1)), int(match.group(2))


def reporter_args(tmp_path: Path) -> tuple[list[str], dict[str, Path]]:
    paths = {"junit": tmp_path / "out" / "junit.xml", "json": tmp_path / "out" / "run.json",
             "html": tmp_path / "out" / "run.html"}
    args = ["-r", "cli,junit,json,html"]
    for name, path in paths.items():
        args += [f"--reporter-{name}-export", str(path)]
    return args, paths


def assert_no_secrets(*texts: str) -> None:
    for text in texts:
        assert not JWT.search(text)
        for secret in (DEFAULT_PASSWORD, DEFAULT_CLIENT_SECRET, CANARY):
            assert secret not in text


# ---------------------------------------------------------------------------- summary and exit codes
def test_a_passing_run_prints_newmans_summary_and_exits_0(capsys):
    status, out, err = harness_run(capsys, ROPC)
    assert status == 0, out + err
    assert "Dataverse ROPC token" in out and "target: embedded simulator" in out
    assert "↳ WhoAmI" in out and "✓  Status code is 200" in out and "❏ Dataverse Web API" in out
    assert row(out, "iterations") == (1, 0)
    assert row(out, "requests") == (9, 0)
    assert row(out, "test-scripts") == (9, 0)
    assert row(out, "prerequest-scripts") == (0, 0)
    assert row(out, "assertions") == (23, 0)
    assert re.search(r"│ total run duration: \d+(ms|\.\ds) +│", out)
    assert re.search(r"│ average response time: \d+ms \[min: \d+ms, max: \d+ms, s\.d\.: \d+ms\] +│", out)
    assert "failure" not in out
    assert_no_secrets(out, err)


def test_failures_are_listed_and_exit_1(capsys):
    status, out, err = harness_run(capsys, FAILURES)
    assert status == 1
    executed, failed = row(out, "assertions")
    assert executed == 40 and failed == 25
    assert row(out, "requests") == (10, 1)
    assert row(out, "test-scripts")[1] == 2 and row(out, "prerequest-scripts") == (1, 1)
    numbered = re.findall(r"^ (\d+)\. +(\w+) ", out, flags=re.MULTILINE)
    assert [int(n) for n, _ in numbered] == list(range(1, len(numbered) + 1))
    assert len(numbered) == 25 + 3 + 1  # failed assertions, script errors, the request error
    assert 'inside "Checks / WhoAmI with wrong expectations"' in out
    assert "at prerequest-script" in out and "at request" in out and "at assertion:1 in test-script" in out
    # script errors carry their number in the failure list, in the order things happened
    assert "  7⠄ ReferenceError in test-script" in out and "  8⠄ Error in prerequest-script" in out
    assert re.search(r"^ 8\.   Error +pre-request failed on purpose$", out, flags=re.MULTILINE)
    assert_no_secrets(out, err)


def run_subprocess(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli", "run", *map(str, args)], capture_output=True,
                          text=True, timeout=180, cwd=cwd or REPO_ROOT)


def test_subprocess_exit_codes_and_silenced_cli(tmp_path):
    report = tmp_path / "run.json"
    failing = run_subprocess(FAILURES, "-r", "json", "--reporter-json-export", report)
    assert failing.returncode == 1, failing.stderr
    assert failing.stdout == "" and "Traceback" not in failing.stderr  # -r json alone silences cli
    assert json.loads(report.read_text())["run"]["stats"]["assertions"]["failed"] == 25
    suppressed = run_subprocess(FAILURES, "-x", "--silent")
    assert suppressed.returncode == 0 and suppressed.stdout == ""
    broken = tmp_path / "broken.postman_collection.json"
    broken.write_text('{"info": {"name": "x"}, "item": [')
    usage = run_subprocess(broken)
    assert usage.returncode == 2 and usage.stdout == ""
    assert usage.stderr.count("\n") == 1 and usage.stderr.startswith(f"error: {broken}:1: invalid JSON")


@pytest.mark.parametrize("make_args, expected", [
    (lambda d: [d / "missing.postman_collection.json"], "missing.postman_collection.json: collection file not found"),
    (lambda d: [write_json(d / "v1.json", {"requests": [], "order": []})], "Postman Collection v1 file"),
    (lambda d: [ROPC, "-e", write_json(d / "env.json", {"name": "no values"})], "env.json: missing 'values'"),
    (lambda d: [ROPC, "-g", d / "nope.json"], "nope.json: globals file not found"),
    (lambda d: [ROPC, "-d", write_json(d / "data.json", {"not": "an array"})], "data.json: a JSON data file must"),
    (lambda d: [ROPC, "-d", d / "rows.csv"], "rows.csv: iteration data file not found"),
    (lambda d: [ROPC, "--folder", "No such folder"], "--folder 'No such folder': no folder or request"),
    (lambda d: [ROPC, "--env-var", "novalue"], "--env-var 'novalue': expected KEY=VALUE"),
    (lambda d: [ROPC, "-r", "cli,teamcity"], "unknown reporter(s) teamcity"),
], ids=["missing-collection", "v1-collection", "bad-environment", "missing-globals", "bad-data", "missing-data",
        "unknown-folder", "bad-env-var", "unknown-reporter"])
def test_usage_errors_are_one_line_and_exit_2(tmp_path, capsys, make_args, expected):
    status, out, err = harness_run(capsys, *make_args(tmp_path))
    assert status == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and expected in err, err


@pytest.mark.parametrize("args, message", [
    ([str(ROPC), "-n", "0"], "expected a positive integer"),
    ([str(ROPC), "--delay-request", "soon"], "expected milliseconds"),
    (["--bail", str(ROPC)], "write COLLECTION before --bail"),
])
def test_bad_option_values_are_argparse_usage_errors(capsys, args, message):
    with pytest.raises(SystemExit) as exited:
        main(["run", *args])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "usage: harness run" in err and message in err


# ---------------------------------------------------------------------------- reporters
def test_every_reporter_writes_its_file(tmp_path, capsys):
    args, paths = reporter_args(tmp_path)
    status, out, err = harness_run(capsys, FAILURES, *args)
    assert status == 1 and "↳ Syntax error" in out
    report = json.loads(paths["json"].read_text())
    run = report["run"]
    assert run["stats"]["assertions"] == {"total": 40, "pending": 0, "failed": 25}
    assert set(run["stats"]) == {"iterations", "items", "scripts", "prerequests", "requests", "tests", "assertions",
                                 "testScripts", "prerequestScripts"}
    assert len(run["executions"]) == 10 and report["collection"]["info"]["name"].startswith("Parity")
    whoami = next(e for e in run["executions"] if e["item"]["name"] == "WhoAmI with wrong expectations")
    assert [a.get("error", {}).get("name") for a in whoami["assertions"]] == [
        None, "AssertionError", "AssertionError", None, None, None, "AssertionError", None]
    assert whoami["assertions"][4] == {"assertion": "skipped on purpose", "skipped": True}
    assert {f["at"] for f in run["failures"]} >= {"request", "test-script", "prerequest-script",
                                                  "assertion:0 in test-script"}
    assert len(run["failures"]) == 29 and run["error"] is None

    suites = ET.parse(paths["junit"]).getroot()
    suite = suites.find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 10 and suite.get("tests") == "10"
    by_name = {case.get("name"): case for case in cases}
    wrong = by_name["Checks / WhoAmI with wrong expectations"]
    assert [f.get("type") for f in wrong.findall("failure")] == ["AssertionError"] * 3
    assert wrong.get("classname") == "Parity: failures and script errors.Checks"
    assert [e.get("type") for e in by_name["Script errors / Test script throws"].findall("error")] == ["ReferenceError"]
    refused = by_name["Script errors / Connection refused"]
    assert [e.get("type") for e in refused.findall("error")] == ["RequestError"] and refused.find("failure") is not None
    assert sum(len(c.findall("failure")) for c in cases) == 25
    assert by_name["Get token"].find("failure") is None and by_name["Get token"].find("error") is None
    assert (suite.get("failures"), suite.get("errors")) == ("4", "4")

    page = paths["html"].read_text()
    assert page.startswith("<!DOCTYPE html>") and "</html>" in page
    assert "<script" not in page and "<link" not in page and "src=" not in page  # self-contained
    assert "WhoAmI with wrong expectations" in page and "expected response to have header" in page
    assert_no_secrets(out, err, *(p.read_text() for p in paths.values()))


def test_reports_go_to_newmans_default_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, _ = harness_run(capsys, ROPC, "-r", "junit,json")
    assert status == 0 and out == ""
    written = sorted(p.suffix for p in (tmp_path / "newman").iterdir())
    assert written == [".json", ".xml"]


def test_an_export_path_without_its_reporter_is_ignored_with_a_warning(tmp_path, capsys):
    status, _, err = harness_run(capsys, ROPC, "--silent", "--reporter-junit-export", tmp_path / "j.xml")
    assert status == 0 and "--reporter-junit-export is ignored" in err and not (tmp_path / "j.xml").exists()


# ---------------------------------------------------------------------------- Newman's options
def executed_items(path: Path) -> list[str]:
    return [e["item"]["name"] for e in json.loads(path.read_text())["run"]["executions"]]


def test_folder_is_repeatable_and_keeps_collection_order(tmp_path, capsys):
    report = tmp_path / "run.json"
    status, out, _ = harness_run(capsys, FAILURES, "--folder", "Checks", "--folder", "Get token", "-r", "cli,json",
                                 "--reporter-json-export", report)
    assert executed_items(report) == ["Get token", "WhoAmI with wrong expectations", "Read a missing account",
                                      "Body of a 204", "Delete the upserted account"]
    assert status == 1 and row(out, "requests") == (5, 0)


def test_bail_stops_after_the_first_failing_request(tmp_path, capsys):
    report = tmp_path / "run.json"
    status, out, _ = harness_run(capsys, FAILURES, "--bail", "-r", "cli,json", "--reporter-json-export", report)
    assert status == 1
    assert executed_items(report) == ["Get token", "WhoAmI with wrong expectations"]
    assert "stopped: --bail" in out and "--bail" in json.loads(report.read_text())["run"]["error"]["message"]


def test_iteration_count_repeats_the_collection(tmp_path, capsys):
    args, paths = reporter_args(tmp_path)
    status, out, _ = harness_run(capsys, ROPC, "-n", "2", *args)
    assert status == 0, out
    assert row(out, "iterations") == (2, 0) and row(out, "requests") == (18, 0)
    assert "Iteration 2/2" in out
    names = [c.get("name") for c in ET.parse(paths["junit"]).getroot().iter("testcase")]
    assert len(names) == 18 and "Dataverse Web API / WhoAmI [iteration 2]" in names


@pytest.mark.parametrize("data, extra, iterations, failing", [
    ("parity-iterations.data.csv", [], 3, [3]),
    ("parity-iterations.data.json", ["-n", "4"], 4, [3, 4]),
])
def test_data_file_drives_the_iterations(tmp_path, capsys, data, extra, iterations, failing):
    report = tmp_path / "run.json"
    status, out, _ = harness_run(capsys, ITERATIONS, "-d", DATA / data, *extra, "-r", "cli,json",
                                 "--reporter-json-export", report)
    assert status == 1
    assert row(out, "iterations") == (iterations, 0)
    assert row(out, "assertions")[1] == len(failing)
    assert [f"iteration: {n}, inside \"Rows / Read account\"" in out for n in failing] == [True] * len(failing)
    failures = json.loads(report.read_text())["run"]["failures"]
    assert [(f["source"]["name"], f["cursor"]["iteration"] + 1) for f in failures] == [
        ("Read account", n) for n in failing]


# ---------------------------------------------------------------------------- secrets
def secrets_collection() -> dict:
    """Token, then a request that sends, logs, copies and fails on a secret-typed environment value."""
    token = request_item("Get token", "{{token_url}}", "POST", tests="""
pm.environment.set("token", pm.response.json().access_token);
pm.environment.set("sessionToken", pm.response.json().access_token);
pm.environment.set("copied", pm.environment.get("apiSecret"));
pm.environment.set("lastStatus", pm.response.code);
""", body={"mode": "urlencoded", "urlencoded": [
        {"key": "grant_type", "value": "password"}, {"key": "client_id", "value": "{{client_id}}"},
        {"key": "resource", "value": "{{crm_url}}"}, {"key": "username", "value": "{{username}}"},
        {"key": "password", "value": "{{password}}"}]}, auth={"type": "noauth"})
    whoami = request_item("WhoAmI", "{{crm_api}}/WhoAmI?probe={{apiSecret}}", tests="""
console.log("secret is", pm.environment.get("apiSecret"), "token is", pm.environment.get("token"));
pm.test("status 200", function () { pm.response.to.have.status(200); });
pm.test("the secret is something else (fails)", function () {
    pm.expect(pm.environment.get("apiSecret")).to.equal("something-else");
});
""", header=[{"key": "X-Api-Secret", "value": "{{apiSecret}}"}])
    return collection([token, whoami], name="Secrets",
                      auth={"type": "bearer", "bearer": [{"key": "token", "value": "{{token}}"}]})


def test_no_secret_reaches_any_output_report_or_export(tmp_path, capsys):
    path = write_json(tmp_path / "secrets.postman_collection.json", secrets_collection())
    env = write_json(tmp_path / "secrets.postman_environment.json", {
        "id": "1c1f7e8e-0000-4000-8000-000000000001", "name": "Secrets env", "values": [
            {"key": "token", "value": "", "type": "secret", "enabled": True},
            {"key": "apiSecret", "value": CANARY, "type": "secret", "enabled": True},
            {"key": "note", "value": "visible-note", "type": "default", "enabled": True},
            {"key": "ignored", "value": "off", "enabled": False}]})
    exported = tmp_path / "exported" / "final.postman_environment.json"
    args, paths = reporter_args(tmp_path)
    status, out, err = harness_run(capsys, path, "-e", env, "--env-var", "extra=plain-extra", *args,
                                   "--export-environment", exported)
    assert status == 1  # the deliberately failing pm.test
    assert "[log] secret is *** token is ***" in out
    assert "expected '***' to equal 'something-else'" in out
    final = json.loads(exported.read_text())
    assert final["name"] == "Secrets env" and final["id"] == "1c1f7e8e-0000-4000-8000-000000000001"
    assert final["_postman_variable_scope"] == "environment"
    values = {v["key"]: (v["value"], v["type"]) for v in final["values"]}
    assert values == {"token": ("***", "secret"), "apiSecret": ("***", "secret"), "note": ("visible-note", "default"),
                      "extra": ("plain-extra", "default"), "sessionToken": ("***", "default"),
                      "copied": ("***", "default"), "lastStatus": (200, "default")}
    json_env = json.loads(paths["json"].read_text())["environment"]["values"]
    assert {v["key"]: v["value"] for v in json_env}["apiSecret"] == "***"
    assert_no_secrets(out, err, exported.read_text(), *(p.read_text() for p in paths.values()))


# ---------------------------------------------------------------------------- target choice
def test_a_collection_without_simulator_variables_runs_without_a_target(tmp_path, capsys, server):
    path = write_json(tmp_path / "plain.postman_collection.json", collection([
        request_item("Echo", "{{base}}/echo/hello", tests="pm.test('200', () => pm.response.to.have.status(200));")]))
    status, out, _ = harness_run(capsys, path, "--env-var", f"base={server.url}")
    assert status == 0 and "(target: no target variables)" in out and row(out, "assertions") == (1, 0)


def test_target_variables_are_the_simulator_variables():
    from harness.targets import simulator_targets
    from simulator import config as simcfg
    from simulator.server import SimulatorServer

    with SimulatorServer() as sim:
        c = sim.config
        targets = simulator_targets(c.login_url, c.tenant_id, c.crm_url, c.fno_url, c.bc_url,
                                    simcfg.PUBLIC_CLIENT_ID, simcfg.CONFIDENTIAL_CLIENT_ID, c.users[0].upn,
                                    simcfg.DEFAULT_PASSWORD, simcfg.DEFAULT_CLIENT_SECRET)
        assert target_variables(targets) == simulator_variables(sim)


@pytest.mark.parametrize("ms, text", [(0, "0ms"), (999.4, "999ms"), (1500, "1.5s"), (61_500, "1m 1.5s")])
def test_durations_print_like_newman(ms, text):
    assert pretty_ms(ms) == text


@pytest.mark.parametrize("size, text", [(0, "0B"), (358, "358B"), (1610, "1.61kB"), (1500, "1.5kB"),
                                        (2_000_000, "2MB")])
def test_sizes_print_like_newman(size, text):
    assert pretty_bytes(size) == text
