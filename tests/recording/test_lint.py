"""``harness cassettes lint``: JWTs, bearer credentials, settings values and unscrubbed secret keys."""

from __future__ import annotations

import json

import pytest

from harness.recording import lint_command
from tests.fakes import fake_jwt

JWT = fake_jwt({'alg': 'RS256'}, {'aud': 'https://org'}, b'signature')


@pytest.fixture(autouse=True)
def no_ambient_settings(monkeypatch, tmp_path):
    """Lint reads ./.env and the environment; isolate the tests from the developer's ones."""
    monkeypatch.chdir(tmp_path)
    for key in ("HARNESS_ENV_FILE", "CRM_PASSWORD", "CLIENT_SECRET", "CRM_CLIENT_SECRET"):
        monkeypatch.delenv(key, raising=False)


def lint(capsys, *args, **kwargs) -> tuple[int, str]:
    code = lint_command(*args, **kwargs)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def write(path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_clean_cassettes_pass(tmp_path, capsys):
    write(tmp_path / "cassettes" / "a.json", json.dumps({
        "headers": {"Authorization": "Bearer <ACCESS_TOKEN_1>",
                    "WWW-Authenticate": 'Bearer authorization_uri="https://login/x", resource_id="https://o"'},
        "body": {"access_token": "<ACCESS_TOKEN_1>", "password": "<PASSWORD_1>", "token_type": "Bearer",
                 "$skiptoken": "abc", "note": "Basic information"}}, indent=2))
    code, out = lint(capsys)
    assert code == 0 and "no secrets found in cassettes" in out


def test_findings_name_file_line_and_column_without_showing_the_secret(tmp_path, capsys):
    path = write(tmp_path / "cassettes" / "suite" / "t.json",
                 '{\n  "Authorization": "Bearer abcdef.123456-opaque",\n'
                 f'  "note": "token {JWT}",\n  "client_secret": "s3cr3t-value"\n}}\n')
    code, out = lint(capsys, [str(tmp_path / "cassettes")])
    assert code == 1
    assert f"{path}:2:21: Bearer credential (abcdef… 20 chars)" in out
    assert f"{path}:3:18: JWT-shaped string (eyJhbG… {len(JWT)} chars)" in out
    assert f"{path}:4:3: unscrubbed value under the secret-like key 'client_secret'" in out
    assert "3 possible secret(s) in 1 file(s)" in out
    for secret in ("abcdef.123456-opaque", JWT, "s3cr3t-value"):
        assert secret not in out


def test_values_of_the_current_env_file_are_found_in_reports(tmp_path, capsys):
    env = write(tmp_path / "live.env", "CRM_URL=https://org.crm.dynamics.com\nCRM_TENANT_ID=72f988bf-86f1-41af-91ab-2d7cd011db47\n"
                                       "CRM_CLIENT_ID=51f81489-12ee-4a9e-aaae-a2591f45987d\n"
                                       "CRM_GRANT_TYPE=client_credentials\nCRM_CLIENT_SECRET=Very-Secret-Value-42\n")
    report = write(tmp_path / "reports" / "run.html", "<td>sent Very-Secret-Value-42 to the server</td>\n")
    code, out = lint(capsys, [str(tmp_path / "reports")], env_file=str(env))
    assert code == 1
    assert f"{report}:1:10: a secret value from the current settings" in out
    assert "Very-Secret-Value-42" not in out


def test_a_missing_env_file_is_fine_but_a_missing_path_is_an_error(tmp_path, capsys):
    write(tmp_path / "cassettes" / "a.json", "{}")
    assert lint(capsys)[0] == 0
    code, out = lint(capsys, [str(tmp_path / "nope")])
    assert code == 2 and "no such file or folder" in out


def test_default_paths_are_cassettes_and_reports_when_present(tmp_path, capsys):
    code, out = lint(capsys)
    assert code == 0 and "nothing to lint" in out
    write(tmp_path / "reports" / "r.txt", f"Authorization: Bearer {JWT}\n")
    code, out = lint(capsys)
    assert code == 1 and "reports/r.txt:1:" in out


def test_the_committed_cassettes_are_clean(capsys):
    from tests.recording.helpers import REPO

    code, out = lint(capsys, [str(REPO / "cassettes")])
    assert code == 0, out


def test_an_invalid_env_file_is_reported_not_a_traceback(tmp_path, capsys):
    write(tmp_path / "cassettes" / "a.json", "{}")
    env = write(tmp_path / "bad.env", "CRM_URL=not a url\n")
    code, out = lint(capsys, [str(tmp_path / "cassettes")], env_file=str(env))
    assert code == 2 and "cannot read the settings" in out and "CRM_URL" in out
