"""Read OData resource paths (``accounts(<id>)/Account_Tasks``) with quote-aware scanning.

A key value may hold ``/``, ``,``, ``(`` or ``)`` inside its quotes, so paths cannot be split with
``str.split``. :func:`split_segments` walks the path once, honouring ``'...'`` strings (quotes
doubled inside) and ``[...]``/``{...}`` JSON parameter values, and reports the first structural
problem (unbalanced quote or parenthesis, text after a key) with its position.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from harness.odata.dialects import Dialect
from harness.odata.errors import ODataUrlError
from harness.odata.literals import GUID_RE, Raw, parse_literal


@dataclass(frozen=True)
class Segment:
    """One ``/``-separated part of a path: a name and the text inside its parentheses, if any."""

    name: str
    key_text: str | None
    start: int
    key_start: int | None = None


def split_url(url: str) -> tuple[str, str]:
    """``(path, query)`` split at the first ``?`` that is not inside a quoted value.

    A ``?`` or ``#`` inside quotes would be cut off by any HTTP client, and a ``#`` outside
    quotes starts a fragment that is never sent, so both are reported instead of guessed at.
    """
    in_quote = False
    for index, char in enumerate(url):
        if char == "'":
            in_quote = not in_quote  # a doubled '' toggles twice: still correct
        elif char in "?#" and in_quote:
            escaped = "%3F" if char == "?" else "%23"
            raise ODataUrlError(f"{char!r} inside a quoted value must be percent-encoded as {escaped}",
                                url, index)
        elif char == "#":
            raise ODataUrlError("'#' starts a URL fragment that is never sent; percent-encode it as %23",
                                url, index)
        elif char == "?":
            return url[:index], url[index + 1:]
    return url, ""


def split_segments(path: str) -> list[Segment]:
    """The segments of a decoded resource path, checking quotes and parentheses."""
    segments: list[Segment] = []
    seg_start = 0
    name_end: int | None = None
    key_start: int | None = None
    key_end: int | None = None
    parens: list[int] = []
    brackets: list[int] = []
    quote_start: int | None = None
    json_quote = False
    index = 0

    def close_segment(end: int) -> None:
        name = path[seg_start: name_end if name_end is not None else end]
        key_text = path[key_start:key_end] if key_start is not None and key_end is not None else None
        segments.append(Segment(name, key_text, seg_start, key_start))

    while index < len(path):
        char = path[index]
        if quote_start is not None:
            if json_quote:
                if char == "\\":
                    index += 1
                elif char == '"':
                    quote_start = None
            elif char == "'":
                if index + 1 < len(path) and path[index + 1] == "'":
                    index += 1
                else:
                    quote_start = None
        elif char == "'" or (char == '"' and brackets):
            quote_start, json_quote = index, char == '"'
        elif char in "[{" and parens:
            brackets.append(index)
        elif char in "]}" and brackets:
            brackets.pop()
        elif char == "(":
            if key_end is not None and not parens:
                raise ODataUrlError("a second '(' after a key; use '/' between segments", path, index)
            if not parens:
                name_end, key_start = index, index + 1
            parens.append(index)
        elif char == ")":
            if not parens:
                raise ODataUrlError("')' has no matching '('", path, index)
            parens.pop()
            if not parens:
                key_end = index
        elif char == "/" and not parens:
            close_segment(index)
            seg_start, name_end, key_start, key_end = index + 1, None, None, None
        elif key_end is not None and not parens:
            raise ODataUrlError(f"unexpected {char!r} after the closing ')'", path, index)
        index += 1

    if quote_start is not None:
        raise ODataUrlError("unterminated string literal (double a quote inside a value: O''Bryan)",
                            path, quote_start)
    if brackets:
        raise ODataUrlError(f"{path[brackets[-1]]!r} is never closed", path, brackets[-1])
    if parens:
        raise ODataUrlError("'(' is never closed", path, parens[0])
    close_segment(len(path))
    return segments


def split_key_parts(key_text: str, source: str, offset: int) -> list[tuple[str | None, str, int]]:
    """``[(name or None, value text, value offset)]`` for the comma-separated parts of a key."""
    parts: list[tuple[str | None, str, int]] = []
    depth = 0
    in_quote = False
    json_quote = False
    start = 0
    index = 0
    while index <= len(key_text):
        char = key_text[index] if index < len(key_text) else ","
        at_end = index == len(key_text)
        if in_quote and not at_end:
            if json_quote:
                if char == "\\":
                    index += 1
                elif char == '"':
                    in_quote = False
            elif char == "'":
                if index + 1 < len(key_text) and key_text[index + 1] == "'":
                    index += 1
                else:
                    in_quote = False
        elif char == "'" and not at_end:
            in_quote, json_quote = True, False
        elif char == '"' and depth and not at_end:
            in_quote, json_quote = True, True
        elif char in "([{" and not at_end:
            depth += 1
        elif char in ")]}" and not at_end:
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(_key_part(key_text[start:index], source, offset + start))
            start = index + 1
        index += 1
    return parts


def _key_part(text: str, source: str, offset: int) -> tuple[str | None, str, int]:
    if not text.strip():
        raise ODataUrlError("empty key part", source, offset)
    equals = _top_level_equals(text)
    if equals is None:
        return None, text, offset
    name = text[:equals].strip()
    if not name or not (name.replace("_", "a").replace(".", "a").isalnum() or name.startswith("@")):
        raise ODataUrlError(f"{name!r} is not a property name", source, offset)
    return name, text[equals + 1:], offset + equals + 1


def _top_level_equals(text: str) -> int | None:
    in_quote = False
    for index, char in enumerate(text):
        if char == "'":
            in_quote = not in_quote
        elif char in "[{(":
            return None
        elif char == "=" and not in_quote:
            return index
    return None


def parse_key_value(text: str, source: str, offset: int) -> Any:
    """One key value; JSON-like function parameters (``[...]``, ``{...}``) are kept as :class:`Raw`."""
    stripped = text.strip()
    if stripped[:1] in "[" or (stripped[:1] == "{" and not GUID_RE.match(stripped.strip("{}"))):
        return Raw(stripped)
    return parse_literal(text, source, offset)


def parse_key_text(key_text: str, source: str, offset: int, dialect: Dialect | None = None) -> Any:
    """A key predicate's content as a scalar (single value) or a ``dict`` (named parts).

    With a dialect whose primary keys are GUIDs, a single unnamed value must be a GUID.
    """
    parts = split_key_parts(key_text, source, offset)
    if len(parts) == 1 and parts[0][0] is None:
        _, value_text, value_offset = parts[0]
        stripped = value_text.strip()
        if (dialect is not None and dialect.guid_primary_key and not GUID_RE.match(stripped)
                and not stripped.startswith(("{", "@"))):
            raise ODataUrlError(
                f"{stripped!r} is not a GUID; {dialect.name} primary keys are GUIDs written bare "
                "(write name='value' for an alternate key)", source,
                value_offset + len(value_text) - len(value_text.lstrip()))
        value = parse_key_value(value_text, source, value_offset)
        if dialect is not None and dialect.guid_primary_key and not isinstance(value, uuid.UUID | Raw):
            raise ODataUrlError(f"{stripped!r} is not a GUID", source, value_offset)
        return value
    key: dict[str, Any] = {}
    for name, value_text, value_offset in parts:
        if name is None:
            raise ODataUrlError("a composite key must name every part (name=value)", source, value_offset)
        if name in key:
            raise ODataUrlError(f"key property {name!r} appears twice", source, value_offset)
        key[name] = parse_key_value(value_text, source, value_offset)
    return key


def validate_path(path: str, dialect: Dialect | None = None) -> list[Segment]:
    """Check a decoded resource path; raise :class:`ODataUrlError` naming the first problem."""
    segments = split_segments(path)
    for segment in segments:
        if segment.key_text is not None and segment.key_text.strip():
            parse_key_text(segment.key_text, path, segment.key_start or 0, dialect)
    return segments
