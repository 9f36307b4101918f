"""Keep secrets out of run results, logs and messages (on top of ``harness.secrets``).

Values of variables whose *names* look secret (password, secret, token, key, ...) and of
``type: secret`` environment entries are registered with ``harness.secrets`` so every later
``redact()`` masks them; tokens seen in token-endpoint responses are registered too. Header
values that carry credentials are masked whatever their content.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from harness.secrets import MASK, redact, register_secret

SECRET_NAME = re.compile(r"(?i)(pass(word|wd)?|secret|token|api[-_]?key|assertion|credential|signature|cookie)")
# ...but not the URL, type or expiry that goes with a token (token_url, tokenType, bc_token_expiry)
NOT_SECRET_NAME = re.compile(r"(?i)(url|uri|endpoint|host|type|expir|lifetime|name)")
SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key",
                  "ocp-apim-subscription-key", "x-functions-key"}
TOKEN_FIELDS = ("access_token", "refresh_token", "id_token", "client_secret")
MAX_BODY_PREVIEW = 2000


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and not NOT_SECRET_NAME.search(name)


def register_variables(values: dict[str, Any], secret_keys: Iterable[str] = ()) -> None:
    """Register the values of secret-looking (or declared secret) variables."""
    declared = set(secret_keys)
    for key, value in values.items():
        if isinstance(value, str) and value and (key in declared or is_secret_name(key)):
            register_secret(value)


def register_response_tokens(body: str) -> None:
    """Token endpoint responses carry access/refresh/id tokens: never show them afterwards."""
    if not body or not any(name in body for name in TOKEN_FIELDS):
        return
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        return
    if isinstance(data, dict):
        for name in TOKEN_FIELDS:
            if isinstance(data.get(name), str):
                register_secret(data[name])


def redact_header(name: str, value: str, extra_secret_headers: Iterable[str] = ()) -> str:
    lowered = name.lower()
    if lowered in SECRET_HEADERS or lowered in {h.lower() for h in extra_secret_headers} or is_secret_name(name):
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


__all__ = ["MASK", "redact", "redact_body", "redact_header", "redact_headers", "register_response_tokens",
           "register_variables"]
