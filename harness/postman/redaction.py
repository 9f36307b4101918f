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
from urllib.parse import quote, quote_plus, urlsplit

from harness.secrets import MASK, POLICY, label_for, redact, register_secret

MAX_BODY_PREVIEW = 2000
# ``.env`` key (or environment variable) listing the secret ``.env`` keys scripts may read, comma-separated.
SCRIPT_SECRETS_KEY = "HARNESS_SCRIPT_SECRETS"


def is_secret_name(name: str) -> bool:
    return POLICY.is_secret_name(name)


def dotenv_secret_keys(values: Mapping[str, Any]) -> set[str]:
    """The ``.env`` keys whose values are secret (the settings rule of the policy)."""
    return {key for key in values if POLICY.is_secret_setting(key)}


def script_opt_in(dotenv_values: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> set[str]:
    """The secret variable names the user lets scripts read (``HARNESS_SCRIPT_SECRETS``, comma-separated)."""
    opted = str(dotenv_values.get(SCRIPT_SECRETS_KEY) or environ.get(SCRIPT_SECRETS_KEY, ""))
    return {name.strip() for name in opted.split(",") if name.strip()}


def script_visible(values: Mapping[str, Any], secret_keys: set[str],
                   environ: Mapping[str, str] = os.environ, *, allowed: set[str] | None = None) -> dict[str, Any]:
    """A variable layer as collection scripts see it: secret keys only when opted in by name.

    ``{{CRM_PASSWORD}}`` or ``{{password}}`` in a request still resolves (the harness substitutes it,
    as Postman does for vault secrets); only ``pm.variables`` and friends, which any script can send
    anywhere, do not hold it. ``allowed`` defaults to the opt-in list read from ``values`` itself.
    """
    if allowed is None:
        allowed = script_opt_in(values, environ)
    return {key: value for key, value in values.items() if key not in secret_keys or key in allowed}


def hidden_values(layers: Iterable[tuple[Mapping[str, Any], set[str]]], allowed: set[str]) -> list[str]:
    """The values scripts must not see: secret keys of the given layers that are not opted in."""
    return sorted({str(values[key]) for values, keys in layers for key in keys
                   if key in values and key not in allowed and isinstance(values[key], str) and values[key]},
                  key=len, reverse=True)


def hide_in(document: Any, hidden: list[str]) -> Any:
    """``document`` (a request as scripts get it) with every hidden value, raw or URL-encoded, masked.

    The test event sees the request as sent, so a ``{{password}}`` resolved into its body would
    otherwise be readable through ``pm.request``.
    """
    if not hidden:
        return document
    forms = [form for value in hidden for form in dict.fromkeys((value, quote(value, safe=""), quote_plus(value)))]
    def walk(node: Any) -> Any:
        if isinstance(node, str):
            for form in forms:
                if form in node:
                    node = node.replace(form, MASK)
            return node
        if isinstance(node, list):
            return [walk(item) for item in node]
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        return node
    return walk(document)


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


__all__ = ["MASK", "SCRIPT_SECRETS_KEY", "dotenv_secret_keys", "hidden_values", "hide_in", "is_secret_name", "redact", "script_opt_in",
           "script_visible", "url_host", "redact_body", "redact_header", "redact_headers", "register_response_tokens",
           "register_variables"]
