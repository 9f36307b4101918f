"""HTTP bodies as readable, structured data, and back to bytes.

Cassettes store bodies decoded: JSON as JSON, HTML forms as a name → value mapping, other text as
text, and only real binary as base64. The same decoding drives scrubbing (secrets are found by the
key they sit under), instance normalisation (URLs inside JSON strings) and matching (JSON compared
as JSON, forms as mappings).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

JSON_MEDIA_SUFFIX = "+json"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
TEXT_MEDIA_PREFIXES = ("text/", "multipart/", "application/xml", "application/atom+xml", "application/http")


def header_value(headers: Mapping[str, Any] | None, name: str) -> str | None:
    """The first value of header ``name`` (any case); vcrpy keeps response headers as lists."""
    if not headers:
        return None
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            if isinstance(value, list | tuple):
                return str(value[0]) if value else None
            return None if value is None else str(value)
    return None


def media_type(content_type: str | None) -> str:
    """``application/json`` from ``application/json; odata.metadata=minimal; charset=utf-8``."""
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def is_json_media(media: str) -> bool:
    return media in ("application/json", "text/json") or media.endswith(JSON_MEDIA_SUFFIX)


def as_bytes(raw: Any) -> bytes | None:
    """A body as vcrpy may hold it (bytes, str, file-like, iterator, None) as bytes."""
    if raw is None:
        return None
    if isinstance(raw, bytes):
        return raw
    if isinstance(raw, bytearray | memoryview):
        return bytes(raw)
    if isinstance(raw, str):
        return raw.encode("utf-8")
    if hasattr(raw, "getvalue"):
        return as_bytes(raw.getvalue())
    if hasattr(raw, "read"):
        return as_bytes(raw.read())
    if isinstance(raw, Iterable):
        return b"".join(as_bytes(part) or b"" for part in raw)
    return str(raw).encode("utf-8")


def parse_form(text: str) -> dict[str, str] | list[list[str]]:
    """Form fields as a mapping (or ``[[name, value], ...]`` when a name repeats, to keep them all)."""
    pairs = parse_qsl(text, keep_blank_values=True)
    names = [name for name, _ in pairs]
    if len(set(names)) == len(names):
        return dict(pairs)
    return [[name, value] for name, value in pairs]


def form_pairs(form: Mapping[str, Any] | list) -> list[tuple[str, str]]:
    if isinstance(form, Mapping):
        return [(str(k), "" if v is None else str(v)) for k, v in form.items()]
    return [(str(k), "" if v is None else str(v)) for k, v in form]


def structure(raw: Any, content_type: str | None) -> dict[str, Any] | None:
    """A body as ``{"json": ...}``, ``{"form": ...}``, ``{"string": ...}`` or ``{"base64": ...}``.

    ``None`` stays ``None`` (no body). JSON that does not parse and text that is not UTF-8 fall
    back to the next readable kind, so structuring never fails.
    """
    data = as_bytes(raw)
    if data is None:
        return None
    media = media_type(content_type)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}
    if text and is_json_media(media):
        try:
            return {"json": json.loads(text)}
        except ValueError:
            pass
    if media == FORM_MEDIA_TYPE:
        return {"form": parse_form(text)}
    return {"string": text}


# ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` without building an encoder per call.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def unstructure(body: Any) -> bytes | None:
    """Bytes of a structured body; also accepts vcrpy's own shapes (``str`` or ``{"string": ...}``)."""
    if body is None:
        return None
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if not isinstance(body, Mapping):
        raise ValueError(f"a body must be null, a string or an object, not {type(body).__name__}")
    if "json" in body:
        return _COMPACT.encode(body["json"]).encode("utf-8")
    if "form" in body:
        return urlencode(form_pairs(body["form"])).encode("ascii")
    if "base64" in body:
        return base64.b64decode(body["base64"])
    if "string" in body:
        value = body["string"]
        if value is None:
            return b""
        return value if isinstance(value, bytes) else str(value).encode("utf-8")
    raise ValueError("a body object needs one of the keys json, form, string or base64")


def body_kind(body: Any) -> str:
    """``json``, ``form``, ``string``, ``base64`` or ``none``."""
    if body is None:
        return "none"
    if isinstance(body, Mapping):
        for kind in ("json", "form", "base64", "string"):
            if kind in body:
                return kind
    return "string"
