"""The access token the harness holds, and parsing of Entra's two reply envelopes into it.

The v1 endpoint sends every number as a JSON string and adds ``expires_on``; the v2 endpoint sends
integers and only ``expires_in``. Both end up as one :class:`AccessToken` with an absolute
``expires_at`` (epoch seconds on the local clock).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from harness.secrets import Secret, register_secret
from harness.settings.checks import jwt_claims

DEFAULT_SKEW = 120  # seconds before expiry at which a token counts as used up


@dataclass(frozen=True)
class AccessToken:
    """A bearer token with its expiry; the token and refresh token stay wrapped in :class:`Secret`."""

    value: Secret
    expires_at: float
    token_type: str = "Bearer"
    refresh_token: Secret | None = None
    claims: dict = field(default_factory=dict, compare=False)
    source: str = "idp"  # "idp" | "refresh" | "cache" | "pasted"

    def expires_in(self, now: float | None = None) -> float:
        return self.expires_at - (time.time() if now is None else now)

    def is_fresh(self, skew: float = DEFAULT_SKEW, now: float | None = None) -> bool:
        """Still usable for at least ``skew`` seconds."""
        return self.expires_in(now) > skew

    def authorization_header(self) -> str:
        """``Bearer <token>``: Entra says ``token_type`` Bearer; any case is normalised."""
        return f"Bearer {self.value.reveal()}"


def _number(value: object) -> float | None:
    """An envelope number: int (v2) or numeric string (v1); anything else counts as absent."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def safe_claims(token: str) -> dict:
    """Unverified claims of a JWT access token, or ``{}`` for opaque tokens."""
    try:
        return jwt_claims(token)
    except ValueError:
        return {}


def parse_token_response(body: dict, *, now: float | None = None, source: str = "idp") -> AccessToken:
    """Build an :class:`AccessToken` from a successful token reply (v1 or v2 envelope).

    Expiry: ``expires_in`` relative to the local clock when present (immune to clock skew between
    the harness and the IdP), else v1's absolute ``expires_on``, else the JWT's ``exp``.
    Raises ``ValueError`` when the reply has no access token.
    """
    now = time.time() if now is None else now
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise ValueError("the token reply has no access_token")
    register_secret(token, "ACCESS_TOKEN")
    refresh = body.get("refresh_token")
    if isinstance(refresh, str) and refresh:
        register_secret(refresh, "REFRESH_TOKEN")
    else:
        refresh = None
    for extra in ("id_token",):
        if isinstance(body.get(extra), str):
            register_secret(body[extra], extra.upper())
    claims = safe_claims(token)
    expires_in = _number(body.get("expires_in"))
    expires_on = _number(body.get("expires_on"))
    if expires_in is not None:
        expires_at = now + expires_in
    elif expires_on is not None:
        expires_at = expires_on
    elif isinstance(claims.get("exp"), int | float):
        expires_at = float(claims["exp"])
    else:
        expires_at = now + 300  # unknown lifetime: assume short, so it is renewed early
    token_type = body.get("token_type") if isinstance(body.get("token_type"), str) else "Bearer"
    return AccessToken(value=Secret(token), expires_at=expires_at, token_type=token_type,
                       refresh_token=Secret(refresh) if refresh else None, claims=claims, source=source)
