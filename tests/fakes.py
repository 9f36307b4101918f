"""Fake, unsigned tokens for tests, built at run time.

A token-shaped literal in the repository looks like a leaked credential to every secret scanner
(ours included), so tests assemble theirs from plain JSON instead.
"""

from __future__ import annotations

import base64
import json


def _part(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def fake_jwt(header: dict, claims: dict, signature: bytes = b"signature") -> str:
    """``header.claims.signature`` in JWT compact form; the signature is not a real one."""
    def encode(obj: dict) -> str:
        return _part(json.dumps(obj, separators=(",", ":")).encode())

    return f"{encode(header)}.{encode(claims)}.{_part(signature)}"
