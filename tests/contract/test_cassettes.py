"""Recorded responses checked against the pinned `$metadata`, offline: the committed cassettes conform,
and deliberately corrupted copies are caught at the right file and interaction."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from harness.contract import ContractError, contract_document, validate_cassettes
from harness.contract.cassettes import split_uri
from harness.recording.instance import PLACEHOLDER_DOMAIN

from .known_issues import SIMULATOR_ISSUES

REPO = Path(__file__).resolve().parents[2]
CASSETTES = REPO / "cassettes"
METADATA = CASSETTES / "metadata"
ACCOUNTS = CASSETTES / "contract" / "test_contract" / "test_contract[crm-accounts].json"


def _committed(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not in this checkout")
    return path


def test_committed_cassettes_conform_to_the_pinned_metadata():
    report = validate_cassettes([_committed(CASSETTES / "contract"), _committed(CASSETTES / "suites")],
                                metadata_dir=_committed(METADATA), known_issues=SIMULATOR_ISSUES, relative_to=REPO)
    assert report.ok, report.to_text()
    assert report.checked > 500
    assert set(report.roots) == {"crm", "fno", "bc"}
    # sign-in, $metadata, navigation and $ref requests are outside the contract: counted, not failures
    uncovered = {uri.split("?")[0].rpartition("/")[2] for _, _, _, uri in report.uncovered}
    assert {"token", "$metadata"} <= uncovered
    assert len(report.uncovered) < report.checked / 5


def test_committed_contract_cassettes_conform_without_any_baseline():
    """Every deviation the contract run found is fixed in the simulator: nothing needs excusing."""
    report = validate_cassettes([_committed(CASSETTES / "contract")], metadata_dir=_committed(METADATA))
    assert report.ok, report.mismatches[:3]
    assert not report.known


# ---------------------------------------------------------------------------- corrupted copies
def _interactions(path: Path) -> tuple[dict, list[dict]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return document, document["interactions"]


def _first(interactions: list[dict], predicate) -> int:
    return next(index for index, item in enumerate(interactions) if predicate(item))


def _list_page(item: dict) -> bool:
    body = item["response"].get("body") or {}
    return (item["request"]["method"] == "GET" and item["response"]["status"]["code"] == 200
            and isinstance(body.get("json"), dict) and body["json"].get("value"))


def _corrupt(tmp_path: Path, change) -> tuple[Path, int]:
    """A copy of the accounts contract cassette with one interaction changed; (file, 1-based index)."""
    document, interactions = _interactions(_committed(ACCOUNTS))
    index = change(interactions)
    target = tmp_path / "corrupt" / "accounts.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    return target, index + 1


def _check(tmp_path: Path, change, expected: str) -> None:
    path, index = _corrupt(tmp_path, change)
    report = validate_cassettes([path], metadata_dir=_committed(METADATA), known_issues=SIMULATOR_ISSUES)
    assert [m.interaction for m in report.mismatches] == [index], report.to_text()
    mismatch = report.mismatches[0]
    assert mismatch.cassette == str(path)
    assert any(expected in problem for problem in mismatch.problems), mismatch.problems
    assert f"{path}: interaction #{index}:" in report.to_text()
    assert report.to_dict()["mismatches"][0]["interaction"] == index


def test_a_property_of_the_wrong_type_is_caught(tmp_path):
    def change(interactions):
        index = _first(interactions, _list_page)
        interactions[index]["response"]["body"]["json"]["value"][0]["name"] = 12345
        return index
    _check(tmp_path, change, "Response violates schema")


def test_an_undocumented_status_is_caught(tmp_path):
    def change(interactions):
        index = _first(interactions, _list_page)
        interactions[index]["response"]["status"] = {"code": 418, "message": "I'm a teapot"}
        return index
    _check(tmp_path, change, "Undocumented status code")


def test_an_undocumented_content_type_is_caught(tmp_path):
    def change(interactions):
        index = _first(interactions, _list_page)
        interactions[index]["response"]["headers"]["content-type"] = "text/html"
        return index
    _check(tmp_path, change, "Undocumented Content-Type")


def test_a_missing_required_header_is_caught(tmp_path):
    def change(interactions):
        index = _first(interactions, lambda item: item["request"]["method"] == "POST"
                       and item["response"]["status"]["code"] == 204)
        headers = interactions[index]["response"]["headers"]
        for name in [n for n in headers if n.lower() == "odata-entityid"]:
            del headers[name]
        return index
    _check(tmp_path, change, "Missing required response headers")


def test_an_unreadable_cassette_names_the_file(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"interactions": [', encoding="utf-8")
    with pytest.raises(ContractError, match=r"broken\.json.*line 1"):
        validate_cassettes([broken], metadata_dir=_committed(METADATA))
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"interactions": [{"request": {"method": "GET"}, "response": {}}]}))
    with pytest.raises(ContractError, match=r"wrong\.json: interaction #1"):
        validate_cassettes([wrong], metadata_dir=METADATA)


def test_missing_inputs_are_clear_errors(tmp_path):
    with pytest.raises(ContractError, match="no such cassette file or folder"):
        validate_cassettes([tmp_path / "nope"], metadata_dir=_committed(METADATA))
    with pytest.raises(ContractError, match="no such metadata folder"):
        validate_cassettes([tmp_path], metadata_dir=tmp_path / "nope")
    with pytest.raises(ContractError, match="no contract to check against"):
        validate_cassettes([tmp_path], metadata_dir=tmp_path)
    (tmp_path / "crm.xml").write_text("<not-csdl/>")
    with pytest.raises(ContractError, match=r"crm\.xml.*Edmx"):
        validate_cassettes([tmp_path], metadata_dir=tmp_path)


def test_an_explicit_openapi_document_can_be_the_contract(tmp_path):
    document = contract_document(_committed(METADATA) / "crm.xml", "dataverse",
                                 f"https://crm.{PLACEHOLDER_DOMAIN}", reserve_write_keys=False)
    narrowed = copy.deepcopy(document)
    del narrowed["paths"]["/accounts"]["get"]["responses"]["200"]  # now a list page is undocumented
    source = tmp_path / "accounts.json"
    shutil.copy(_committed(ACCOUNTS), source)
    assert validate_cassettes([source], documents={"crm": document}, known_issues=SIMULATOR_ISSUES).ok
    report = validate_cassettes([source], documents={"crm": narrowed}, known_issues=SIMULATOR_ISSUES)
    assert report.mismatches and all(m.operation == "GET /accounts" for m in report.mismatches)


def test_recorded_uris_are_routed_to_their_service_root():
    assert split_uri(f"https://crm.{PLACEHOLDER_DOMAIN}/api/data/v9.2/accounts(1)") == ("crm", "/accounts(1)")
    assert split_uri(f"https://fno.{PLACEHOLDER_DOMAIN}/data/CustomersV3?$top=1") == ("fno", "/CustomersV3")
    bc = f"https://bc.{PLACEHOLDER_DOMAIN}/v2.0/{{{{TENANT_ID}}}}/production/api/v2.0/companies(1)/items"
    assert split_uri(bc) == ("bc", "/companies(1)/items")
    assert split_uri(f"https://login.{PLACEHOLDER_DOMAIN}/x/oauth2/token") is None
    assert split_uri("https://contoso.crm.dynamics.com/api/data/v9.2/accounts") is None
    assert split_uri("https://contoso.crm.dynamics.com/api/data/v9.2/accounts",
                     {"https://contoso.crm.dynamics.com": "crm"}) == ("crm", "/accounts")
