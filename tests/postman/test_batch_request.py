"""A Postman request that posts a raw ``$batch`` body (as the Dataverse sample collections do) runs through
``harness run`` against the simulator: variables resolve inside the body, the change set is applied and
the test script sees the multipart answer."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from harness.cli import main
from tests.postman.helpers import COLLECTIONS

ROPC = COLLECTIONS / "dataverse-ropc-token.postman_collection.json"

# Postman stores raw bodies with LF line ends; {{webapi}} and {{name}} are resolved by the runner.
BATCH_BODY = "\n".join([
    "--batch_postman",
    "Content-Type: multipart/mixed; boundary=changeset_postman",
    "",
    "--changeset_postman",
    "Content-Type: application/http",
    "Content-Transfer-Encoding: binary",
    "Content-ID: 1",
    "",
    "POST {{webapi}}/accounts HTTP/1.1",
    "Content-Type: application/json; type=entry",
    "",
    '{"name": "{{name}}"}',
    "--changeset_postman",
    "Content-Type: application/http",
    "Content-Transfer-Encoding: binary",
    "Content-ID: 2",
    "",
    "POST {{webapi}}/contacts HTTP/1.1",
    "Content-Type: application/json; type=entry",
    "",
    '{"lastname": "{{name}}", "parentcustomerid_account@odata.bind": "$1"}',
    "--changeset_postman--",
    "--batch_postman",
    "Content-Type: application/http",
    "Content-Transfer-Encoding: binary",
    "",
    "GET {{webapi}}/accounts?$select=name&$filter=name eq '{{name}}' HTTP/1.1",
    "Accept: application/json",
    "",
    "--batch_postman--",
    "",
])

TESTS = [
    "pm.test('batch answers 200 multipart', function () {",
    "    pm.response.to.have.status(200);",
    "    pm.expect(pm.response.headers.get('Content-Type')).to.include('multipart/mixed; boundary=batchresponse_');",
    "});",
    "pm.test('both creates and the read ran', function () {",
    "    const text = pm.response.text();",
    "    pm.expect(text.match(/HTTP\\/1.1 204/g).length).to.eql(2);",
    "    pm.expect(text).to.include('HTTP/1.1 200');",
    "    pm.expect(text).to.include('\"name\":\"' + pm.variables.get('name') + '\"');",
    "});",
]


def _batch_item() -> dict:
    return {"name": "Batch: account and contact in one change set", "request": {
        "method": "POST",
        "header": [{"key": "Content-Type", "value": "multipart/mixed; boundary=batch_postman"},
                   {"key": "OData-Version", "value": "4.0"}],
        "url": {"raw": "{{webapi}}/$batch", "host": ["{{webapi}}"], "path": ["$batch"]},
        "body": {"mode": "raw", "raw": BATCH_BODY}},
        "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": TESTS}}]}


def test_a_postman_batch_request_runs_through_harness_run(tmp_path: Path, capsys):
    source = json.loads(ROPC.read_text())
    collection = copy.deepcopy(source)
    collection["info"]["name"] = "Dataverse batch"
    collection["item"] = [source["item"][0], _batch_item()]
    collection["variable"].append({"key": "name", "value": "Postman batch 7f3e", "type": "string"})
    path = tmp_path / "batch.postman_collection.json"
    path.write_text(json.dumps(collection))
    status = main(["run", str(path)])
    out, err = capsys.readouterr()
    assert status == 0, out + err
    assert "✓  both creates and the read ran" in out
    assert "✓  batch answers 200 multipart" in out


def test_the_same_collection_runs_as_pytest_cases(pytester):
    source = json.loads(ROPC.read_text())
    collection = copy.deepcopy(source)
    collection["item"] = [source["item"][0], _batch_item()]
    collection["variable"].append({"key": "name", "value": "Postman batch pytest", "type": "string"})
    target = pytester.path / "collections" / "batch.postman_collection.json"
    target.parent.mkdir()
    target.write_text(json.dumps(collection))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly", "--disable-recording",
                                          "collections/batch.postman_collection.json")
    result.assert_outcomes(passed=2)
