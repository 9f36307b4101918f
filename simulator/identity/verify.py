"""Bearer-token checks a Dynamics resource server makes before it serves a request.

Shared by every simulated service so that all of them refuse the same bad tokens in the same
way: missing, malformed, unsigned (``alg=none``), wrongly signed, expired, not yet valid, from
another tenant or for another audience.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

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


# Verified tokens, by the whole token (header, claims and signature) and what it was checked against:
# a client sends the same token with every request for an hour, and checking its RS256 signature
# (and PyJWT's base64 and PEM handling around it) was most of a GET's time. The signature check is
# done once; the lifetime is checked again on every use, so an expired token is still refused.
_CACHE_SIZE = 4096
_verified: OrderedDict[tuple[str, str, str, str], dict] = OrderedDict()
_lock = threading.Lock()


def verify_access_token(token: str, audience: str, config: SimConfig, key: SigningKey) -> dict:
    """Return the claims of a valid token for ``audience`` or raise :class:`TokenRejected`."""
    cache_key = (token, audience, config.tenant_id, key.kid)
    with _lock:
        claims = _verified.get(cache_key)
        if claims is not None:
            _verified.move_to_end(cache_key)
    if claims is None:
        claims = _verify(token, audience, config, key)
        with _lock:
            _verified[cache_key] = claims
            if len(_verified) > _CACHE_SIZE:
                _verified.popitem(last=False)
    else:
        _check_lifetime(claims)
    return dict(claims)


def _check_lifetime(claims: dict) -> None:
    """PyJWT's time checks (leeway 0), for a token whose signature was verified before."""
    now = time.time()
    if claims["exp"] <= now:
        raise TokenRejected("IDX10223: Lifetime validation failed. The token is expired.")
    if claims["nbf"] > now or claims["iat"] > now:
        raise TokenRejected("IDX10222: Lifetime validation failed. The token is not yet valid.")


def _verify(token: str, audience: str, config: SimConfig, key: SigningKey) -> dict:
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
        claims = jwt.decode(token, key.public_key, algorithms=["RS256"], audience=list(accepted),
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
