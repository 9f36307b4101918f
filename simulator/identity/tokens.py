"""Claims and signing of the tokens the simulated Entra ID issues.

Access tokens are v1-shaped RS256 JWTs whatever the endpoint, because Dynamics resources accept
v1 tokens: ``iss`` is ``https://sts.windows.net/{tid}/``, ``aud`` is the resource as requested,
``ver`` is ``"1.0"``. ID tokens follow the endpoint: unsigned (``alg: none``) from v1, RS256 with
the v2 issuer from v2.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field

from simulator.config import SimClient, SimConfig, SimUser
from simulator.keys import SigningKey

# Entra backdates nbf/iat by five minutes to absorb clock skew (expires_on - not_before = lifetime + 300).
CLOCK_SKEW_BACKDATE = 300
ID_TOKEN_LIFETIME = 3600


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _opaque(length: int = 16) -> str:
    return b64url(secrets.token_bytes(length))


def v1_issuer(tenant_id: str) -> str:
    return f"https://sts.windows.net/{tenant_id}/"


def v2_issuer(login_url: str, tenant_id: str) -> str:
    return f"{login_url.rstrip('/')}/{tenant_id}/v2.0"


@dataclass
class Subject:
    """Who a token is for: a user (delegated) or only the client (app-only)."""

    client: SimClient
    appidacr: str
    user: SimUser | None = None
    amr: tuple[str, ...] = ("pwd",)
    nonce: str | None = None
    ip_address: str = "127.0.0.1"
    extra: dict = field(default_factory=dict)


@dataclass
class IssuedAccessToken:
    token: str = field(repr=False)
    issued_at: int  # == nbf (backdated)
    expires_on: int
    lifetime: int


class TokenIssuer:
    """Builds and signs tokens for one tenant with one key."""

    def __init__(self, config: SimConfig, key: SigningKey):
        self.config = config
        self.key = key

    # ----------------------------------------------------------------- access tokens
    def access_token(self, subject: Subject, resource: str, now: float) -> IssuedAccessToken:
        lifetime = int(self.config.token_lifetime)
        issued = int(now) - CLOCK_SKEW_BACKDATE
        expires = int(now) + lifetime
        tid = self.config.tenant_id
        claims: dict = {"aud": resource, "iss": v1_issuer(tid), "iat": issued, "nbf": issued, "exp": expires}
        if subject.user is None:
            claims |= self._app_claims(subject)
        else:
            claims |= self._user_claims(subject)
        claims |= {"tid": tid, "uti": _opaque(), "ver": "1.0"} | subject.extra
        return IssuedAccessToken(self.key.sign(claims), issued, expires, lifetime)

    def _app_claims(self, subject: Subject) -> dict:
        client = subject.client
        claims = {"aio": _opaque(24), "appid": client.client_id, "appidacr": subject.appidacr,
                  "idp": v1_issuer(self.config.tenant_id), "idtyp": "app",
                  "oid": client.service_principal_id, "rh": _opaque(12)}
        if client.roles:
            claims["roles"] = list(client.roles)
        claims["sub"] = client.service_principal_id
        return claims

    def _user_claims(self, subject: Subject) -> dict:
        user = subject.user
        assert user is not None
        return {
            "acr": "1", "aio": _opaque(24), "amr": list(subject.amr),
            "appid": subject.client.client_id, "appidacr": subject.appidacr,
            "family_name": user.family_name, "given_name": user.given_name, "idtyp": "user",
            "ipaddr": subject.ip_address, "name": display_name(user), "oid": user.object_id,
            "rh": _opaque(12), "scp": "user_impersonation",
            "sub": pairwise_subject(user, subject.client),
            "unique_name": user.upn, "upn": user.upn,
        }

    # ----------------------------------------------------------------- ID tokens
    def id_token_v1(self, subject: Subject, now: float) -> str:
        """The v1 endpoint's ID token: an unsigned JWT (``alg: none``), as Entra sends it."""
        user = subject.user
        assert user is not None
        issued = int(now) - CLOCK_SKEW_BACKDATE
        claims = {"aud": subject.client.client_id, "iss": v1_issuer(self.config.tenant_id),
                  "iat": issued, "nbf": issued, "exp": int(now) + ID_TOKEN_LIFETIME,
                  "amr": list(subject.amr), "family_name": user.family_name, "given_name": user.given_name,
                  "ipaddr": subject.ip_address, "name": display_name(user), "oid": user.object_id,
                  "sub": pairwise_subject(user, subject.client), "tid": self.config.tenant_id,
                  "unique_name": user.upn, "upn": user.upn, "ver": "1.0"}
        if subject.nonce:
            claims["nonce"] = subject.nonce
        header = {"typ": "JWT", "alg": "none"}
        return ".".join(b64url(json.dumps(part, separators=(",", ":")).encode())
                        for part in (header, claims)) + "."

    def id_token_v2(self, subject: Subject, now: float, login_url: str, email: bool = False) -> str:
        """The v2 endpoint's ID token, RS256-signed with the v2 issuer."""
        user = subject.user
        assert user is not None
        issued = int(now) - CLOCK_SKEW_BACKDATE
        claims = {"aud": subject.client.client_id, "iss": v2_issuer(login_url, self.config.tenant_id),
                  "iat": issued, "nbf": issued, "exp": int(now) + ID_TOKEN_LIFETIME,
                  "aio": _opaque(24), "name": display_name(user), "oid": user.object_id,
                  "preferred_username": user.upn, "rh": _opaque(12),
                  "sub": pairwise_subject(user, subject.client), "tid": self.config.tenant_id,
                  "uti": _opaque(), "ver": "2.0"}
        if subject.nonce:
            claims["nonce"] = subject.nonce
        if email:
            claims["email"] = user.upn
        return self.key.sign(claims)

    def client_info(self, user: SimUser) -> str:
        """base64url JSON ``{"uid": oid, "utid": tid}``; MSAL builds ``home_account_id`` from it."""
        payload = {"uid": user.object_id, "utid": self.config.tenant_id}
        return b64url(json.dumps(payload, separators=(",", ":")).encode())


def display_name(user: SimUser) -> str:
    return f"{user.given_name} {user.family_name}".strip() or user.upn


def pairwise_subject(user: SimUser, client: SimClient) -> str:
    """Entra's ``sub`` is unique per user *and* app; derive it so it is stable across tokens."""
    return b64url(hashlib.sha256(f"{user.object_id}:{client.client_id}".encode()).digest())
