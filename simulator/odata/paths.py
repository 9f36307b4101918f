"""Parse OData resource paths (``accounts(<key>)/nav/$ref``) and key predicates."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from simulator.odata.errors import syntax_error

_STRUCTURE = re.compile(r"[()/']")
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass
class Segment:
    name: str
    key: str | None = None  # raw text between the parentheses, if any
    has_parens: bool = False


@dataclass
class KeyPredicate:
    positional: object | None = None
    named: dict[str, object] = field(default_factory=dict)
    raw: str = ""


def split_path(path: str) -> list[Segment]:
    """Split on ``/`` outside quotes; separate ``name(key)`` into name and key text."""
    quoted, depth = False, 0
    segments, start = [], 0
    for match in _STRUCTURE.finditer(path):  # only quotes, parentheses and slashes matter
        char = match.group()
        if char == "'":
            quoted = not quoted
        elif quoted:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0:
            segments.append(path[start:match.start()])
            start = match.end()
    segments.append(path[start:])
    if quoted or depth:
        raise syntax_error(f"Bad Request - Error in query syntax. Unbalanced quotes or parentheses in '{path}'.")
    result = []
    for raw in segments:
        if raw == "":
            continue
        if "(" in raw and raw.endswith(")"):
            name, _, rest = raw.partition("(")
            result.append(Segment(name, rest[:-1], True))
        elif "(" in raw or ")" in raw:
            raise syntax_error("Bad Request - Error in query syntax.")
        else:
            result.append(Segment(raw))
    return result


def parse_literal(text: str):
    """A key or parameter literal: 'string' (doubled quotes), GUID, integer, decimal, true/false, null."""
    text = text.strip()
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        inner = text[1:-1]
        if re.search(r"(?<!')'(?!')", inner.replace("''", "")):
            raise syntax_error(f"Bad Request - Error in query syntax. Malformed string literal {text}.")
        return inner.replace("''", "'")
    if GUID_RE.match(text):
        return uuid.UUID(text)
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    raise syntax_error("Bad Request - Error in query syntax.")


def parse_key(text: str) -> KeyPredicate:
    """``<guid>`` / ``'x'`` / ``name='v',other=2`` → :class:`KeyPredicate`."""
    from simulator.odata.options import split_top_level

    if text.strip() == "":
        raise syntax_error("Bad Request - Error in query syntax.")
    if _PLAIN_KEY.isdisjoint(text):  # one literal, nothing to split (a GUID, a number): what the walk gives
        return KeyPredicate(positional=parse_literal(text), raw=text)
    parts = split_top_level(text, ",")
    if len(parts) == 1 and "=" not in _outside_quotes(parts[0]):
        return KeyPredicate(positional=parse_literal(parts[0]), raw=text)
    named = {}
    for part in parts:
        name, eq, value = part.partition("=")
        if not eq or not name.strip():
            raise syntax_error("Bad Request - Error in query syntax.")
        named[name.strip()] = parse_literal(value)
    return KeyPredicate(named=named, raw=text)


# Characters that make a key predicate more than one bare literal (quotes, names, lists, parentheses).
_PLAIN_KEY = frozenset("'=,()")


def _outside_quotes(text: str) -> str:
    return re.sub(r"'(?:[^']|'')*'", "''", text)
