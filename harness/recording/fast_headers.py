"""A faster ``vcr.stubs.parse_headers``: the recorded headers straight into an ``HTTPMessage``.

vcrpy (9.4.2, pinned) turns a recorded response's header dict into bytes and runs the e-mail
parser over them, twice per replayed response (once for the stub, once for urllib3): a sixth of a
replayed interaction's cost. For headers that parse back to themselves (printable Latin-1 text,
no line breaks, at most http.client's 100 headers) the message is built directly, with the value
trimmed as the parser trims it; anything else still goes through vcrpy's own function.
"""

from __future__ import annotations

import http.client
from collections.abc import Mapping, Sequence

import vcr.stubs

_ORIGINAL = vcr.stubs.parse_headers
_MAX_HEADERS = 100  # http.client._MAXHEADERS: more raises in the parser, so leave it to vcrpy


def _plain(text: str) -> bool:
    return text.isascii() and "\r" not in text and "\n" not in text


def parse_headers(header_list: Mapping[str, Sequence[str]]) -> http.client.HTTPMessage:
    """``vcr.stubs.parse_headers`` with the same result, without the e-mail parser when it can."""
    message = http.client.HTTPMessage()
    count = 0
    for key, values in header_list.items():
        if not _plain(key) or ":" in key or not key.strip() or key != key.strip():
            return _ORIGINAL(header_list)
        for value in values:
            count += 1
            if count > _MAX_HEADERS or not isinstance(value, str) or not _plain(value):
                return _ORIGINAL(header_list)
            message[key] = value.lstrip(" \t")
    return message


def install() -> None:
    """Use :func:`parse_headers` for every replayed response (idempotent)."""
    vcr.stubs.parse_headers = parse_headers


__all__ = ["install", "parse_headers"]
