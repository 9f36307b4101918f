"""In-memory grants of the identity provider: authorization codes and refresh tokens.

Codes and refresh tokens are opaque random strings, like Entra's. The stores key records by a
SHA-256 of the value so that the raw secret is never held in a record (records appear in test
failure output and reprs). A :class:`Clock` with an adjustable offset lets tests age codes and
refresh tokens without sleeping.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field


class Clock:
    """Wall clock plus an offset tests can move forward (``advance``) to expire grants."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def fingerprint(value: str) -> str:
    """Store key for a secret grant value (never the value itself)."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_opaque(prefix: str) -> str:
    """An Entra-looking opaque grant (``0.A...`` for v1, ``1.A...`` for v2)."""
    return prefix + secrets.token_urlsafe(48)


@dataclass
class AuthorizationCode:
    """What ``/authorize`` decided, to be checked again when the code is redeemed."""

    client_id: str
    upn: str
    redirect_uri: str
    resource: str | None  # as requested (v1 ``resource`` or the v2 scope's resource)
    oidc_scopes: frozenset[str]
    issued_at: float
    nonce: str | None = None
    code_challenge: str | None = field(default=None, repr=False)
    code_challenge_method: str | None = None
    amr: tuple[str, ...] = ("pwd",)
    redeemed: bool = False


@dataclass
class RefreshGrant:
    """A refresh token's server-side state: who, for which client, and when it was last used."""

    upn: str
    client_id: str
    resource: str
    oidc_scopes: frozenset[str]
    issued_at: float
    last_used: float
    amr: tuple[str, ...] = ("pwd",)
    revoked_at: float | None = None


class GrantStore:
    """Thread-safe map from a grant value's fingerprint to its record.

    The server runs in its own thread while tests reach in (revoke, expire), hence the lock.
    """

    def __init__(self) -> None:
        self._records: dict[str, object] = {}
        self._lock = threading.Lock()

    def add(self, value: str, record: object) -> None:
        with self._lock:
            self._records[fingerprint(value)] = record

    def get(self, value: str):
        with self._lock:
            return self._records.get(fingerprint(value))

    def records(self) -> list:
        with self._lock:
            return list(self._records.values())

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)
