"""Canary secrets: a whole recorded run never writes a password, a client secret or an issued token.

The simulator is given a user password and a client secret nobody else uses; the tokens it issues
(access, refresh, id) are collected as the harness parses them. After recording through the real
pytest plugin (and a JUnit report), every file under the run's folders is searched for all of them.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import textwrap

import pytest

from harness.recording import lint_command
from tests.fakes import fake_jwt
from tests.recording.helpers import all_text_under

PASSWORD = f"CANARY-pw-{secrets.token_hex(8)}"
CLIENT_SECRET = f"CANARY-secret-{secrets.token_hex(8)}"

# The canaries reach the inner run through the environment, so no source file contains them.
CONFTEST = '''
import hashlib
import os
from pathlib import Path

import pytest

import harness.auth.endpoint as endpoint
from harness.targets import simulator_targets
from simulator.config import CONFIDENTIAL_CLIENT_ID, PUBLIC_CLIENT_ID, SimClient, SimConfig, SimUser
from simulator.server import SimulatorServer

PASSWORD = os.environ["CANARY_PASSWORD"]
CLIENT_SECRET = os.environ["CANARY_CLIENT_SECRET"]
ISSUED = []
_parse = endpoint.parse_token_response


def _spy(body, **kwargs):
    ISSUED.extend(str(body[k]) for k in ("access_token", "refresh_token", "id_token") if body.get(k))
    return _parse(body, **kwargs)


endpoint.parse_token_response = _spy


def pytest_sessionfinish(session):
    # hashes only: the tokens themselves must not be written anywhere
    lines = [hashlib.sha256(token.encode()).hexdigest() for token in ISSUED]
    Path(os.environ["CANARY_ISSUED_FILE"]).write_text("\\n".join(lines))


@pytest.fixture(scope="session")
def sim():
    config = SimConfig(
        users=[SimUser("admin@contoso.onmicrosoft.com", password=PASSWORD,
                       object_id="7a9d0000-0000-4000-8000-000000000001", given_name="Ada", family_name="Admin")],
        clients=[SimClient(PUBLIC_CLIENT_ID, public=True),
                 SimClient(CONFIDENTIAL_CLIENT_ID, secret=CLIENT_SECRET, public=True,
                           service_principal_id="5e7e0000-0000-4000-8000-000000000001")])
    with SimulatorServer(config) as server:
        yield server


@pytest.fixture(scope="session")
def harness_targets(sim):
    c = sim.config
    return simulator_targets(c.login_url, c.tenant_id, c.crm_url, c.fno_url, c.bc_url, PUBLIC_CLIENT_ID,
                             CONFIDENTIAL_CLIENT_ID, c.users[0].upn, PASSWORD, CLIENT_SECRET)
'''

TESTS = '''
import pytest

pytestmark = pytest.mark.vcr


def test_canary_flow(crm, fno, values, token_broker, harness_targets):
    crm.create("accounts", {"name": values.name("Canary")})
    assert crm.whoami()["UserId"]
    fno.create("CustomersV3", {"dataAreaId": "usmf", "OrganizationName": values.name("C"), "CustomerGroupId": "10"})
    token_broker.token(harness_targets["crm"], force_refresh=True)  # a refresh_token grant, recorded too
    crm.whoami()


def test_second_test_signs_in_again(crm):
    assert crm.whoami()["UserId"]
'''


TOKEN_LIKE = re.compile(r"[A-Za-z0-9._~+/=-]{16,}")


@pytest.fixture
def canary(pytester: pytest.Pytester, monkeypatch, tmp_path) -> pytest.Pytester:
    monkeypatch.setenv("CANARY_PASSWORD", PASSWORD)
    monkeypatch.setenv("CANARY_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("CANARY_ISSUED_FILE", str(tmp_path / "issued.sha256"))
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider -p no:schemathesis -p no:hypothesispytest\n")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_canary=TESTS)
    return pytester


def leaked_tokens(text: str, issued_hashes: set[str]) -> int:
    """How many token-like runs of characters in ``text`` are tokens the run was issued."""
    return sum(1 for run in set(TOKEN_LIKE.findall(text))
               if hashlib.sha256(run.encode()).hexdigest() in issued_hashes)


def test_a_recorded_run_writes_no_secret_anywhere(canary: pytest.Pytester, tmp_path):
    result = canary.runpytest_subprocess("--record-mode=rewrite", "--cassette-dir", str(canary.path / "cass"),
                                         "--junitxml", str(canary.path / "reports" / "junit.xml"))
    result.assert_outcomes(passed=2)
    cassettes = sorted((canary.path / "cass").rglob("*.json"))
    assert [p.name for p in cassettes] == ["test_canary_flow.json", "test_second_test_signs_in_again.json"]
    issued = set((tmp_path / "issued.sha256").read_text().split())
    # two CRM sign-ins (access, refresh and id token each), one F&O sign-in, one refresh
    assert len(issued) >= 8

    written = all_text_under(canary.path) + "\n".join(result.outlines + result.errlines)
    assert PASSWORD not in written and CLIENT_SECRET not in written
    assert leaked_tokens(written, issued) == 0

    flow = (canary.path / "cass" / "test_canary" / "test_canary_flow.json").read_text()
    for placeholder in ("<PASSWORD_1>", "<CLIENT_SECRET_1>", "<ACCESS_TOKEN_1>", "<ACCESS_TOKEN_2>",
                        "<REFRESH_TOKEN_1>", '"grant_type": "refresh_token"'):
        assert placeholder in flow
    assert lint_command([str(canary.path / "cass"), str(canary.path / "reports")]) == 0

    result = canary.runpytest_subprocess("--record-mode=none", "--block-network", "--cassette-dir",
                                         str(canary.path / "cass"))
    result.assert_outcomes(passed=2)


def test_the_token_detector_finds_a_planted_token(tmp_path):
    token = fake_jwt({'alg': 'RS256'}, {'aud': 'x'}, b'signature')
    hashes = {hashlib.sha256(token.encode()).hexdigest()}
    assert leaked_tokens(f'{{"note": "{token}"}}', hashes) == 1
    assert leaked_tokens('{"note": "<ACCESS_TOKEN_1>"}', hashes) == 0


def test_lint_catches_what_the_recorder_would_have_scrubbed(tmp_path, capsys):
    leaked = tmp_path / "cassettes" / "x.json"
    leaked.parent.mkdir()
    leaked.write_text(textwrap.dedent(f'''\
        {{"password": "{PASSWORD}",
          "note": "an issued token eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln"}}
        '''))
    assert lint_command([str(tmp_path / "cassettes")]) == 1
    out = capsys.readouterr().out
    assert "x.json:1:2: unscrubbed value under the secret-like key 'password'" in out
    assert "x.json:2:" in out and "JWT-shaped string" in out
    assert PASSWORD not in out
