"""Getting Entra ID tokens for Dynamics targets with plain ``requests``.

Public API::

    from harness.auth import TokenBroker, provider_for, TokenAuth, AuthError
    provider = provider_for(settings.crm, cache)       # by settings.crm.grant_type
    token = provider.get_token()                        # AccessToken (value is a Secret)
    session.auth = TokenAuth(provider)                  # Bearer header + one retry on 401

All modules log through the ``harness.auth`` logger, which carries a
:class:`~harness.secrets.RedactingFilter` as a safety net (nothing here logs a secret on purpose).
"""

import logging

from harness.auth.authcode import (
    AuthorizationCodeProvider,
    LoopbackListener,
    build_authorize_url,
    exchange_code,
    make_pkce_pair,
)
from harness.auth.broker import TokenBroker
from harness.auth.cache import (
    CacheEntry,
    FileTokenCache,
    MemoryTokenCache,
    TokenCache,
    cache_key,
    open_cache,
)
from harness.auth.errors import AuthError, friendly_message
from harness.auth.factory import provider_for
from harness.auth.providers import (
    ClientCredentialsProvider,
    GrantProvider,
    PasswordProvider,
    PastedTokenProvider,
    RefreshTokenProvider,
    TokenProvider,
)
from harness.auth.requests_auth import TokenAuth
from harness.auth.token import AccessToken, parse_token_response
from harness.secrets import install_redaction

install_redaction(logging.getLogger("harness.auth"))

__all__ = [
    "AccessToken",
    "AuthError",
    "AuthorizationCodeProvider",
    "CacheEntry",
    "ClientCredentialsProvider",
    "FileTokenCache",
    "GrantProvider",
    "LoopbackListener",
    "MemoryTokenCache",
    "PasswordProvider",
    "PastedTokenProvider",
    "RefreshTokenProvider",
    "TokenAuth",
    "TokenBroker",
    "TokenCache",
    "TokenProvider",
    "build_authorize_url",
    "cache_key",
    "exchange_code",
    "friendly_message",
    "make_pkce_pair",
    "open_cache",
    "parse_token_response",
    "provider_for",
]
