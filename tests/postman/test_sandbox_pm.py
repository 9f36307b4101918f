"""The pm API, the legacy globals and the sandbox's limits, run in the embedded V8."""

from __future__ import annotations

import json
import re
import time

import pytest

from harness.postman import CollectionRunner, load_collection
from harness.postman.sandbox import ScriptEngine, ScriptInput
from tests.postman.helpers import TEST_TOKEN, collection, request_item

JSON_RESPONSE = {"code": 404, "status": "Not Found", "responseTime": 42, "responseSize": 27,
                 "header": [{"key": "Content-Type", "value": "application/json; charset=utf-8"},
                            {"key": "OData-Version", "value": "4.0"}, {"key": "Set-Cookie", "value": "a=1"},
                            {"key": "Set-Cookie", "value": "b=2"}],
                 "body": '{"error": {"code": "0x80040217", "list": [1, 2]}}'}
REQUEST = {"method": "GET", "url": {"raw": "https://org.example/api/data/v9.2/accounts?$top=1",
                                    "protocol": "https", "host": ["org", "example"],
                                    "path": ["api", "data", "v9.2", "accounts"],
                                    "query": [{"key": "$top", "value": "1"}]},
           "header": [{"key": "Accept", "value": "application/json"}], "body": None}


def scopes(**values):
    base = {name: {} for name in ("environment", "globals", "collectionVariables", "iterationData", "local",
                                  "harness", "dotenv")}
    base.update(values)
    return base


def run(engine, code, *, event="test", response=JSON_RESPONSE, request=REQUEST, send_request=None, **kw):
    script = ScriptInput(event=event, code=code, location="request 'R'", scopes=kw.pop("scopes", scopes()),
                         request=request, response=response if event == "test" else None,
                         info=kw.pop("info", {"eventName": event, "iteration": 0, "iterationCount": 1,
                                              "requestName": "R", "requestId": "id-1"}), **kw)
    return engine.run(script, send_request=send_request)


def results(outcome) -> dict[str, str | None]:
    assert outcome.error is None, outcome.error
    return {a.name: (None if a.passed else a.error_message) for a in outcome.assertions}


# --------------------------------------------------------------------------- pm.response
def test_response_properties(engine):
    outcome = run(engine, """
pm.test('code and status', () => { pm.expect(pm.response.code).to.equal(404); pm.expect(pm.response.status).to.equal('Not Found'); });
pm.test('header lookup is case-insensitive', () => pm.expect(pm.response.headers.get('odata-version')).to.equal('4.0'));
pm.test('has', () => { pm.expect(pm.response.headers.has('content-type')).to.be.true; pm.expect(pm.response.headers.has('OData-Version', '4.0')).to.be.true; pm.expect(pm.response.headers.has('nope')).to.be.false; });
pm.test('toObject', () => pm.expect(pm.response.headers.toObject()).to.include({'odata-version': '4.0'}));
pm.test('each', () => { const keys = []; pm.response.headers.each(h => keys.push(h.key)); pm.expect(keys).to.eql(['Content-Type', 'OData-Version', 'Set-Cookie', 'Set-Cookie']); });
pm.test('json and text', () => { pm.expect(pm.response.json().error.code).to.equal('0x80040217'); pm.expect(pm.response.text()).to.include('0x80040217'); });
pm.test('time and size', () => { pm.expect(pm.response.responseTime).to.equal(42); pm.expect(pm.response.responseSize).to.equal(27); });
pm.test('to.have.status code and reason', () => { pm.response.to.have.status(404); pm.response.to.have.status('Not Found'); });
pm.test('to.have.header', () => { pm.response.to.have.header('content-type'); pm.response.to.have.header('OData-Version', '4.0'); });
pm.test('to.have.jsonBody', () => { pm.response.to.have.jsonBody(); pm.response.to.have.jsonBody('error.code', '0x80040217'); pm.response.to.have.jsonBody('error.list[1]'); });
pm.test('to.have.body', () => { pm.response.to.have.body(); pm.response.to.have.body(/0x8004/); pm.response.to.have.body({error: {code: '0x80040217', list: [1, 2]}}); });
pm.test('status classes', () => { pm.response.to.be.clientError; pm.response.to.be.error; pm.response.to.be.notFound; pm.response.to.not.be.success; pm.response.to.be.json; pm.response.to.be.withBody; });
pm.test('status 200', () => pm.response.to.have.status(200));
pm.test('success', () => pm.response.to.be.success);
pm.test('ok', () => pm.response.to.be.ok);
pm.test('serverError', () => pm.response.to.be.serverError);
pm.test('header value', () => pm.response.to.have.header('OData-Version', '4.01'));
pm.test('missing header', () => pm.response.to.have.header('ETag'));
pm.test('jsonBody path', () => pm.response.to.have.jsonBody('error.missing'));
pm.test('jsonBody value', () => pm.response.to.have.jsonBody('error.code', 'x'));
pm.test('expect(pm.response)', () => pm.expect(pm.response).to.have.status(201));
""")
    assert results(outcome) == {
        "code and status": None, "header lookup is case-insensitive": None, "has": None, "toObject": None,
        "each": None, "json and text": None, "time and size": None, "to.have.status code and reason": None,
        "to.have.header": None, "to.have.jsonBody": None, "to.have.body": None, "status classes": None,
        "status 200": "expected response to have status code 200 but got 404",
        "success": "expected response code to be 2XX but found 404",
        "ok": "expected response to have status reason 'OK' but got 'NOT FOUND'",
        "serverError": "expected response code to be 5XX but found 404",
        "header value": "expected 'OData-Version' response header to be '4.01' but got '4.0'",
        "missing header": "expected response to have header with key 'ETag'",
        "jsonBody path": "expected { error: { code: '0x80040217', …(1) } } in response to contain property 'error.missing'",
        "jsonBody value": "expected response body json at \"error.code\" to contain 'x' but got '0x80040217'",
        "expect(pm.response)": "expected response to have status code 201 but got 404",
    }


def test_invalid_and_empty_json_bodies(engine):
    html = {**JSON_RESPONSE, "code": 200, "status": "OK", "body": "<html>oops</html>"}
    outcome = run(engine, """
pm.test('be.json', () => pm.response.to.be.json);
pm.test('json()', () => pm.response.json());
""", response=html)
    assert results(outcome) == {
        "be.json": "expected response body to be a valid json but got error Unexpected token '<' at 1:1",
        "json()": "Unexpected token '<' at 1:1"}
    empty = run(engine, "const body = pm.response.json();", response={**JSON_RESPONSE, "code": 204, "body": ""})
    assert empty.error.name == "JSONError" and empty.error.message == "No data, empty input at 1:1"
    assert empty.error.line == 1 and empty.error.location == "request 'R'" and empty.error.event == "test"


# --------------------------------------------------------------------------- variables and info
def test_variable_scopes_and_replace_in(engine):
    outcome = run(engine, """
pm.test('get across layers', () => {
    pm.expect(pm.variables.get('layer')).to.equal('data');
    pm.expect(pm.environment.get('layer')).to.equal('env');
    pm.expect(pm.collectionVariables.get('layer')).to.equal('coll');
    pm.expect(pm.globals.get('layer')).to.equal('glob');
    pm.expect(pm.iterationData.get('layer')).to.equal('data');
    pm.expect(pm.variables.get('fromHarness')).to.equal('sim');
    pm.expect(pm.environment.name).to.equal('Dev');
});
pm.variables.set('layer', 'local');
pm.test('local wins after pm.variables.set', () => pm.expect(pm.variables.get('layer')).to.equal('local'));
pm.test('replaceIn resolves nested values', () => pm.expect(pm.environment.replaceIn('{{url}}/x')).to.equal('https://h/api/x'));
pm.test('variables.replaceIn sees every layer', () => pm.expect(pm.variables.replaceIn('{{layer}}|{{fromHarness}}|{{nope}}')).to.equal('local|sim|{{nope}}'));
pm.environment.set('created', 5);
pm.environment.unset('remove');
pm.globals.clear();
pm.collectionVariables.set('obj', {a: 1});
pm.test('has/toObject', () => {
    pm.expect(pm.environment.has('created')).to.be.true;
    pm.expect(pm.environment.has('remove')).to.be.false;
    pm.expect(pm.globals.toObject()).to.eql({});
    pm.expect(pm.variables.toObject()).to.include({layer: 'local', created: 5});
});
""", scopes=scopes(environment={"layer": "env", "url": "{{base}}/api", "base": "https://h", "remove": 1},
                   collectionVariables={"layer": "coll"}, globals={"layer": "glob", "g": 1},
                   iterationData={"layer": "data"}, harness={"fromHarness": "sim"}),
        environment_name="Dev")
    assert set(results(outcome).values()) == {None}
    assert outcome.scopes["environment"] == {"layer": "env", "url": "{{base}}/api", "base": "https://h", "created": 5}
    assert outcome.scopes["globals"] == {}
    assert outcome.scopes["collectionVariables"] == {"layer": "coll", "obj": {"a": 1}}
    assert outcome.scopes["local"] == {"layer": "local"}


def test_info_and_execution_location(engine):
    outcome = run(engine, """
pm.test('info', () => pm.expect(pm.info).to.eql({eventName: 'prerequest', iteration: 2, iterationCount: 3, requestName: 'R', requestId: 'rid'}));
pm.test('location', () => { pm.expect(Array.from(pm.execution.location)).to.eql(['F', 'R']); pm.expect(pm.execution.location.current).to.equal('F'); });
pm.test('pm is read-only', () => { pm.info = null; pm.expect(pm.info.requestName).to.equal('R'); });
""", event="prerequest", info={"eventName": "prerequest", "iteration": 2, "iterationCount": 3, "requestName": "R",
                               "requestId": "rid"}, item_location=["F", "R"], current="F")
    assert set(results(outcome).values()) == {None}


# --------------------------------------------------------------------------- legacy globals
def test_legacy_globals(engine):
    outcome = run(engine, """
var json = JSON.parse(responseBody);
tests['responseCode'] = responseCode.code === 404 && responseCode.name === 'Not Found';
tests['responseHeaders'] = responseHeaders['OData-Version'] === '4.0';
tests['responseTime'] = responseTime === 42;
tests['getResponseHeader'] = postman.getResponseHeader('odata-version') === '4.0';
tests['environment object'] = environment.a === '1' && globals.g === 'x' && data.row === 7 && iteration === 1;
tests['request object'] = request.method === 'GET' && request.url.indexOf('$top=1') > 0 && request.headers.accept === 'application/json';
tests['json parsed'] = json.error.code === '0x80040217';
tests['a failing legacy test'] = false;
postman.setEnvironmentVariable('token', 12345);
postman.setGlobalVariable('gflag', true);
postman.clearEnvironmentVariable('a');
tests['getters'] = postman.getEnvironmentVariable('token') === '12345' && postman.getGlobalVariable('gflag') === 'true';
""", scopes=scopes(environment={"a": "1"}, globals={"g": "x"}, iterationData={"row": 7}),
        info={"eventName": "test", "iteration": 1, "iterationCount": 2, "requestName": "R", "requestId": "x"})
    assert results(outcome) == {"responseCode": None, "responseHeaders": None, "responseTime": None,
                                "getResponseHeader": None, "environment object": None, "request object": None,
                                "json parsed": None, "a failing legacy test": "expected false to be truthy", "getters": None}
    assert all(a.legacy for a in outcome.assertions)
    assert outcome.scopes["environment"] == {"token": "12345"}
    assert outcome.scopes["globals"] == {"g": "x", "gflag": "true"}


def test_legacy_globals_are_per_execution_and_shadowable(engine):
    first = run(engine, "tests['set'] = true; leaked = 1; var responseCode = pm.response.code;")
    assert results(first) == {"set": None}
    second = run(engine, "pm.test('no leaks', () => { pm.expect(typeof leaked).to.equal('undefined'); "
                         "pm.expect(tests).to.eql({}); });")
    assert results(second) == {"no leaks": None}
    pre = run(engine, "pm.test('no response globals in a pre-request script', () => "
                      "pm.expect(typeof responseBody).to.equal('undefined'));", event="prerequest")
    assert results(pre) == {"no response globals in a pre-request script": None}


@pytest.mark.parametrize("name", ["responseCode", "responseBody", "tests", "environment", "request", "pm",
                                  "Buffer", "CryptoJS", "JSON", "Array", "setTimeout", "atob", "_"])
def test_top_level_let_or_const_of_a_sandbox_name_is_a_syntax_error_as_in_newman(engine, name):
    # uniscope runs scripts as Function(names..., code): Newman 6.2.2 answers exactly this
    outcome = run(engine, f"tests['ran'] = true;\nconst {name} = 1;")
    assert outcome.error is not None and outcome.error.kind == "syntax"
    assert (outcome.error.name, outcome.error.message) == ("SyntaxError", f"Identifier '{name}' has already been declared")
    assert outcome.assertions == []


@pytest.mark.parametrize("code", ["let require = 1;", "let moment = 1;", "let globalThis = 1;", "var responseCode = 1;",
                                  "function tests() {}", "let name = 1;"])
def test_other_top_level_declarations_run(engine, code):
    outcome = run(engine, code + "\npm.test('ran', () => {});")
    assert outcome.error is None and results(outcome) == {"ran": None}


# --------------------------------------------------------------------------- tests: sync, async, skip
def test_async_tests_with_done_and_promises(engine):
    outcome = run(engine, """
pm.test('done passes', function (done) { setTimeout(() => { pm.expect(1).to.equal(1); done(); }, 10); });
pm.test('done with an error fails', function (done) { setTimeout(() => done(new Error('late failure')), 5); });
pm.test('async function', async function () { await new Promise(r => setTimeout(r, 5)); pm.expect(2).to.equal(3); });
pm.test('done never called', function (done) { });
pm.test.skip('skipped test');
pm.test('index', () => pm.expect(pm.test.index()).to.equal(6));
""")
    by_name = {a.name: a for a in outcome.assertions}
    assert by_name["done passes"].passed
    assert by_name["done with an error fails"].error_message == "late failure"
    assert by_name["async function"].error_message == "expected 2 to equal 3"
    assert "done() was never called" in by_name["done never called"].error_message
    assert by_name["skipped test"].skipped and by_name["skipped test"].passed
    assert by_name["index"].passed


def test_expect_outside_a_test_is_a_script_error_with_its_line(engine):
    outcome = run(engine, "// first line\n\npm.expect(pm.response.code).to.equal(200);\npm.test('never', () => {});")
    assert outcome.error.kind == "runtime" and outcome.error.line == 3
    assert str(outcome.error) == ("test script of request 'R', line 3: AssertionError: expected 404 to equal 200")
    assert outcome.assertions == []


# --------------------------------------------------------------------------- errors and limits
def test_syntax_error_names_location_and_line(engine):
    outcome = run(engine, "var ok = 1;\nif (ok {\n}", event="prerequest")
    assert outcome.error.kind == "syntax" and outcome.error.name == "SyntaxError" and outcome.error.line == 2
    assert str(outcome.error).startswith("prerequest script of request 'R', line 2: SyntaxError: ")


def test_runtime_error_line(engine):
    outcome = run(engine, "const a = {};\n\n\na.b.c = 1;")
    assert (outcome.error.name, outcome.error.line) == ("TypeError", 4)
    assert "Cannot set properties of undefined" in outcome.error.message


def test_endless_loop_is_cut_off_and_the_context_is_reused():
    with ScriptEngine(timeout_ms=200) as engine:
        started = time.monotonic()
        outcome = run(engine, "pm.test('before', () => {});\nwhile (true) {}")
        assert outcome.error.kind == "timeout"
        assert "ran longer than 200 ms" in outcome.error.message and "endless loop" in outcome.error.message
        assert [a.name for a in outcome.assertions] == ["before"]
        callback = run(engine, "setTimeout(function () { for (;;) {} }, 1);")
        assert callback.error.kind == "timeout"
        after = run(engine, "pm.test('after', () => pm.expect(1).to.equal(1));")
        assert results(after) == {"after": None}
        assert time.monotonic() - started < 10


def test_memory_limit_stops_the_script_and_a_fresh_context_follows():
    with ScriptEngine(timeout_ms=20_000, max_memory_mb=64) as engine:
        outcome = run(engine, "const hog = []; while (true) { hog.push(new Array(1e6).fill(1.5)); }")
        assert outcome.error.kind == "memory" and "64 MB" in outcome.error.message
        after = run(engine, "pm.test('fine', () => pm.expect([1]).to.have.lengthOf(1));")
        assert results(after) == {"fine": None}


def test_timers_and_intervals(engine):
    outcome = run(engine, """
let ticks = 0;
const id = setInterval(() => { ticks += 1; if (ticks === 3) { clearInterval(id); pm.test('interval ran 3 times', () => pm.expect(ticks).to.equal(3)); } }, 1);
const never = setTimeout(() => pm.test('cleared timeout ran', () => {}), 1);
clearTimeout(never);
setTimeout((a, b) => pm.test('timeout args', () => pm.expect(a + b).to.equal(3)), 2, 1, 2);
""")
    assert results(outcome) == {"interval ran 3 times": None, "timeout args": None}


# --------------------------------------------------------------------------- libraries and unsupported APIs
def test_require_shims_and_unsupported_modules(engine):
    outcome = run(engine, """
const _l = require('lodash');
pm.test('lodash', () => {
    pm.expect(_l.get({a: [{b: 1}]}, 'a[0].b')).to.equal(1);
    pm.expect(_.map([1, 2], n => n * 2)).to.eql([2, 4]);
    pm.expect(_.isEmpty({})).to.be.true;
    pm.expect(_.sortBy([{n: 2}, {n: 1}], 'n').map(x => x.n)).to.eql([1, 2]);
});
pm.test('uuid', () => pm.expect(require('uuid').v4()).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/));
pm.test('chai', () => require('chai').expect(1).to.equal(1));
pm.test('base64', () => { pm.expect(btoa('user:pässword'.replace('ä', 'a'))).to.equal('dXNlcjpwYXNzd29yZA=='); pm.expect(atob('aGk=')).to.equal('hi'); pm.expect(Buffer.from('ä').toString('base64')).to.equal('w6Q='); });
pm.test('moment', () => require('moment'));
pm.test('cookie jar', () => pm.cookies.jar());
pm.test('pm.require', () => pm.require('npm:lodash'));
pm.visualizer.set('<b>{{x}}</b>', {x: 1});
""")
    assert results(outcome) == {
        "lodash": None, "uuid": None, "chai": None, "base64": None, "moment": None,
        "cookie jar": "pm.cookies.jar() is not supported by the harness sandbox",
        "pm.require": "pm.require is not a function"}  # Newman 6.2.2: pm.require is disabled without packages


def test_console_is_captured(engine):
    outcome = run(engine, "console.log('plain', 1, {a: [1]});\nconsole.warn('careful');\nconsole.error(new Error('bad'));")
    assert outcome.logs == [("log", 'plain 1 {"a":[1]}'), ("warn", "careful"), ("error", "Error: bad")]


# --------------------------------------------------------------------------- pm.sendRequest (real HTTP)
def _run_collection(server, items, **runner_kw):
    env = runner_kw.pop("environment", {})
    with CollectionRunner(load_collection(collection(items)), environment={"base": server.url, **env},
                          **runner_kw) as runner:
        return runner, runner.run()


def test_send_request_callback_and_promise_forms(server):
    pre = """
pm.sendRequest(pm.variables.get('base') + '/status/201', function (err, res) {
    pm.test('string url form', () => { pm.expect(err).to.be.null; pm.expect(res.code).to.equal(201); pm.expect(res.json()).to.eql({code: 201}); });
});
pm.sendRequest({url: pm.variables.get('base') + '/token', method: 'POST',
                header: {'Content-Type': 'application/x-www-form-urlencoded'},
                body: {mode: 'urlencoded', urlencoded: [{key: 'grant_type', value: 'password'}, {key: 'username', value: 'ada'},
                                                        {key: 'password', value: 's3cret!'}]}},
    function (err, res) {
        pm.environment.set('token', res.json().access_token);
        pm.request.headers.upsert({key: 'Authorization', value: 'Bearer ' + res.json().access_token});
        pm.test('headers on the response', () => pm.expect(res.headers.get('content-type')).to.include('json'));
    });
(async () => {
    const res = await pm.sendRequest(pm.variables.get('base') + '/echo/awaited?x=1');
    pm.test('promise form', () => pm.expect(res.json().query).to.eql([['x', '1']]));
})();
pm.sendRequest('{{base}}/status/200', (err, res) => {
    pm.test('variables are not substituted in sendRequest', () => pm.expect(err).to.not.be.null);
});
"""
    runner, result = _run_collection(server, [request_item("Secure", "{{base}}/secure", pre=pre, tests=
                                     "pm.test('authorized by the script', () => pm.response.to.have.status(200));")])
    (execution,) = result.executions
    assert execution.passed, execution.failures()
    assert [a.name for a in execution.assertions] == [
        "string url form", "headers on the response", "promise form", "variables are not substituted in sendRequest",
        "authorized by the script"]
    assert runner.environment.get("token") == TEST_TOKEN
    assert dict(execution.request.headers)["Authorization"] == "Bearer ***"


def test_send_request_errors_reach_the_callback_and_thrown_errors_are_script_errors(server):
    pre = """
pm.sendRequest('http://127.0.0.1:1/unreachable', function (err, res) {
    pm.test('connection error', () => { pm.expect(err).to.be.an('error'); pm.expect(res).to.be.undefined; });
    pm.environment.set('errorMessage', err.message);
});
pm.sendRequest(pm.variables.get('base') + '/status/500', function (err, res) {
    if (res.code !== 200) {
        throw new Error('token request failed: ' + res.code);
    }
});
"""
    runner, result = _run_collection(server, [request_item("R", "{{base}}/status/200", pre=pre)])
    (execution,) = result.executions
    assert [a.name for a in execution.assertions if a.passed] == ["connection error"]
    assert "could not connect" in runner.environment.get("errorMessage")
    (error,) = execution.script_errors
    assert error.event == "prerequest" and error.line == 8
    assert error.message == "token request failed: 500"
    assert execution.response.status == 200  # Newman still sends the request after a pre-request error


def test_request_mutation_in_pre_request_is_sent(server):
    pre = """
pm.request.url.query.add({key: 'added', value: '1'});
pm.request.url.query.upsert({key: 'keep', value: 'changed'});
pm.request.url.query.remove('drop');
pm.request.headers.add({key: 'X-Added', value: 'yes'});
pm.request.headers.upsert({key: 'x-replaced', value: 'new'});
pm.request.headers.remove('X-Removed');
pm.request.method = 'PUT';
pm.request.body.raw = JSON.stringify({changed: true});
pm.test('reads (variables are still unresolved before the request)', () => {
    pm.expect(pm.request.url.getHost()).to.equal('{{base}}');
    pm.expect(pm.request.url.getPath()).to.equal('/echo/mutate');
    pm.expect(pm.request.headers.get('x-added')).to.equal('yes');
    pm.expect(pm.request.headers.has('X-Removed')).to.be.false;
    pm.expect(pm.request.url.toString()).to.equal('{{base}}/echo/mutate?keep=changed&added=1');
});
"""
    tests = """
const echo = pm.response.json();
pm.test('method', () => pm.expect(echo.method).to.equal('PUT'));
pm.test('query', () => pm.expect(echo.query).to.eql([['keep', 'changed'], ['added', '1']]));
pm.test('headers', () => { pm.expect(echo.headers['x-added']).to.equal('yes'); pm.expect(echo.headers['x-replaced']).to.equal('new'); pm.expect(echo.headers).to.not.have.property('x-removed'); });
pm.test('body', () => pm.expect(JSON.parse(echo.body)).to.eql({changed: true}));
pm.test('pm.request in the test script is what was sent', () => {
    pm.expect(pm.request.method).to.equal('PUT');
    pm.expect(pm.request.url.toString()).to.equal(pm.variables.get('base') + '/echo/mutate?keep=changed&added=1');
});
"""
    item = request_item("Mutate", "{{base}}/echo/mutate?keep=1&drop=2", "POST", pre=pre, tests=tests,
                        header=[{"key": "X-Replaced", "value": "old"}, {"key": "X-Removed", "value": "x"}],
                        body={"mode": "raw", "raw": "{}"})
    _, result = _run_collection(server, [item])
    (execution,) = result.executions
    assert execution.passed, execution.failures()
    assert len(execution.assertions) == 6


def test_skip_request_skips_the_request_and_test_scripts(server):
    items = [request_item("Skipped", "{{base}}/status/500", pre="pm.execution.skipRequest();",
                          tests="pm.test('not run', () => {});"),
             request_item("Next", "{{base}}/status/200", tests="pm.test('runs', () => {});")]
    _, result = _run_collection(server, items)
    skipped, following = result.executions
    assert skipped.skipped and skipped.request is None and skipped.assertions == []
    assert [a.name for a in following.assertions] == ["runs"]


def test_console_logs_are_redacted(server):
    tests = "const t = pm.response.json().access_token;\nconsole.log('token is', t);\nconsole.log('pw', pm.variables.get('password'));"
    item = request_item("Token", "{{base}}/token", "POST", tests=tests,
                        body={"mode": "urlencoded", "urlencoded": [{"key": "grant_type", "value": "password"},
                                                                   {"key": "username", "value": "ada"},
                                                                   {"key": "password", "value": "{{password}}"}]})
    _, result = _run_collection(server, [item], environment={"password": "s3cret!"})
    (execution,) = result.executions
    text = json.dumps(execution.logs) + json.dumps(execution.request.body)
    assert TEST_TOKEN not in text and "s3cret!" not in text
    assert execution.logs == [("log", "token is ***"), ("log", "pw ***")]
    assert re.search(r"password=\*\*\*", execution.request.body)


@pytest.mark.parametrize("code, expected_line, message", [
    ("\n\nnull.x", 3, "Cannot read properties of null (reading 'x')"),
    ("pm.test('a', () => {});\nfoo(", 2, "Unexpected end of input"),
])
def test_error_lines_through_the_runner(server, code, expected_line, message):
    _, result = _run_collection(server, [{"name": "F", "item": [request_item("R", "{{base}}/status/200",
                                                                             tests=code)]}])
    (error,) = result.executions[0].script_errors
    assert (error.line, error.message) == (expected_line, message)
    assert error.location == "request 'F/R'" and error.event == "test"


def test_top_level_await(server):
    code = """
const res = await pm.sendRequest(pm.variables.get('base') + '/status/201');
await new Promise(resolve => setTimeout(resolve, 5));
pm.test('awaited at the top level', () => pm.expect(res.code).to.equal(201));
"""
    _, result = _run_collection(server, [request_item("R", "{{base}}/status/200", pre=code)])
    (execution,) = result.executions
    assert execution.passed and [a.name for a in execution.assertions] == ["awaited at the top level"]


def test_replacing_the_url_with_a_string_is_taken_back(engine):
    outcome = run(engine, "pm.request.url = 'http://other.test:8080/x/y?q=1';\npm.request.method = 'post';",
                  event="prerequest")
    assert outcome.error is None
    url = outcome.request["url"]
    assert (url["host"], url["port"], url["path"], url["query"]) == (["other", "test"], "8080", ["x", "y"],
                                                                      [{"key": "q", "value": "1"}])
    assert outcome.request["method"] == "POST"
