"""Issue 14 item 1: a collection that keeps a token reply's refresh (and access) token in innocently
named variables and sends them later (URL, header, body) must not write them into any cassette —
not the request, not ``metadata.postman.scopes`` — and `harness cassettes lint` must agree.

The simulator's issued refresh tokens are spied (as SHA-256 only) so every word of every cassette can
be compared with them; the pytest run is a separate process, as in ``test_cassettes.py``.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from harness.recording.lint import scan
from tests.postman.helpers import collection, request_item

INI = """
[pytest]
addopts = -p no:cacheprovider -p no:schemathesis -p no:hypothesispytest -p no:anyio -p no:randomly
"""

CONFTEST = '''
import hashlib
import os
from pathlib import Path

import simulator.identity.provider as provider

_issue = provider.IdentityProvider.issue_refresh_token


def _spy(self, grant, version):
    token = _issue(self, grant, version)
    with open(os.environ["ISSUED_FILE"], "a") as out:
        out.write(hashlib.sha256(token.encode()).hexdigest() + "\\n")
    return token


provider.IdentityProvider.issue_refresh_token = _spy
'''

TOKEN_TESTS = """
const json = pm.response.json();
pm.test('a refresh token came back', () => pm.expect(json.refresh_token).to.be.a('string'));
pm.collectionVariables.set('rt', json.refresh_token);
pm.environment.set('later', json.refresh_token);
pm.collectionVariables.set('at', json.access_token);
"""


def refresh_collection() -> dict:
    token = request_item("Get token", "{{token_url}}", "POST", tests=TOKEN_TESTS, body={
        "mode": "urlencoded", "urlencoded": [
            {"key": "grant_type", "value": "password"}, {"key": "client_id", "value": "{{client_id}}"},
            {"key": "resource", "value": "{{crm_url}}"}, {"key": "username", "value": "{{username}}"},
            {"key": "password", "value": "{{password}}"}]})
    token["request"]["auth"] = {"type": "noauth"}
    use = request_item("Use it", "{{crm_api}}/WhoAmI?hint={{rt}}", "POST",
                       header=[{"key": "X-Trace", "value": "{{rt}}"}],
                       body={"mode": "raw", "raw": '{"note": "{{later}}"}'},
                       auth={"type": "bearer", "bearer": [{"key": "token", "value": "{{at}}"}]})
    return collection([token, use], name="Refresh in variables")


def test_tokens_kept_in_variables_are_scrubbed_from_every_cassette(pytester: pytest.Pytester, tmp_path):
    pytester.makeini(INI)
    pytester.makeconftest(CONFTEST)
    issued_file = tmp_path / "issued.txt"
    pytester.path.joinpath("collections").mkdir()
    pytester.path.joinpath("collections", "refresh.postman_collection.json").write_text(
        json.dumps(refresh_collection()))
    result = _run(pytester, issued_file)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 1, result.stdout.str()[-3000:]
    issued = set(issued_file.read_text().split())
    assert issued, "the simulator issued no refresh token"

    root = pytester.path / "cassettes"
    files = list(root.rglob("*.json"))
    assert len(files) == 2
    for path in files:
        text = path.read_text(encoding="utf-8")
        words = set(re.findall(r"[A-Za-z0-9._~+/=-]{20,}", text))
        leaked = [w for w in words if hashlib.sha256(w.encode()).hexdigest() in issued]
        assert not leaked, f"{path.name} holds an issued refresh token"
    use = json.loads(next(p for p in files if p.name.startswith("Use-it")).read_text())
    scopes = use["metadata"]["postman"]["scopes"]
    assert re.fullmatch(r"<[A-Z_]+_\d+>", scopes["collectionVariables"]["rt"])
    assert scopes["collectionVariables"]["rt"] == scopes["environment"]["later"]  # one secret, one placeholder
    assert scan([root]) == []  # what `harness cassettes lint` runs


def _run(pytester: pytest.Pytester, issued_file):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ISSUED_FILE", str(issued_file))
        return pytester.runpytest_subprocess("collections", "--record-mode=rewrite", "-n", "0")
