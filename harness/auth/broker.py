"""One token per session and target, not per test.

A :class:`TokenBroker` memoizes one provider per target settings object, so every test (and every
``requests`` session built by the harness) that talks to the same target shares the same token
and its renewals. Create one broker per pytest session (a session-scoped fixture) or per CLI run::

    broker = TokenBroker.from_settings(settings)
    session.auth = broker.auth(settings.crm)
"""

from __future__ import annotations

import threading

import requests

from harness.auth.cache import MemoryTokenCache, TokenCache, open_cache
from harness.auth.factory import provider_for
from harness.auth.providers import TokenProvider
from harness.auth.requests_auth import TokenAuth
from harness.auth.token import AccessToken
from harness.http import new_session
from harness.settings.target_settings import TargetSettings


class TokenBroker:
    """Registry of token providers per target; thread-safe."""

    def __init__(self, cache: TokenCache | None = None, *, session: requests.Session | None = None,
                 **provider_options):
        self.cache = cache if cache is not None else MemoryTokenCache()
        self._owns_session = session is None
        self.session = session or new_session()  # only for the token endpoint
        self.provider_options = provider_options
        self._providers: dict[TargetSettings, TokenProvider] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings, **provider_options) -> TokenBroker:
        """Broker over the settings' token cache (file, or memory when ``HARNESS_TOKEN_CACHE=off``)."""
        return cls(open_cache(settings.token_cache_path), **provider_options)

    def provider(self, target: TargetSettings) -> TokenProvider:
        with self._lock:
            provider = self._providers.get(target)
            if provider is None:
                options = dict(self.provider_options)
                if target.grant_type != "token":
                    options.setdefault("session", self.session)
                provider = provider_for(target, self.cache, **options)
                self._providers[target] = provider
            return provider

    def token(self, target: TargetSettings, force_refresh: bool = False) -> AccessToken:
        return self.provider(target).get_token(force_refresh=force_refresh)

    def auth(self, target: TargetSettings) -> TokenAuth:
        """``requests`` auth for ``target`` (share it across sessions; it holds no per-request state)."""
        return TokenAuth(self.provider(target))

    def invalidate_all(self) -> None:
        with self._lock:
            providers = list(self._providers.values())
        for provider in providers:
            provider.invalidate()

    def close(self) -> None:
        """Close the providers and the token-endpoint session (if the broker created it)."""
        with self._lock:
            providers = list(self._providers.values())
            self._providers.clear()
        for provider in providers:
            provider.close()
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> TokenBroker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
