"""``harness cassettes diff``: what a client would notice between two recordings of the same suites."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from harness.recording import CassetteValues, RecordingContext, configure_vcr, diff_command
from harness.recording.drift import shape_of, signature
from harness.recording.interactions import compact_headers, new_document
from simulator.config import SimConfig
from simulator.server import SimulatorServer
from tests.recording.helpers import exchange, targets_of
from tests.recording.test_instances import TENANT_A, TENANT_B, crm_and_fno_flow

ROOT = "https://crm.instance.invalid/api/data/v9.2"


def recording(*, status=201, prefer="return=representation", etag=True, entity_id=True,
              content_type="application/json; odata.metadata=minimal", version="4.0",
              row: dict | None = None, name="A", extra: list | None = None) -> list[dict]:
    headers = {"OData-Version": version, "Preference-Applied": prefer}
    if etag:
        headers["ETag"] = 'W/"1"'
    if entity_id:
        headers["OData-EntityId"] = f"{ROOT}/accounts(11111111-0000-4000-8000-000000000001)"
    row = row if row is not None else {"name": name, "revenue": 1.5, "primarycontactid": {"fullname": "x"},
                                       "telephone1": None}
    create = exchange("POST", f"{ROOT}/accounts?$select=name", request_body={"name": name}, status=status,
                      response_headers=headers, response_body=row, response_type=content_type)
    query = exchange("GET", f"{ROOT}/accounts?$filter=name eq '{name}'&$select=name",
                     response_body={"value": [row, row]}, response_type=content_type)
    return [create, *(extra or []), query]


def write(folder: Path, name: str, interactions: list[dict]) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = new_document([compact_headers(i) for i in interactions], {"values": {"run_id": "r", "drawn": []}})
    path.write_text(json.dumps(doc, indent=2))


def diff(tmp_path, capsys, old: list[dict], new: list[dict], json_out: Path | None = None) -> tuple[int, str]:
    write(tmp_path / "old", "suites/t/test_a.json", old)
    write(tmp_path / "new", "suites/t/test_a.json", new)
    code = diff_command(tmp_path / "old", tmp_path / "new", json_out)
    return code, capsys.readouterr().out


def test_values_and_ids_changing_is_not_drift(tmp_path, capsys):
    new = recording(name="B", row={"name": "Other name", "revenue": 99, "primarycontactid": {"fullname": "y"},
                                   "telephone1": "555"})  # null -> string says nothing about the shape
    code, out = diff(tmp_path, capsys, recording(), new)
    assert code == 0 and out.startswith("No drift: 1 cassettes")


def test_status_and_protocol_headers(tmp_path, capsys):
    new = recording(status=204, prefer="", etag=False, entity_id=True,
                    content_type="application/json; odata.metadata=full", version="4.01")
    code, out = diff(tmp_path, capsys, recording(entity_id=False), new)
    assert code == 1
    assert "#1 POST /api/data/v9.2/accounts?$select" in out
    for line in ("status: 201 -> 204",
                 "header Content-Type: application/json; odata.metadata=minimal -> application/json; odata.metadata=full",
                 "header OData-Version: 4.0 -> 4.01", "header Preference-Applied: return=representation -> (absent)",
                 "header ETag: present -> (absent)", "header OData-EntityId: (absent) -> present"):
        assert line in out


def test_response_shapes_recursively(tmp_path, capsys):
    new_row = {"name": "A", "revenue": "1.5", "primarycontactid": {"fullname": "x", "emailaddress1": "e"},
               "newcolumn": True}
    code, out = diff(tmp_path, capsys, recording(), recording(row=new_row))
    assert code == 1
    assert "response property retyped: $.revenue: number -> string" in out
    assert "response property added: $.primarycontactid.emailaddress1 (string)" in out
    assert "response property added: $.newcolumn (boolean)" in out
    assert "response property removed: $.telephone1 (null)" in out
    assert "#2 GET /api/data/v9.2/accounts?$filter&$select" in out
    assert "response property added: $.value[].newcolumn (boolean)" in out


def test_an_inserted_request_does_not_shift_the_rest(tmp_path, capsys, ):
    extra = exchange("GET", f"{ROOT}/WhoAmI", response_body={"UserId": "u"})
    code, out = diff(tmp_path, capsys, recording(), recording(extra=[extra]))
    assert code == 1
    assert "#2 (new) GET /api/data/v9.2/WhoAmI: request only in the new recording" in out
    assert "$filter" not in out  # the query after it is still paired with its old counterpart


def test_json_report_and_cassettes_on_one_side_only(tmp_path, capsys):
    write(tmp_path / "old", "suites/t/test_gone.json", recording())
    write(tmp_path / "new", "suites/t/test_new.json", recording())
    report = tmp_path / "out" / "drift.json"
    code, out = diff(tmp_path, capsys, recording(), recording(status=200), json_out=report)
    assert code == 1
    assert "suites/t/test_gone.json: cassette only in the old recording" in out
    assert "suites/t/test_new.json: cassette only in the new recording" in out
    data = json.loads(report.read_text())
    assert data["drift"] is True and data["summary"]["cassettes_compared"] == 3
    by_path = {c["path"]: c for c in data["cassettes"]}
    assert by_path["suites/t/test_gone.json"]["status"] == "removed"
    change = by_path["suites/t/test_a.json"]["interactions"][0]["changes"][0]
    assert change == {"kind": "status", "where": "status", "old": 201, "new": 200}


def test_bad_input_is_a_usage_error(tmp_path, capsys):
    assert diff_command(tmp_path / "missing", tmp_path) == 2
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    (tmp_path / "old" / "x.json").write_text("{not json")
    (tmp_path / "new" / "x.json").write_text("{}")
    assert diff_command(tmp_path / "old", tmp_path / "new") == 2
    assert "x.json: line 1 column 2" in capsys.readouterr().err


def test_signatures_and_shapes():
    assert signature({"method": "get", "uri": f"{ROOT}/accounts(1a2b3c4d-0000-4000-8000-000000000001)/x?b=1&a=2"}) \
        == "GET /api/data/v9.2/accounts({id})/x?a&b"
    assert signature({"method": "GET", "uri": f"{ROOT}/Customers(dataAreaId='usmf',CustomerAccount='C1')"}) \
        == "GET /api/data/v9.2/Customers({id})"
    assert shape_of({"a": [1, {"b": None}], "c": []}) == {"object": {"a": {"array": "number"}, "c": {"array": None}}}


def test_re_recording_on_a_recreated_instance_shows_no_drift(tmp_path, capsys):
    """The same flow recorded against two instances (other URLs, tenant, ids, names): no drift."""
    for folder, tenant in (("old", TENANT_A), ("new", TENANT_B)):
        with SimulatorServer(SimConfig(tenant_id=tenant)) as server:
            targets = targets_of(server)
            vcr = configure_vcr(RecordingContext.from_targets(targets), tmp_path / folder / "suites")
            with vcr.use_cassette("flow", record_mode="once") as cassette:
                crm_and_fno_flow(targets, CassetteValues("20260101-aaaaaa", cassette))
    assert diff_command(tmp_path / "old", tmp_path / "new") == 0
    # and a real change in the service shows up
    path = tmp_path / "new" / "suites" / "flow.json"
    doc = json.loads(path.read_text())
    changed = copy.deepcopy(doc)
    fno_create = next(i for i in changed["interactions"] if "CustomersV3" in i["request"]["uri"])
    del fno_create["response"]["body"]["json"]["CustomerGroupId"]
    path.write_text(json.dumps(changed))
    capsys.readouterr()
    assert diff_command(tmp_path / "old", tmp_path / "new") == 1
    assert "response property removed: $.CustomerGroupId (string)" in capsys.readouterr().out
