"""Entity keys: format them for a URL per dialect, and read them back from entity ids.

Dataverse writes its GUID primary key bare and lowercase (``accounts(7eb6...)``), alternate keys
as ``name='value'`` pairs and lookups as ``_x_value=<guid>``; F&O keys are name/value pairs with
``dataAreaId`` first; BC keys are bare GUIDs. The created-record hook and the ``@odata.id`` parser
both produce keys in the shape :func:`format_key` accepts, so a key round-trips unchanged.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import quote, unquote, urlsplit

from harness.odata.dialects import Dialect
from harness.odata.errors import ODataUrlError
from harness.odata.literals import GUID_RE, literal
from harness.odata.paths import parse_key_text, split_segments, split_url

#: Characters left readable in a key; everything else (``+ & # % / ?`` space, non-ASCII) is escaped.
KEY_SAFE_CHARS = "'(),=:@!$*;"

Key = Any  # uuid.UUID | str | int | Mapping[str, Any]


class EntityRef(NamedTuple):
    """An entity set plus the key of one record in it."""

    entity_set: str
    key: Key

    def path(self, dialect: Dialect) -> str:
        return entity_path(self.entity_set, self.key, dialect)


def as_guid(value: Any, what: str = "key") -> uuid.UUID:
    """``value`` as a UUID; braces and non-GUID text raise :class:`ODataUrlError` with a hint."""
    if isinstance(value, uuid.UUID):
        return value
    text = str(value).strip()
    if GUID_RE.match(text):
        return uuid.UUID(text)
    if text.startswith("{") and text.endswith("}") and GUID_RE.match(text[1:-1]):
        raise ODataUrlError(f"{what} GUID is written with braces; write {text[1:-1].lower()}", text, 0)
    raise ODataUrlError(f"{what} {text!r} is not a GUID", text, None)


def _format_value(name: str | None, value: Any, dialect: Dialect) -> str:
    if name is not None and dialect.guid_key_pattern and re.match(dialect.guid_key_pattern, name):
        return str(as_guid(value, f"lookup key {name}"))
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str) and dialect.bare_guid_strings and GUID_RE.match(value):
        return value.lower()
    return literal(value, dialect)


def format_key(key: Key, dialect: Dialect) -> str:
    """The text between the parentheses of an entity path (not yet percent-encoded)."""
    if isinstance(key, Mapping):
        if not key:
            raise ODataUrlError("an empty key names no record")
        leading = [field.lower() for field in dialect.leading_key_fields]
        names = sorted(key, key=lambda name: leading.index(name.lower()) if name.lower() in leading
                       else len(leading))
        return ",".join(f"{name}={_format_value(name, key[name], dialect)}" for name in names)
    if dialect.guid_primary_key:
        return str(as_guid(key, f"{dialect.name} primary key"))
    return _format_value(None, key, dialect)


def entity_path(entity_set: str, key: Key, dialect: Dialect) -> str:
    """``entity_set(key)`` ready to append to the API root (key values percent-encoded)."""
    if not entity_set or any(char in entity_set for char in "?#"):
        raise ODataUrlError("not an entity set name", entity_set)
    return f"{entity_set}({quote(format_key(key, dialect), safe=KEY_SAFE_CHARS)})"


def parse_entity_id(url: str, dialect: Dialect | None = None) -> EntityRef:
    """``(entity_set, key)`` of an ``OData-EntityId``/``Location``/``@odata.id`` value.

    Accepts absolute URLs, root-relative paths and bare ``accounts(<id>)``; the last path segment
    names the record. GUIDs come back as :class:`uuid.UUID`, composite keys as a ``dict``.
    """
    if "://" in url:
        parts = urlsplit(url)
        path = parts.path
    else:
        path, _ = split_url(url)
    path = unquote(path).strip("/")
    segments = split_segments(path)
    last = segments[-1]
    if last.key_text is None or not last.key_text.strip():
        raise ODataUrlError("the entity id has no key in parentheses", url)
    key = parse_key_text(last.key_text, path, last.key_start or 0, dialect)
    return EntityRef(last.name, key)
