"""Which token provider a target needs, by its grant type (the one place that knows every provider)."""

from __future__ import annotations

from harness.auth.authcode import AuthorizationCodeProvider
from harness.auth.cache import TokenCache
from harness.auth.errors import AuthError
from harness.auth.providers import (
    ClientCredentialsProvider,
    GrantProvider,
    PasswordProvider,
    PastedTokenProvider,
    RefreshTokenProvider,
    TokenProvider,
)
from harness.settings.target_settings import TargetSettings


def provider_for(target: TargetSettings, cache: TokenCache | None = None, **options) -> TokenProvider:
    """The provider for ``target.grant_type``.

    ``options`` go to the provider: ``session``, ``skew``, ``clock``, ``timeout`` for all grant
    providers; ``no_browser``, ``open_url``, ``wait_timeout``, ``login_hint`` for authorization_code.
    """
    grant = target.grant_type
    if grant == "token":
        return PastedTokenProvider(target, **{k: v for k, v in options.items() if k == "clock"})
    if grant == "authorization_code":
        return AuthorizationCodeProvider(target, cache, **options)
    common = {k: v for k, v in options.items() if k in ("session", "skew", "clock", "timeout")}
    classes: dict[str, type[GrantProvider]] = {
        "password": PasswordProvider, "client_credentials": ClientCredentialsProvider,
        "refresh_token": RefreshTokenProvider,
    }
    if grant not in classes:
        raise AuthError(f"{target.key('grant_type')}: unknown grant type {grant!r}")
    return classes[grant](target, cache, **common)
