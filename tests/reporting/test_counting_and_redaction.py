"""Exchange counting at the transport, and the masking of secrets in report objects."""

from __future__ import annotations

import requests
from _pytest.reports import TestReport
from requests.adapters import HTTPAdapter

from harness.reporting.counting import ExchangeCounter
from harness.reporting.redaction import redact_longrepr, redact_report, sanitize_metadata
from harness.secrets import register_secret
from tests.fakes import fake_jwt

JWT = fake_jwt({'alg': 'RS256'}, {'upn': 'admin@contoso'}, b'signature-part')


def test_counter_sees_every_session_and_every_redirect_hop(counting_server):
    counter = ExchangeCounter()
    original = HTTPAdapter.send
    counter.install()
    try:
        with requests.Session() as one, requests.Session() as two:
            one.get(counting_server.url + "/ok")
            two.get(counting_server.url + "/redirect")  # 302 then 200: two exchanges
        requests.get(counting_server.url + "/ok")
        assert counter.take() == counting_server.hits == 4
        assert counter.take() == 0  # take() resets
    finally:
        counter.uninstall()
    assert HTTPAdapter.send is original
    requests.get(counting_server.url + "/ok")
    assert counter.take() == 0  # uninstalled: nothing counted


def test_uninstall_does_not_undo_a_later_patch(counting_server):
    counter = ExchangeCounter()
    original = HTTPAdapter.send
    counter.install()
    counted = HTTPAdapter.send
    seen = []

    def later_patch(adapter, request, *args, **kwargs):
        seen.append(request.url)
        return counted(adapter, request, *args, **kwargs)

    HTTPAdapter.send = later_patch
    try:
        counter.uninstall()
        assert HTTPAdapter.send is later_patch
        requests.get(counting_server.url + "/ok")
        assert seen == [counting_server.url + "/ok"] and counter.take() == 0
    finally:
        HTTPAdapter.send = original


def make_report(**kw) -> TestReport:
    defaults = dict(nodeid="t.py::test_x", location=("t.py", 1, "test_x"), keywords={}, outcome="failed",
                    longrepr=None, when="call", sections=[], duration=0.1, start=0.0, stop=0.1, user_properties=[])
    defaults.update(kw)
    return TestReport(**defaults)


def test_report_sections_failure_text_and_properties_are_masked():
    secret = "canary-Report-Secret-7f3e"
    register_secret(secret)
    report = make_report(
        longrepr=f"AssertionError: token {JWT} != {secret}",
        sections=[("Captured stdout call", f"Authorization: Bearer {JWT}\npassword={secret}"),
                  ("Captured log call", f"INFO harness.auth: sent {secret}")],
        user_properties=[("pm.test", f'{{"error": "{secret}"}}'), ("count", 3)])
    report.extras = [{"format_type": "text", "content": f"body {secret}"}]
    redact_report(report)
    text = repr(report.sections) + str(report.longrepr) + repr(report.user_properties) + repr(report.extras)
    assert secret not in text and JWT not in text
    assert report.sections[0] == ("Captured stdout call", "Authorization: Bearer ***\npassword=***")
    assert report.user_properties[1] == ("count", 3)
    assert report.longrepr == "AssertionError: token *** != ***"


def test_longrepr_objects_are_kept_when_there_is_nothing_to_mask():
    class Repr:
        def __str__(self) -> str:
            return "AssertionError: 1 != 2"

    original = Repr()
    assert redact_longrepr(original) is original
    assert redact_longrepr(("t.py", 3, f"Skipped: {JWT}")) == ("t.py", 3, "Skipped: ***")
    assert redact_longrepr(None) is None


def test_metadata_keeps_toolchain_and_explicit_keys_only():
    register_secret("canary-ci-token-91b2")
    metadata = {"Python": "3.11.7", "Platform": "Linux", "Packages": {"pytest": "9.2.0"}, "Plugins": {"html": "4"},
                "GIT_URL": "https://ci:canary-ci-token-91b2@git.example/repo.git", "BUILD_URL": "https://ci/1",
                "Build": "nightly with canary-ci-token-91b2"}
    sanitize_metadata(metadata, explicit_keys={"Build"})
    assert metadata == {"Python": "3.11.7", "Platform": "Linux", "Packages": {"pytest": "9.2.0"},
                        "Plugins": {"html": "4"}, "Build": "nightly with ***"}
