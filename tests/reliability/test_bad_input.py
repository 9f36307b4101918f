"""Bad input from users: every mistake gets a clear error naming what and where, never a traceback.

Covers the public entry points of each part: ``.env`` (settings and the CLI), Postman collections and
environments (harness.postman), cassettes (harness.recording), CSDL (harness.metadata), OData URLs
(harness.odata) and pasted tokens; the simulator's side of bad input is fuzzed in
``test_fuzz_simulator.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.metadata import MetadataError, parse_csdl
from harness.odata import DATAVERSE, FNO, ODataClient, ODataUrlError, Query, parse_literal
from harness.postman import loader
from harness.postman.errors import CollectionError
from harness.recording import CassetteFormatError
from harness.recording.persister import read_document
from harness.recording.serializers import JsonSerializer
from harness.settings import SettingsError, load_settings

REPO = Path(__file__).resolve().parents[2]
SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------- .env
@pytest.mark.parametrize("content, key, line", [
    ("CRM_URL=not-a-url\n", "CRM_URL", 1),
    ("CRM_URL=https://org.crm.dynamics.com\nCRM_ACCESS_TOKEN=not-a-jwt\n", "CRM_ACCESS_TOKEN", 2),
    ("CRM_URL=https://org.crm.dynamics.com\nCRM_TENANT_ID=x\nCRM_CLIENT_ID=y\nCRM_CLIENT_SECRET=hunter2-secret\n"
     "CRM_GRANT_TYPE=magic\n", "CRM_GRANT_TYPE", 5),
])
def test_malformed_env_names_the_key_and_line_without_the_secret(tmp_path, content, key, line):
    env = _write(tmp_path, "bad.env", content)
    with pytest.raises(SettingsError) as caught:
        load_settings(str(env))
    message = str(caught.value)
    assert key in message and f"line {line}" in message and str(env) in message
    assert "hunter2-secret" not in message


def test_cli_reports_a_bad_env_without_a_traceback(tmp_path):
    env = _write(tmp_path, "bad.env", "CRM_URL=https://org.crm.dynamics.com\nCRM_PASSWORD=hunter2-secret\n"
                                      "THIS LINE IS JUNK\n")
    run = subprocess.run([sys.executable, "-m", "harness.cli", "token", "crm", "--target=live",
                          f"--env-file={env}"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr.startswith("error: ") and "line 3" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert "hunter2-secret" not in run.stderr + run.stdout


# ---------------------------------------------------------------------- collections and environments
@pytest.mark.parametrize("text, expected", [
    ('{"info": {"name": "x"},\n "item": [ {"name": "a",, }\n', ["line 2", "invalid JSON"]),
    (json.dumps({"info": {"name": "x", "schema": SCHEMA}, "item": [
        {"name": "ok", "request": {"method": "GET", "url": "{{url}}/x"}}, {"name": "broken", "request": 5}]},
        indent=1), ["item 'broken'", "'request' must be an object or a URL string"]),
    (json.dumps({"info": {"name": "x", "schema": SCHEMA}, "item": "nope"}), ["item"]),
    ("[1, 2, 3]", ["collection"]),
])
def test_malformed_collection_is_a_clear_error(tmp_path, text, expected):
    path = _write(tmp_path, "collection.json", text)
    with pytest.raises(CollectionError) as caught:
        loader.load_collection(path)
    message = str(caught.value)
    assert str(path) in message
    for part in expected:
        assert part in message


def test_missing_collection_file(tmp_path):
    with pytest.raises(CollectionError, match="not found"):
        loader.load_collection(tmp_path / "nope.json")


@pytest.mark.parametrize("text, expected", [
    ('{"values": "nope"}', "'values' must be an array"),
    ("{not json", "invalid JSON"),
])
def test_malformed_environment_is_a_clear_error(tmp_path, text, expected):
    path = _write(tmp_path, "env.json", text)
    with pytest.raises(CollectionError) as caught:
        loader.load_environment(path)
    assert expected in str(caught.value) and str(path) in str(caught.value)


# ---------------------------------------------------------------------- cassettes
@pytest.mark.parametrize("text, expected", [
    ('{"interactions": [{"request": {}}', "Expecting ',' delimiter"),
    ('{"interactions": 5}', "'interactions' must be a list"),
    (b"\xff\xfe\x00junk", "not UTF-8"),
])
def test_malformed_cassette_is_a_clear_error(tmp_path, text, expected):
    path = _write(tmp_path, "cassette.json", text)
    with pytest.raises(CassetteFormatError) as caught:
        read_document(path, JsonSerializer())
    assert expected in str(caught.value) and str(path) in str(caught.value)
    assert isinstance(caught.value, HarnessError)  # the CLI prints it as one line, no traceback


# ---------------------------------------------------------------------- CSDL
@pytest.mark.parametrize("text, expected", [
    (b"", "not an XML document"),
    (b"not xml at all", "not an XML document"),
    (b"<root/>", "expected the root element <edmx:Edmx"),
    (b'<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><x', "malformed XML"),
    (b'<?xml version="1.0"?>\n<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">\n'
     b'<edmx:DataServices>\n<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="X">\n'
     b"<EntityType>\n</EntityType>\n</Schema></edmx:DataServices></edmx:Edmx>\n",
     ":5: <EntityType> is missing the required attribute 'Name'"),
])
def test_malformed_csdl_is_a_clear_error_with_a_line(tmp_path, text, expected):
    path = _write(tmp_path, "metadata.xml", text)
    with pytest.raises(MetadataError) as caught:
        parse_csdl(path)
    assert expected in str(caught.value) and str(path) in str(caught.value)


def test_csdl_with_an_undeclared_prefix_names_the_file(tmp_path):
    path = _write(tmp_path, "metadata.xml", '<?xml version="1.0"?>\n<edmx:Edmx>\n</edmx:Edmx>\n')
    with pytest.raises(MetadataError) as caught:
        parse_csdl(path)
    assert "metadata.xml" in str(caught.value) and "namespace prefix" in str(caught.value)


# ---------------------------------------------------------------------- OData URLs and literals
@pytest.mark.parametrize("path, problem", [
    ("accounts(", "never closed"),
    ("accounts('unterminated)", "quote"),
    ("accounts(name='O'Bryan')", "quote"),
])
def test_malformed_odata_paths_point_at_the_problem(path, problem):
    client = ODataClient("https://org.crm.dynamics.com/api/data/v9.2", DATAVERSE)
    with pytest.raises(ODataUrlError) as caught:
        client.url_for(path)
    assert problem in str(caught.value).lower()
    assert caught.value.text and (caught.value.position is None or 0 <= caught.value.position <= len(path))


@pytest.mark.parametrize("text, problem", [
    ("'abc", "unterminated string literal"),
    ("'a'b'", "single quote inside a string must be doubled"),
    ("{6f1e9c3a-0000-4000-8000-000000000001}", "written with braces"),
    ("bare words", "is not an OData literal"),
])
def test_malformed_literals_are_explained(text, problem):
    with pytest.raises(ODataUrlError, match=problem):
        parse_literal(text)


def test_bad_query_options_are_rejected_before_sending():
    with pytest.raises(ValueError, match="top"):
        Query(top=-1)
    with pytest.raises(ODataUrlError, match=r"does not support \$skip"):
        Query(skip=5).check(DATAVERSE)
    Query(skip=5).check(FNO)  # F&O pages with $skip


def test_a_relative_api_root_is_rejected():
    with pytest.raises(ODataUrlError, match="absolute http"):
        ODataClient("org.crm.dynamics.com/api/data/v9.2", DATAVERSE)
