"""Convert between vcrpy's in-memory interactions and the cassette document the harness writes.

vcrpy keeps a request as a :class:`vcr.request.Request` (bytes body) and a response as a dict with
``{"string": bytes}`` as body. On disk the harness keeps bodies structured (see
:mod:`harness.recording.bodies`), drops the request ``Content-Length`` (scrubbing changes the
body) and decompresses gzip/deflate responses so their content can be scrubbed and read.
Everything in between works on the document form: plain JSON-compatible data.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from vcr.filters import decode_response
from vcr.request import HeadersDict, Request

from harness.errors import HarnessError
from harness.recording.bodies import as_bytes, header_value, structure, unstructure

FORMAT = "dynamics-harness-cassette/1"
VCR_FORMAT_VERSION = 1
DROPPED_REQUEST_HEADERS = ("content-length",)
HEADER_KEYS = ("recording",)  # metadata keys written first: where the cassette came from


class CassetteFormatError(HarnessError, ValueError):
    """A cassette file that cannot be read: names the file and what is wrong where."""


def _header_lists(headers: Mapping[str, Any] | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in (headers or {}).items():
        values = value if isinstance(value, list | tuple) else [value]
        out[str(key)] = ["" if item is None else (item.decode("latin-1") if isinstance(item, bytes) else str(item))
                         for item in values]
    return out


def request_to_doc(request: Request) -> dict[str, Any]:
    """A vcrpy request as a document (structured body, header lists)."""
    headers = {k: v for k, v in _header_lists(request.headers).items()
               if k.lower() not in DROPPED_REQUEST_HEADERS}
    return {"method": str(request.method).upper(), "uri": request.uri, "headers": headers,
            "body": structure(as_bytes(request.body), header_value(headers, "Content-Type"))}


def response_to_doc(response: Mapping[str, Any]) -> dict[str, Any]:
    """A vcrpy response dict as a document; compressed bodies are decoded first."""
    response = dict(response)
    if header_value(response.get("headers"), "Content-Encoding"):
        response = decode_response(response)
    headers = _header_lists(response.get("headers"))
    raw = (response.get("body") or {}).get("string")
    status = response.get("status") or {}
    return {"status": {"code": int(status.get("code", 0)), "message": status.get("message") or ""},
            "headers": headers, "body": structure(as_bytes(raw) or b"", header_value(headers, "Content-Type"))}


def _set_length(headers: dict[str, list[str]], length: int) -> None:
    for key in list(headers):
        if key.lower() == "content-length":
            headers[key] = [str(length)]


def doc_to_request(doc: Mapping[str, Any]) -> Request:
    body = unstructure(doc.get("body"))
    headers = {k: (v[0] if isinstance(v, list) and v else v) for k, v in (doc.get("headers") or {}).items()}
    return new_request(doc["method"], doc["uri"], body, headers)


def new_request(method: str, uri: str, body: bytes | None, headers: Mapping[str, Any]) -> Request:
    """``vcr.request.Request(method, uri, body, headers)`` for a loaded request, built directly.

    vcrpy's constructor probes the body for ``read``/iteration and stores each header through
    ``HeadersDict.__setitem__`` (case-insensitive merge, first value of a list) via the
    ``MutableMapping`` mixins: a tenth of a loaded interaction's cost. A cassette's request has a
    ``bytes`` (or no) body and string headers, so the same attributes are set here in one go (the
    first spelling of a header name kept, as ``HeadersDict`` keeps it); any other shape goes through
    vcrpy's constructor. ``tests/recording/test_load_fast_paths.py`` compares both.
    """
    if type(method) is not str or type(uri) is not str or (body is not None and type(body) is not bytes):
        return Request(method=method, uri=uri, body=body, headers=headers)
    store: dict[str, tuple[str, str]] = {}
    for name, value in headers.items():
        if type(name) is not str or type(value) is not str:
            return Request(method=method, uri=uri, body=body, headers=headers)
        lowered = name.lower()
        old = store.get(lowered)
        store[lowered] = (old[0] if old else name, value)
    request = Request.__new__(Request)
    request.method = method
    request._uri = uri
    request.parsed_uri = urlparse(uri)
    request._was_file = False
    request._was_iter = False
    request._body = body
    headers_dict = HeadersDict.__new__(HeadersDict)
    headers_dict._store = store
    request._headers = headers_dict
    return request


class LoadedResponse(dict):
    """A response dict as the persister hands it to vcrpy, with a cheap ``deepcopy``.

    ``Cassette.append`` deep-copies every loaded response (so that mutating a played response cannot
    change the cassette); ``copy.deepcopy`` walks it generically, a twentieth of a loaded
    interaction's cost. A loaded response has a known shape (``status`` with a code and message,
    ``headers`` as lists of strings, ``body`` with bytes), so the copy is built directly as the
    plain ``dict`` vcrpy would get; anything a hook changed into another shape is deep-copied as usual.
    """

    __slots__ = ()

    def __deepcopy__(self, memo: dict) -> dict[str, Any]:
        status, headers, body = self.get("status"), self.get("headers"), self.get("body")
        if (len(self) == 3 and type(status) is dict and type(headers) is dict and type(body) is dict
                and _PLAIN.issuperset(map(type, status.values())) and _PLAIN.issuperset(map(type, body.values()))
                and _LIST.issuperset(map(type, headers.values()))):
            copied = {name: list(values) for name, values in headers.items()}
            if _STR.issuperset(map(type, itertools.chain.from_iterable(copied.values()))):
                return {"status": dict(status), "headers": copied, "body": dict(body)}
        return copy.deepcopy(dict(self), memo)


_PLAIN = frozenset((str, bytes, int, float, bool, type(None)))  # immutable: shared by the copy
_LIST = frozenset((list,))
_STR = frozenset((str,))


def doc_to_response(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A vcrpy response dict; ``Content-Length`` is recomputed for the body as it will be played."""
    body = unstructure(doc.get("body")) or b""
    headers = {k: list(v) for k, v in (doc.get("headers") or {}).items()}
    _set_length(headers, len(body))
    status = doc.get("status") or {}
    return LoadedResponse(status={"code": int(status.get("code", 0)), "message": status.get("message") or ""},
                          headers=headers, body={"string": body})


def compact_headers(interaction: dict[str, Any]) -> dict[str, Any]:
    """Headers with one value written as a string (readable); several values stay a list."""
    out = {}
    for side, part in interaction.items():
        part = dict(part)
        part["headers"] = {k: (v[0] if isinstance(v, list) and len(v) == 1 else v)
                           for k, v in (part.get("headers") or {}).items()}
        out[side] = part
    return out


def expand_headers(interaction: dict[str, Any]) -> dict[str, Any]:
    """Every header value as a list again (the form vcrpy and the rest of this package use)."""
    out = {}
    for side, part in interaction.items():
        part = dict(part)
        part["headers"] = _header_lists(part.get("headers"))
        out[side] = part
    return out


def new_document(interactions: list[dict[str, Any]], metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """The top-level cassette document; ``metadata`` first so a reader sees the provenance first."""
    doc: dict[str, Any] = {"version": VCR_FORMAT_VERSION, "format": FORMAT}
    if metadata:
        first = [key for key in HEADER_KEYS if key in metadata]
        doc["metadata"] = {key: metadata[key] for key in [*first, *(k for k in metadata if k not in first)]}
    doc["interactions"] = interactions
    return doc


_BODY_KINDS = frozenset({"json", "form", "string", "base64"})


def _checked_part(part: Any, side: str, place: str) -> dict[str, Any]:
    """One request/response with headers as lists, or :class:`CassetteFormatError`."""
    headers = part.get("headers")
    expanded: dict[str, list[str]] = {}
    if headers is not None:
        if not isinstance(headers, dict):
            raise CassetteFormatError(f"{place}: {side}.headers must be an object")
        for name, value in headers.items():
            if type(value) is str:
                expanded[name] = [value]
            elif type(value) is list and all(type(v) is str for v in value):
                expanded[name] = value
            else:
                raise CassetteFormatError(f"{place}: {side}.headers.{name} must be a string or a list of strings")
    body = part.get("body")
    if body is not None and not isinstance(body, str | dict):
        raise CassetteFormatError(f"{place}: {side}.body must be null, a string or an object")
    if isinstance(body, dict) and _BODY_KINDS.isdisjoint(body):
        raise CassetteFormatError(f"{place}: {side}.body needs one of json, form, string, base64")
    return {**part, "headers": expanded}


def check_document(doc: Any, where: str) -> list[dict[str, Any]]:
    """The interactions of a parsed cassette (headers as lists), or :class:`CassetteFormatError`
    naming the file, the interaction and the field that is wrong."""
    if not isinstance(doc, dict):
        raise CassetteFormatError(f"{where}: a cassette is an object with 'interactions', not {type(doc).__name__}")
    interactions = doc.get("interactions")
    if not isinstance(interactions, list):
        raise CassetteFormatError(f"{where}: 'interactions' must be a list")
    metadata = doc.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise CassetteFormatError(f"{where}: 'metadata' must be an object")
    checked = []
    for index, item in enumerate(interactions, start=1):
        place = f"{where}: interaction #{index}"
        request = item.get("request") if isinstance(item, dict) else None
        response = item.get("response") if isinstance(item, dict) else None
        if not isinstance(request, dict) or not isinstance(response, dict):
            raise CassetteFormatError(f"{place}: needs a 'request' and a 'response' object")
        for key in ("method", "uri"):
            if not isinstance(request.get(key), str) or not request.get(key):
                raise CassetteFormatError(f"{place}: request.{key} must be a non-empty string")
        status = response.get("status")
        if not isinstance(status, dict) or type(status.get("code")) is not int:
            raise CassetteFormatError(f"{place}: response.status.code must be an integer")
        checked.append({"request": _checked_part(request, "request", place),
                        "response": _checked_part(response, "response", place)})
    return checked
