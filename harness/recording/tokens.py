"""Token providers that start afresh in every cassette, so each cassette holds its own sign-in.

The harness shares one token per session. Recorded as is, only the first test's cassette would
contain the token request, and replaying any other test alone (``-k``, xdist) would have no
recorded answer for it. While a cassette is active this broker hands each target a new provider
with an in-memory cache, so the test signs in inside its own cassette both when recording and when
replaying; outside cassettes it behaves exactly like the session broker it wraps.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import requests

from harness.auth import MemoryTokenCache, TokenBroker, TokenProvider, provider_for
from harness.auth.token import AccessToken
from harness.http import new_session
from harness.settings import TargetSettings


class _ScopedProvider(TokenProvider):
    """Delegates to the broker's provider for the current scope (cassette) and target."""

    def __init__(self, broker: ScopedTokenBroker, target: TargetSettings):
        self.broker = broker
        self.target = target

    def get_token(self, force_refresh: bool = False) -> AccessToken:
        return self.broker.current_provider(self.target).get_token(force_refresh=force_refresh)

    def invalidate(self) -> None:
        self.broker.current_provider(self.target).invalidate()


class ScopedTokenBroker(TokenBroker):
    """A :class:`TokenBroker` whose providers are per scope while ``scope()`` returns an object.

    ``scope`` is asked on every token request (the recording plugin returns the active cassette);
    when it returns a different object than before, the previous scope's providers are dropped.
    """

    def __init__(self, inner: TokenBroker, scope: Callable[[], Any] = lambda: None):
        super().__init__(inner.cache, session=inner.session, **inner.provider_options)
        self.inner = inner
        self.scope = scope
        self._current: Any = None
        self._scoped: dict[TargetSettings, TokenProvider] = {}
        self._sessions: list[requests.Session] = []
        self._scope_lock = threading.Lock()

    def _close_scope(self) -> None:
        for session in self._sessions:
            session.close()
        self._sessions = []
        self._scoped = {}

    def current_provider(self, target: TargetSettings) -> TokenProvider:
        scope = self.scope()
        with self._scope_lock:
            if scope is not self._current:
                self._close_scope()
                self._current = scope
            if scope is None:
                return self.inner.provider(target)
            provider = self._scoped.get(target)
            if provider is None:
                options = dict(self.inner.provider_options)
                if target.grant_type != "token":
                    session = new_session()
                    self._sessions.append(session)
                    options["session"] = session
                provider = provider_for(target, MemoryTokenCache(), **options)
                self._scoped[target] = provider
            return provider

    def provider(self, target: TargetSettings) -> TokenProvider:
        return _ScopedProvider(self, target)

    def invalidate_all(self) -> None:
        self.inner.invalidate_all()
        with self._scope_lock:
            providers = list(self._scoped.values())
        for provider in providers:
            provider.invalidate()
