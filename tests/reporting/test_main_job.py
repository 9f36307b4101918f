"""``harness test``, the README's main job, run as a user runs it: a subprocess on a fresh folder.

Covers: every suite and every shipped collection against the simulator, the summary, the three
report files (valid JUnit XML, an HTML report that parses, summary.json), fresh cassettes in a
temporary folder (the committed ``cassettes/`` untouched), two workers, Newman-like exit codes,
and canary secrets that must not reach any report.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import lxml.html
import pytest

from harness.cli import main as harness_main
from harness.recording.naming import cassette_name

REPO = Path(__file__).resolve().parents[2]
COLLECTIONS = sorted((REPO / "collections").glob("*.postman_collection.json"))
CASSETTE_LINE = re.compile(r"^cassettes \((\w+)\): (\d+) file\(s\) in (?:temporary folder )?(\S+)$", re.M)


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without harness settings or CI markers; temp files under tmp_path."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HARNESS_", "CRM_", "FNO_", "BC_", "PYTEST_")) and k != "CI"}
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env.update(TMPDIR=str(tmp_path / "tmp"), PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def harness_test(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli", "test", *args], cwd=tmp_path, text=True,
                          capture_output=True, env=env or clean_env(tmp_path), timeout=600)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()} if folder.is_dir() else {}


def junit_cases(path: Path) -> list[ET.Element]:
    return list(ET.parse(path).getroot().iter("testcase"))


def html_tests(path: Path) -> dict:
    root = lxml.html.parse(str(path)).getroot()
    assert root.findtext(".//title", "").startswith("Dynamics harness run ")
    assert root.get_element_by_id("harness-summary") is not None
    return json.loads(root.get_element_by_id("data-container").get("data-jsonblob"))


def suite_cassettes_match(cassette_dir: Path, cases: list[ET.Element]) -> None:
    """Exactly one cassette per suite test id, in the folder of its module."""
    expected: dict[str, set[str]] = {}
    for case in cases:
        classname = case.get("classname")
        if classname.startswith("tests.suites."):
            module = classname.split(".")[2]
            expected.setdefault(module, set()).add(cassette_name(None, case.get("name")) + ".json")
    found: dict[str, set[str]] = {}
    for path in (cassette_dir / "suites").rglob("*"):
        if path.is_file():
            found.setdefault(path.parent.name, set()).add(path.name)
    assert found == expected


def test_main_job_runs_every_suite_and_collection_with_reports(tmp_path):
    committed = snapshot(REPO / "cassettes")
    result = harness_test(tmp_path, "--reports", "out")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout

    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    totals = summary["totals"]
    assert totals["failed"] == totals["errors"] == totals["collection_errors"] == 0
    assert summary["exit_status"] == 0 and summary["target"] == "sim"
    groups = {(g["kind"], g["name"]): g for g in summary["groups"]}
    for root in ("crm", "fno", "bc"):
        assert groups[("root", root)]["tests"] > 0 and groups[("root", root)]["requests"] > 0
    for path in COLLECTIONS:
        name = json.loads(path.read_text())["info"]["name"]
        assert groups[("collection", name)]["tests"] > 0
        assert re.search(rf"^collection {re.escape(name)}\s+\d+", out, re.M)
    assert re.search(rf"^total\s+{totals['tests']}\s+{totals['passed']}\s+0\s+{totals['skipped']}\s+"
                     rf"{totals['requests']}\s", out, re.M)
    assert "= harness summary =" in out and "[100%]" in out  # progress, then the summary

    cases = junit_cases(tmp_path / "out" / "junit.xml")
    assert len(cases) == totals["tests"]
    collection_cases = [c for c in cases if c.get("classname").startswith("collections.")]
    assert len(collection_cases) == sum(g["tests"] for (kind, _), g in groups.items() if kind == "collection")
    assert {c.get("classname").split(".")[1] for c in collection_cases} == \
        {p.name.split(".")[0] for p in COLLECTIONS}
    tests = html_tests(tmp_path / "out" / "report.html")["tests"]
    assert len(tests) == totals["tests"]
    assert all(entry["result"] == "Passed" for runs in tests.values() for entry in runs)

    mode, count, folder = CASSETTE_LINE.search(out).groups()
    cassette_dir = Path(folder)
    assert mode == "all" and cassette_dir.is_relative_to(tmp_path / "tmp")
    assert int(count) == sum(1 for p in cassette_dir.rglob("*.json"))
    suite_cassettes_match(cassette_dir, cases)
    assert snapshot(REPO / "cassettes") == committed


def test_two_workers_record_each_test_once(tmp_path):
    collection = REPO / "collections" / "dataverse-query.postman_collection.json"
    result = harness_test(tmp_path, "-n", "2", "--roots", "fno,bc", "--collections", str(collection),
                          "--cassette-dir", "cass", "--reports", "out")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "2 workers" in result.stdout and "--dist loadfile" in result.stdout
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["workers"] == 2 and summary["totals"]["failed"] == 0
    kinds = {(g["kind"], g["name"]) for g in summary["groups"]}
    assert kinds == {("root", "fno"), ("root", "bc"), ("collection", "Dataverse queries and paging")}
    cases = junit_cases(tmp_path / "out" / "junit.xml")
    assert len(cases) == summary["totals"]["tests"]
    suite_cassettes_match(tmp_path / "cass", cases)
    mode, _, _ = CASSETTE_LINE.search(result.stdout).groups()
    assert mode == "once"  # an explicit --cassette-dir records only what is missing


# ---------------------------------------------------------------------------- exit codes
@pytest.mark.parametrize(("args", "message"), [
    (["--roots", "crm,xyz"], "error: --roots: unknown root(s) xyz; choose from crm, fno, bc"),
    (["--collections", "/nonexistent/x.postman_collection.json"],
     "error: --collections /nonexistent/x.postman_collection.json: no such file or directory"),
    (["--no-suites", "--no-collections"], "error: --no-suites with --no-collections leaves nothing to run"),
    (["--env-file", "/nonexistent/.env"], "error: --env-file /nonexistent/.env: no such file"),
    (["tests/suites"], "error: unknown argument 'tests/suites'; put pytest arguments after `--`"),
])
def test_usage_errors_exit_2_with_one_line(args, message, capsys):
    assert harness_main(["test", *args]) == 2
    assert capsys.readouterr().err.strip() == message


def test_live_target_without_any_service_is_a_usage_error(tmp_path, monkeypatch, capsys):
    for key in [k for k in os.environ if k.startswith(("HARNESS_", "CRM_", "FNO_", "BC_"))]:
        monkeypatch.delenv(key)
    (tmp_path / "empty.env").write_text("# nothing configured\n")
    assert harness_main(["test", "--target", "live", "--env-file", str(tmp_path / "empty.env")]) == 2
    assert capsys.readouterr().err.startswith("error: --target live: no service is configured; set CRM_URL")
    (tmp_path / "bad.env").write_text("CRM_URL=notaurl\n")
    assert harness_main(["test", "--target", "live", "--env-file", str(tmp_path / "bad.env")]) == 2
    assert "CRM_URL (" + str(tmp_path / "bad.env") + " line 1): expected an http(s) URL" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "text"), [
    (["-n", "many"], "expected a number of workers or 'auto', got 'many'"),
    (["-x"], "unrecognized arguments: -x"),
    (["--record-mode", "sometimes"], "argument --record-mode: invalid choice: 'sometimes'"),
])
def test_bad_options_are_usage_errors(args, text, capsys):
    with pytest.raises(SystemExit) as info:
        harness_main(["test", *args])
    assert info.value.code == 2
    assert text in capsys.readouterr().err


@pytest.mark.parametrize(("args", "code", "text"), [
    (["--", "--no-such-pytest-option"], 2, "unrecognized arguments: --no-such-pytest-option"),
    (["--no-collections", "-k", "no_test_is_called_like_this"], 2, "deselected"),
])
def test_pytest_usage_errors_and_empty_selections_exit_2(tmp_path, args, code, text):
    result = harness_test(tmp_path, "--reports", "out", *args)
    assert result.returncode == code, result.stdout[-2000:] + result.stderr[-2000:]
    assert text in result.stdout + result.stderr
    assert "harness test: exit 2 (usage error)" in result.stderr


# ---------------------------------------------------------------------------- secrets
CANARY_PASSWORD = "Canary-Passw0rd-e1b7c9"
CANARY_SECRET = "canary-client-secret-0d5f3a"
CANARY_CI_TOKEN = "canary-ci-token-77b1e0"
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.")

LEAKY_TEST = '''
import logging

import pytest


@pytest.mark.crm
def test_leaks_credentials(harness_targets, token_broker):
    crm, fno = harness_targets["crm"], harness_targets["fno"]
    token = token_broker.token(crm).value.reveal()
    password, secret = crm.password.reveal(), fno.client_secret.reveal()
    logging.getLogger("harness.auth.providers").warning("password=%s secret=%s", password, secret)
    logging.getLogger("thirdparty.client").error("sent %s with %s", token, secret)
    print("Authorization: Bearer " + token, password, secret)
    assert token == password, "leaked " + secret + " " + password + " " + token
'''


@pytest.fixture
def canary_sim():
    from simulator.config import CONFIDENTIAL_CLIENT_ID, PUBLIC_CLIENT_ID, SimClient, SimConfig, SimUser
    from simulator.server import SimulatorServer

    config = SimConfig(users=[SimUser("admin@contoso.onmicrosoft.com", password=CANARY_PASSWORD)],
                       clients=[SimClient(PUBLIC_CLIENT_ID, public=True),
                                SimClient(CONFIDENTIAL_CLIENT_ID, secret=CANARY_SECRET, public=True)])
    with SimulatorServer(config) as server:
        yield server


def test_canary_secrets_never_reach_a_report(tmp_path, canary_sim):
    from simulator.config import CONFIDENTIAL_CLIENT_ID, PUBLIC_CLIENT_ID

    c = canary_sim.config
    (tmp_path / ".env").write_text("\n".join([
        "HARNESS_TOKEN_CACHE=off", f"TENANT_ID={c.tenant_id}", f"AUTHORITY={c.login_url}",
        f"CRM_URL={c.crm_url}", f"CRM_CLIENT_ID={PUBLIC_CLIENT_ID}", "CRM_USERNAME=admin@contoso.onmicrosoft.com",
        f"CRM_PASSWORD={CANARY_PASSWORD}", f"FNO_URL={c.fno_url}", f"FNO_CLIENT_ID={CONFIDENTIAL_CLIENT_ID}"]) + "\n")
    (tmp_path / "test_leaky.py").write_text(LEAKY_TEST)
    env = clean_env(tmp_path, FNO_CLIENT_SECRET=CANARY_SECRET,  # a secret from the environment, not .env
                    GIT_URL=f"https://ci:{CANARY_CI_TOKEN}@git.example.com/repo.git")  # pytest-metadata reads it
    result = harness_test(tmp_path, "--target", "live", "--env-file", ".env", "--no-collections",
                          "--reports", "out", "--cassette-dir", "cass",
                          "-k", "leaks or test_create_returns_204 or test_retrieve_selects or test_create_returns_201",
                          "--", str(tmp_path / "test_leaky.py"), "-rA", "-o", "junit_logging=all", env=env)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]

    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["target"] == "live" and summary["totals"]["passed"] >= 3
    (failure,) = summary["failures"]
    assert failure["nodeid"].endswith("test_leaks_credentials") and failure["message"].startswith("AssertionError: leaked ***")
    (case,) = [c for c in junit_cases(tmp_path / "out" / "junit.xml") if c.get("name") == "test_leaks_credentials"]
    assert "password=*** secret=***" in ET.tostring(case, encoding="unicode")
    html_tests(tmp_path / "out" / "report.html")

    leaks = []
    for path in [*(tmp_path / "out").iterdir(), *(p for p in (tmp_path / "cass").rglob("*") if p.is_file())]:
        text = path.read_text(encoding="utf-8")
        leaks += [(path.name, canary) for canary in (CANARY_PASSWORD, CANARY_SECRET, CANARY_CI_TOKEN) if canary in text]
        leaks += [(path.name, "a JWT") for _ in JWT.finditer(text)]
    console = result.stdout + result.stderr
    leaks += [("console", canary) for canary in (CANARY_PASSWORD, CANARY_SECRET, CANARY_CI_TOKEN) if canary in console]
    assert leaks == []
