"""The one ``requests.Session`` type every client of the harness uses.

With ``trust_env`` on (the default, kept: proxies, ``NO_PROXY``, ``REQUESTS_CA_BUNDLE`` and
``~/.netrc`` still apply), requests re-reads the proxy and CA variables, evaluates ``NO_PROXY``
and looks for a netrc file (parsing it again when there is one) for every request: about 0.2 ms,
most of what a replayed cassette interaction costs. Here

- the merged environment settings are kept per origin and arguments, keyed also by the values of
  the variables requests reads, so a change of the environment (a test's ``monkeypatch.setenv``)
  is still seen on the next request; the cache is shared by all sessions (a new session, one per
  test, starts warm) and the session's own settings are part of the key;
- the netrc file is still looked for on every request (a file that appears, changes or goes away
  is seen on the next request), but only with one ``stat`` per candidate path; the parsed file
  is reused while its path, modification and change times, size and inode are unchanged;
- a request with no cookies on a session with none gets its empty cookie jar without requests'
  two jar merges, empty parameters are not merged, and headers are merged into one dict directly.

What a request is sent with is exactly what ``requests.Session`` sends
(``tests/unit/test_http_session.py`` compares the prepared requests).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from http.cookiejar import CookieJar
from netrc import NetrcParseError, netrc
from typing import Any
from urllib.parse import urlparse, urlsplit

import requests
from requests.cookies import RequestsCookieJar, cookiejar_from_dict, merge_cookies
from requests.models import PreparedRequest
from requests.sessions import merge_hooks, merge_setting
from requests.structures import CaseInsensitiveDict
from requests.utils import NETRC_FILES

# What requests.utils.get_environ_proxies / merge_environment_settings read from the environment.
ENVIRONMENT_KEYS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                    "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
MAX_CACHED = 256

# Shared by every Session: (origin, arguments, session settings, environment) -> merged settings.
ENVIRONMENT_SETTINGS: dict[tuple, dict[str, Any]] = {}


def _environment_values() -> tuple:
    """The values of :data:`ENVIRONMENT_KEYS` in ``os.environ`` (what requests reads), by a direct
    look-up in its encoded store when CPython's ``os._Environ`` has one (no per-key encoding)."""
    environ = os.environ
    data = getattr(environ, "_data", None)
    if type(data) is dict and _ENCODED_KEYS is not None:
        return tuple(data.get(key) for key in _ENCODED_KEYS)
    return tuple(environ.get(name) for name in ENVIRONMENT_KEYS)


def _encoded_keys() -> tuple | None:
    encode = getattr(os.environ, "encodekey", None)
    try:
        return tuple(encode(name) for name in ENVIRONMENT_KEYS) if encode else None
    except Exception:  # noqa: BLE001 - any surprise: fall back to os.environ.get
        return None


_ENCODED_KEYS = _encoded_keys()


def _frozen(value: Any) -> Any:
    if value is None or type(value) in (str, bool):
        return value
    if isinstance(value, dict):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _merged_headers(request_headers: Any, session_headers: Any) -> Any:
    """``merge_setting(request_headers, session_headers, dict_class=CaseInsensitiveDict)`` for the
    usual case of two mappings, filling the dict's store directly (the same keys, case, order and
    values: the session's first, the request's over them, ``None`` values removed)."""
    if not (isinstance(session_headers, Mapping) and isinstance(request_headers, Mapping)):
        return merge_setting(request_headers, session_headers, dict_class=CaseInsensitiveDict)
    merged = CaseInsensitiveDict()
    store = merged._store
    for key, value in session_headers.items():
        store[key.lower()] = (key, value)
    for key, value in request_headers.items():
        store[key.lower()] = (key, value)
    for lowered in [lowered for lowered, (_, value) in store.items() if value is None]:
        del store[lowered]
    return merged


class NetrcCache:
    """``requests.utils.get_netrc_auth`` without re-reading an unchanged file.

    Same candidates as requests (``$NETRC``, else ``~/.netrc`` then ``~/_netrc``; the first that
    exists wins), looked for on every call; the parsed file is kept per (path, mtime, ctime, size,
    inode, device): an edit, a replacement or a change of permissions reads it again.
    A file that does not parse, or cannot be read, gives no credentials (requests' behaviour
    without ``raise_errors``).
    """

    def __init__(self) -> None:
        self._locations: tuple[tuple[str | None, str | None], tuple[str, ...]] | None = None
        self._parsed: tuple[tuple, netrc | None] | None = None
        self.parsed_count = 0  # files parsed (tests count them)

    def _candidates(self) -> tuple[str, ...]:
        environ = os.environ
        key = (environ.get("NETRC"), environ.get("HOME"))
        if self._locations is None or self._locations[0] != key:
            names = (key[0],) if key[0] is not None else tuple(f"~/{name}" for name in NETRC_FILES)
            self._locations = (key, tuple(os.path.expanduser(name) for name in names))
        return self._locations[1]

    def _file(self) -> tuple[tuple, str] | None:
        for path in self._candidates():
            try:
                stat = os.stat(path)
            except (OSError, ValueError):
                continue
            return (path, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino, stat.st_dev), path
        return None

    def auth(self, url: str) -> tuple[str, str] | None:
        found = self._file()
        if found is None:
            return None
        state, path = found
        cached = self._parsed
        if cached is None or cached[0] != state:
            self.parsed_count += 1
            try:
                parsed: netrc | None = netrc(path)
            except (NetrcParseError, OSError):
                parsed = None
            self._parsed = cached = (state, parsed)
        if cached[1] is None:
            return None
        entry = cached[1].authenticators(urlparse(url).hostname)
        if entry:
            return (entry[0] if entry[0] else entry[1], entry[2])
        return None


NETRC = NetrcCache()


class Session(requests.Session):
    """``requests.Session`` that does per origin, or per changed file, what requests does per request."""

    def prepare_request(self, request: requests.Request) -> PreparedRequest:  # type: ignore[override]
        """``requests.Session.prepare_request`` (2.32), with the netrc look-up of :data:`NETRC` and
        no cookie-jar merging when neither the request nor the session has a cookie."""
        cookies = request.cookies or {}
        if not cookies and not self.cookies:
            merged_cookies = RequestsCookieJar()
        else:
            if not isinstance(cookies, CookieJar):
                cookies = cookiejar_from_dict(cookies)
            merged_cookies = merge_cookies(merge_cookies(RequestsCookieJar(), self.cookies), cookies)
        auth = request.auth
        if self.trust_env and not auth and not self.auth:
            auth = NETRC.auth(request.url)
        prepared = PreparedRequest()
        prepared.prepare(
            method=request.method.upper(),
            url=request.url,
            files=request.files,
            data=request.data,
            json=request.json,
            headers=_merged_headers(request.headers, self.headers),
            params=(request.params if not request.params and not self.params and isinstance(request.params, dict)
                    else merge_setting(request.params, self.params)),
            auth=merge_setting(auth, self.auth),
            cookies=merged_cookies,
            hooks=merge_hooks(request.hooks, self.hooks),
        )
        return prepared

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # type: ignore[override]
        if not self.trust_env:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, _frozen(proxies), stream, _frozen(verify), _frozen(cert),
               _frozen(self.proxies), self.verify, _frozen(self.cert), self.stream, _environment_values())
        settings = ENVIRONMENT_SETTINGS.get(key)
        if settings is None:
            settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
            if len(ENVIRONMENT_SETTINGS) >= MAX_CACHED:
                ENVIRONMENT_SETTINGS.clear()
            ENVIRONMENT_SETTINGS[key] = settings
        return {**settings, "proxies": dict(settings["proxies"])}


def new_session() -> Session:
    """A fresh :class:`Session` (the harness's replacement for ``requests.Session()``)."""
    return Session()


__all__ = ["ENVIRONMENT_KEYS", "ENVIRONMENT_SETTINGS", "NETRC", "NetrcCache", "Session", "new_session"]
