"""Issue 14, items 2, 3, 5, 6: secrets that reached logs, the warnings summary, settings messages and
report.html. Each test reproduces the leak and fails without the fix."""

from __future__ import annotations

import io
import json
import logging
import secrets
import textwrap

import lxml.html
import pytest
from vcr.cassette import Cassette
from vcr.request import Request

import harness.recording  # noqa: F401 - guards the library loggers, as the plugin does
from harness.settings import SettingsError, load_settings


def test_vcr_appending_line_never_shows_a_fresh_refresh_token():
    """Item 2: vcrpy logs each recorded reply at INFO before the harness has learned the new token."""
    refresh = "1.A" + secrets.token_urlsafe(48)
    access = "opaque-access-" + secrets.token_hex(12)
    body = json.dumps({"token_type": "Bearer", "access_token": access, "refresh_token": refresh,
                       "expires_in": "3599"}).encode()
    stream = io.StringIO()
    # A handler right on vcrpy's logger sees the record first, before any handler up the tree.
    handler = logging.StreamHandler(stream)
    root = logging.getLogger("vcr.cassette")
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        cassette = Cassette("unused.json", record_mode="all")
        request = Request("POST", "https://login.example/t/oauth2/token", b"grant_type=refresh_token", {})
        cassette.append(request, {"status": {"code": 200, "message": "OK"}, "headers": {},
                                  "body": {"string": body}})
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    text = stream.getvalue()
    assert "Appending request" in text
    assert refresh not in text and access not in text


WARNING_TESTS = '''
import os
import warnings

from harness.secrets import register_secret


def test_warns():
    register_secret(os.environ["CANARY_PW"])
    warnings.warn("login failed for password " + os.environ["CANARY_PW"] + " token " + os.environ["CANARY_RT"])
'''


def test_warnings_summary_is_masked(pytester: pytest.Pytester, monkeypatch):
    """Item 3: the "warnings summary" printed a registered password and an opaque refresh token."""
    password, refresh = f"Canary-pw-{secrets.token_hex(6)}", "0.A" + secrets.token_urlsafe(48)
    monkeypatch.setenv("CANARY_PW", password)
    monkeypatch.setenv("CANARY_RT", refresh)
    pytester.makepyfile(test_warn=WARNING_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-n", "0")
    result.assert_outcomes(passed=1, warnings=1)
    output = result.stdout.str() + result.stderr.str()
    assert "login failed for password *** token ***" in output
    assert password not in output and refresh not in output


def test_metadata_equal_to_an_env_secret_and_url_passwords_are_masked_in_report_html(pytester: pytest.Pytester):
    """Item 6: ``--metadata`` values equal to a .env secret, and URL user-info passwords, in report.html."""
    password = f"Canary-env-{secrets.token_hex(6)}"
    url_password = f"urlpw{secrets.token_hex(6)}"
    pytester.path.joinpath(".env").write_text(f"CRM_PASSWORD={password}\n")
    pytester.makepyfile(test_ok="def test_ok():\n    pass\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:randomly", "-n", "0", "--html", "out/report.html", "--self-contained-html",
        "--metadata", "deploy_pw", password, "--metadata", "repo", f"https://ci:{url_password}@git.example/r.git")
    result.assert_outcomes(passed=1)
    text = (pytester.path / "out" / "report.html").read_text()
    assert password not in text and url_password not in text
    html = lxml.html.parse(str(pytester.path / "out" / "report.html")).getroot()
    environment = json.loads(html.get_element_by_id("data-container").get("data-jsonblob"))["environment"]
    assert environment["deploy_pw"] == "***" and environment["repo"] == "https://ci:***@git.example/r.git"


def _env(tmp_path, text: str):
    path = tmp_path / ".env"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize("key", ["CRM_CLIENT_ID", "TENANT_ID", "CRM_URL"])
def test_a_secret_in_the_wrong_key_is_not_echoed(tmp_path, key):
    """Item 5: a secret pasted into a non-secret key came back in the validation message."""
    secret = f"Xy8Q~{secrets.token_urlsafe(24)}"
    env = _env(tmp_path, f"""
        HARNESS_TARGET=live
        CRM_URL=https://org.crm.dynamics.com
        TENANT_ID=72f988bf-86f1-41af-91ab-2d7cd011db47
        CRM_CLIENT_ID=51f81489-12ee-4a9e-aaae-a2591f45987d
        CRM_CLIENT_SECRET=placeholder-secret-value
        {key}={secret}
        """)
    with pytest.raises(SettingsError) as caught:
        load_settings(env, environ={})
    assert key in str(caught.value)
    assert secret not in str(caught.value) and secret[:12] not in str(caught.value)


def test_a_wrapped_secret_on_its_own_line_is_not_echoed(tmp_path):
    """Item 5: ``FNO_CLIENT_SECRET=`` with the value wrapped onto the next line."""
    secret = "wrappedsecretvalue" + secrets.token_hex(4)
    env = _env(tmp_path, f"""
        HARNESS_TARGET=live
        FNO_URL=https://env.operations.dynamics.com
        TENANT_ID=72f988bf-86f1-41af-91ab-2d7cd011db47
        FNO_CLIENT_ID=51f81489-12ee-4a9e-aaae-a2591f45987d
        FNO_CLIENT_SECRET=
        {secret}
        """)
    with pytest.raises(SettingsError) as caught:
        load_settings(env, environ={})
    message = str(caught.value)
    assert "line 7" in message and "has no '='" in message
    assert secret not in message


def test_a_plain_key_without_a_value_is_still_named(tmp_path):
    env = _env(tmp_path, """
        CRM_URL
        """)
    with pytest.raises(SettingsError) as caught:
        load_settings(env, environ={})
    assert "CRM_URL (" in str(caught.value)
