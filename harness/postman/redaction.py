"""Keep secrets out of run results, logs and messages (on top of ``harness.secrets``).

Values of variables whose *names* look secret (the policy's name rule, :mod:`harness.secrets.policy`)
and of ``type: secret`` environment entries are registered with ``harness.secrets`` so every later
``redact()`` masks them and the cassette persister scrubs them; tokens seen in token-endpoint
responses are registered too. Header values that carry credentials are masked whatever their content.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from harness.secrets import MASK, POLICY, label_for, redact, register_secret

MAX_BODY_PREVIEW = 2000
# ``.env`` key (or environment variable) listing the secret ``.env`` keys scripts may read, comma-separated.
SCRIPT_SECRETS_KEY = "HARNESS_SCRIPT_SECRETS"


def is_secret_name(name: str) -> bool:
    return POLICY.is_secret_name(name)


def dotenv_secret_keys(values: Mapping[str, Any]) -> set[str]:
    """The ``.env`` keys whose values are secret (the settings rule of the policy)."""
    return {key for key in values if POLICY.is_secret_setting(key)}


def script_visible(values: Mapping[str, Any], secret_keys: set[str],
                   environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """The ``.env`` layer as collection scripts see it: secret keys only when opted in by name.

    ``{{CRM_PASSWORD}}`` in a request still resolves (the harness substitutes it); only
    ``pm.variables`` and friends, which any script can send anywhere, do not hold it.
    """
    opted = str(values.get(SCRIPT_SECRETS_KEY) or environ.get(SCRIPT_SECRETS_KEY, ""))
    allowed = {name.strip() for name in opted.split(",") if name.strip()}
    return {key: value for key, value in values.items() if key not in secret_keys or key in allowed}


def url_host(url: Any) -> str | None:
    """``host:port`` (lower case, default port filled in) of an http(s) URL, else ``None``; the port
    counts, since another server on loopback is another host."""
    if not isinstance(url, str) or "://" not in url:
        return None
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:
        return None
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.hostname.lower()}:{port}"


def register_variables(values: dict[str, Any], secret_keys: Iterable[str] = ()) -> None:
    """Register the values of secret-looking (or declared secret) variables."""
    declared = set(secret_keys)
    for key, value in values.items():
        if isinstance(value, str) and value and (key in declared or is_secret_name(key)):
            register_secret(value, label_for(key))


def register_response_tokens(body: str) -> None:
    """Token endpoint responses carry access/refresh/id tokens: never show them afterwards."""
    if not body or ("token" not in body and "secret" not in body):
        return
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        return
    if isinstance(data, dict):
        for name, value in data.items():
            if isinstance(value, str) and POLICY.is_secret_name(name):
                register_secret(value, label_for(name))


def redact_header(name: str, value: str, extra_secret_headers: Iterable[str] = ()) -> str:
    lowered = name.lower()
    if POLICY.is_secret_header(name) or lowered in {h.lower() for h in extra_secret_headers}:
        scheme = value.split(" ", 1)[0] if " " in value and lowered in ("authorization", "proxy-authorization") else ""
        return f"{scheme} {MASK}" if scheme else MASK
    return redact(value)


def redact_headers(headers: Iterable[tuple[str, str]], extra_secret_headers: Iterable[str] = ()) -> list[tuple[str, str]]:
    extra = list(extra_secret_headers)
    return [(k, redact_header(k, v, extra)) for k, v in headers]


def redact_body(body: bytes | str | None) -> str | None:
    if body is None:
        return None
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    text = redact(text)
    if len(text) > MAX_BODY_PREVIEW:
        text = text[:MAX_BODY_PREVIEW] + f"... ({len(text)} characters)"
    return text


__all__ = ["MASK", "SCRIPT_SECRETS_KEY", "dotenv_secret_keys", "redact", "script_visible", "url_host", "redact_body", "redact_header", "redact_headers", "register_response_tokens",
           "register_variables"]
