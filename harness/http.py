"""The one ``requests.Session`` type every client of the harness uses.

With ``trust_env`` on (the default, kept: proxies, ``NO_PROXY``, ``REQUESTS_CA_BUNDLE`` still apply),
requests re-reads the proxy and CA variables and evaluates ``NO_PROXY`` for every request: about
0.2 ms, most of what a replayed cassette interaction costs. Here the merged settings are kept per
origin and arguments, keyed also by the values of the variables requests reads, so a change of the
environment (a test's ``monkeypatch.setenv``) is still seen on the next request.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import requests

# What requests.utils.get_environ_proxies / merge_environment_settings read from the environment.
ENVIRONMENT_KEYS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                    "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
MAX_CACHED = 256


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


class Session(requests.Session):
    """``requests.Session`` that merges the environment's settings once per origin."""

    def __init__(self) -> None:
        super().__init__()
        self._environment_settings: dict[tuple, dict[str, Any]] = {}

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # type: ignore[override]
        if not self.trust_env:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        environ = os.environ
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, _frozen(proxies), stream, _frozen(verify), _frozen(cert),
               _frozen(self.proxies), self.verify, _frozen(self.cert), self.stream,
               tuple(environ.get(name) for name in ENVIRONMENT_KEYS))
        settings = self._environment_settings.get(key)
        if settings is None:
            settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
            if len(self._environment_settings) >= MAX_CACHED:
                self._environment_settings.clear()
            self._environment_settings[key] = settings
        return {**settings, "proxies": dict(settings["proxies"])}


def new_session() -> Session:
    """A fresh :class:`Session` (the harness's replacement for ``requests.Session()``)."""
    return Session()


__all__ = ["ENVIRONMENT_KEYS", "Session", "new_session"]
