"""ETag helpers for optimistic concurrency (``If-Match``) and conditional reads (``If-None-Match``).

All three services issue weak ETags (``W/"2101560"``, ``W/"JzEsNTYzNz..."``) and accept them back in
``If-Match`` as opaque strings. These helpers find an ETag wherever it is (header, ``@odata.etag``,
an entity dict), validate its syntax, and build the conditional headers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from harness.odata.errors import ODataProtocolError, ODataUrlError

ANY = "*"
_ENTITY_TAG = re.compile(r'^(W/)?"([^"]*)"$')


class EntityTag(NamedTuple):
    """A parsed entity tag: ``weak`` flag and the opaque text between the quotes."""

    weak: bool
    opaque: str

    def __str__(self) -> str:
        return f'{"W/" if self.weak else ""}"{self.opaque}"'


def parse_etag(value: str) -> EntityTag:
    """Split ``W/"x"`` or ``"x"``; anything else (a bare ``2101560``) raises :class:`ODataUrlError`."""
    match = _ENTITY_TAG.match(value.strip())
    if not match:
        raise ODataUrlError('an ETag is a quoted string, optionally prefixed with W/ (e.g. W/"2101560")',
                            value)
    return EntityTag(bool(match.group(1)), match.group(2))


def is_weak(value: str) -> bool:
    return parse_etag(value).weak


def weak_match(first: str, second: str) -> bool:
    """RFC 7232 weak comparison: the opaque parts are equal, weakness ignored."""
    return parse_etag(first).opaque == parse_etag(second).opaque


def strong_match(first: str, second: str) -> bool:
    """RFC 7232 strong comparison: both strong and equal."""
    a, b = parse_etag(first), parse_etag(second)
    return not a.weak and not b.weak and a.opaque == b.opaque


def etag_of(source: Any) -> str | None:
    """The ETag of an entity dict, an :class:`ODataResponse`, a ``requests.Response`` or a string.

    For responses the ``ETag`` header wins and ``@odata.etag`` in a JSON body is the fallback.
    """
    if source is None:
        return None
    if isinstance(source, str):
        return source
    if isinstance(source, Mapping):
        value = source.get("@odata.etag")
        return value if isinstance(value, str) else None
    headers = getattr(source, "headers", None)
    if headers is not None and headers.get("ETag"):
        return headers["ETag"]
    try:
        body = source.json()
    except (ValueError, ODataProtocolError):
        return None
    return etag_of(body) if isinstance(body, Mapping) else None


def _conditional(header: str, source: Any) -> dict[str, str]:
    value = ANY if source in (None, ANY) else etag_of(source)
    if value is None:
        raise ODataUrlError(f"{header}: the given record carries no @odata.etag (select it or use '*')")
    if value != ANY:
        parse_etag(value)
    return {header: value}


def if_match(source: Any = ANY) -> dict[str, str]:
    """``{"If-Match": etag}``: update/delete only if unchanged (``*`` = only if it exists)."""
    return _conditional("If-Match", source)


def if_none_match(source: Any = ANY) -> dict[str, str]:
    """``{"If-None-Match": etag}``: read only if changed; ``*`` on PATCH = create only, never update."""
    return _conditional("If-None-Match", source)
