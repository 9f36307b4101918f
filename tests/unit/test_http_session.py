"""harness.http.Session: the environment's proxy/CA settings merged once per origin and the netrc
file parsed once per version, yet still following a change of the environment or of the file;
and every prepared request the same as plain requests prepares (what requests does per request,
without its cost)."""

from __future__ import annotations

import os
import time

import requests

from harness import http
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
    before = dict(http.ENVIRONMENT_SETTINGS)
    assert _settings(session, "https://a.example/") == {"proxies": {}, "stream": False, "verify": True, "cert": None}
    assert http.ENVIRONMENT_SETTINGS == before  # nothing cached without trust_env


def test_a_new_session_starts_with_the_settings_merged_by_earlier_ones(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    merged = []
    original = requests.Session.merge_environment_settings
    monkeypatch.setattr(requests.Session, "merge_environment_settings",
                        lambda self, *args: merged.append(args[0]) or original(self, *args))
    url = "https://shared.example/api/data/v9.2/accounts"
    first = _settings(Session(), url)
    assert _settings(Session(), url) == first and len(merged) == 1  # the second session reused it
    other = Session()
    other.proxies = {"http": "http://own-proxy.example:8080"}  # a session's own settings are in the key
    other.verify = False
    plain = requests.Session()
    plain.proxies, plain.verify = dict(other.proxies), False
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert _settings(other, url) == _settings(plain, url)
    assert _settings(other, url)["verify"] is False and _settings(Session(), url)["verify"] is True


# ---------------------------------------------------------------------- prepared requests
def _prepared(session: requests.Session, **request) -> tuple:
    prepared = session.prepare_request(requests.Request(**request))
    return (prepared.method, prepared.url, list(prepared.headers.items()), prepared.body,
            {name: len(hooks) for name, hooks in prepared.hooks.items()},
            sorted((c.domain, c.path, c.name, c.value) for c in prepared._cookies))


REQUESTS = [
    {"method": "get", "url": "https://org.example/api/data/v9.2/accounts", "params": {"$top": "2"}},
    {"method": "POST", "url": "https://org.example/api/data/v9.2/accounts", "json": {"name": "a"},
     "headers": {"Prefer": "return=representation"}},
    {"method": "PATCH", "url": "https://org.example/x", "data": b"raw", "cookies": {"req": "1"}},
    {"method": "GET", "url": "https://org.example/x", "auth": ("user", "pw")},
    {"method": "GET", "url": "https://org.example/x", "hooks": {"response": [lambda r, **k: r]}},
    {"method": "GET", "url": "https://org.example/x?a=1", "params": [("b", "2"), ("b", "3")],
     "headers": {"odata-maxversion": "4.01", "Accept": None, "X-Extra": "1"}},  # case, removal, order
    {"method": "GET", "url": "https://org.example/x", "params": "raw=1&x"},
    {"method": "GET", "url": "https://org.example/x", "params": {"empty": None, "k": ["1", "2"]}},
]


def _session_pair(configure) -> tuple[requests.Session, requests.Session]:
    ours, plain = Session(), requests.Session()
    for session in (ours, plain):
        configure(session)
    return ours, plain


def _no_config(session: requests.Session) -> None:
    return None


def _with_cookies_headers_params(session: requests.Session) -> None:
    session.cookies.set("sess", "on", domain="org.example")
    session.headers["OData-MaxVersion"] = "4.0"
    session.headers["X-Dropped"] = None  # a session header set to None is not sent
    session.params = {"api-version": "1"}


def _with_auth(session: requests.Session) -> None:
    session.auth = ("session-user", "session-pw")


def test_prepared_requests_equal_plain_requests(monkeypatch, tmp_path):
    monkeypatch.setenv("NETRC", str(tmp_path / "absent"))
    for configure in (_no_config, _with_cookies_headers_params, _with_auth):
        ours, plain = _session_pair(configure)
        for request in REQUESTS:
            assert _prepared(ours, **request) == _prepared(plain, **request), (configure.__name__, request)


# ---------------------------------------------------------------------- netrc
def _auth_header(session: requests.Session, url: str = "https://org.example/x") -> str | None:
    return session.prepare_request(requests.Request("GET", url)).headers.get("Authorization")


def test_netrc_appears_changes_and_goes_away(monkeypatch, tmp_path):
    path = tmp_path / "netrc"
    monkeypatch.setenv("NETRC", str(path))
    session, plain = Session(), requests.Session()
    parsed = http.NETRC.parsed_count
    assert _auth_header(session) is None and _auth_header(plain) is None
    path.write_text("machine org.example login alice password one\n")
    assert _auth_header(session) == _auth_header(plain) is not None
    for _ in range(5):
        assert _auth_header(session) == _auth_header(plain)
    assert http.NETRC.parsed_count == parsed + 1  # parsed once for six requests
    assert _auth_header(session, "https://other.example/x") is None  # no entry for that host
    path.write_text("machine org.example login bob password a-longer-one\n")
    assert _auth_header(session) == _auth_header(plain) != _auth_header(Session(), "https://other.example/")
    assert "Basic" in _auth_header(session) and http.NETRC.parsed_count == parsed + 2
    path.write_text("machine org.example login a password b extra\n")  # does not parse: no credentials
    assert _auth_header(session) is None and _auth_header(plain) is None
    path.write_text("machine org.example login dave password four\n")
    assert _auth_header(session) == _auth_header(plain) is not None
    parsed = http.NETRC.parsed_count
    time.sleep(0.05)  # past the file system's clock tick
    path.chmod(0)  # same size, content and mtime: only the change time tells
    if not os.access(path, os.R_OK):  # unreadable (root reads anyway): no credentials, as requests
        assert _auth_header(session) is None and _auth_header(plain) is None
    else:
        assert _auth_header(session) == _auth_header(plain) is not None
    assert http.NETRC.parsed_count == parsed + 1  # read again
    path.chmod(0o600)
    path.unlink()
    assert _auth_header(session) is None


def test_netrc_in_home_and_explicit_auth_wins(monkeypatch, tmp_path):
    monkeypatch.delenv("NETRC", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".netrc").write_text("machine org.example login carol password three\n")
    session, plain = Session(), requests.Session()
    assert _auth_header(session) == _auth_header(plain) is not None
    explicit = session.prepare_request(requests.Request("GET", "https://org.example/x", auth=("me", "pw")))
    assert explicit.headers["Authorization"] == plain.prepare_request(
        requests.Request("GET", "https://org.example/x", auth=("me", "pw"))).headers["Authorization"]
    session.trust_env = plain.trust_env = False
    assert _auth_header(session) is None and _auth_header(plain) is None


def test_environment_values_follow_os_environ_with_and_without_the_fast_lookup(monkeypatch):
    def plain() -> tuple:
        return tuple(os.environ.get(name) for name in http.ENVIRONMENT_KEYS)

    def as_text(values: tuple) -> tuple:
        return tuple(os.fsdecode(value) if isinstance(value, bytes) else value for value in values)

    monkeypatch.setenv("no_proxy", "a.example,b.example")
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    assert as_text(http._environment_values()) == plain()
    os.environ["HTTP_PROXY"] = "http://direct.example:1"  # not through monkeypatch
    try:
        assert as_text(http._environment_values()) == plain()
        assert "http://direct.example:1" in as_text(http._environment_values())
    finally:
        del os.environ["HTTP_PROXY"]
    monkeypatch.setattr(http, "_ENCODED_KEYS", None)  # the portable path
    assert http._environment_values() == plain()
