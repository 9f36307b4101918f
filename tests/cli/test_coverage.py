"""``harness coverage``: entity sets, operations and query options from cassettes against `$metadata`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main as harness_main
from harness.coverage import load_cassette_interactions, measure, report_dict
from harness.metadata import parse_csdl

REPO = Path(__file__).resolve().parents[2]
SMALL = REPO / "tests" / "metadata" / "data" / "dataverse_small.xml"
CRM = "https://crm.instance.invalid/api/data/v9.2"


def interaction(method: str, uri: str, status: int = 200, prefer: str | None = None) -> dict:
    headers = {"Accept": ["application/json"]} | ({"Prefer": [prefer]} if prefer else {})
    return {"request": {"method": method, "uri": uri, "headers": headers, "body": None},
            "response": {"status": {"code": status, "message": ""}, "headers": {}, "body": None}}


TRAFFIC = [
    interaction("POST", "https://login.instance.invalid/{{TENANT_ID}}/oauth2/token"),  # not a service root
    interaction("GET", f"{CRM}/accounts?$select=name&$filter=name%20eq%20'a%2Fb'&$top=2",
                prefer='odata.include-annotations="*",odata.maxpagesize=2'),
    interaction("POST", f"{CRM}/accounts", 204, prefer="return=representation"),
    interaction("PATCH", f"{CRM}/accounts(00000000-0000-0000-0000-000000000001)", 204),
    interaction("GET", f"{CRM}/accounts(name='x/y')/primarycontactid?$select=fullname"),
    interaction("GET", f"{CRM}/accounts(00000000-0000-0000-0000-000000000001)/Account_Tasks/$count"),
    interaction("GET", f"{CRM}/accounts(00000000-0000-0000-0000-000000000001)/name/$value"),
    interaction("POST", f"{CRM}/accounts(00000000-0000-0000-0000-000000000001)/Microsoft.Dynamics.CRM.AddToQueue"),
    interaction("GET", f"{CRM}/WhoAmI()"),
    interaction("GET", f"{CRM}/WhoAmI"),
    interaction("GET", f"{CRM}/$metadata"),
    interaction("GET", f"{CRM}/NoSuchSet?$apply=groupby((name))&fetchXml=x", 404),
]


def write_cassette(folder: Path, name: str, interactions: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps({"version": 1, "interactions": interactions}))
    return path


def test_what_was_touched_and_what_never_was(tmp_path):
    write_cassette(tmp_path / "suites" / "test_a", "one.json", TRAFFIC[:6])
    write_cassette(tmp_path / "collections" / "b", "two.json", TRAFFIC[6:])
    count, interactions = load_cassette_interactions([tmp_path])
    assert count == 2 and len(interactions) == len(TRAFFIC)
    crm = report_dict(measure({"crm": (str(SMALL), parse_csdl(SMALL))}, interactions), count,
                      len(interactions))["roots"]["crm"]
    assert crm["requests"] == len(TRAFFIC) - 1  # the token request is not the service's

    sets = {item["name"]: item for item in crm["entity_sets"]["items"]}
    assert set(sets) == {"accounts", "contacts", "tasks"}
    assert crm["entity_sets"]["never"] == ["systemusers"]
    assert crm["entity_sets"]["percent"] == 75.0
    assert sets["accounts"]["options"] == {"$filter": 1, "$select": 1, "$top": 1}
    assert sets["contacts"]["ways"] == {"GET": 1} and sets["contacts"]["options"] == {"$select": 1}
    assert sets["tasks"]["ways"] == {"GET $count": 1}

    functions = {item["name"]: item for item in crm["functions"]["items"]}
    assert functions["Microsoft.Dynamics.CRM.WhoAmI"]["requests"] == 2
    assert set(crm["functions"]["never"]) == {"Microsoft.Dynamics.CRM.RetrieveCurrentOrganization",
                                              "Microsoft.Dynamics.CRM.RetrievePrincipalAccess"}
    actions = {item["name"]: item for item in crm["actions"]["items"]}
    assert actions["Microsoft.Dynamics.CRM.AddToQueue"]["ways"] == {"POST": 1}
    assert crm["actions"]["never"] == ["Microsoft.Dynamics.CRM.PublishAllXml"]

    options = crm["query_options"]
    assert options["exercised"] == {"$apply": 1, "$filter": 1, "$select": 2, "$top": 1}
    assert "$skip" not in options["never"]  # Dataverse has no $skip: not a blind spot
    assert {"$orderby", "$expand", "$count"} <= set(options["never"])
    assert options["custom"] == {"fetchXml": 1}
    assert crm["preferences"] == {"odata.include-annotations": 1, "odata.maxpagesize": 1, "return": 1}
    assert crm["service"] == {"$metadata": 1}
    assert crm["outside_metadata"] == [{"request": "GET /NoSuchSet", "count": 1}]


def test_accounts_ways_in_detail(tmp_path):
    write_cassette(tmp_path, "one.json", TRAFFIC)
    _, interactions = load_cassette_interactions([tmp_path])
    crm = report_dict(measure({"crm": (str(SMALL), parse_csdl(SMALL))}, interactions), 1, 0)["roots"]["crm"]
    accounts = next(i for i in crm["entity_sets"]["items"] if i["name"] == "accounts")
    assert accounts["ways"] == {"GET": 1, "POST": 1, "PATCH key": 1, "GET key property $value": 1,
                                "path key": 3}  # led to primarycontactid, Account_Tasks and AddToQueue
    assert accounts["statuses"] == {"2xx": 7}


def test_cli_table_json_and_fail_under(tmp_path, capsys):
    cassettes = tmp_path / "cassettes"
    write_cassette(cassettes / "suites" / "test_a", "one.json", TRAFFIC)
    (cassettes / "metadata").mkdir()
    (cassettes / "metadata" / "crm.xml").write_bytes(SMALL.read_bytes())
    write_cassette(cassettes / "contract" / "crm", "fuzz.json",  # not read by default: fuzzed requests
                   [interaction("GET", f"{CRM}/systemusers")])
    out = tmp_path / "coverage.json"
    assert harness_main(["coverage", str(cassettes / "suites"), "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "crm: 11 request(s)" in text
    assert "entity sets     3/4    exercised (75.0%)" in text
    assert "never: systemusers" in text
    assert "never: Microsoft.Dynamics.CRM.PublishAllXml" in text
    report = json.loads(out.read_text())
    assert report["roots"]["crm"]["entity_sets"]["never"] == ["systemusers"]
    assert harness_main(["coverage", str(cassettes / "suites"), "--fail-under", "80"]) == 1
    assert harness_main(["coverage", str(cassettes), "--fail-under", "100"]) == 0  # the fuzz cassette counts


@pytest.mark.parametrize(("args", "message"), [
    (["--metadata", "crm"], "expected ROOT=FILE"),
    (["--metadata", "xx=a.xml"], "expected ROOT=FILE"),
    (["--metadata", "crm=/no/such.xml"], "no such file"),
    (["--roots", "crm,zz"], "unknown root(s) zz"),
    (["/no/such/folder"], "no such file or directory"),
    ([], "no $metadata found"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    write_cassette(tmp_path / "cassettes" / "suites", "one.json", TRAFFIC[:2])
    assert harness_main(["coverage", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_the_committed_cassettes_cover_every_root():
    """The shipped suites touch each root's sets (figures change as suites grow; the shape must hold)."""
    count, interactions = load_cassette_interactions([REPO / "cassettes" / "suites", REPO / "cassettes" / "collections"])
    models = {root: (root, parse_csdl(REPO / "cassettes" / "metadata" / f"{root}.xml")) for root in ("crm", "fno", "bc")}
    report = report_dict(measure(models, interactions), count, len(interactions))
    for root in ("crm", "fno", "bc"):
        data = report["roots"][root]
        assert data["requests"] > 0 and data["entity_sets"]["exercised"] >= 1
        assert data["entity_sets"]["exercised"] + len(data["entity_sets"]["never"]) == data["entity_sets"]["declared"]
    assert "customers" in {i["name"] for i in report["roots"]["bc"]["entity_sets"]["items"]}  # companies(..)/customers
