"""The reporting plugin in real pytest runs: summary rows, request counts, xdist, masked reports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import lxml.html
import pytest

from tests.fakes import fake_jwt

INNER_TESTS = '''
import os

import pytest
import requests

BASE = os.environ["REPORTING_BASE"]


@pytest.mark.crm
def test_crm_three_requests():
    with requests.Session() as session:
        for _ in range(3):
            session.get(BASE + "/ok")


@pytest.mark.crm
def test_crm_redirect_then_fail():
    requests.get(BASE + "/redirect")
    assert 1 == 2, "crm went wrong"


@pytest.mark.fno
def test_fno_skipped():
    pytest.skip("no F&O today")


@pytest.fixture
def broken():
    requests.get(BASE + "/ok")
    raise RuntimeError("fixture broke")


@pytest.mark.bc
def test_bc_setup_error(broken):
    pass


def test_unmarked():
    requests.get(BASE + "/ok")
'''

RUN_ID_WRITER = """
import os, pathlib, pytest

@pytest.fixture(autouse=True)
def write_run_id(run_id):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    pathlib.Path(f"run-id-{worker}").write_text(run_id)
"""

EXPECTED_GROUPS = {  # label -> (tests, passed, failed, errors, skipped, requests)
    "root crm": (2, 1, 1, 0, 0, 5),
    "root fno": (1, 0, 0, 0, 1, 0),
    "root bc": (1, 0, 0, 1, 0, 1),
    "root other": (1, 1, 0, 0, 0, 1),
}


def groups_of(document: dict) -> dict[str, tuple]:
    return {f"{g['kind']} {g['name']}": (g["tests"], g["passed"], g["failed"], g["errors"], g["skipped"],
                                         g["requests"]) for g in document["groups"]}


@pytest.fixture
def inner(pytester: pytest.Pytester, counting_server, monkeypatch) -> pytest.Pytester:
    monkeypatch.setenv("REPORTING_BASE", counting_server.url)
    pytester.makepyfile(test_inner=INNER_TESTS)
    pytester.makeconftest(RUN_ID_WRITER)
    return pytester


def test_summary_rows_requests_and_failures(inner, counting_server):
    result = inner.runpytest_subprocess("--harness-summary", "--summary-json", "out/summary.json")
    result.assert_outcomes(passed=2, failed=1, skipped=1, errors=1)
    document = json.loads((inner.path / "out" / "summary.json").read_text())
    assert groups_of(document) == EXPECTED_GROUPS
    assert document["totals"]["requests"] == counting_server.hits == 7
    assert document["exit_status"] == 1 and document["workers"] == 0
    messages = {(f["nodeid"].split("::")[-1], f["phase"]): f["message"] for f in document["failures"]}
    assert messages[("test_crm_redirect_then_fail", "call")].startswith("AssertionError: crm went wrong")
    assert messages[("test_bc_setup_error", "setup")] == "RuntimeError: fixture broke"
    result.stdout.fnmatch_lines(["*= harness summary =*", "group * tests * passed * failed * skipped * requests * time",
                                 "root crm * 2 * 1 * 1 * 0 * 5 *", "root bc * 1 * 0 * 1 * 0 * 1 *",
                                 "total * 5 * 2 * 2 * 1 * 7 *",
                                 "*test_crm_redirect_then_fail: AssertionError: crm went wrong",
                                 "*test_bc_setup_error [[]setup]: RuntimeError: fixture broke"])


def test_two_workers_give_the_same_summary(inner, counting_server):
    result = inner.runpytest_subprocess("-n", "2", "--summary-json", "summary.json")
    result.assert_outcomes(passed=2, failed=1, skipped=1, errors=1)
    document = json.loads((inner.path / "summary.json").read_text())
    assert groups_of(document) == EXPECTED_GROUPS
    assert document["totals"]["requests"] == counting_server.hits == 7
    assert document["workers"] == 2
    assert "harness summary" not in result.stdout.str()  # the table is opt-in
    # Both workers tag records with the controller's run id.
    ids = {p.name: p.read_text() for p in inner.path.glob("run-id-*")}
    assert set(ids) == {"run-id-gw0", "run-id-gw1"}
    assert len(set(ids.values())) == 1 and document["run_id"] in ids.values()


def test_collection_items_are_grouped_by_collection(pytester: pytest.Pytester, counting_server):
    collection = {
        "info": {"name": "Mini API", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": [
            {"name": "Get ok", "request": {"method": "GET", "url": counting_server.url + "/ok"},
             "event": [{"listen": "test", "script": {"exec": [
                 "pm.test('status 200', function () { pm.response.to.have.status(200); });"]}}]},
            {"name": "Folder", "item": [
                {"name": "Follow redirect", "request": {"method": "GET", "url": counting_server.url + "/redirect"},
                 "event": [{"listen": "test", "script": {"exec": [
                     "pm.test('status 201', function () { pm.response.to.have.status(201); });"]}}]}]},
        ],
    }
    (pytester.path / "mini.postman_collection.json").write_text(json.dumps(collection))
    result = pytester.runpytest_subprocess("--postman", "mini.postman_collection.json", "--harness-summary",
                                           "--summary-json", "summary.json")
    result.assert_outcomes(passed=1, failed=1)
    document = json.loads((pytester.path / "summary.json").read_text())
    assert groups_of(document) == {"collection Mini API": (2, 1, 1, 0, 0, 3)}
    assert document["totals"]["requests"] == counting_server.hits == 3
    (failure,) = document["failures"]
    assert failure["nodeid"].endswith("Folder::Follow redirect") and "status 201" in failure["message"]
    result.stdout.fnmatch_lines(["collection Mini API * 2 * 1 * 1 * 0 * 3 *"])


LEAKY_TESTS = '''
import logging

from harness.secrets import register_secret

SECRET = "canary-Plugin-Secret-4c1d9"
JWT = __JWT__


def test_leaks_everywhere(request):
    register_secret(SECRET)  # what the harness does with every password, client secret and token
    logging.getLogger("harness.auth.providers").warning("sent password=%s", SECRET)
    logging.getLogger("some.library").warning("token %s for %s", JWT, SECRET)
    print("Authorization: Bearer " + JWT, SECRET)
    request.node.user_properties.append(("detail", "secret is " + SECRET))
    assert SECRET == JWT, "the token was " + JWT
'''
CANARY_JWT = fake_jwt({'alg': 'RS256'}, {'upn': 'canary'}, b'signature-canary')
LEAKY_TESTS = LEAKY_TESTS.replace("__JWT__", repr(CANARY_JWT))
CANARIES = ("canary-Plugin-Secret-4c1d9", CANARY_JWT, "canary-ci-url-token-55aa")


def leaky_run(pytester: pytest.Pytester, monkeypatch, *extra: str) -> tuple[pytest.RunResult, str]:
    monkeypatch.setenv("GIT_URL", "https://ci:canary-ci-url-token-55aa@git.example.com/repo.git")  # pytest-metadata reads it
    pytester.makepyfile(test_leaky=LEAKY_TESTS)
    result = pytester.runpytest_subprocess("--junitxml", "out/junit.xml", "--html", "out/report.html",
                                           "--self-contained-html", "-rA", "-o", "junit_logging=all", *extra)
    text = "".join(p.read_text() for p in (pytester.path / "out").iterdir()) + result.stdout.str()
    return result, text


def test_reports_and_terminal_never_show_registered_secrets(pytester: pytest.Pytester, monkeypatch):
    result, text = leaky_run(pytester, monkeypatch)
    result.assert_outcomes(failed=1)
    for canary in CANARIES:
        assert canary not in text
    result.stdout.fnmatch_lines(["FAILED test_leaky.py::test_leaks_everywhere - AssertionError: the token was ***"])
    junit = ET.parse(pytester.path / "out" / "junit.xml").getroot()
    (case,) = junit.iter("testcase")
    assert case.find("failure").get("message").startswith("AssertionError: the token was ***")
    assert "secret is ***" in ET.tostring(case, encoding="unicode")
    assert "sent password=***" in case.find("system-err").text + (case.find("system-out").text or "")
    html = lxml.html.parse(str(pytester.path / "out" / "report.html")).getroot()
    data = json.loads(html.get_element_by_id("data-container").get("data-jsonblob"))
    assert "GIT_URL" not in data["environment"] and data["environment"]["Python"]
    (entry,) = data["tests"]["test_leaky.py::test_leaks_everywhere"]
    assert "token *** for ***" in entry["log"] and "Bearer ***" in entry["log"]


def test_without_the_plugin_the_same_run_leaks(pytester: pytest.Pytester, monkeypatch):
    """The control: the canaries do reach the reports when the reporting plugin is disabled."""
    result, text = leaky_run(pytester, monkeypatch, "-p", "no:harness.reporting.plugin")
    result.assert_outcomes(failed=1)
    assert all(canary in text for canary in CANARIES)
