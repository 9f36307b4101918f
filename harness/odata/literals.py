"""Python values to OData URL literals and back.

OData writes a value differently in a URL than in JSON: strings in single quotes with embedded
quotes doubled, GUIDs and dates bare, enums as ``Namespace.Type'Member'``. Getting this wrong is
the classic source of "unterminated literal" 400s, so every literal the harness puts in a URL comes
from :func:`literal`, and keys read back from ``OData-EntityId`` go through :func:`parse_literal`.
"""

from __future__ import annotations

import base64
import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from harness.odata.dialects import FNO, Dialect
from harness.odata.errors import ODataUrlError

GUID_RE = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
_INT_RE = re.compile(r"^-?\d+$")
_DECIMAL_RE = re.compile(r"^-?\d+\.\d+$")
_DOUBLE_RE = re.compile(r"^-?\d+(\.\d+)?[eE][+-]?\d+$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
_TIME_RE = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_ENUM_RE = re.compile(r"^((?:[A-Za-z_]\w*\.)+)([A-Za-z_]\w*)'(.*)'$", re.DOTALL)
_BINARY_RE = re.compile(r"^(?:binary|X)'([A-Za-z0-9_=+/-]*)'$")
_ALIAS_RE = re.compile(r"^@[A-Za-z_]\w*$")


class Raw(str):
    """Text that is already OData syntax (a property path, ``@p1`` alias, function call).

    :func:`literal` passes it through untouched, so ``eq("firstname", Raw("lastname"))`` compares
    two columns instead of comparing with the string ``'lastname'``.
    """


@dataclass(frozen=True)
class EnumValue:
    """An enum member in a URL: ``Namespace.Type'Member'``.

    ``type`` may be fully qualified; otherwise ``namespace`` (or the dialect's enum namespace)
    qualifies it.
    """

    type: str
    member: str
    namespace: str | None = None

    def qualified_type(self, dialect: Dialect | None = None) -> str:
        if "." in self.type:
            return self.type
        namespace = self.namespace or (dialect.enum_namespace if dialect else None)
        if not namespace:
            raise ValueError(f"enum {self.type!r} needs a namespace or a dialect to qualify it")
        return f"{namespace}.{self.type}"


@dataclass(frozen=True)
class FnoEnum(EnumValue):
    """An F&O enum member, e.g. ``FnoEnum("NoYes", "Yes")`` -> ``Microsoft.Dynamics.DataEntities.NoYes'Yes'``."""

    namespace: str | None = FNO.enum_namespace


def quote_string(text: str) -> str:
    """``text`` as an OData string literal: single quotes, embedded quotes doubled."""
    return "'" + text.replace("'", "''") + "'"


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with ``Z``; a naive datetime is taken to be UTC already."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def literal(value: Any, dialect: Dialect | None = None) -> str:
    """The OData URL literal for ``value`` (not yet percent-encoded)."""
    if isinstance(value, Raw):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "INF" if value > 0 else "-INF"
        return repr(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ODataUrlError(f"the decimal {value} has no OData literal (Edm.Decimal is finite)")
        return format(value, "f")
    if isinstance(value, str):
        return quote_string(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, EnumValue):
        return f"{value.qualified_type(dialect)}{quote_string(value.member)}"
    if isinstance(value, bytes | bytearray):
        return f"binary'{base64.urlsafe_b64encode(bytes(value)).decode()}'"
    raise TypeError(f"no OData literal for a {type(value).__name__} value: {value!r}")


def parse_literal(text: str, source: str = "", offset: int = 0) -> Any:
    """The Python value of one OData URL literal (the reverse of :func:`literal`).

    ``source``/``offset`` locate ``text`` inside a larger URL for the error message.
    """
    stripped = text.strip()
    where = offset + (len(text) - len(text.lstrip()))
    if stripped == "null":
        return None
    if stripped in ("true", "false"):
        return stripped == "true"
    if stripped.startswith("'"):
        return _parse_string(stripped, source or text, where)
    if GUID_RE.match(stripped):
        return uuid.UUID(stripped)
    if _INT_RE.match(stripped):
        return int(stripped)
    if _DECIMAL_RE.match(stripped):
        return Decimal(stripped)
    if _DOUBLE_RE.match(stripped) or stripped in ("NaN", "INF", "-INF"):
        return float(stripped.replace("INF", "inf"))
    if _DATETIME_RE.match(stripped):
        return datetime.fromisoformat(stripped)
    if _DATE_RE.match(stripped):
        return date.fromisoformat(stripped)
    if _TIME_RE.match(stripped):
        return time.fromisoformat(stripped)
    binary = _BINARY_RE.match(stripped)
    if binary:
        payload = binary.group(1)
        return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    enum = _ENUM_RE.match(stripped)
    if enum:
        member = enum.group(3)
        _parse_string(f"'{member}'", source or text, where + len(enum.group(1) + enum.group(2)))
        return EnumValue(enum.group(2), member.replace("''", "'"), enum.group(1).rstrip("."))
    if _ALIAS_RE.match(stripped):
        return Raw(stripped)
    if stripped.startswith("{") and GUID_RE.match(stripped.strip("{}")):
        raise ODataUrlError(f"GUID {stripped} is written with braces; write {stripped.strip('{}').lower()}",
                            source or text, where)
    raise ODataUrlError(f"{stripped!r} is not an OData literal (quote strings: 'text')", source or text, where)


def _parse_string(text: str, source: str, offset: int) -> str:
    """Unquote ``'...'`` with doubled quotes, rejecting a lone quote or a missing closing quote."""
    body = text[1:]
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "'":
            if i + 1 < len(body) and body[i + 1] == "'":
                out.append("'")
                i += 2
                continue
            if i != len(body) - 1:
                raise ODataUrlError("a single quote inside a string must be doubled ('')", source,
                                    offset + 1 + i)
            return "".join(out)
        out.append(char)
        i += 1
    raise ODataUrlError("unterminated string literal (double a quote inside a value: O''Bryan)",
                        source, offset)
