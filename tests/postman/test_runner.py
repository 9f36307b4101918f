"""The Newman-like runner: order, shared scopes, setNextRequest, iterations, bail, errors, results."""

from __future__ import annotations

import json

import pytest

from harness.postman import CollectionError, CollectionRunner, load_collection
from tests.postman.helpers import TEST_TOKEN, collection, request_item, write_json

RECORD = "const log = JSON.parse(pm.collectionVariables.get('log') || '[]');\nlog.push({tag});\n" \
         "pm.collectionVariables.set('log', JSON.stringify(log));"


def record(tag: str) -> dict:
    return {"listen": tag.split()[-1], "script": {"exec": [RECORD.replace("{tag}", json.dumps(tag))]}}


def run(server, items, **kw):
    env = kw.pop("environment", {})
    data = collection(items, **{k: kw.pop(k) for k in ("event", "auth", "variable") if k in kw})
    runner = CollectionRunner(load_collection(data), environment={"base": server.url, **env}, **kw)
    with runner:
        return runner, runner.run()


def log_of(runner) -> list[str]:
    return json.loads(runner.collection_variables.get("log") or "[]")


def test_scripts_run_root_first_and_tests_after_the_request(server):
    folder = {"name": "F", "event": [record("folder prerequest"), record("folder test")],
              "item": [{**request_item("R", "{{base}}/status/200"),
                        "event": [record("request prerequest"), record("request test")]}]}
    runner, result = run(server, [folder], event=[record("collection prerequest"), record("collection test")])
    assert log_of(runner) == ["collection prerequest", "folder prerequest", "request prerequest",
                              "collection test", "folder test", "request test"]
    (execution,) = result.executions
    assert (execution.prerequest_scripts, execution.test_scripts) == (3, 3)


def test_disabled_events_are_skipped(server):
    item = request_item("R", "{{base}}/status/200")
    item["event"] = [{**record("request test"), "disabled": True}, record("kept test")]
    runner, _ = run(server, [item])
    assert log_of(runner) == ["kept test"]


def test_variables_are_shared_across_items_and_local_scope_is_per_item(server):
    items = [
        request_item("Token", "{{base}}/token", "POST", body={"mode": "urlencoded", "urlencoded": [
            {"key": "grant_type", "value": "password"}, {"key": "username", "value": "{{user}}"},
            {"key": "password", "value": "{{password}}"}]},
            tests="pm.environment.set('token', pm.response.json().access_token);\npm.variables.set('local', 1);"),
        request_item("Secure", "{{base}}/secure", auth={"type": "bearer", "bearer": [{"key": "token",
                                                                                       "value": "{{token}}"}]},
                     tests="pm.test('authorized', () => pm.response.to.have.status(200));\n"
                           "pm.test('local scope is fresh', () => pm.expect(pm.variables.get('local')).to.be.undefined);"),
    ]
    runner, result = run(server, items, environment={"user": "ada", "password": "s3cret!"})
    assert result.passed, result.summary_text()
    assert runner.environment.get("token") == TEST_TOKEN


def test_set_next_request_jumps_loops_and_stops(server):
    items = [
        request_item("Start", "{{base}}/status/200", tests=RECORD.replace("{tag}", "'Start'")
                     + "\npostman.setNextRequest('Loop');"),
        request_item("Skipped", "{{base}}/status/200", tests=RECORD.replace("{tag}", "'Skipped'")),
        request_item("Loop", "{{base}}/status/200", tests=RECORD.replace("{tag}", "'Loop'") + """
const n = Number(pm.collectionVariables.get('n') || 0) + 1;
pm.collectionVariables.set('n', n);
if (n < 3) { pm.execution.setNextRequest('Loop'); }"""),
        request_item("Stop", "{{base}}/status/200", tests=RECORD.replace("{tag}", "'Stop'")
                     + "\npostman.setNextRequest(null);"),
        request_item("Never", "{{base}}/status/200", tests=RECORD.replace("{tag}", "'Never'")),
    ]
    runner, result = run(server, items)
    assert log_of(runner) == ["Start", "Loop", "Loop", "Loop", "Stop"]
    assert [e.item.name for e in result.executions] == ["Start", "Loop", "Loop", "Loop", "Stop"]
    assert result.passed


def test_set_next_request_by_id_and_unknown_name(server):
    by_id = {**request_item("Target", "{{base}}/status/200", tests=RECORD.replace("{tag}", "'Target'")), "id": "abc"}
    items = [request_item("First", "{{base}}/status/200", tests="postman.setNextRequest('abc');"),
             request_item("Middle", "{{base}}/status/200"), by_id,
             request_item("Bad jump", "{{base}}/status/200", tests="postman.setNextRequest('No such request');"),
             request_item("After", "{{base}}/status/200")]
    runner, result = run(server, items)
    assert [e.item.name for e in result.executions] == ["First", "Target", "Bad jump"]
    (warning,) = runner.report.by_feature("setNextRequest:unknown")
    assert warning.item_path == "Bad jump" and "No such request" in warning.message


def test_iterations_follow_data_rows(server, tmp_path):
    tests = ("pm.test('row', () => pm.expect(pm.iterationData.get('name')).to.equal(pm.variables.get('name')));\n"
             "pm.test('path', () => pm.expect(pm.response.json().path).to.equal('/echo/' + data.name));\n"
             + RECORD.replace("{tag}", "pm.info.iteration + ':' + pm.info.iterationCount + ':' + pm.variables.get('name')"))
    data_file = write_json(tmp_path / "rows.json", [{"name": "alpha"}, {"name": "beta"}])
    runner, result = run(server, [request_item("Echo", "{{base}}/echo/{{name}}", tests=tests)],
                         iteration_data=str(data_file))
    assert result.passed and result.iterations == 2
    assert log_of(runner) == ["0:2:alpha", "1:2:beta"]
    assert [e.iteration for e in result.executions] == [0, 1]


def test_more_iterations_than_rows_reuse_the_last_row_and_csv(server, tmp_path):
    csv_path = tmp_path / "rows.csv"
    csv_path.write_text("name\nonly\n", encoding="utf-8")
    runner, result = run(server, [request_item("Echo", "{{base}}/echo/{{name}}",
                                               tests=RECORD.replace("{tag}", "pm.variables.get('name')"))],
                         iteration_data=str(csv_path), iterations=3)
    assert log_of(runner) == ["only", "only", "only"]
    with pytest.raises(Exception, match="at least 1"):
        CollectionRunner(load_collection(collection([])), iterations=0)


def test_bail_stops_at_the_first_failure(server):
    items = [request_item("Fails", "{{base}}/status/500", tests="pm.test('ok', () => pm.response.to.be.ok);"),
             request_item("Not reached", "{{base}}/status/200")]
    _, result = run(server, items, bail=True)
    assert [e.item.name for e in result.executions] == ["Fails"]
    assert result.stopped == "--bail: 'Fails' failed" and not result.passed
    _, without = run(server, items)
    assert len(without.executions) == 2


def test_folder_option_runs_one_folder_or_request(server):
    items = [request_item("Outside", "{{base}}/status/200"),
             {"name": "Only", "item": [request_item("In 1", "{{base}}/status/200"),
                                       request_item("In 2", "{{base}}/status/200")]}]
    _, result = run(server, items, folder="Only")
    assert [e.path for e in result.executions] == ["Only/In 1", "Only/In 2"]
    _, single = run(server, items, folder="Outside")
    assert [e.path for e in single.executions] == ["Outside"]
    with pytest.raises(CollectionError, match="no folder or request named 'Nope'"):
        run(server, items, folder="Nope")


def test_unresolved_variables_are_sent_literally_and_reported_or_fail_in_strict_mode(server):
    items = [request_item("Literal", "{{base}}/echo/{{undefinedThing}}",
                          tests="pm.test('sent as is', () => pm.expect(pm.response.json().path).to.equal('/echo/{{undefinedThing}}'));")]
    runner, result = run(server, items)
    (execution,) = result.executions
    assert execution.passed
    assert execution.warnings == ["unresolved variable {{undefinedThing}} in url (sent literally, as Newman does)"]
    assert runner.report.by_feature("variable:undefinedThing")
    _, strict = run(server, items, strict_variables=True)
    (failed,) = strict.executions
    assert failed.request is None and failed.assertions == []
    assert failed.request_error == "item 'Literal': unresolved variable(s) {{undefinedThing}} in url"


def test_request_errors_are_reported_and_test_scripts_still_run(server):
    items = [request_item("Down", "http://127.0.0.1:1/nothing", tests="pm.test('has response', () => pm.response.to.have.status(200));"),
             request_item("Slow", "{{base}}/slow?s=2")]
    _, result = run(server, items, timeout_request_ms=300)
    down, slow = result.executions
    assert down.request_error.startswith("could not connect")
    (assertion,) = down.assertions  # the test script ran, with an empty pm.response (as in Newman)
    assert assertion.error_name == "AssertionError"
    assert assertion.error_message == "expected PostmanResponse{ \u2026(5) } to have property 'code'"
    assert slow.request_error == "request timed out after 300 ms"
    assert result.stats()["requests"] == {"total": 2, "failed": 2}


def test_results_compare_with_newman_and_are_redacted(server):
    items = [request_item("Token", "{{base}}/token?client_secret={{secret}}", "POST",
                          body={"mode": "urlencoded", "urlencoded": [{"key": "grant_type", "value": "password"},
                                                                     {"key": "username", "value": "ada"},
                                                                     {"key": "password", "value": "{{password}}"}]},
                          header=[{"key": "X-Api-Key", "value": "{{secret}}"}],
                          tests="pm.test('status', () => pm.response.to.have.status(200));\n"
                                "pm.test('fails', () => pm.expect(pm.response.json().access_token).to.equal('x'));")]
    _, result = run(server, items, environment={"password": "s3cret!", "secret": "app-secret-value"})
    (execution,) = result.executions
    assert result.to_newman() == [{"item": "Token", "iteration": 0, "assertions": [
        {"name": "status", "passed": True, "skipped": False, "error": None},
        {"name": "fails", "passed": False, "skipped": False, "error": "AssertionError: expected '***' to equal 'x'"}]}]
    assert result.stats()["assertions"] == {"total": 2, "failed": 1}
    dumped = json.dumps([execution.request.url, execution.request.headers, execution.request.body,
                         execution.failures(), result.summary_text()])
    for secret in ("s3cret!", "app-secret-value", TEST_TOKEN):
        assert secret not in dumped
    assert ("X-Api-Key", "***") in execution.request.headers
    assert execution.response.status == 200 and execution.response.reason == "OK"


def test_env_var_overrides_and_globals(server):
    items = [request_item("R", "{{base}}/echo/{{path}}",
                          tests="pm.test('path', () => pm.expect(pm.response.json().path).to.equal('/echo/cli'));\n"
                                "pm.globals.set('seen', pm.globals.get('fromGlobals'));")]
    runner, result = run(server, items, environment={"path": "file"}, env_vars={"path": "cli"},
                         globals={"fromGlobals": "g"})
    assert result.passed
    assert runner.globals.get("seen") == "g"


def test_declared_secret_environment_values_are_masked_everywhere(server):
    environment = {"name": "E", "values": [{"key": "base", "value": server.url},
                                           {"key": "opaque", "value": "zq-declared-secret-81", "type": "secret"}]}
    item = request_item("R", "{{base}}/echo/{{opaque}}", tests="console.log('value', pm.environment.get('opaque'));\n"
                        "pm.test('echo', () => pm.expect(pm.response.json().path).to.equal('/echo/x'));")
    with CollectionRunner(load_collection(collection([item])), environment=environment) as runner:
        result = runner.run()
    (execution,) = result.executions
    text = json.dumps([execution.request.url, execution.logs, execution.failures(), result.summary_text()])
    assert "zq-declared-secret-81" not in text
    assert execution.logs == [("log", "value ***")]
    assert execution.request.url.endswith("/echo/***")
