"""The shared setNextRequest flow and item renderer that `harness run` and the pytest plugin both use."""

from __future__ import annotations

from harness.postman.flow import next_position
from harness.postman.item_text import cli_lines, facts, failure_lines, plugin_lines
from harness.postman.model import RequestItem
from harness.postman.report import ImportReport
from harness.postman.results import ItemExecution, ReceivedResponse, SentRequest
from harness.postman.sandbox.engine import AssertionResult, ScriptError


def _items() -> list[RequestItem]:
    return [RequestItem(name="A", id="id-a"), RequestItem(name="B", id="id-b"), RequestItem(name="id-a", id="id-c")]


def _execution(item: RequestItem, **fields) -> ItemExecution:
    return ItemExecution(item=item, iteration=0, **fields)


def test_next_position_follows_order_ids_before_names_and_ends_on_null_or_unknown():
    items, report = _items(), ImportReport()
    assert next_position(items, _execution(items[0]), 0, report) == 1
    assert next_position(items, _execution(items[2]), 2, report) == 3  # past the end: the iteration is over
    jump = _execution(items[1], next_request_set=True, next_request="id-a")
    assert next_position(items, jump, 1, report) == 0  # the id wins over the item named "id-a"
    assert next_position(items, _execution(items[0], next_request_set=True, next_request="B"), 0, report) == 1
    assert next_position(items, _execution(items[1], next_request_set=True, next_request=None), 1, report) is None
    assert not report.entries
    assert next_position(items, _execution(items[1], next_request_set=True, next_request="Nope"), 1, report) is None
    assert [e.feature for e in report.entries] == ["setNextRequest:unknown"]


def test_both_texts_come_from_one_list_of_facts_in_the_order_things_happened():
    item = RequestItem(name="A", id="id-a")
    execution = _execution(
        item, request=SentRequest("GET", "http://h/x", []), response=ReceivedResponse(500, "Server Error", 7, 12),
        assertions=[AssertionResult("ok", True), AssertionResult("status", False, error_name="AssertionError",
                                                                 error_message="expected 500 to equal 200")],
        script_errors=[ScriptError("runtime", "test", "A", "TypeError", "x is undefined"),
                       ScriptError("runtime", "prerequest", "A", "ReferenceError", "y is not defined")],
        warnings=["w"], logs=[("log", "hello")])
    kinds = [f.kind for f in facts(execution)]
    assert kinds == ["prerequest-error", "request", "log", "assertion", "assertion", "test-error", "warning"]
    assert plugin_lines(execution) == [
        "  script error: prerequest script of A: ReferenceError: y is not defined",
        "GET http://h/x -> 500 Server Error (7 ms)",
        '  - passed   pm.test "ok"',
        '  - FAILED   pm.test "status": AssertionError: expected 500 to equal 200',
        "  script error: test script of A: TypeError: x is undefined",
        "  warning: w"]
    numbers = {(id(execution), "prerequest-script", None, "y is not defined"): 1,
               (id(execution), "assertion:1 in test-script", "status", "expected 500 to equal 200"): 2,
               (id(execution), "test-script", None, "x is undefined"): 3}
    assert cli_lines(execution, numbers) == [
        "  1⠄ ReferenceError in prerequest-script", "  GET http://h/x [500 Server Error, 12B, 7ms]",
        "  │ [log] hello", "  ✓  ok", "  2.  status", "  3⠄ TypeError in test-script", "  ⚠  w", ""]
    assert failure_lines(execution) == [
        "script error: prerequest script of A: ReferenceError: y is not defined",
        'pm.test "status" failed: AssertionError: expected 500 to equal 200',
        "script error: test script of A: TypeError: x is undefined"]
