"""A small OData query builder: ``Query(...)`` -> ``$select``/``$filter``/... parameters.

Query options are built as plain text first (``to_params``) and percent-encoded once, at the
end (:func:`encode_params`), so ``+``, ``&``, ``#`` and ``'`` inside literals reach the server
intact. Nested ``$expand`` options are separated by ``;`` as OData requires.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from harness.odata.dialects import Dialect
from harness.odata.errors import ODataUrlError

#: Characters left readable in query values. ``+`` (a space to form decoders), ``&``, ``#``, ``;``
#: (a pair separator to some old decoders), ``%`` and spaces are always escaped.
QUERY_VALUE_SAFE_CHARS = "'(),/:@!$*="
QUERY_NAME_SAFE_CHARS = "$@"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode_params(params: Mapping[str, Any] | None) -> str:
    """``name=value&...`` with names and values percent-encoded; ``None`` values are left out."""
    if not params:
        return ""
    return "&".join(
        f"{quote(str(name), safe=QUERY_NAME_SAFE_CHARS)}={quote(_text(value), safe=QUERY_VALUE_SAFE_CHARS)}"
        for name, value in params.items()
        if value is not None
    )


def normalize_query(query: str) -> str:
    """Re-encode a hand-written query string so ``+``, spaces and quotes reach the server as meant.

    Each ``name=value`` pair is decoded and encoded again with :data:`QUERY_VALUE_SAFE_CHARS`, so
    ``$filter=name eq 'a+b'`` sends the ``+`` as ``%2B`` (a literal plus, not a space) while an
    already-encoded ``%2B`` stays as it is. ``&`` always separates pairs: encode it as ``%26``.
    """
    pairs = []
    for pair in query.split("&"):
        if not pair:
            continue
        name, equals, value = pair.partition("=")
        name = quote(unquote(name), safe=QUERY_NAME_SAFE_CHARS)
        pairs.append(f"{name}={quote(unquote(value), safe=QUERY_VALUE_SAFE_CHARS)}" if equals else name)
    return "&".join(pairs)


def _names(value: str | Sequence[str] | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return ",".join(value)


def _non_negative(name: str, value: int | None) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ValueError(f"{name} must be a non-negative integer, not {value!r}")
    return value


@dataclass(frozen=True)
class Query:
    """OData system query options plus custom ones (``extra={"cross-company": "true"}``).

    ``expand`` maps a navigation property to a nested :class:`Query` (or ``None``), or is a list of
    names, or a ready ``$expand`` string.
    """

    select: str | Sequence[str] | None = None
    filter: str | None = None
    orderby: str | Sequence[str] | None = None
    top: int | None = None
    skip: int | None = None
    expand: str | Sequence[str] | Mapping[str, Query | None] | None = None
    count: bool | None = None
    apply: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _non_negative("top", self.top)
        _non_negative("skip", self.skip)

    def replace(self, **changes: Any) -> Query:
        """A copy with some options changed."""
        return dataclasses.replace(self, **changes)

    def expand_clause(self) -> str | None:
        """The ``$expand`` value, nested options in parentheses separated by ``;``."""
        if self.expand is None:
            return None
        if isinstance(self.expand, str):
            return self.expand
        if isinstance(self.expand, Mapping):
            items = []
            for nav, nested in self.expand.items():
                options = nested.nested_options() if nested is not None else ""
                items.append(f"{nav}({options})" if options else nav)
            return ",".join(items)
        return ",".join(self.expand)

    def nested_options(self) -> str:
        """These options as they appear inside ``$expand=nav(...)``."""
        return ";".join(f"{name}={_text(value)}" for name, value in self.to_params().items())

    def to_params(self) -> dict[str, str]:
        """Options as unencoded text, in a stable order (system options first, then ``extra``)."""
        params: dict[str, Any] = {
            "$select": _names(self.select),
            "$filter": self.filter if self.filter not in (None, "") else None,
            "$orderby": _names(self.orderby),
            "$top": self.top,
            "$skip": self.skip,
            "$expand": self.expand_clause(),
            "$count": self.count,
            "$apply": self.apply,
        }
        params.update(self.extra)
        return {name: _text(value) for name, value in params.items() if value is not None}

    def to_query_string(self) -> str:
        """The percent-encoded query string (without ``?``)."""
        return encode_params(self.to_params())

    def check(self, dialect: Dialect) -> None:
        """Reject options the dialect's service is documented not to support."""
        if self.skip is not None and not dialect.supports_skip:
            raise ODataUrlError(f"{dialect.name} does not support $skip; page with @odata.nextLink "
                                "(Prefer: odata.maxpagesize) instead")
        if isinstance(self.expand, Mapping):
            for nested in self.expand.values():
                if nested is not None:
                    nested.check(dialect)
