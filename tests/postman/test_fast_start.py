"""What ``harness run`` does to start fast must not change what it does.

* a V8 context prepared on a background thread runs scripts exactly like one built on demand, a
  failure while preparing it surfaces at the first script (where it always did), and an engine
  closed without ever running a script leaves no context behind;
* ``harness run ...`` parses with the ``run`` sub-command alone: its help, its usage errors and the
  top-level errors are those of the full command line;
* a run without ``--oauth2 fetch`` and without a target builds no token broker (nothing signs in).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from harness.cli import build_parser, main
from harness.postman.sandbox import ScriptEngine, ScriptInput
from harness.postman.sandbox import engine as engine_module

CODE = """
pm.test('chai', () => pm.expect({a: [1, 2]}).to.deep.equal({a: [1, 2]}));
pm.test('fails', () => pm.expect(pm.response.code).to.equal(201));
pm.environment.set('seen', pm.response.json().value.length);
"""


def _script(code: str = CODE) -> ScriptInput:
    return ScriptInput(event="test", code=code, location="request 'R'",
                       scopes={"environment": {}, "globals": {}, "collectionVariables": {}, "data": {}, "local": {}},
                       request={"url": "http://example.test/x", "method": "GET", "header": []},
                       response={"code": 200, "status": "OK", "header": [], "body": '{"value": [1, 2, 3]}',
                                 "responseTime": 1, "responseSize": 20},
                       info={"eventName": "test", "iteration": 0, "iterationCount": 1, "requestName": "R"})


def _summary(outcome) -> tuple:
    return (outcome.error, [(a.name, a.passed, a.error_message) for a in outcome.assertions],
            outcome.scopes.get("environment"))


def test_a_prepared_context_runs_scripts_like_one_built_on_demand():
    with ScriptEngine(timeout_ms=5000) as on_demand:
        expected = _summary(on_demand.run(_script()))
    with ScriptEngine(timeout_ms=5000) as prepared:
        prepared.prepare()
        prepared.prepare()  # a second call neither blocks nor starts another build
        assert _summary(prepared.run(_script())) == expected
        # the library bundle still loads on demand into the prepared context
        outcome = prepared.run(_script("pm.test('lodash', () => pm.expect(require('lodash').chunk([1, 2, 3], 2))"
                                       ".to.eql([[1, 2], [3]]));"))
        assert [(a.name, a.passed) for a in outcome.assertions] == [("lodash", True)], outcome.error
    assert expected[1] == [("chai", True, None), ("fails", False, "expected 200 to equal 201")]
    assert expected[2] == {"seen": 3}


def test_a_failure_while_preparing_is_raised_by_the_first_script(monkeypatch):
    engine = ScriptEngine()
    monkeypatch.setattr(engine, "_source", "throw new Error('broken host');")
    engine.prepare()
    with pytest.raises(Exception, match="broken host"):
        engine.run(_script())
    monkeypatch.undo()
    engine._source = ScriptEngine()._source  # the next run builds a context of its own again
    try:
        assert _summary(engine.run(_script()))[1][0] == ("chai", True, None)
    finally:
        engine.close()


def test_an_engine_closed_unused_leaves_no_context_behind():
    # in a fresh interpreter: an unclosed mini-racer context stalls the interpreter's exit
    code = textwrap.dedent("""
        from harness.postman.sandbox import ScriptEngine
        engine = ScriptEngine()
        engine.prepare()
        engine.close()
        assert engine._mr is None and engine._preparing is None and engine._prepared is None
        print("closed")
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "closed", result.stderr


def _help(parser, command: str) -> str:
    sub = parser._subparsers._group_actions[0].choices[command]  # noqa: SLF001 - the sub-command's own parser
    return sub.format_help()


@pytest.mark.parametrize("command", ["run", "test", "metadata", "token", "reports", "cassettes"])
def test_one_sub_command_alone_has_the_same_options_and_help(command):
    assert _help(build_parser(command), command) == _help(build_parser(), command)


def test_usage_errors_are_those_of_the_whole_command_line(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["run"])
    assert exited.value.code == 2
    assert "harness run: error: the following arguments are required: COLLECTION" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["runn", "x.json"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'runn'" in err and "'cassettes'" in err  # every command is offered
    with pytest.raises(SystemExit):
        main(["-v", "run", "--help"])  # a global option first: the whole command line, still run's help
    assert "usage: harness run" in capsys.readouterr().out


def test_a_run_without_a_target_or_oauth2_fetch_builds_no_token_broker(tmp_path):
    collection = tmp_path / "c.postman_collection.json"
    collection.write_text(json.dumps({
        "info": {"name": "c", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": [{"name": "r", "request": {"method": "GET", "url": "http://127.0.0.1:9/none"}}],
        "event": [{"listen": "prerequest", "script": {"exec": ["pm.test('ran', () => {});"]}}]}))
    code = textwrap.dedent(f"""
        import sys
        from harness.cli import main
        status = main(["run", {str(collection)!r}, "--target", "none", "-r", "json",
                       "--reporter-json-export", {str(tmp_path / "r.json")!r}])
        print(status, "harness.auth" in sys.modules)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path)
    # exit 1: the request fails (nothing listens on port 9); the pre-request assertion passed
    assert result.stdout.split() == ["1", "False"], result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["run"]["stats"]["assertions"] == {"total": 1, "pending": 0, "failed": 0}


def test_the_prepared_engine_is_the_runs_engine(monkeypatch, tmp_path):
    """``harness run`` hands its prepared engine to the runner, which closes it."""
    from harness.commands import run as run_module

    made: list[ScriptEngine] = []
    real = engine_module.ScriptEngine

    class Recording(real):
        def __init__(self, **kw):
            super().__init__(**kw)
            made.append(self)

    monkeypatch.setattr(engine_module, "ScriptEngine", Recording)
    collection = tmp_path / "c.postman_collection.json"
    collection.write_text(json.dumps({
        "info": {"name": "c", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": [{"name": "r", "request": {"method": "GET", "url": "http://127.0.0.1:9/none"}}],
        "event": [{"listen": "prerequest", "script": {"exec": ["pm.test('ran', () => {});"]}}]}))
    options = run_module.RunOptions(collection=str(collection), target="none", reporters=("json",),
                                    exports={"json": str(tmp_path / "r.json")}, timeout_script_ms=4321)
    assert run_module.run_command(options) == 1
    assert len(made) == 1 and made[0].timeout_ms == 4321
    assert made[0]._mr is None and made[0]._counter == 1  # it ran the script, and it was closed


# --------------------------------------------------------------------------- two round trips per script
def test_one_engine_runs_scripts_in_turn_without_leaking_state_across_a_syntax_error():
    with ScriptEngine(timeout_ms=5000) as engine:
        first = engine.run(_script())
        assert [a.name for a in first.assertions] == ["chai", "fails"]
        broken = engine.run(_script("pm.test('never', () => {});\nvar x = ;"))
        assert (broken.error.kind, broken.error.name, broken.error.line) == ("syntax", "SyntaxError", 2)
        assert broken.assertions == [] and broken.scopes.get("environment") == {}  # this script's begin()
        on_line_one = engine.run(_script("null.x"))
        assert (on_line_one.error.name, on_line_one.error.line) == ("TypeError", 1)
        later = engine.run(_script("pm.test('after', () => pm.expect(1).to.equal(1));"))
        assert [(a.name, a.passed) for a in later.assertions] == [("after", True)] and later.error is None


def test_timers_and_sent_requests_still_complete_before_the_outcome():
    calls = []

    def send(request):
        calls.append(request["url"]["raw"])
        return None, {"code": 200, "status": "OK", "header": [], "body": "{}", "responseTime": 1, "responseSize": 2}

    code = """
setTimeout(() => pm.sendRequest('http://example.test/a', (err, res) => {
    pm.test('callback ran after the timer', () => pm.expect(res.code).to.equal(200));
}), 5);
"""
    with ScriptEngine(timeout_ms=5000) as engine:
        outcome = engine.run(_script(code), send_request=send)
    assert calls == ["http://example.test/a"]
    assert [(a.name, a.passed) for a in outcome.assertions] == [("callback ran after the timer", True)]


def test_a_host_that_cannot_begin_is_a_fault_of_the_sandbox_not_of_the_script():
    from py_mini_racer import JSEvalException

    engine = ScriptEngine()
    engine._source += "\n;__pmSdk.VariableScope = function () { throw new Error('broken sdk'); };"
    try:
        with pytest.raises(JSEvalException, match="broken sdk"):
            engine.run(_script())
    finally:
        engine.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the library is mapped ahead only on Linux")
def test_v8_library_mapped_ahead_is_the_one_mini_racer_uses():
    code = textwrap.dedent("""
        import sys
        from harness.postman.sandbox.engine import _map_v8_library
        maps = lambda: [line.split()[-1] for line in open("/proc/self/maps") if "libmini_racer" in line]
        assert not maps() and "py_mini_racer" not in sys.modules
        _map_v8_library()
        mapped = set(maps())
        assert len(mapped) == 1 and "py_mini_racer" not in sys.modules, mapped
        from py_mini_racer import MiniRacer
        with MiniRacer() as mr:
            assert mr.eval("6 * 7") == 42
        assert set(maps()) == mapped  # mini-racer's own load found it: one copy
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_no_context_is_prepared_for_a_collection_without_scripts(tmp_path):
    from harness.commands import run as run_module

    plain = tmp_path / "plain.postman_collection.json"
    plain.write_text(json.dumps({
        "info": {"name": "p", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": [{"name": "r", "request": {"method": "GET", "url": "http://127.0.0.1:9/none"}}]}))
    assert run_module._prepared_engine(run_module.RunOptions(collection=str(plain))) is None
    assert run_module._prepared_engine(run_module.RunOptions(collection=str(tmp_path / "missing.json"))) is None
    scripted = tmp_path / "scripted.postman_collection.json"
    scripted.write_text(plain.read_text().replace('"item": [', '"event": [{"listen": "test", "script": '
                                                  '{"exec": ["pm.test(1)"]}}], "item": ['))
    engine = run_module._prepared_engine(run_module.RunOptions(collection=str(scripted), timeout_script_ms=777))
    try:
        assert engine is not None and engine.timeout_ms == 777 and engine._preparing is not None
    finally:
        engine.close()
