"""Parse request JSON the way the services' readers bound it: nesting depth and well-formed text.

Microsoft.OData's message reader refuses payloads nested deeper than ``MaxNestingDepth`` (100 by
default) and .NET cannot hold a lone UTF-16 surrogate (``"\\ud800"``) in a well-formed string.
Python's ``json`` module accepts both until it hits its own recursion limit (a ``RecursionError``,
which is not a ``ValueError``) or until SQLite refuses to encode the string; either became a 500.
:func:`loads` raises :class:`JSONBodyError` (a ``ValueError``) for all of them instead.
"""

from __future__ import annotations

import json
import re

MAX_NESTING = 100
_SURROGATE = re.compile("[\ud800-\udfff]")


class JSONBodyError(ValueError):
    """The text is not JSON the service would read; the message says why."""


def loads(raw: bytes | str) -> object:
    try:
        value = json.loads(raw)
    except RecursionError:
        raise JSONBodyError(f"the JSON is nested deeper than {MAX_NESTING} levels") from None
    except UnicodeDecodeError:
        raise JSONBodyError("the body is not UTF-8 text") from None
    except ValueError as exc:
        raise JSONBodyError(f"{getattr(exc, 'msg', exc)} at position {getattr(exc, 'pos', 0)}") from None
    check(value)
    return value


def check(value: object) -> None:
    """Refuse nesting deeper than :data:`MAX_NESTING` and lone surrogates, without recursing."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                raise JSONBodyError("a string holds a lone UTF-16 surrogate (an invalid \\uD800-\\uDFFF escape)")
            continue
        if isinstance(node, dict | list):
            if depth > MAX_NESTING:
                raise JSONBodyError(f"the JSON is nested deeper than {MAX_NESTING} levels")
            items = node.items() if isinstance(node, dict) else ((None, v) for v in node)
            for key, child in items:
                if key is not None:
                    stack.append((key, depth))
                stack.append((child, depth + 1))
