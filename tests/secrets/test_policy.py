"""One secrets policy: a rule added in one place reaches cassettes, lint, logs, Postman, settings, reports."""

from __future__ import annotations

import logging
import secrets

import pytest

from harness.postman.redaction import is_secret_name, redact_body, redact_header
from harness.recording.lint import scan
from harness.recording.scrub import is_secret_key, scrub_interactions
from harness.reporting.redaction import redact_report
from harness.secrets import POLICY, RedactingFilter, redact
from harness.settings import secret_setting_values
from harness.settings.checks import shown
from tests.recording.helpers import exchange

CANARY_SHAPE = r"zq-canary-[0-9a-f]{16}"


@pytest.fixture
def canary_rule():
    with POLICY.extra_rules(value_rules=(("CANARY", CANARY_SHAPE),), words=("zorp",)):
        yield f"zq-canary-{secrets.token_hex(8)}"


def test_a_shape_rule_added_once_is_applied_everywhere(canary_rule, tmp_path):
    canary = canary_rule
    # cassettes: scrubbed with a placeholder named by the rule
    interaction = exchange("GET", "https://org.example/x", response_body={"note": f"it is {canary} here"})
    scrubbed, _ = scrub_interactions([interaction])
    assert scrubbed[0]["response"]["body"]["json"]["note"] == "it is <CANARY_1> here"
    # lint: found in a committed file
    leaked = tmp_path / "leak.json"
    leaked.write_text(f'{{"note": "{canary}"}}\n')
    assert [f.kind for f in scan([leaked])] == ["canary-shaped string"]
    # logs
    record = logging.LogRecord("any.library", logging.INFO, __file__, 1, "value %s", (canary,), None)
    RedactingFilter().filter(record)
    assert canary not in record.getMessage()
    # Postman results and headers
    assert canary not in redact_body(f"body {canary}") and canary not in redact_header("X-Note", canary)
    # settings messages (a value in the wrong key)
    assert canary not in shown(canary)
    # pytest reports (terminal, JUnit, HTML are built from the same report)
    report = pytest.TestReport("t.py::t", ("t.py", 1, "t"), {}, "failed", f"AssertionError: {canary}", "call",
                               sections=[("Captured stdout call", canary)], user_properties=[("p", canary)])
    redact_report(report)
    assert canary not in str(report.longrepr) + str(report.sections) + str(report.user_properties)
    assert canary not in redact(f"free text {canary}")


def test_a_name_rule_added_once_is_applied_everywhere(canary_rule, tmp_path):
    value = f"v-{secrets.token_hex(6)}"
    assert is_secret_key("zorp_value") and is_secret_name("zorpValue") and POLICY.is_secret_header("X-Zorp")
    interaction = exchange("POST", "https://org.example/x", request_body={"zorp": value}, response_body={})
    scrubbed, _ = scrub_interactions([interaction])
    assert scrubbed[0]["request"]["body"]["json"]["zorp"] == "<ZORP_1>"
    leaked = tmp_path / "leak.json"
    leaked.write_text(f'{{"zorpKey": "{value}"}}\n')
    assert len(scan([leaked])) == 1
    assert redact_header("X-Zorp", value) == "***"
    assert value not in redact(f"zorp={value}")
    env = tmp_path / ".env"
    env.write_text(f"MY_ZORP={value}\n")
    assert (value, "MY_ZORP") in secret_setting_values(env, environ={})


def test_without_the_rule_nothing_is_masked(tmp_path):
    """The control: the canary is ordinary text until the rule is added."""
    canary = f"zq-canary-{secrets.token_hex(8)}"
    assert redact(canary) == canary and not is_secret_key("zorp_value")
    interaction = exchange("GET", "https://org.example/x", response_body={"note": canary})
    assert scrub_interactions([interaction])[0][0]["response"]["body"]["json"]["note"] == canary


def test_lint_finds_an_opaque_refresh_token_and_a_url_password(tmp_path):
    """issue 14 item 1: opaque (non-JWT) refresh tokens are caught by `harness cassettes lint`."""
    token = "1.A" + secrets.token_urlsafe(48)
    leaked = tmp_path / "item.json"
    leaked.write_text(f'{{"metadata": {{"scopes": {{"rt": "{token}"}}}},\n "uri": "https://u:{token[:12]}@h/x"}}\n')
    kinds = {f.kind for f in scan([leaked])}
    assert "opaque Entra grant (refresh token or code)" in kinds and "password in a URL" in kinds
    assert token not in redact(f"rt={token[:3]}x {token}")
