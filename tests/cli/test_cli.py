"""The ``harness`` command as a user runs it: help, token, cleanup, and errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from harness.cli import main
from simulator.config import DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True, text=True,
                          timeout=120, env=env)


@pytest.mark.parametrize("command", [[], ["sim"], ["token"], ["cleanup"]])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert ("usage: python -m simulator" if command == ["sim"] else "usage: harness") in out


def test_token_shows_claims_but_never_the_token(capsys):
    assert main(["token", "crm", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["claims"]["upn"] == "admin@contoso.onmicrosoft.com"
    assert out["claims"]["scp"] == "user_impersonation"
    assert out["token"].endswith("chars)") and len(out["token"]) < 30


def test_token_output_and_logs_hold_no_secret():
    result = run("-v", "token", "fno")
    assert result.returncode == 0, result.stderr
    text = result.stdout + result.stderr
    assert "idtyp" in text and "app" in text
    assert DEFAULT_CLIENT_SECRET not in text and DEFAULT_PASSWORD not in text
    assert "eyJ" not in text.replace("eyJhbG…", "")  # only the masked prefix of the token


def test_bad_env_file_is_one_error_line_without_traceback(tmp_path):
    env_file = tmp_path / "broken.env"
    env_file.write_text("CRM_URL=ftp://nope\nCRM_PASSWORD=canary-pass-123\n=novalue\n")
    result = run("token", "crm", "--target", "live", "--env-file", str(env_file))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "CRM_URL" in result.stderr and str(env_file) in result.stderr
    assert "Traceback" not in result.stderr
    assert "canary-pass-123" not in result.stderr


def test_missing_target_settings_are_explained(tmp_path):
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    result = run("token", "bc", "--target", "live", "--env-file", str(env_file))
    assert result.returncode == 2
    assert "no settings for target 'bc'" in result.stderr and "BC_URL" in result.stderr


def test_cleanup_dry_run_against_the_simulator(capsys):
    assert main(["cleanup", "--dry-run", "--roots", "crm"]) == 0
    assert "0 tagged record(s) found" in capsys.readouterr().out
