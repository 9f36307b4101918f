"""The run summary's bookkeeping: outcomes per test, rows per group, JSON and table."""

from __future__ import annotations

import json

from harness.reporting.grouping import Group, collection_name, group_of_nodeid
from harness.reporting.summary import MESSAGE_LIMIT, RunSummary, phase_outcome

CRM, FNO, BC = Group("root", "crm"), Group("root", "fno"), Group("root", "bc")
OTHER = Group("root", "other")
QUERIES = Group("collection", "Dataverse queries")


def run(summary: RunSummary, nodeid: str, group: Group, *phases: tuple[str, str, float, int], message=None):
    for when, outcome, duration, requests in phases:
        summary.record(nodeid, group, when, outcome, duration, requests, message if outcome == "failed" else None)


def test_phase_outcomes():
    assert phase_outcome("setup", "passed") is None
    assert phase_outcome("call", "passed") == "passed"
    assert phase_outcome("call", "failed") == "failed"
    assert phase_outcome("setup", "failed") == "error"
    assert phase_outcome("teardown", "failed") == "error"
    assert phase_outcome("setup", "skipped") == "skipped"


def test_a_test_takes_the_worst_outcome_of_its_phases_and_sums_its_requests():
    summary = RunSummary()
    run(summary, "t::ok", CRM, ("setup", "passed", 0.5, 1), ("call", "passed", 0.25, 3), ("teardown", "passed", 0, 1))
    run(summary, "t::teardown_broke", CRM, ("setup", "passed", 0, 0), ("call", "passed", 0, 2),
        ("teardown", "failed", 0, 0), message="cleanup failed")
    run(summary, "t::both", FNO, ("setup", "passed", 0, 0), ("call", "failed", 0, 1), ("teardown", "failed", 0, 0),
        message="boom")
    run(summary, "t::setup_skip", BC, ("setup", "skipped", 0, 0), ("teardown", "passed", 0, 0))
    groups = {g.label: g for g in summary.groups()}
    crm = groups["root crm"]
    assert (crm.tests, crm.passed, crm.errors, crm.failed, crm.requests) == (2, 1, 1, 0, 7)
    assert crm.duration == 0.75
    fno = groups["root fno"]
    assert (fno.tests, fno.failed, fno.errors) == (1, 1, 0)  # a failed call stays "failed"
    assert groups["root bc"].skipped == 1
    assert [(f.nodeid, f.phase) for f in summary.failures] == [
        ("t::teardown_broke", "teardown"), ("t::both", "call"), ("t::both", "teardown")]
    assert not summary.ok


def test_rows_are_roots_in_order_then_collections_and_add_up_to_the_total():
    summary = RunSummary()
    run(summary, "c.json::b", QUERIES, ("call", "passed", 0.1, 2))
    run(summary, "x::o", OTHER, ("call", "passed", 0.1, 0))
    run(summary, "a.json::a", Group("collection", "A first"), ("call", "passed", 0.1, 1))
    run(summary, "x::bc", BC, ("call", "passed", 0.1, 4))
    run(summary, "x::crm", CRM, ("call", "passed", 0.1, 8))
    labels = [g.label for g in summary.groups()]
    assert labels == ["root crm", "root bc", "root other", "collection A first", "collection Dataverse queries"]
    total = summary.totals()
    assert total.tests == sum(g.tests for g in summary.groups()) == 5
    assert total.requests == 15
    assert summary.ok


def test_json_document_has_meta_totals_groups_and_failures():
    summary = RunSummary()
    run(summary, "x::crm", CRM, ("call", "failed", 0.2, 3), message="AssertionError: " + "x" * 5000)
    summary.record_collection_error("collections/bad.postman_collection.json", QUERIES, "not valid JSON: line 3")
    document = json.loads(json.dumps(summary.to_dict(run_id="20261127-abcdef", exit_status=1)))
    assert list(document)[:2] == ["run_id", "exit_status"]
    assert document["totals"] == {"tests": 1, "passed": 0, "failed": 1, "errors": 0, "skipped": 0, "requests": 3,
                                  "duration": 0.2, "collection_errors": 1}
    assert document["groups"] == [{"kind": "root", "name": "crm", "tests": 1, "passed": 0, "failed": 1, "errors": 0,
                                   "skipped": 0, "requests": 3, "duration": 0.2}]
    first, second = document["failures"]
    assert first["nodeid"] == "x::crm" and first["group"] == "root crm" and first["phase"] == "call"
    assert len(first["message"]) == MESSAGE_LIMIT and first["message"].endswith("…")
    assert second == {"nodeid": "collections/bad.postman_collection.json", "group": "collection Dataverse queries",
                      "phase": "collect", "message": "not valid JSON: line 3"}


def test_table_shows_rows_total_and_numbered_failures():
    summary = RunSummary()
    run(summary, "x::crm", CRM, ("call", "passed", 1.5, 12))
    run(summary, "q.json::Get", QUERIES, ("call", "failed", 0.5, 1), message='pm.test "Status is 200" failed\nmore')
    lines = summary.table()
    assert lines[0].split() == ["group", "tests", "passed", "failed", "skipped", "requests", "time"]
    rows = {line.split("  ")[0].strip(): line.split() for line in lines[2:] if not line.startswith("-")}
    assert rows["root crm"][-6:] == ["1", "1", "0", "0", "12", "1.50s"]
    assert rows["collection Dataverse queries"][-6:] == ["1", "0", "1", "0", "1", "0.50s"]
    assert rows["total"][-6:] == ["2", "1", "1", "0", "13", "2.00s"]
    assert lines[-1] == '  1. q.json::Get: pm.test "Status is 200" failed'


def test_collection_names_and_groups_from_node_ids():
    assert collection_name("collections/dataverse.postman_collection.json") == "dataverse"
    assert collection_name("x/other.json") == "other"
    assert group_of_nodeid("collections/fno.postman_collection.json::Folder::Req") == Group("collection", "fno")
    assert group_of_nodeid("tests/suites/test_x.py::test_y") == OTHER
