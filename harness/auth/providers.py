"""Token providers: one interface, one class per way of getting a token.

Every provider answers :meth:`TokenProvider.get_token` and :meth:`TokenProvider.invalidate`. The
grant-based ones share one policy (:class:`GrantProvider`): reuse the in-memory token, then the
cache, then redeem a refresh token if one is known, and only then run their own grant again.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime

import requests

from harness.auth.cache import CacheEntry, MemoryTokenCache, TokenCache, cache_key
from harness.auth.endpoint import DEFAULT_TIMEOUT, request_token, target_params
from harness.auth.errors import AuthError
from harness.auth.token import DEFAULT_SKEW, AccessToken, safe_claims
from harness.http import new_session
from harness.secrets import Secret, register_secret
from harness.settings.target_settings import TargetSettings

log = logging.getLogger("harness.auth")
Clock = Callable[[], float]


class TokenProvider(ABC):
    """Gives access tokens for one target."""

    target: TargetSettings

    @abstractmethod
    def get_token(self, force_refresh: bool = False) -> AccessToken:
        """A token valid for a while; ``force_refresh`` skips any held access token."""

    @abstractmethod
    def invalidate(self) -> None:
        """The service rejected the current token: never hand it out again."""

    def close(self) -> None:  # noqa: B027 - optional hook, most providers hold nothing
        """Release network resources (nothing by default)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.target.name}, grant={self.target.grant_type})"


class PastedTokenProvider(TokenProvider):
    """Hands out the token pasted into ``{P}_ACCESS_TOKEN``; it cannot be renewed."""

    def __init__(self, target: TargetSettings, *, clock: Clock = time.time):
        if target.access_token is None:
            raise AuthError(f"{target.key('access_token')} is empty: paste an access token into it")
        self.target = target
        self.clock = clock
        self._rejected = False
        self._claims = safe_claims(target.access_token.reveal())

    def _paste_advice(self) -> str:
        key = self.target.key("access_token")
        return (f"paste a new token into {key} (in .env or the environment), or set "
                f"{self.target.prefix}_GRANT_TYPE so the harness fetches tokens itself")

    def get_token(self, force_refresh: bool = False) -> AccessToken:
        assert self.target.access_token is not None
        key = self.target.key("access_token")
        if self._rejected:
            raise AuthError(f"The service rejected the pasted token in {key} (HTTP 401) and a pasted "
                            f"token cannot be renewed: {self._paste_advice()}.")
        exp = self._claims.get("exp")
        expires_at = float(exp) if isinstance(exp, int | float) else self.clock() + 3600
        if expires_at <= self.clock():
            when = datetime.fromtimestamp(expires_at, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
            raise AuthError(f"The pasted token in {key} expired at {when}: {self._paste_advice()}.")
        if force_refresh:
            log.warning("%s holds a pasted token, which cannot be refreshed; using it as is", self.target.prefix)
        return AccessToken(self.target.access_token, expires_at, "Bearer", None, dict(self._claims),
                           source="pasted")

    def invalidate(self) -> None:
        self._rejected = True


class GrantProvider(TokenProvider):
    """Shared policy of the providers that talk to the token endpoint.

    Order: held token → cache → refresh token (held, cached, or from settings) → the grant itself.
    A refresh token the IdP refuses is dropped and the grant runs again; transport errors are raised.
    """

    grant: str = ""

    def __init__(self, target: TargetSettings, cache: TokenCache | None = None, *,
                 session: requests.Session | None = None, skew: float = DEFAULT_SKEW,
                 clock: Clock = time.time, timeout: float = DEFAULT_TIMEOUT):
        self.target = target
        self.cache = cache if cache is not None else MemoryTokenCache()
        self._owns_session = session is None
        self.session = session or new_session()
        self.skew = skew
        self.clock = clock
        self.timeout = timeout
        self._token: AccessToken | None = None
        self._refresh: Secret | None = None
        self._lock = threading.RLock()
        self.key = cache_key(target, self.grant)
        self.requests_made = 0  # token-endpoint calls, for tests and diagnostics

    # ------------------------------------------------------------------ policy
    def get_token(self, force_refresh: bool = False) -> AccessToken:
        with self._lock:
            now = self.clock()
            if not force_refresh and self._token is not None and self._token.is_fresh(self.skew, now):
                return self._token
            entry = self.cache.get(self.key)
            if not force_refresh and entry is not None and entry.usable(self.skew, now):
                self._token = entry.to_token()
                self._refresh = entry.refresh_token or self._refresh
                log.debug("%s: using the cached token (expires in %d s)", self.target.prefix,
                          int(self._token.expires_in(now)))
                return self._token
            refresh = self._refresh or (entry.refresh_token if entry else None)
            if refresh is not None:
                try:
                    return self._store(self._redeem(refresh), refresh)
                except AuthError as exc:
                    if not exc.rejected_by_idp:
                        raise
                    log.info("%s: the refresh token was refused (AADSTS%s); using the %s grant again",
                             self.target.prefix, exc.aadsts, self.grant)
                    self._refresh = None
                    self.cache.remove(self.key)
            return self._store(self._acquire(), None)

    def invalidate(self) -> None:
        with self._lock:
            self._token = None
            self.cache.invalidate_access(self.key)

    def close(self) -> None:
        """Close the HTTP session if this provider created it."""
        if self._owns_session:
            self.session.close()

    # ------------------------------------------------------------------ helpers
    def _store(self, token: AccessToken, previous_refresh: Secret | None) -> AccessToken:
        if token.refresh_token is None and previous_refresh is not None:  # RT not rotated: keep the old one
            token = AccessToken(token.value, token.expires_at, token.token_type, previous_refresh,
                                token.claims, token.source)
        self._token = token
        self._refresh = token.refresh_token
        self.cache.put(self.key, CacheEntry.from_token(token))
        return token

    def _client_auth(self) -> dict[str, str]:
        form = {"client_id": self.target.client_id or ""}
        if self.target.client_secret is not None:
            form["client_secret"] = self.target.client_secret.reveal()
        return form

    def _post(self, form: dict[str, str], grant: str, source: str = "idp") -> AccessToken:
        self.requests_made += 1
        return request_token(self.session, self.target, form, grant=grant, timeout=self.timeout,
                             source=source)

    def _redeem(self, refresh_token: Secret) -> AccessToken:
        register_secret(refresh_token, "REFRESH_TOKEN")
        log.debug("%s: redeeming a refresh token", self.target.prefix)
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token.reveal(),
                **self._client_auth(), **target_params(self.target, user_flow=True)}
        return self._post(form, "refresh_token", source="refresh")

    @abstractmethod
    def _acquire(self) -> AccessToken:
        """Run the provider's own grant."""


class PasswordProvider(GrantProvider):
    """Resource owner password credentials (ROPC), v1 ``resource=`` or v2 ``scope=``."""

    grant = "password"

    def _acquire(self) -> AccessToken:
        if not self.target.username or self.target.password is None:
            raise AuthError(f"the password grant needs {self.target.key('username')} and "
                            f"{self.target.key('password')}")
        form = {"grant_type": "password", **self._client_auth(), "username": self.target.username,
                "password": self.target.password.reveal(), **target_params(self.target, user_flow=True)}
        return self._post(form, "password")


class ClientCredentialsProvider(GrantProvider):
    """App-only tokens with a client secret (v1 ``resource=``, v2 ``<resource>/.default``)."""

    grant = "client_credentials"

    def _acquire(self) -> AccessToken:
        if self.target.client_secret is None:
            raise AuthError(f"the client_credentials grant needs {self.target.key('client_secret')}")
        form = {"grant_type": "client_credentials", **self._client_auth(),
                **target_params(self.target, user_flow=False)}
        return self._post(form, "client_credentials")


class RefreshTokenProvider(GrantProvider):
    """Starts from ``{P}_REFRESH_TOKEN``; rotated refresh tokens are kept in the cache."""

    grant = "refresh_token"

    def _acquire(self) -> AccessToken:
        if self.target.refresh_token is None:
            raise AuthError(f"the refresh_token grant needs {self.target.key('refresh_token')}")
        return self._redeem(self.target.refresh_token)


__all__ = ["ClientCredentialsProvider", "GrantProvider", "PasswordProvider",
           "PastedTokenProvider", "RefreshTokenProvider", "TokenProvider"]
