"""Building the HTTP request: URL parts, path variables, disabled entries, bodies, auth and pruning."""

from __future__ import annotations

import base64
import json

import pytest

from harness.postman import CollectionRunner, load_collection
from harness.postman.auth import apply_auth
from harness.postman.model import Auth
from harness.postman.request_builder import build_request, final_url, resolve_request
from harness.postman.urls import normalize_url, parse_url, url_to_string
from harness.postman.variables import VariableResolver, VariableScope
from tests.postman.helpers import collection, request_item


def resolver(**env) -> VariableResolver:
    return VariableResolver([VariableScope.from_mapping("environment", env)])


# --------------------------------------------------------------------------- URLs
@pytest.mark.parametrize("raw, parts", [
    ("https://org.crm.dynamics.com/api/data/v9.0/", {"protocol": "https", "host": ["org", "crm", "dynamics", "com"],
                                                     "path": ["api", "data", "v9.0", ""]}),
    ("{{baseUrl}}/companies({{companyId}})/items", {"host": ["{{baseUrl}}"],
                                                   "path": ["companies({{companyId}})", "items"]}),
    ("http://localhost:8080/a?x=1&y&z=#frag", {"protocol": "http", "host": ["localhost"], "port": "8080", "path": ["a"],
                                              "query": [{"key": "x", "value": "1"}, {"key": "y", "value": None},
                                                        {"key": "z", "value": ""}], "hash": "frag"}),
    ("{{host}}:{{port}}/x", {"host": ["{{host}}"], "port": "{{port}}", "path": ["x"]}),
    ("{{a.b}}/c", {"host": ["{{a.b}}"], "path": ["c"]}),
])
def test_parse_url(raw, parts):
    parsed = parse_url(raw)
    for key, value in parts.items():
        assert parsed[key] == value, key
    assert url_to_string(parsed) == raw


def test_a_variable_host_expands_to_a_whole_prefix():
    url = normalize_url("{{WebAPIUrl}}/contacts?$select=contactid, fullname")
    resolved = resolve_request({"method": "GET", "url": url, "header": []},
                               resolver(WebAPIUrl="{{Resource}}/api/data/v9.0/", Resource="https://org"), "r")
    assert final_url(resolved["url"]) == "https://org/api/data/v9.0//contacts?$select=contactid, fullname"


def test_path_variables_disabled_query_and_hash():
    url = normalize_url({"raw": "x", "protocol": "http", "host": ["h"], "path": ["users", ":id", "items"],
                         "variable": [{"key": "id", "value": "{{uid}}"}],
                         "query": [{"key": "a", "value": "1"}, {"key": "off", "value": "2", "disabled": True},
                                   {"key": "frag", "value": "x#y"}], "hash": "top"})
    resolved = resolve_request({"method": "GET", "url": url, "header": []}, resolver(uid="42"), "r")
    assert final_url(resolved["url"]) == "http://h/users/42/items?a=1&frag=x%23y"


def test_missing_scheme_defaults_to_http():
    assert final_url(parse_url("localhost:1234/x")) == "http://localhost:1234/x"


# --------------------------------------------------------------------------- headers and bodies
def test_headers_disabled_skipped_values_trimmed_and_resolved():
    request = {"method": "GET", "url": parse_url("http://h/"), "header": [
        {"key": "OData-Version", "value": " 4.0  "}, {"key": "Off", "value": "x", "disabled": True},
        {"key": "X-Who", "value": "{{who}}"}, {"key": "", "value": "no key"}]}
    built = build_request(resolve_request(request, resolver(who="me"), "r"))
    assert built.headers == [("OData-Version", "4.0"), ("X-Who", "me")]


@pytest.mark.parametrize("language, expected", [
    ("json", "application/json"), ("xml", "application/xml"), ("text", "text/plain"), (None, "text/plain"),
])
def test_raw_body_content_type_from_language(language, expected):
    body = {"mode": "raw", "raw": "{}"}
    if language:
        body["options"] = {"raw": {"language": language}}
    built = build_request({"method": "POST", "url": parse_url("http://h/"), "header": [], "body": body})
    assert built.header("Content-Type") == expected and built.body == b"{}"


def test_an_explicit_content_type_is_kept():
    built = build_request({"method": "POST", "url": parse_url("http://h/"),
                           "header": [{"key": "content-type", "value": "multipart/mixed;boundary=b"}],
                           "body": {"mode": "raw", "raw": "--b--", "options": {"raw": {"language": "json"}}}})
    assert built.headers == [("content-type", "multipart/mixed;boundary=b")]


def test_urlencoded_body_encoding_and_disabled_fields():
    request = {"method": "POST", "url": parse_url("http://h/"), "header": [], "body": {
        "mode": "urlencoded", "urlencoded": [{"key": "resource", "value": "{{r}}"}, {"key": "a b", "value": "c&d=e"},
                                             {"key": "skip", "value": "x", "disabled": True}]}}
    built = build_request(resolve_request(request, resolver(r="https://org.crm.dynamics.com"), "r"))
    assert built.body == b"resource=https%3A%2F%2Forg.crm.dynamics.com&a%20b=c%26d%3De"
    assert built.header("Content-Type") == "application/x-www-form-urlencoded"


def test_graphql_body():
    built = build_request({"method": "POST", "url": parse_url("http://h/"), "header": [], "body": {
        "mode": "graphql", "graphql": {"query": "{ a }", "variables": '{"x": 1}'}}})
    assert json.loads(built.body) == {"query": "{ a }", "variables": {"x": 1}}
    assert built.header("Content-Type") == "application/json"


@pytest.mark.parametrize("method, pruning_disabled, has_body", [
    ("GET", False, False), ("GET", True, True), ("HEAD", False, False), ("POST", False, True),
    ("DELETE", False, True),
])
def test_body_pruning(method, pruning_disabled, has_body):
    request = {"method": method, "url": parse_url("http://h/"), "header": [],
               "body": {"mode": "raw", "raw": "payload"}}
    built = build_request(request, prune_body=not pruning_disabled)
    assert (built.body is not None) is has_body
    assert (built.sent_json["body"] is not None) is has_body


def test_disabled_body_is_not_sent():
    built = build_request({"method": "POST", "url": parse_url("http://h/"), "header": [],
                           "body": {"mode": "raw", "raw": "x", "disabled": True}})
    assert built.body is None


# --------------------------------------------------------------------------- auth
def _apply(auth: Auth, **kw):
    request = {"method": "GET", "url": parse_url("http://h/x?a=1"), "header": [{"key": "authorization", "value": "old"}]}
    warnings = apply_auth(auth, request, resolver(tok="T0k3n-value", user="ada", pw="pässword"), item_path="r", **kw)
    return request, warnings


def test_bearer_replaces_a_script_header():
    request, warnings = _apply(Auth("bearer", {"token": "{{tok}}"}))
    assert request["header"] == [{"key": "Authorization", "value": "Bearer T0k3n-value", "system": True}]
    assert warnings == []
    empty, _ = _apply(Auth("bearer", {"token": ""}))
    assert empty["header"] == [{"key": "authorization", "value": "old"}]  # nothing to add: left alone


def test_basic_auth_encodes_utf8():
    request, _ = _apply(Auth("basic", {"username": "{{user}}", "password": "{{pw}}"}))
    (header,) = request["header"]
    assert base64.b64decode(header["value"].split()[1]).decode() == "ada:pässword"


def test_apikey_in_header_and_query():
    request, _ = _apply(Auth("apikey", {"key": "x-api-key", "value": "{{tok}}", "in": "header"}))
    assert {"key": "x-api-key", "value": "T0k3n-value", "system": True} in request["header"]
    request, _ = _apply(Auth("apikey", {"key": "code", "value": "{{tok}}", "in": "query"}))
    assert url_to_string(request["url"]) == "http://h/x?a=1&code=T0k3n-value"


def test_oauth2_uses_the_token_provider_then_the_exported_token_then_warns():
    seen = []

    def provider(params):
        seen.append(params)
        return "from-provider"

    auth = Auth("oauth2", {"accessToken": "", "tokenType": "Bearer", "addTokenTo": "header", "clientId": "{{user}}"})
    request, warnings = _apply(auth, token_provider=provider)
    assert request["header"][-1]["value"] == "Bearer from-provider" and warnings == []
    assert seen == [{"accessToken": "", "tokenType": "Bearer", "addTokenTo": "header", "clientId": "ada"}]
    request, warnings = _apply(Auth("oauth2", {"accessToken": "{{tok}}", "headerPrefix": "Token"}))
    assert request["header"][-1]["value"] == "Token T0k3n-value" and warnings == []
    request, warnings = _apply(Auth("oauth2", {"accessToken": "", "addTokenTo": "header"}))
    assert request["header"] == [{"key": "authorization", "value": "old"}]
    assert len(warnings) == 1 and "no token provider is configured" in warnings[0]
    request, _ = _apply(Auth("oauth2", {"accessToken": "{{tok}}", "addTokenTo": "queryParams"}))
    assert url_to_string(request["url"]).endswith("access_token=T0k3n-value")


def test_unsupported_auth_warns_and_sends_nothing():
    request, warnings = _apply(Auth("ntlm", {"username": "x"}))
    assert request["header"] == [{"key": "authorization", "value": "old"}]
    assert "'ntlm' auth is not supported" in warnings[0]


INHERITANCE = collection(
    [request_item("inherits collection", "{{base}}/echo/a"),
     {"name": "Folder basic", "auth": {"type": "basic", "basic": [{"key": "username", "value": "f"},
                                                                   {"key": "password", "value": "p"}]},
      "item": [request_item("inherits folder", "{{base}}/echo/b"),
               request_item("own bearer", "{{base}}/echo/c",
                            auth={"type": "bearer", "bearer": [{"key": "token", "value": "req-token"}]}),
               request_item("explicit inherit", "{{base}}/echo/d", auth={"type": "inherit"})]},
     {"name": "Folder noauth", "auth": {"type": "noauth"},
      "item": [request_item("no auth at all", "{{base}}/echo/e")]}],
    auth={"type": "bearer", "bearer": [{"key": "token", "value": "{{collectionToken}}"}]},
    event=[{"listen": "test", "script": {"exec": [
        "// the echo app reflects the request headers: remember what each request carried",
        "const seen = JSON.parse(pm.collectionVariables.get('seen') || '{}');",
        "seen[pm.info.requestName] = pm.response.json().headers.authorization || null;",
        "pm.collectionVariables.set('seen', JSON.stringify(seen));"]}}])


def test_auth_inheritance_over_the_wire(server):
    with CollectionRunner(load_collection(INHERITANCE),
                          environment={"base": server.url, "collectionToken": "coll-token"}) as runner:
        result = runner.run()
        seen = json.loads(runner.collection_variables.get("seen"))
    assert all(e.passed and e.response.status == 200 for e in result.executions)
    basic = "Basic " + base64.b64encode(b"f:p").decode()
    assert seen == {"inherits collection": "Bearer coll-token", "inherits folder": basic,
                    "own bearer": "Bearer req-token", "explicit inherit": basic, "no auth at all": None}
    # what the results keep is redacted
    sent = {e.item.name: dict(e.request.headers).get("Authorization") for e in result.executions}
    assert sent["inherits collection"] == "Bearer ***" and sent["no auth at all"] is None


def test_wire_level_get_with_body_path_variables_and_form(server):
    data = collection([
        {"name": "Authorize", "protocolProfileBehavior": {"disableBodyPruning": True},
         "request": {"method": "GET", "url": "{{base}}/echo/token",
                     "body": {"mode": "urlencoded", "urlencoded": [{"key": "grant_type", "value": "password"},
                                                                   {"key": "username", "value": "{{user}}"}]}},
         "event": [{"listen": "test", "script": {"exec": [
             "const j = pm.response.json();",
             "pm.test('GET carried the body', () => pm.expect(j.body).to.equal('grant_type=password&username=ada'));",
             "pm.test('method kept', () => pm.expect(j.method).to.equal('GET'));"]}}]},
        request_item("Pruned", "{{base}}/echo/pruned", body={"mode": "raw", "raw": "dropped"},
                     tests="pm.test('no body', () => pm.expect(pm.response.json().body).to.equal(''));"),
        request_item("Path vars", {"raw": "{{base}}/echo/users/:id", "host": ["{{base}}"],
                                   "path": ["echo", "users", ":id"], "variable": [{"key": "id", "value": "{{uid}}"}],
                                   "query": [{"key": "$select", "value": "a,b"},
                                             {"key": "$filter", "value": "name eq 'O''Neil & co'", "disabled": True}]},
                     tests="const j = pm.response.json();\n"
                           "pm.test('path', () => pm.expect(j.path).to.equal('/echo/users/42'));\n"
                           "pm.test('query', () => pm.expect(j.query).to.eql([['$select', 'a,b']]));"),
        request_item("Form data", "{{base}}/echo/form", "POST", body={"mode": "formdata", "formdata": [
            {"key": "resource", "value": "{{user}}", "type": "text"}, {"key": "off", "value": "x", "disabled": True}]},
            tests="const j = pm.response.json();\n"
                  "pm.test('multipart', () => pm.expect(j.headers['content-type']).to.match(/^multipart\\/form-data; boundary=/));\n"
                  "pm.test('field', () => pm.expect(j.body).to.include('name=\"resource\"').and.include('ada'));\n"
                  "pm.test('disabled', () => pm.expect(j.body).to.not.include('off'));"),
    ])
    with CollectionRunner(load_collection(data), environment={"base": server.url, "user": "ada", "uid": 42}) as runner:
        result = runner.run()
    for execution in result.executions:
        assert execution.passed, (execution.path, execution.failures())
    assert sum(len(e.assertions) for e in result.executions) == 8
