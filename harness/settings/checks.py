"""Shape checks for single setting values (URL, tenant, GUID, JWT), free of any I/O.

Each check returns ``None`` when the value is fine or a short text saying what is expected; the
loader adds the key name and the place. Values are only echoed through :func:`shown`, which
masks anything that looks secret, in case a user pasted a secret into the wrong key.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from urllib.parse import urlsplit

from harness.secrets import POLICY, redact

_DOMAIN = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
_B64URL_PART = re.compile(r"^[A-Za-z0-9_-]*$")
TENANT_ALIASES = ("organizations", "common")


def shown(value: str, limit: int = 60) -> str:
    """A value quoted for an error message, masked if secret-looking and shortened.

    A secret pasted into the wrong key (``CRM_CLIENT_ID=<client secret>``) is not registered as a
    secret, so its *shape* decides (:meth:`harness.secrets.SecretPolicy.looks_secret`)."""
    if POLICY.looks_secret(value) and redact(value) == value:
        return f"a {len(value)}-character value that looks like a secret (not shown)"
    text = redact(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return repr(text)


def is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value.strip("{}")) == 36


def check_http_url(value: str, example: str) -> str | None:
    try:
        parts = urlsplit(value)
    except ValueError as exc:  # e.g. a bracketed host that is not an IP address
        return f"expected an http(s) URL such as {example}; got {shown(value)} ({exc.__class__.__name__})"
    if parts.scheme.lower() not in ("http", "https"):
        hint = " (the scheme is missing)" if "://" not in value else ""
        return f"expected an http(s) URL such as {example}; got {shown(value)}{hint}"
    if not parts.hostname:
        return f"expected an http(s) URL with a host name such as {example}; got {shown(value)}"
    if any(ch.isspace() for ch in value):
        return f"expected a URL without spaces; got {shown(value)}"
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return f"the port is not a number in {shown(value)}"
    if parts.query or parts.fragment:
        return f"expected a URL without '?query' or '#fragment'; got {shown(value)}"
    return None


def check_tenant(value: str) -> str | None:
    if is_guid(value) or _DOMAIN.match(value) or value.lower() in TENANT_ALIASES:
        return None
    return ("expected the directory (tenant) ID as a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47 "
            f"or a domain like contoso.onmicrosoft.com; got {shown(value)}")


def check_guid(value: str, what: str) -> str | None:
    if is_guid(value):
        return None
    return f"expected {what} as a GUID like 51f81489-12ee-4a9e-aaae-a2591f45987d; got {shown(value)}"


def _b64url_json(part: str) -> dict:
    padded = part + "=" * (-len(part) % 4)
    data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def jwt_claims(token: str) -> dict:
    """Decode a JWT's payload *without verifying it* (the harness is not the audience).

    Raises ``ValueError`` naming the defect when the value is not three base64url parts whose
    first two are JSON objects. Used for pasted tokens and to read ``exp``/``tid``/``aud``.
    """
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise ValueError(f"a JWT has three dot-separated parts; this value has {len(parts)}")
    if not all(_B64URL_PART.match(part) for part in parts) or not parts[0] or not parts[1]:
        raise ValueError("a JWT's parts are base64url text (letters, digits, '-' and '_')")
    try:
        _b64url_json(parts[0])
        return _b64url_json(parts[1])
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("the JWT header or payload is not base64url-encoded JSON") from exc
