"""Bearer-token checks a Dynamics resource server makes before it serves a request.

Shared by every simulated service so that all of them refuse the same bad tokens in the same
way: missing, malformed, unsigned (``alg=none``), wrongly signed, expired, not yet valid, from
another tenant or for another audience.
"""

from __future__ import annotations

import jwt

from simulator.config import SimConfig
from simulator.keys import SigningKey


class TokenRejected(Exception):
    """The request's token is not acceptable; ``reason`` is safe to show (never the token)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def bearer_from_header(value: str | None) -> str:
    if not value:
        raise TokenRejected("no bearer token")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejected("authorization header is not a bearer token")
    return token.strip()


def verify_access_token(token: str, audience: str, config: SimConfig, key: SigningKey) -> dict:
    """Return the claims of a valid token for ``audience`` or raise :class:`TokenRejected`."""
    try:
        header = jwt.get_unverified_header(token)
    except (jwt.PyJWTError, RecursionError) as exc:  # RecursionError: a header of nested JSON arrays
        raise TokenRejected("token is not a JWT") from exc
    if header.get("alg") != "RS256":
        raise TokenRejected(f"token algorithm {str(header.get('alg'))[:16]!r} is not accepted")
    if header.get("kid") not in (None, key.kid):
        raise TokenRejected("IDX10503: Signature validation failed. The token's kid is not a published key.")
    accepted = {audience.rstrip("/"), audience.rstrip("/") + "/"}  # Dynamics accepts either form
    try:
        claims = jwt.decode(token, key.public_pem, algorithms=["RS256"], audience=list(accepted),
                            options={"require": ["exp", "nbf", "iat", "aud", "iss"]}, leeway=0)
    except jwt.ExpiredSignatureError as exc:
        raise TokenRejected("IDX10223: Lifetime validation failed. The token is expired.") from exc
    except jwt.InvalidAudienceError as exc:
        raise TokenRejected("IDX10214: Audience validation failed.") from exc
    except jwt.InvalidSignatureError as exc:
        raise TokenRejected("IDX10503: Signature validation failed.") from exc
    except jwt.ImmatureSignatureError as exc:
        raise TokenRejected("IDX10222: Lifetime validation failed. The token is not yet valid.") from exc
    except jwt.PyJWTError as exc:
        raise TokenRejected(f"token validation failed: {type(exc).__name__}") from exc
    except RecursionError:  # claims of deeply nested JSON
        raise TokenRejected("token validation failed: the claims are nested too deeply") from None
    if claims.get("iss") != f"https://sts.windows.net/{config.tenant_id}/":
        raise TokenRejected("IDX10205: Issuer validation failed.")
    if claims.get("tid", config.tenant_id) != config.tenant_id:
        raise TokenRejected("the token was issued for another tenant")
    return claims
