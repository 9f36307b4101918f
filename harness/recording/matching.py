"""OData-aware request matching for replay, with field-by-field differences.

Two requests match when they mean the same thing to an OData service, not when their bytes agree:

* path: percent-decoded, GUIDs lowercased, quotes around GUID keys dropped, named key parts sorted;
* query: decoded and order-independent; ``$select`` column order and ``$expand`` item order do not
  matter, whitespace in ``$filter``/``$orderby`` is collapsed, GUID literals are lowercased;
* headers that change the answer: ``If-Match``, ``If-None-Match``, ``Prefer`` (as a set),
  ``MSCRM.*``;
* bodies: JSON as JSON, forms as mappings, ``$batch`` multipart part by part (each inner request
  normalised like a request, whatever the boundaries);
  secret fields (passwords, secrets, tokens, codes) only have to be present on both sides, and a
  token request's client id, user name and redirect URI may differ (a recreated instance has new
  ones).

Each matcher raises ``AssertionError`` with the differences, which vcrpy shows and
:mod:`harness.recording.explain` turns into a readable report.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

from vcr.request import HeadersDict

from harness.odata.batch import read_multipart
from harness.odata.errors import ODataUrlError
from harness.odata.paths import split_key_parts, split_segments
from harness.odata.prefer import parse_preferences
from harness.recording.bodies import as_bytes, form_pairs, header_value, is_json_media, media_type, structure
from harness.recording.scrub import is_secret_key

SECRET = "<secret>"
ANY_VALUE = "<any>"
GUID_RE = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
TOKEN_PATH_RE = re.compile(r"/oauth2/(v2\.0/)?(token|devicecode)$", re.IGNORECASE)
# Token-request fields that name who signs in, not what is asked for: a recreated instance changes them.
TOKEN_IDENTITY_FIELDS = frozenset({"client_id", "username", "redirect_uri", "client_info", "login_hint"})
# Query values that are random per run by design (OAuth state/nonce/PKCE challenge).
VOLATILE_PARAMS = frozenset({"state", "nonce", "code_challenge", "client-request-id"})
MATCHED_HEADERS = ("if-match", "if-none-match", "prefer")
MATCH_ON = ("method", "origin", "odata_path", "odata_query", "odata_headers", "odata_body")
MAX_DIFF_LINES = 12
_CACHE_ATTR = "_harness_match_key"


@dataclass(frozen=True)
class MatchKey:
    """What the matchers compare, computed once per request object."""

    method: str
    origin: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: tuple[str, Any]

    def __deepcopy__(self, memo: dict) -> MatchKey:
        # vcrpy deep-copies requests several times per lookup; the key is never mutated, so the
        # copies share it instead of copying (and recomputing) it.
        return self


# ---------------------------------------------------------------------- normalisation
def _lower_guids(text: str) -> str:
    return GUID_RE.sub(lambda m: m.group(0).lower(), text)


def _key_value(text: str) -> str:
    value = text.strip()
    if len(value) >= 2 and value[0] == value[-1] == "'" and GUID_RE.fullmatch(value[1:-1]):
        value = value[1:-1]
    return _lower_guids(value)


@functools.lru_cache(maxsize=8192)  # a pure function of the path: a replayed request repeats a recorded one
def normalise_path(path: str) -> str:
    """``/api/data/v9.2/accounts('7EB6...')`` -> ``/api/data/v9.2/accounts(7eb6...)``."""
    decoded = unquote(path or "/")
    if len(decoded) > 1:
        decoded = decoded.rstrip("/")
    try:
        segments = split_segments(decoded)
        out = []
        for segment in segments:
            if segment.key_text is None:
                out.append(segment.name)
                continue
            parts = split_key_parts(segment.key_text, decoded, segment.key_start or 0) \
                if segment.key_text.strip() else []
            keys = [f"{name}={_key_value(value)}" if name else _key_value(value) for name, value, _ in parts]
            out.append(f"{segment.name}({','.join(sorted(keys) if len(keys) > 1 else keys)})")
        return "/".join(out)
    except ODataUrlError:
        return _lower_guids(decoded)


def _split_top_level(text: str, separator: str) -> list[str]:
    """Split on ``separator`` outside parentheses and quotes."""
    parts, depth, quote, start = [], 0, False, 0
    for index, char in enumerate(text):
        if char == "'":
            quote = not quote
        elif quote:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def _expand_item(item: str) -> str:
    """``nav($select=b,a;$top=2)`` -> ``nav($select=a,b;$top=2)`` (nested options sorted)."""
    name, paren, rest = item.partition("(")
    if not paren or not rest.endswith(")"):
        return item.strip()
    options = []
    for option in _split_top_level(rest[:-1], ";"):
        option_name, _, value = option.partition("=")
        options.append(f"{option_name.strip().lower()}={_option_value(option_name.strip().lower(), value)}")
    return f"{name.strip()}({';'.join(sorted(options))})"


def _option_value(name: str, value: str) -> str:
    if name == "$select":
        return ",".join(sorted(part.strip() for part in value.split(",") if part.strip()))
    if name == "$expand":
        return ",".join(sorted(_expand_item(item) for item in _split_top_level(value, ",")))
    if name in ("$filter", "$orderby", "$apply", "$search", "$compute"):
        return _lower_guids(re.sub(r"\s+", " ", value.strip()))
    if name == "$count":
        return value.strip().lower()
    return value


def normalise_query(query: str, *, token_request: bool = False) -> dict[str, list[str]]:
    """Decoded query options by name with comparable values (system options lowercased)."""
    return {key: list(values) for key, values in _normalised_query(query, token_request)}


@functools.lru_cache(maxsize=8192)
def _normalised_query(query: str, token_request: bool) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        key = name.strip().lower() if name.strip().startswith("$") else name.strip()
        if is_secret_key(key, form=True):
            value = SECRET if value else ""
        elif key in VOLATILE_PARAMS or (token_request and key in TOKEN_IDENTITY_FIELDS):
            value = ANY_VALUE
        else:
            value = _option_value(key, value)
        out.setdefault(key, []).append(value)
    return tuple((key, tuple(sorted(values))) for key, values in sorted(out.items()))


def _normalise_json(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _normalise_json(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise_json(item, key) for item in value]
    if isinstance(value, str) and key is not None and is_secret_key(key):
        return SECRET if value else ""
    return value


_BOUNDARY_RE = re.compile(r"boundary=\"?([^\s\";]+)\"?", re.IGNORECASE)


def _normalise_multipart(text: str, content_type: str) -> str:
    """A ``$batch`` body with every (changeset) boundary renamed in order of appearance."""
    boundaries: list[str] = []
    for match in _BOUNDARY_RE.finditer(f"{content_type}\n{text}"):
        if match.group(1) not in boundaries:
            boundaries.append(match.group(1))
    text = text.replace("\r\n", "\n")
    for boundary in sorted(boundaries, key=len, reverse=True):  # longest first: one may contain another
        text = text.replace(boundary, f"boundary_{boundaries.index(boundary)}")
    return text.strip()


def _normalise_batch_parts(data: bytes, content_type: str) -> list[dict[str, Any]]:
    """A multipart ``$batch`` as its inner requests, whatever the boundaries: method, path, query,
    the headers that change the answer, Content-ID, change set number and the body (JSON as JSON)."""
    parts = []
    for part in read_multipart(content_type, data, responses=False):
        url = urlsplit(part["url"])
        headers = {name: value for name, value in part["headers"].items()
                   if name in MATCHED_HEADERS or name.startswith("mscrm.")}
        body: Any = part["body"].strip()
        if body and is_json_media(media_type(part["headers"].get("content-type"))):
            try:
                body = _normalise_json(json.loads(body))
            except ValueError:
                pass
        parts.append({"request": f"{part['method']} {normalise_path(url.path) if url.path else ''}",
                      "query": normalise_query(url.query), "headers": headers,
                      "content_id": part["content_id"], "changeset": part["changeset"], "body": body or None})
    return parts


def normalise_body(raw: Any, content_type: str | None, *, token_request: bool = False) -> tuple[str, Any]:
    data = as_bytes(raw)
    if not data:
        return ("none", None)
    media = media_type(content_type)
    if media.startswith("multipart/"):
        try:
            return ("batch", _normalise_batch_parts(data, content_type or ""))
        except (ValueError, IndexError):
            pass  # not a readable batch: compare the text, boundaries renamed
        try:
            return ("multipart", _normalise_multipart(data.decode("utf-8"), content_type or ""))
        except UnicodeDecodeError:
            return ("bytes", data)
    structured = structure(data, content_type)
    assert structured is not None
    if "json" in structured and is_json_media(media):
        return ("json", _normalise_json(structured["json"]))
    if "form" in structured:
        form: dict[str, list[str]] = {}
        for name, value in form_pairs(structured["form"]):
            if is_secret_key(name, form=True):
                value = SECRET if value else ""
            elif token_request and name in TOKEN_IDENTITY_FIELDS:
                value = ANY_VALUE
            form.setdefault(name, []).append(value)
        return ("form", {name: sorted(values) for name, values in sorted(form.items())})
    if "string" in structured:
        return ("text", structured["string"].replace("\r\n", "\n").strip())
    return ("bytes", data)


def _origin(parts: SplitResult) -> str:
    return _origin_of(parts.scheme, parts.netloc)


@functools.lru_cache(maxsize=256)  # a cassette talks to a handful of hosts
def _origin_of(scheme: str, netloc: str) -> str:
    parts = SplitResult(scheme, netloc, "", "", "")
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}"


def header_items(headers: Any) -> Any:
    """``headers.items()``; for a vcrpy ``HeadersDict`` its store of ``(name, value)`` pairs, which is
    what ``items()`` yields, read directly instead of through the ``Mapping`` mixins (a lookup per key)."""
    store = getattr(headers, "_store", None) if type(headers) is HeadersDict else None
    return store.values() if type(store) is dict else headers.items()


def _content_type(headers: Any) -> str | None:
    """``header_value(headers, "Content-Type")``, one dict lookup for a vcrpy ``HeadersDict``."""
    store = getattr(headers, "_store", None) if type(headers) is HeadersDict else None
    if type(store) is not dict:
        return header_value(headers, "Content-Type")
    pair = store.get("content-type")
    return header_value({pair[0]: pair[1]}, "Content-Type") if pair else None


def match_key(request: Any) -> MatchKey:
    """The comparable form of a vcrpy request (cached on the request object)."""
    cached = getattr(request, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    key = _build_match_key(request)
    try:
        setattr(request, _CACHE_ATTR, key)
    except AttributeError:  # pragma: no cover - a request type without a __dict__
        pass
    return key


def _build_match_key(request: Any) -> MatchKey:
    parts = urlsplit(request.uri)
    token_request = bool(TOKEN_PATH_RE.search(parts.path or ""))
    headers = {}
    for name, value in header_items(request.headers):
        lowered = name.lower()
        if lowered in MATCHED_HEADERS or lowered.startswith("mscrm."):
            if lowered == "prefer":
                prefs = parse_preferences(str(value))
                value = ",".join(sorted(f"{k}={v}" if v is not None else k for k, v in prefs.items()))
            headers[lowered] = str(value).strip()
    key = MatchKey(method=str(request.method).upper(), origin=_origin(parts),
                   path=normalise_path(parts.path), query=normalise_query(parts.query, token_request=token_request),
                   headers=headers,
                   body=normalise_body(request.body, _content_type(request.headers),
                                       token_request=token_request))
    return key


_INDEX_ATTR = "_harness_index_key"


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return ("{", tuple(sorted((str(k), _hashable(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("[", tuple(_hashable(v) for v in value))
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 1.0 == 1 to the matchers, so to the index too
    return value


def raw_key(request: Any) -> tuple | None:
    """Everything :func:`match_key` reads from a vcrpy request, as it is (None when a part is not
    hashable): requests with equal raw keys have equal match keys, without normalising either. A
    replayed request is usually byte-for-byte the recorded one, so its index key can be looked up
    by this instead of computed (:func:`index_key` with ``known``)."""
    try:
        headers = tuple((name.lower(), value) for name, value in header_items(request.headers)
                        if (lowered := name.lower()) in _RAW_HEADERS or lowered.startswith("mscrm."))
        body = request._body
        if isinstance(body, list):
            body = tuple(body)
        key = (request.method, request.uri, body, request._was_file, request._was_iter, headers)
        hash(key)
    except (AttributeError, TypeError):
        return None
    return key


_RAW_HEADERS = frozenset((*MATCHED_HEADERS, "content-type"))


def index_key(request: Any, known: dict[tuple, tuple] | None = None) -> tuple:
    """A hashable form of :func:`match_key`: two requests have equal index keys exactly when every
    matcher of :data:`MATCH_ON` passes between them (so a dict lookup can replace the scan).
    ``known`` maps :func:`raw_key` values to index keys already computed (a cassette's recorded
    requests): a request found there is not normalised again."""
    cached = getattr(request, _INDEX_ATTR, None)
    if cached is not None:
        return cached
    if known:
        raw = raw_key(request)
        found = known.get(raw) if raw is not None else None
        if found is not None:
            try:
                setattr(request, _INDEX_ATTR, found)
            except AttributeError:  # pragma: no cover - a request type without a __dict__
                pass
            return found
    # The match key itself is not kept on the request: the index needs only this tuple, and a
    # cassette's recorded requests would otherwise each hold a second normalised copy of their
    # body and query; the matchers (vcrpy's scan, on a miss) compute and cache it when they need it.
    key = getattr(request, _CACHE_ATTR, None)
    if key is None:
        key = _build_match_key(request)
    kind, body = key.body
    result = (key.method, key.origin, key.path, tuple((k, tuple(v)) for k, v in key.query.items()),
              tuple(sorted(key.headers.items())), kind, _hashable(body))
    try:
        setattr(request, _INDEX_ATTR, result)
    except AttributeError:  # pragma: no cover - a request type without a __dict__
        pass
    return result


# ---------------------------------------------------------------------- differences
def _short(value: Any, limit: int = 70) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else f"{text[:limit - 1]}…"


def json_differences(request: Any, recorded: Any, path: str = "$") -> list[str]:
    """Field-by-field differences between two JSON values ("request" vs "recorded")."""
    if isinstance(request, dict) and isinstance(recorded, dict):
        lines = []
        for key in request:
            if key not in recorded:
                lines.append(f"{path}.{key}: only in the request ({_short(request[key])})")
        for key in recorded:
            if key not in request:
                lines.append(f"{path}.{key}: only in the recording ({_short(recorded[key])})")
        for key in request:
            if key in recorded:
                lines.extend(json_differences(request[key], recorded[key], f"{path}.{key}"))
        return lines
    if isinstance(request, list) and isinstance(recorded, list):
        lines = []
        if len(request) != len(recorded):
            lines.append(f"{path}: {len(request)} items in the request, {len(recorded)} recorded")
        for index, (a, b) in enumerate(zip(request, recorded, strict=False)):
            lines.extend(json_differences(a, b, f"{path}[{index}]"))
        return lines
    if request != recorded or type(request) is not type(recorded):
        return [f"{path}: request {_short(request)} ≠ recorded {_short(recorded)}"]
    return []


def _mapping_differences(label: str, request: dict[str, Any], recorded: dict[str, Any]) -> list[str]:
    lines = []
    for name in sorted(set(request) | set(recorded)):
        if name not in recorded:
            lines.append(f"{label} {name}: only in the request ({_short(request[name])})")
        elif name not in request:
            lines.append(f"{label} {name}: only in the recording ({_short(recorded[name])})")
        elif request[name] != recorded[name]:
            lines.append(f"{label} {name}: request {_short(request[name])} ≠ recorded {_short(recorded[name])}")
    return lines


def _text_difference(request: str, recorded: str) -> list[str]:
    for index, (a, b) in enumerate(zip(request, recorded, strict=False)):
        if a != b:
            start = max(0, index - 20)
            return [f"text differs at character {index}: request …{request[start:index + 30]!r} ≠ "
                    f"recorded …{recorded[start:index + 30]!r}"]
    return [f"text lengths differ: request {len(request)} characters, recorded {len(recorded)}"]


def body_differences(request: tuple[str, Any], recorded: tuple[str, Any]) -> list[str]:
    if request[0] != recorded[0]:
        return [f"body kind: request {request[0]} ≠ recorded {recorded[0]}"]
    kind = request[0]
    if request[1] == recorded[1]:
        return []
    if kind == "json":
        return json_differences(request[1], recorded[1])
    if kind == "batch":  # part by part: "$[1].body.name: request … ≠ recorded …" names the part
        return [line.replace("$[", "batch part [", 1) for line in json_differences(request[1], recorded[1])]
    if kind == "form":
        return _mapping_differences("form field", request[1], recorded[1])
    if kind in ("text", "multipart"):
        return _text_difference(request[1], recorded[1])
    return [f"binary bodies differ ({len(request[1])} vs {len(recorded[1])} bytes)"]


def _fail(lines: list[str]) -> None:
    if lines:
        shown = lines[:MAX_DIFF_LINES]
        if len(lines) > MAX_DIFF_LINES:
            shown.append(f"… and {len(lines) - MAX_DIFF_LINES} more differences")
        raise AssertionError("\n".join(shown))


# ---------------------------------------------------------------------- vcrpy matchers
def method(r1: Any, r2: Any) -> None:
    a, b = match_key(r1).method, match_key(r2).method
    _fail([f"request {a} ≠ recorded {b}"] if a != b else [])


def origin(r1: Any, r2: Any) -> None:
    a, b = match_key(r1).origin, match_key(r2).origin
    _fail([f"request {a} ≠ recorded {b}"] if a != b else [])


def odata_path(r1: Any, r2: Any) -> None:
    a, b = match_key(r1).path, match_key(r2).path
    _fail([f"request {a} ≠ recorded {b}"] if a != b else [])


def odata_query(r1: Any, r2: Any) -> None:
    _fail(_mapping_differences("query", match_key(r1).query, match_key(r2).query))


def odata_headers(r1: Any, r2: Any) -> None:
    _fail(_mapping_differences("header", match_key(r1).headers, match_key(r2).headers))


def odata_body(r1: Any, r2: Any) -> None:
    _fail(body_differences(match_key(r1).body, match_key(r2).body))


MATCHERS: dict[str, Callable[[Any, Any], None]] = {
    "method": method, "origin": origin, "odata_path": odata_path, "odata_query": odata_query,
    "odata_headers": odata_headers, "odata_body": odata_body,
}


def differences(r1: Any, r2: Any, names: tuple[str, ...] = MATCH_ON) -> list[tuple[str, str]]:
    """``[(matcher name, message)]`` for every matcher that fails between two requests."""
    failed = []
    for name in names:
        try:
            MATCHERS[name](r1, r2)
        except AssertionError as exc:
            failed.append((name, str(exc)))
    return failed
