"""``harness metadata fetch|diff|openapi`` as a user runs them: outputs, exit codes, clear errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main
from harness.metadata import parse_csdl

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "metadata" / "data"
DATAVERSE = DATA / "dataverse_small.xml"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def changed_copy(tmp_path: Path, old: str, new: str, name: str = "changed.xml") -> Path:
    text = DATAVERSE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("action", ["fetch", "diff", "openapi", "check-cassettes"])
def test_every_action_has_help(action, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["metadata", action, "--help"])
    assert exited.value.code == 0
    assert f"usage: harness metadata {action}" in capsys.readouterr().out


def test_diff_of_identical_documents_exits_0(capsys):
    assert main(["metadata", "diff", str(DATAVERSE), str(DATAVERSE)]) == 0
    assert "No differences." in capsys.readouterr().out


def test_diff_reports_drift_and_exits_1(tmp_path, capsys):
    new = changed_copy(tmp_path, '<Property Name="accountnumber"', '<Property Name="accountcode"')
    out_json = tmp_path / "reports" / "drift.json"
    assert main(["metadata", "diff", str(DATAVERSE), str(new), "--json", str(out_json)]) == 1
    text = capsys.readouterr().out
    assert "Breaking changes (1):" in text and "- removed property Microsoft.Dynamics.CRM.account/accountnumber" in text
    assert "+ added property Microsoft.Dynamics.CRM.account/accountcode" in text
    report = json.loads(out_json.read_text())
    assert report["breaking"] == 1
    kinds = {(c["kind"], c["category"], c["path"]) for c in report["changes"]}
    assert ("removed", "property", "Microsoft.Dynamics.CRM.account/accountnumber") in kinds
    assert ("added", "property", "Microsoft.Dynamics.CRM.account/accountcode") in kinds


def test_diff_covers_sets_keys_types_and_navigation(tmp_path, capsys):
    text = DATAVERSE.read_text(encoding="utf-8")
    changed = (text.replace('<EntitySet Name="tasks"', '<EntitySet Name="tasks2"', 1)
               .replace('Name="numberofemployees" Type="Edm.Int32"', 'Name="numberofemployees" Type="Edm.String"', 1))
    new = tmp_path / "new.xml"
    new.write_text(changed, encoding="utf-8")
    assert main(["metadata", "diff", str(DATAVERSE), str(new), "--json", "-"]) == 1
    report = json.loads(capsys.readouterr().out)
    categories = {(c["category"], c["kind"]) for c in report["changes"]}
    assert ("entity_set", "removed") in categories and ("entity_set", "added") in categories
    assert any(c["detail"] == "type" and c["path"].endswith("/numberofemployees") for c in report["changes"])


def test_only_breaking_drift_fails_with_fail_on_breaking(tmp_path, capsys):
    added = changed_copy(tmp_path, '<EntitySet Name="tasks"', '<EntitySet Name="tasks_copy" '
                         'EntityType="Microsoft.Dynamics.CRM.task"/>\n        <EntitySet Name="tasks"')
    assert main(["metadata", "diff", str(DATAVERSE), str(added), "--fail-on", "breaking"]) == 0
    assert main(["metadata", "diff", str(DATAVERSE), str(added)]) == 1
    assert main(["metadata", "diff", str(added), str(DATAVERSE), "--fail-on", "breaking"]) == 1
    capsys.readouterr()


@pytest.mark.parametrize(("content", "expected"), [
    (None, "no such file"),
    ("<edmx:Edmx xmlns:edmx='http://docs.oasis-open.org/odata/ns/edmx'><broken", "bad.xml"),
    ("<html><body>Sign in</body></html>", "OData v4 CSDL"),
    ("", "bad.xml"),
])
def test_bad_input_is_a_usage_error_without_traceback(tmp_path, content, expected):
    bad = tmp_path / "bad.xml"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    result = run("metadata", "diff", str(bad), str(DATAVERSE))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and expected in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_mistakes_exit_2(tmp_path, capsys):
    for argv in (["metadata", "diff", str(DATAVERSE)], ["metadata"], ["metadata", "fetch"],
                 ["metadata", "fetch", "--root", "erp"]):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 2
    assert main(["metadata", "diff", str(tmp_path), str(DATAVERSE)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert main(["metadata", "diff", "sim:erp", str(DATAVERSE)]) == 2
    assert "unknown service root 'erp'" in capsys.readouterr().err


def test_fetch_writes_the_simulators_metadata(tmp_path, capsys):
    out = tmp_path / "pinned" / "fno.xml"
    assert main(["metadata", "fetch", "--target", "sim", "--root", "fno", "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().err
    model = parse_csdl(out)
    assert {"CustomersV3", "CustomerGroups"} <= set(model.entity_sets)


def test_fetch_to_stdout_then_diff_against_the_simulator_is_clean(tmp_path):
    result = run("metadata", "fetch", "--root", "crm")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<?xml") and "accounts" in result.stdout
    saved = tmp_path / "crm.xml"
    saved.write_text(result.stdout, encoding="utf-8")
    compared = run("metadata", "diff", str(saved), "sim:crm")
    assert compared.returncode == 0, compared.stdout + compared.stderr
    assert "No differences." in compared.stdout


def test_fetch_live_without_settings_is_explained(tmp_path):
    env = tmp_path / "empty.env"
    env.write_text("")
    result = run("metadata", "--env-file", str(env), "fetch", "--target", "live", "--root", "bc")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_openapi_from_a_file(tmp_path, capsys):
    out = tmp_path / "accounts.openapi.json"
    assert main(["metadata", "openapi", str(DATAVERSE), "--dialect", "dataverse", "--entity-sets", "accounts",
                 "--operation-imports", "WhoAmI", "--server-url", "https://org/api/data/v9.2", "--out", str(out)]) == 0
    document = json.loads(out.read_text())
    assert document["openapi"].startswith("3.0")
    assert set(document["paths"]) == {"/accounts", "/accounts/$count", "/accounts({accountid})", "/WhoAmI()"}
    assert document["servers"] == [{"url": "https://org/api/data/v9.2"}]
    assert "201" in document["paths"]["/accounts"]["post"]["responses"]
    assert "wrote" in capsys.readouterr().err


def test_openapi_from_the_simulator_infers_the_dialect(capsys):
    assert main(["metadata", "openapi", "sim:bc", "--entity-sets", "customers"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert "/companies({companyId})/customers" in document["paths"]
    patch = document["paths"]["/companies({companyId})/customers({id})"]["patch"]
    assert "200" in patch["responses"]  # the bc dialect: PATCH answers the record


def test_openapi_errors_are_clear(tmp_path, capsys):
    assert main(["metadata", "openapi", str(DATAVERSE)]) == 2
    assert "--dialect is needed" in capsys.readouterr().err
    assert main(["metadata", "openapi", str(DATAVERSE), "--dialect", "dataverse", "--entity-sets", "acounts"]) == 2
    assert "no entity set named 'acounts'" in capsys.readouterr().err
    assert main(["metadata", "openapi", str(DATAVERSE), "--dialect", "dataverse", "--entity-sets", ","]) == 2
    assert "comma-separated" in capsys.readouterr().err
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert main(["metadata", "openapi", str(DATAVERSE), "--dialect", "dataverse", "--out",
                 str(blocked / "x.json")]) == 2
    assert "cannot write" in capsys.readouterr().err


# ---------------------------------------------------------------------------- check-cassettes
CASSETTES = REPO / "cassettes"


def test_check_cassettes_passes_on_the_suites_and_finds_their_metadata(capsys):
    if not (CASSETTES / "suites").exists():
        pytest.skip("no committed suite cassettes in this checkout")
    assert main(["metadata", "check-cassettes", str(CASSETTES / "suites")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Cassette contract check:") and "0 mismatches" in out


def test_check_cassettes_names_a_corrupted_interaction(tmp_path, capsys):
    source = CASSETTES / "contract" / "test_contract" / "test_contract[crm-accounts].json"
    if not source.exists():
        pytest.skip("no committed contract cassettes in this checkout")
    document = json.loads(source.read_text(encoding="utf-8"))
    index = next(i for i, item in enumerate(document["interactions"])
                 if item["request"]["method"] == "GET" and item["response"]["status"]["code"] == 200
                 and (item["response"].get("body") or {}).get("json", {}).get("value"))
    document["interactions"][index]["response"]["body"]["json"]["value"][0]["numberofemployees"] = "many"
    copy = tmp_path / "cassettes" / "x" / "accounts.json"
    copy.parent.mkdir(parents=True)
    copy.write_text(json.dumps(document), encoding="utf-8")
    shutil.copytree(CASSETTES / "metadata", tmp_path / "cassettes" / "metadata")
    out_json = tmp_path / "report.json"
    assert main(["metadata", "check-cassettes", str(copy.parent), "--json", str(out_json)]) == 1
    text = capsys.readouterr().out
    assert f"accounts.json: interaction #{index + 1}: GET" in text and "Response violates schema" in text
    report = json.loads(out_json.read_text())
    assert any(m["interaction"] == index + 1 for m in report["mismatches"])


def test_check_cassettes_bad_input_exits_2(tmp_path):
    result = run("metadata", "check-cassettes", str(tmp_path / "none"), "--metadata-dir", str(tmp_path))
    assert result.returncode == 2 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr
