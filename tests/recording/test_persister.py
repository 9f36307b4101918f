"""The persister: structured files, placeholders mapped both ways, clear errors for bad files."""

from __future__ import annotations

import gzip
import json

import pytest
from vcr.persisters.filesystem import CassetteNotFoundError

from harness.recording import CassetteFormatError, HarnessPersister, InstanceMap, RecordingContext
from harness.recording.serializers import JsonSerializer, YamlSerializer
from tests.recording.helpers import vcr_request

OLD = RecordingContext(InstanceMap.build({"crm": "http://127.0.0.1:4000", "login": "http://127.0.0.1:4001"},
                                         ["72f988bf-0000-4000-8000-00000000a11d"]), (("Sim-Passw0rd!", "PASSWORD"),))
NEW = RecordingContext(InstanceMap.build({"crm": "http://127.0.0.1:7000", "login": "http://127.0.0.1:7001"},
                                         ["99999999-0000-4000-8000-000000000001"]))


def response(body: bytes, content_type: str = "application/json", **headers) -> dict:
    headers = {"Content-Type": [content_type], "Content-Length": [str(len(body))],
               **{k.replace("_", "-"): [v] for k, v in headers.items()}}
    return {"status": {"code": 200, "message": "OK"}, "headers": headers, "body": {"string": body}}


def save(path, requests, responses, context=OLD, serializer=JsonSerializer, metadata=None):
    cassette = {"requests": requests, "responses": responses}
    if metadata:
        cassette["metadata"] = metadata
    HarnessPersister(context).save_cassette(str(path), cassette, serializer)


def test_round_trip_to_another_instance(tmp_path):
    path = tmp_path / "c.json"
    body = json.dumps({"@odata.context": "http://127.0.0.1:4000/api/data/v9.2/$metadata#accounts",
                       "value": [{"name": "Ünïcode ✓"}]}).encode()
    save(path, [vcr_request("GET", "http://127.0.0.1:4000/api/data/v9.2/accounts?$select=name",
                            headers={"Authorization": "Bearer eyJabc.eyJdef.sig"})],
         [response(body)], metadata={"values": {"run_id": "r", "drawn": []}})
    text = path.read_text(encoding="utf-8")
    assert "127.0.0.1" not in text and "eyJabc" not in text
    doc = json.loads(text)
    assert doc["metadata"] == {"values": {"run_id": "r", "drawn": []}}
    stored = doc["interactions"][0]
    assert stored["request"]["uri"] == "https://crm.instance.invalid/api/data/v9.2/accounts?$select=name"
    assert stored["request"]["headers"]["Authorization"] == "Bearer <ACCESS_TOKEN_1>"
    assert stored["response"]["body"]["json"]["value"] == [{"name": "Ünïcode ✓"}]  # structured and readable
    assert "Ünïcode ✓" in text

    requests, responses, metadata = HarnessPersister(NEW).load_cassette(str(path), JsonSerializer)
    assert requests[0].uri == "http://127.0.0.1:7000/api/data/v9.2/accounts?$select=name"
    played = json.loads(responses[0]["body"]["string"])
    assert played["@odata.context"] == "http://127.0.0.1:7000/api/data/v9.2/$metadata#accounts"
    assert responses[0]["headers"]["Content-Length"] == [str(len(responses[0]["body"]["string"]))]
    assert metadata["values"]["run_id"] == "r"


def test_gzip_responses_are_stored_decoded_so_they_can_be_scrubbed(tmp_path):
    payload = json.dumps({"access_token": "opaque-token-123456", "expires_in": 3599}).encode()
    save(tmp_path / "c.json", [vcr_request("POST", "http://127.0.0.1:4001/t/oauth2/token")],
         [response(gzip.compress(payload), Content_Encoding="gzip")])
    text = (tmp_path / "c.json").read_text()
    assert "opaque-token-123456" not in text
    stored = json.loads(text)["interactions"][0]["response"]
    assert stored["body"]["json"] == {"access_token": "<ACCESS_TOKEN_1>", "expires_in": 3599}
    assert not any(k.lower() == "content-encoding" for k in stored["headers"])


def test_known_setting_secrets_never_reach_the_file_even_in_unexpected_places(tmp_path):
    save(tmp_path / "c.json", [vcr_request("POST", "http://127.0.0.1:4000/api/x", {"note": "pw is Sim-Passw0rd!"})],
         [response(b'{"echo": "Sim-Passw0rd!"}')])
    text = (tmp_path / "c.json").read_text()
    assert "Sim-Passw0rd!" not in text and text.count("<PASSWORD_1>") == 2


def test_yaml_serializer_writes_the_same_structure(tmp_path):
    save(tmp_path / "c.yaml", [vcr_request("GET", "http://127.0.0.1:4000/a")], [response(b'{"a": [1, 2]}')],
         serializer=YamlSerializer)
    text = (tmp_path / "c.yaml").read_text()
    assert "json:" in text and "https://crm.instance.invalid/a" in text
    requests, responses = HarnessPersister(NEW).load_cassette(str(tmp_path / "c.yaml"), YamlSerializer)
    assert json.loads(responses[0]["body"]["string"]) == {"a": [1, 2]}


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path):
    save(tmp_path / "deep" / "c.json", [vcr_request("GET", "http://127.0.0.1:4000/a")], [response(b"{}")])
    assert [p.name for p in (tmp_path / "deep").iterdir()] == ["c.json"]


def test_missing_or_empty_cassette_is_not_found(tmp_path):
    with pytest.raises(CassetteNotFoundError):
        HarnessPersister(NEW).load_cassette(str(tmp_path / "none.json"), JsonSerializer)
    (tmp_path / "empty.json").write_text("  \n")
    with pytest.raises(CassetteNotFoundError):
        HarnessPersister(NEW).load_cassette(str(tmp_path / "empty.json"), JsonSerializer)


@pytest.mark.parametrize(("content", "message"), [
    ('{"interactions": [\n  {"request": }', "line 2 column 15: Expecting value"),
    ("[1, 2]", "a cassette is an object with 'interactions'"),
    ('{"interactions": [{"request": {"method": "GET"}, "response": {"status": {"code": 200}}}]}',
     "interaction #1: request.uri must be a non-empty string"),
    ('{"interactions": [{"request": {"method": "GET", "uri": "http://x"}, "response": {"status": {}}}]}',
     "interaction #1: response.status.code must be an integer"),
    ('{"interactions": [{"request": {"method": "GET", "uri": "http://x", "headers": {"A": 1}}, '
     '"response": {"status": {"code": 200}}}]}', "request.headers.A must be a string or a list of strings"),
    ('{"interactions": [{"request": {"method": "GET", "uri": "http://x", "body": {"xml": "<a/>"}}, '
     '"response": {"status": {"code": 200}}}]}', "request.body needs one of json, form, string, base64"),
])
def test_malformed_cassettes_name_file_and_place(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CassetteFormatError) as raised:
        HarnessPersister(NEW).load_cassette(str(path), JsonSerializer)
    assert str(path) in str(raised.value) and message in str(raised.value)


def test_extra_cassettes_are_read_but_never_written(tmp_path):
    save(tmp_path / "shared.json", [vcr_request("GET", "http://127.0.0.1:4000/shared")], [response(b"{}")])
    save(tmp_path / "own.json", [vcr_request("GET", "http://127.0.0.1:4000/own")], [response(b"{}")],
         metadata={"values": {"run_id": "own", "drawn": []}})
    persister = HarnessPersister(NEW, [str(tmp_path / "shared.json")])
    requests, _, metadata = persister.load_cassette(str(tmp_path / "own.json"), JsonSerializer)
    assert [r.path for r in requests] == ["/own", "/shared"]
    assert metadata["values"]["run_id"] == "own"


def test_vcrpy_yaml_cassettes_still_load(tmp_path):
    """A cassette written by plain vcrpy (string bodies) is readable by the harness persister."""
    from vcr.persisters.filesystem import FilesystemPersister
    from vcr.serializers import yamlserializer

    FilesystemPersister.save_cassette(str(tmp_path / "v.yaml"), {
        "requests": [vcr_request("GET", "http://127.0.0.1:4000/a")], "responses": [response(b'{"x": 1}')]},
        yamlserializer)
    requests, responses = HarnessPersister(NEW).load_cassette(str(tmp_path / "v.yaml"), yamlserializer)
    assert requests[0].uri == "http://127.0.0.1:4000/a" and json.loads(responses[0]["body"]["string"]) == {"x": 1}
