"""The identity provider's RS256 signing key, shared with the resource servers that verify tokens.

One key pair per simulator process: the IdP signs with it, Dataverse/F&O/BC verify with it, and
the JWKS endpoints publish it, the way Entra ID and Dynamics share keys through discovery.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from functools import cached_property

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class SigningKey:
    """An RSA key with Entra-style ``kid``/``x5t`` (the same value in v1 tokens)."""

    private_key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    @cached_property
    def public_key(self) -> rsa.RSAPublicKey:
        """The key object resource servers verify with (no PEM parsing per token)."""
        return self.private_key.public_key()

    @cached_property
    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @cached_property
    def kid(self) -> str:
        digest = hashlib.sha1(self.public_pem).digest()  # noqa: S324 - a thumbprint, not security
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, claims: dict) -> str:
        return jwt.encode(claims, self.private_key, algorithm="RS256",
                          headers={"typ": "JWT", "kid": self.kid, "x5t": self.kid})

    def jwk(self, issuer: str | None = None) -> dict:
        numbers = self.private_key.public_key().public_numbers()
        key = {"kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid,
               "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}
        if issuer:
            key["issuer"] = issuer
        return key
