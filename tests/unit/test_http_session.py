"""harness.http.Session: the environment's proxy/CA settings merged once per origin, yet still
following a change of the environment (what requests does per request, without its cost)."""

from __future__ import annotations

import requests

from harness.http import Session, new_session


def _settings(session: requests.Session, url: str) -> dict:
    return session.merge_environment_settings(url, {}, None, None, None)


def test_settings_equal_plain_requests_for_each_origin(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "bypass.example")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/tmp/ca.pem")
    plain, ours = requests.Session(), new_session()
    for url in ("https://org.crm.dynamics.com/api/data/v9.2/accounts", "https://bypass.example/x",
                "http://127.0.0.1:8080/data", "https://org.crm.dynamics.com/other"):
        assert _settings(ours, url) == _settings(plain, url), url
        assert _settings(ours, url) == _settings(plain, url), url  # the cached answer too


def test_a_changed_environment_is_seen_on_the_next_request(monkeypatch):
    session = Session()
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    monkeypatch.delenv("https_proxy", raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)
    monkeypatch.delenv("all_proxy", raising=False)
    url = "https://org.crm.dynamics.com/x"
    assert "https" not in _settings(session, url)["proxies"]
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert _settings(session, url)["proxies"]["https"] == "http://proxy.example:3128"
    plain = requests.Session()
    session.verify = plain.verify = False  # a session attribute is part of the key too
    assert _settings(session, url) == _settings(plain, url)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert _settings(session, url)["verify"] is False and _settings(plain, url)["verify"] is False


def test_callers_cannot_change_the_cached_settings(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    session = Session()
    first = _settings(session, "https://a.example/")
    first["proxies"]["https"] = "http://tampered:1"
    first["verify"] = "tampered"
    again = _settings(session, "https://a.example/")
    assert again["proxies"]["https"] == "http://proxy.example:3128" and again["verify"] != "tampered"


def test_without_trust_env_requests_own_path_runs():
    session = Session()
    session.trust_env = False
    assert _settings(session, "https://a.example/") == {"proxies": {}, "stream": False, "verify": True, "cert": None}
    assert session._environment_settings == {}
