"""Importing collections, environments and data files; malformed input; import reports."""

from __future__ import annotations

import json

import pytest

from harness.errors import HarnessError
from harness.postman import CollectionError, load_collection, load_data_file, load_environment
from harness.postman.model import Folder, RequestItem
from tests.postman.helpers import CORPUS, collection, request_item, write_json

SLG = CORPUS / "SLG-Business-Applications" / "Dataverse Web API.postman_collection.json"
CE = CORPUS / "Dynamics365WebApiPostmanCollection" / "Dynamics 365 CE Web API.postman_collection.json"
CE_ENV = CORPUS / "Dynamics365WebApiPostmanCollection" / "Dynamics 365 Environment (Online).postman_environment.json"
BC = CORPUS / "business-central-api-postman" / "Business_Central_API_v2.0.postman_collection.json"
BC_ENV = CORPUS / "business-central-api-postman" / "Business_Central_Environment.postman_environment.json"


# --------------------------------------------------------------------------- the public corpus
def test_slg_collection_imports_with_get_body_and_bearer_requests():
    c = load_collection(SLG)
    assert c.name == "Dataverse Web API" and c.schema_version == "2.1"
    items = list(c.requests())
    assert len(items) == 11
    authorize = items[0]
    assert authorize.name == "Authorize"
    assert authorize.effective_protocol_profile() == {"disableBodyPruning": True}
    assert authorize.request["method"] == "GET"
    assert [p["key"] for p in authorize.request["body"]["urlencoded"]] == [
        "grant_type", "client_id", "resource", "username", "password"]
    auth, owner = items[1].effective_auth()
    assert auth.type == "bearer" and auth.params["token"] == "{{token}}" and owner is items[1]
    download = c.find_request("Download image")
    assert download.request["url"]["path"] == ["Image", "download.aspx"]


def test_slg_report_flags_only_the_fixed_login_host():
    report = load_collection(SLG).report
    assert [(e.item_path, e.feature) for e in report.entries] == [("Authorize", "url:fixed-host")]
    assert "login.windows.net" in report.entries[0].message
    # the non-OData /Image/download.aspx request and the $value file download are fine
    assert not report.for_item("Download image") and not report.for_item("Download file")


def test_ce_collection_imports_folders_inheritance_and_scripts():
    c = load_collection(CE)
    items = list(c.requests())
    assert len(items) == 47
    assert len(list(c.folders())) == 7
    token_sample = c.find_request("Authenticate - Client Credentials (SAMPLE)")
    assert token_sample.folder_path == ("Authentications",)
    assert token_sample.effective_auth() == (None, token_sample)  # request-level noauth
    create = c.find_request("Create Record (SAMPLE)")
    auth, owner = create.effective_auth()
    assert auth.type == "oauth2" and owner is c  # inherited from the collection
    batch = c.find_request("Batch Operation")
    (pre,) = batch.scripts("prerequest")
    assert 'pm.globals.set("GlobalWebApiUrl", value);' in pre.code
    assert not c.find_request("Create Record - Data returned (SAMPLE)").scripts("prerequest")  # empty script


def test_ce_report_lists_the_oauth2_collection_auth_without_token():
    report = load_collection(CE).report
    (oauth2,) = report.by_feature("auth:oauth2")
    assert oauth2.item_path == "" and oauth2.severity == "warning"
    assert "without an exported accessToken" in oauth2.message
    assert not report.unsupported
    assert "oauth2" in report.to_text()


def test_bc_collection_imports_deep_folders_and_collection_scripts():
    c = load_collection(BC)
    items = list(c.requests())
    assert len(items) == 85
    assert len(list(c.folders())) == 60
    assert [s.listen for s in c.scripts("prerequest") + c.scripts("test")] == ["prerequest", "test"]
    assert {v.key: v.value for v in c.variables}["baseUrl"].endswith("/{{tenantId}}/{{environmentName}}/api/v2.0")
    contact = c.find_request("Get customer contact by ID")
    assert contact.folder_path == ("Customer contact", "customerContact resource type")
    assert contact.request["url"]["path"] == ["companies({{companyId}})", "customers({{customerId}})",
                                              "customerContacts({{customerContactId}})"]


def test_bc_report_lists_oauth2_auth_and_script_hosts_not_the_shadowed_legacy_name():
    report = load_collection(BC).report
    (oauth2,) = report.by_feature("auth:oauth2")
    assert "client_credentials" in oauth2.message
    hosts = {e.message for e in report.by_feature("script:fixed-host")}
    assert any("login.microsoftonline.com" in m for m in hosts)
    # `const responseCode = pm.response.code` at the top of the test script: a SyntaxError in Newman and here
    assert not report.by_feature("legacy:responseCode")
    (redeclared,) = report.by_feature("script:redeclared:responseCode")
    assert redeclared.severity == "warning" and "Identifier 'responseCode' has already been declared" in redeclared.message
    assert not report.unsupported


def test_corpus_environments_load_with_secrets_and_nesting():
    ce = load_environment(CE_ENV)
    assert ce.name == "Dynamics 365 Environment (Online)"
    assert ce.get("WebAPIUrl") == "{{Resource}}/api/data/v9.0/"
    bc = load_environment(BC_ENV)
    assert bc.secret_keys == {"clientSecret", "bc_access_token"}
    assert bc.get("tenantId") == "your-tenant-id"


# --------------------------------------------------------------------------- format variants
def test_v20_auth_objects_string_urls_and_header_strings():
    data = {
        "info": {"name": "v2.0", "schema": "https://schema.getpostman.com/json/collection/v2.0.0/collection.json"},
        "auth": {"type": "basic", "basic": {"username": "u", "password": "p"}},
        "item": [
            {"name": "plain", "request": "https://example.test/a/b?x=1&y"},
            {"name": "headers", "request": {"url": "http://h/x", "method": "post", "header": "A: 1\nB: two words"}},
        ],
    }
    c = load_collection(data)
    assert c.schema_version == "2.0"
    plain, headers = c.requests()
    assert plain.request["method"] == "GET"
    assert plain.request["url"]["host"] == ["example", "test"]
    assert plain.request["url"]["query"] == [{"key": "x", "value": "1"}, {"key": "y", "value": None}]
    assert headers.request["method"] == "POST"
    assert headers.request["header"] == [{"key": "A", "value": "1"}, {"key": "B", "value": "two words"}]
    auth, _ = plain.effective_auth()
    assert auth.params == {"username": "u", "password": "p"}


def test_url_object_parts_win_over_raw():
    data = collection([request_item("r", {"raw": "http://wrong/raw", "protocol": "https", "host": ["good", "test"],
                                          "path": ["a", ":id"], "variable": [{"key": "id", "value": "7"}]})])
    (item,) = load_collection(data).requests()
    assert item.request["url"]["host"] == ["good", "test"]
    assert item.request["url"]["variable"] == [{"key": "id", "value": "7"}]


def test_folder_and_request_variables_join_the_collection_scope():
    data = collection([{"name": "F", "variable": [{"key": "fromFolder", "value": "1"}],
                        "item": [request_item("r", "http://h/")]}])
    c = load_collection(data)
    assert [v.key for v in c.variables] == ["fromFolder"]
    assert c.report.by_feature("variable:nested")


def test_unsupported_auth_and_bodies_and_apis_are_reported_with_item_paths():
    data = collection([
        {"name": "F", "item": [
            request_item("ntlm", "http://h/", auth={"type": "ntlm", "ntlm": []}),
            request_item("file", "http://h/", "POST", body={"mode": "file", "file": {"src": "x.bin"}}),
            request_item("form", "http://h/", "POST", body={"mode": "formdata", "formdata": [
                {"key": "upload", "type": "file", "src": "a.png"}, {"key": "t", "value": "v", "type": "text"}]}),
            request_item("scripts", "http://h/", tests="pm.visualizer.set('<b/>');\nconst m = require('moment');\n"
                                                       "pm.cookies.jar().get('x');\nCryptoJS.MD5('a');\n"
                                                       "require('left-pad');"),
            request_item("dyn", "http://h/{{$randomLoremParagraphs}}"),
        ]},
        request_item("hawk", "http://h/", auth={"type": "hawk", "hawk": []}),
    ])
    report = load_collection(data).report
    got = {(e.item_path, e.feature, e.severity) for e in report.entries}
    assert ("F/ntlm", "auth:ntlm", "unsupported") in got
    assert ("hawk", "auth:hawk", "unsupported") in got
    assert ("F/file", "body:file", "unsupported") in got
    assert ("F/form", "body:formdata-file", "unsupported") in got
    assert ("F/scripts", "script:pm.visualizer", "info") in got
    assert ("F/scripts", "script:require:left-pad", "unsupported") in got
    assert not {f for _, f, _ in got} & {"script:require:moment", "script:CryptoJS"}  # the real libraries are there
    assert ("F/scripts", "script:pm.cookies.jar", "unsupported") in got
    assert ("F/dyn", "dynamic:$randomLoremParagraphs", "unsupported") in got
    text = report.to_text()
    assert "[unsupported] F/ntlm" in text and "unsupported" in text.splitlines()[-1]


# --------------------------------------------------------------------------- malformed collections
def _write(tmp_path, text: str, name: str = "bad.postman_collection.json"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_json_names_file_line_and_column(tmp_path):
    path = _write(tmp_path, '{\n  "info": {"name": "x",\n  "schema": oops}\n}')
    with pytest.raises(CollectionError) as err:
        load_collection(path)
    message = str(err.value)
    assert str(path) in message and "line 3" in message and "column 13" in message
    assert err.value.line == 3
    assert isinstance(err.value, HarnessError)


@pytest.mark.parametrize("data, expected", [
    ({"item": []}, "missing 'info'"),
    ({"info": {"name": "x"}, "item": []}, "missing 'info.schema'"),
    ({"info": {"name": "x", "schema": "https://schema.getpostman.com/json/collection/v1.0.0/collection.json"},
      "item": []}, "unsupported collection schema"),
    ({"info": {"name": "x", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"}},
     "missing 'item'"),
    ({"id": "1", "name": "old", "order": [], "requests": []}, "Collection v1"),
    ([1, 2], "must be a JSON object"),
])
def test_structural_errors(tmp_path, data, expected):
    path = _write(tmp_path, json.dumps(data))
    with pytest.raises(CollectionError, match=expected) as err:
        load_collection(path)
    assert str(path) in str(err.value)


def test_an_item_that_is_neither_request_nor_folder_names_path_and_line(tmp_path):
    data = collection([{"name": "Folder", "item": [request_item("ok", "http://h/"), {"name": "Broken", "foo": 1}]}])
    path = write_json(tmp_path / "c.postman_collection.json", data)
    with pytest.raises(CollectionError) as err:
        load_collection(path)
    message = str(err.value)
    assert "item 'Folder/Broken'" in message and "neither a request" in message
    broken_line = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if '"Broken"' in line)
    assert err.value.line == broken_line and f"{path}:{broken_line}" in message


def test_unknown_body_mode_names_item_and_line(tmp_path):
    data = collection([request_item("Weird body", "http://h/", "POST", body={"mode": "binary", "binary": "x"})])
    path = write_json(tmp_path / "c.postman_collection.json", data)
    with pytest.raises(CollectionError, match="unknown body mode 'binary'") as err:
        load_collection(path)
    assert err.value.item_path == "Weird body"
    assert err.value.line == next(n for n, line in enumerate(path.read_text().splitlines(), 1) if "Weird body" in line)


def test_not_utf8_and_missing_file(tmp_path):
    path = tmp_path / "latin.postman_collection.json"
    path.write_bytes(b'{"info": {"name": "caf\xe9"}}')
    with pytest.raises(CollectionError, match="not valid UTF-8"):
        load_collection(path)
    with pytest.raises(CollectionError, match="not found"):
        load_collection(tmp_path / "nope.json")


def test_tree_structure_and_order():
    data = collection([request_item("a", "http://h/1"),
                       {"name": "F", "item": [request_item("b", "http://h/2"),
                                              {"name": "G", "item": [request_item("c", "http://h/3")]},
                                              request_item("d", "http://h/4")]},
                       request_item("e", "http://h/5")])
    c = load_collection(data)
    assert [(i.path, i.index) for i in c.requests()] == [("a", 0), ("F/b", 1), ("F/G/c", 2), ("F/d", 3), ("e", 4)]
    folder = c.items[1]
    assert isinstance(folder, Folder) and isinstance(folder.items[0], RequestItem)
    assert [r.path for r in c.select("G")] == ["F/G/c"]
    assert [r.path for r in c.select("F")] == ["F/b", "F/G/c", "F/d"]
    assert [r.path for r in c.select("e")] == ["e"]
    assert c.select("missing") == []


# --------------------------------------------------------------------------- environments and data
def test_environment_skips_disabled_and_rejects_malformed(tmp_path):
    path = write_json(tmp_path / "e.json", {"name": "E", "values": [
        {"key": "a", "value": "1", "enabled": True}, {"key": "b", "value": "2", "enabled": False},
        {"key": "s", "value": "x", "type": "secret"}]})
    env = load_environment(path)
    assert env.values == {"a": "1", "s": "x"} and env.secret_keys == {"s"} and env.name == "E"
    bad = write_json(tmp_path / "bad.json", {"name": "E", "values": [{"value": "no key"}]})
    with pytest.raises(CollectionError, match=r"values\[0\] has no 'key'"):
        load_environment(bad)
    with pytest.raises(CollectionError, match="missing 'values'"):
        load_environment(write_json(tmp_path / "x.json", {"name": "E"}))


def test_data_files_json_and_csv(tmp_path):
    rows = load_data_file(write_json(tmp_path / "d.json", [{"n": 1}, {"n": 2}]))
    assert rows == [{"n": 1}, {"n": 2}]
    csv_path = tmp_path / "d.csv"
    csv_path.write_text("name,count\nalpha,1\n\"b, c\",2\n", encoding="utf-8")
    assert load_data_file(csv_path) == [{"name": "alpha", "count": "1"}, {"name": "b, c", "count": "2"}]
    with pytest.raises(CollectionError, match="row 2 is not an object"):
        load_data_file(write_json(tmp_path / "bad.json", [{"a": 1}, 3]))
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2,3\n", encoding="utf-8")
    with pytest.raises(CollectionError, match="more fields than the header") as err:
        load_data_file(ragged)
    assert err.value.line == 2
