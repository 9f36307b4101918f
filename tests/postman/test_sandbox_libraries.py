"""The sandbox's libraries are the real npm packages Postman bundles, at the versions in package.json.

Each `require()` Postman's sandbox allows returns the installed package (its version is checked
against node_modules), the legacy globals are the same libraries, and no hand-written stand-in
remains in the sandbox sources.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.postman.sandbox import ScriptEngine, ScriptInput
from harness.postman.sandbox import engine as engine_module

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "harness" / "postman" / "sandbox" / "js"
EMPTY_SCOPES = {name: {} for name in ("environment", "globals", "collectionVariables", "iterationData", "local",
                                      "harness", "dotenv")}


def installed(package: str) -> str:
    return json.loads((ROOT / "node_modules" / package / "package.json").read_text(encoding="utf-8"))["version"]


def pinned(package: str) -> str:
    return json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"][package]


@pytest.fixture(scope="module")
def engine():
    with ScriptEngine() as e:
        yield e


def run(engine, code: str, response_body: str = '{"value": [{"name": "A"}]}'):
    script = ScriptInput(event="test", code=code, location="request 'libs'", scopes=EMPTY_SCOPES,
                         request={"method": "GET", "url": "http://h/", "header": []},
                         response={"code": 200, "status": "OK", "header": [{"key": "Content-Type",
                                                                              "value": "application/json"}],
                                   "body": response_body})
    outcome = engine.run(script)
    assert outcome.error is None, outcome.error
    return {a.name: (None if a.passed else a.message) for a in outcome.assertions}


# require(name) -> (package whose version it is, an expression on `lib` that must be true)
LIBRARIES = {
    "chai": ("chai", "lib.version === VERSION && typeof lib.expect === 'function'"),
    "lodash": ("lodash", "lib.VERSION === VERSION && lib.get({a: [{b: 1}]}, 'a[0].b') === 1"),
    "crypto-js": ("crypto-js", "lib.HmacSHA256('message', 'key').toString() === "
                               "'6e9ef29b75fffc5b7abae527d58fdadb2fe42e7219011976917343065f58ed4a'"),
    "moment": ("moment", "lib.version === VERSION && lib.utc('2024-02-29').add(1, 'year').format('YYYY-MM-DD') === "
                         "'2025-02-28'"),
    "ajv": ("ajv", "new lib({allErrors: true}).validate({type: 'object', required: ['id']}, {id: 1}) === true"),
    "tv4": ("tv4", "lib.validate({n: 1}, {properties: {n: {type: 'number'}}}) === true"),
    "xml2js": ("xml2js", "(function () { var r; lib.parseString('<a><b>1</b></a>', {explicitArray: false, async: false},"
                         " function (e, x) { r = x; }); return r.a.b === '1'; })()"),
    "cheerio": ("cheerio", "lib.load('<ul><li class=x>one</li><li>two</li></ul>')('li.x').text() === 'one'"),
    "csv-parse/lib/sync": ("csv-parse", "JSON.stringify(lib('a,b\\n1,2', {columns: true})) === "
                                        "JSON.stringify([{a: '1', b: '2'}])"),
    "uuid": ("uuid", "/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(lib.v4()) && "
                     "lib().length === 36"),
    "postman-collection": ("postman-collection",
                           "new lib.Url('https://h.example/api/data/v9.2/accounts?$top=1').getPath() === "
                           "'/api/data/v9.2/accounts' && typeof lib.Request === 'function'"),
    "buffer": ("buffer", "lib.Buffer.from('hé').toString('base64') === 'aMOp' && "
                         "lib.Buffer.from('aGk=', 'base64').toString() === 'hi'"),
    "url": ("url", "lib.parse('https://h.example:8443/p?q=1').port === '8443'"),
    "querystring": ("querystring-es3", "lib.stringify({a: [1, 2], b: 'x y'}) === 'a=1&a=2&b=x%20y'"),
    "util": ("util", "lib.format('%s=%d', 'n', 5) === 'n=5' && lib.inspect({a: 1}) === '{ a: 1 }'"),
    "events": ("events", "(function () { var e = new lib(), got; e.on('x', v => { got = v; }); e.emit('x', 7);"
                         " return got === 7; })()"),
    "assert": ("assert", "(function () { lib.deepStrictEqual({a: [1]}, {a: [1]}); try { lib.strictEqual(1, 2); }"
                         " catch (e) { return e.code === 'ERR_ASSERTION'; } return false; })()"),
    "path": ("path-browserify", "lib.join('/a/b', '../c') === '/a/c' && lib.extname('x.json') === '.json'"),
    "string_decoder": ("string_decoder", "new lib.StringDecoder('utf8').write(require('buffer').Buffer.from([0xc3, 0xa9]))"
                                         " === 'é'"),
    "timers": ("timers-browserify", "typeof lib.setTimeout === 'function'"),
    "stream": ("stream-browserify", "typeof lib.Readable === 'function' && typeof lib.Transform === 'function'"),
}


@pytest.mark.parametrize("name", sorted(LIBRARIES))
def test_require_returns_the_real_package(engine, name):
    package, check = LIBRARIES[name]
    assert pinned(package) == installed(package), f"{package}: package.json and node_modules disagree"
    code = (f"var lib = require({json.dumps(name)}), VERSION = {json.dumps(installed(package))};\n"
            f"pm.test('works', function () {{ pm.expect({check}).to.equal(true); }});")
    assert run(engine, code) == {"works": None}


def test_legacy_globals_are_the_real_libraries(engine):
    code = """
pm.test('_ is lodash 3, as in Postman', () => pm.expect(_.VERSION).to.equal('3.10.2'));
pm.test('require lodash is lodash 4', () => pm.expect(require('lodash').VERSION).to.equal('4.17.21'));
pm.test('CryptoJS', () => pm.expect(CryptoJS.MD5('a').toString()).to.equal('0cc175b9c0f1b6a831c399e269772661'));
pm.test('tv4', () => pm.expect(tv4.validate(1, {type: 'string'})).to.be.false);
pm.test('xml2Json', () => pm.expect(xml2Json('<r><v a="1">x</v></r>')).to.eql({r: {v: {_: 'x', $: {a: '1'}}}}));
pm.test('cheerio', () => pm.expect(cheerio.load('<p>hi</p>')('p').text()).to.equal('hi'));
pm.test('Backbone', () => pm.expect(Backbone.VERSION).to.equal('1.6.0'));
pm.test('atob/btoa/Buffer', () => { pm.expect(atob(btoa('user:pw'))).to.equal('user:pw');
  pm.expect(Buffer.isBuffer(Buffer.from('x'))).to.be.true; });
pm.test('JSON is liquid-json', () => pm.expect(() => JSON.parse('{bad')).to.throw("Unexpected token 'b' at 1:2"));
"""
    assert set(run(engine, code).values()) == {None}


def test_json_schema_assertions_use_ajv_with_newmans_messages(engine):
    code = """
pm.test('valid', () => pm.response.to.have.jsonSchema({type: 'object', required: ['value'],
  properties: {value: {type: 'array', items: {type: 'object', required: ['name']}}}}));
pm.test('invalid', () => pm.response.to.have.jsonSchema({type: 'object', required: ['zz']}));
pm.test('expect', () => pm.expect({id: 'x'}).to.have.jsonSchema({properties: {id: {type: 'number'}}}));
"""
    assert run(engine, code) == {
        "valid": None,
        "invalid": "AssertionError: expected data to satisfy schema but found following errors: \n"
                   "data should have required property 'zz'",
        "expect": "AssertionError: expected data to satisfy schema but found following errors: \n"
                  "data.id should be number",
    }


def test_unknown_modules_fail_as_in_newman(engine):
    code = """
pm.test('unknown', () => require('left-pad'));
pm.test('csv-parse main', () => require('csv-parse'));
pm.test('internal names', () => require('#lodash3'));
"""
    assert run(engine, code) == {
        "unknown": "Error: Cannot find module 'left-pad'",
        "csv-parse main": "Error: Cannot find module 'csv-parse'",
        "internal names": "Error: Cannot find module '#lodash3'",
    }


def test_scripts_without_libraries_do_not_load_the_large_bundle():
    with ScriptEngine() as e:
        run(e, "pm.test('plain', () => pm.expect(pm.response.json().value).to.have.lengthOf(1));")
        assert not e._libraries_loaded
        run(e, "var m = require('moment'); pm.test('m', () => pm.expect(m.isMoment(m())).to.be.true);")
        assert e._libraries_loaded


def test_no_hand_written_library_stands_in():
    sources = {p.name for p in JS.glob("*.js")}
    assert not {"chai.js", "helpers.js", "lodash.js"} & sources
    for path in JS.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert "__pmChai" not in text and "__pmHelpers" not in text, path.name
    assert engine_module._CORE_BUNDLE.is_file() and engine_module._LIBRARIES_BUNDLE.is_file()


def test_a_missing_bundle_names_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setattr(engine_module, "_CORE_BUNDLE", tmp_path / "core.js")
    with pytest.raises(engine_module.SandboxNotBuilt) as info:
        ScriptEngine()
    assert "npm ci --no-audit --no-fund" in str(info.value) and str(tmp_path / "core.js") in str(info.value)
