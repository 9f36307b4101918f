"""Starlette responses for the OData answers, built without ``Response.__init__``'s per-call work.

Every OData answer is bytes, a status, a header dict and a media type. Starlette lower-cases and
encodes each header name on every response; the names the dialects send are a small fixed set, so
:func:`make_response` encodes each name once and otherwise builds exactly the ``raw_headers``
``Response(body, status, headers, media_type)`` builds (same order, ``content-length`` and
``content-type`` added under the same conditions). ``tests/simulator/test_responses.py`` compares
the two.
"""

from __future__ import annotations

import os

from starlette.responses import Response

_NAMES: dict[str, bytes] = {}  # header name as the dialect writes it -> lower-case latin-1 bytes
_MEDIA: dict[str, bytes] = {}  # media type -> the content-type header value Starlette would send


def _name(key: str) -> bytes:
    name = _NAMES.get(key)
    if name is None:
        name = key.lower().encode("latin-1")
        if len(_NAMES) >= 512:  # names can come from anywhere (a problem's headers): stay bounded
            _NAMES.clear()
        _NAMES[key] = name
    return name


def _content_type(media_type: str) -> bytes:
    value = _MEDIA.get(media_type)
    if value is None:
        text = media_type
        if text.startswith("text/") and "charset=" not in text.lower():
            text += "; charset=" + Response.charset
        value = text.encode("latin-1")
        if len(_MEDIA) >= 64:
            _MEDIA.clear()
        _MEDIA[media_type] = value
    return value


def make_response(body: bytes, status: int = 200, headers: dict[str, str] | None = None,
                  media_type: str | None = None) -> Response:
    """``Response(body, status_code=status, headers=headers, media_type=media_type)``, the same object."""
    raw = [(_name(k), v.encode("latin-1")) for k, v in headers.items()] if headers else []
    keys = {name for name, _ in raw}
    if b"content-length" not in keys and not (status < 200 or status in (204, 304)):
        raw.append((b"content-length", str(len(body)).encode("latin-1")))
    if media_type is not None and b"content-type" not in keys:
        raw.append((b"content-type", _content_type(media_type)))
    response = Response.__new__(Response)
    response.status_code = status
    if media_type is not None:
        response.media_type = media_type
    response.background = None
    response.body = body
    response.raw_headers = raw
    return response


_UUID4_MASK = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)  # version and variant bits cleared
_UUID4_BITS = (0x4000 << 64) | (0x8000 << 48)  # version 4, RFC 4122 variant


def request_id() -> str:
    """``str(uuid.uuid4())`` (the same random bits and layout) in half the time: one per response."""
    text = "%032x" % ((int.from_bytes(os.urandom(16), "big") & _UUID4_MASK) | _UUID4_BITS)
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
