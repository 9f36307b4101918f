"""Postman's URL object: parse a raw URL into parts and join parts back into a string.

Collections store a URL either as a string or as an object with ``raw`` plus parts (``protocol``,
``host``, ``port``, ``path``, ``query``, ``variable``, ``hash``). The two can disagree in exported
files. Like the Postman SDK (``new Url(object)`` ignores ``raw``), we build from the parts when
the object has a ``host`` or ``path``, and parse ``raw`` only when it has no parts. Variables are
substituted part by part, then :func:`url_to_string` joins them the way ``Url.toString()`` does,
so ``{{baseUrl}}`` as the host may expand to a whole ``https://host/api`` prefix.
"""

from __future__ import annotations

import re
from typing import Any

_PROTOCOL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*|\{\{[^{}]*\}\}):\/\/")
_PORT = re.compile(r":(\d+|\{\{[^{}]*\}\})$")


def _split_outside_braces(text: str, sep: str) -> list[str]:
    """``text.split(sep)`` that leaves ``{{...}}`` intact (a variable name may contain ``.``)."""
    parts: list[str] = []
    depth = 0
    current = []
    i = 0
    while i < len(text):
        if text.startswith("{{", i):
            depth += 1
            current.append("{{")
            i += 2
            continue
        if text.startswith("}}", i) and depth:
            depth -= 1
            current.append("}}")
            i += 2
            continue
        char = text[i]
        if char == sep and not depth:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


def _find_outside_braces(text: str, char: str) -> int:
    depth = 0
    i = 0
    while i < len(text):
        if text.startswith("{{", i):
            depth += 1
            i += 2
            continue
        if text.startswith("}}", i) and depth:
            depth -= 1
            i += 2
            continue
        if text[i] == char and not depth:
            return i
        i += 1
    return -1


def parse_query_string(query: str) -> list[dict[str, Any]]:
    """``a=1&b&c=`` → ``[{key:a,value:1},{key:b,value:None},{key:c,value:''}]`` (no decoding)."""
    params: list[dict[str, Any]] = []
    if query == "":
        return params
    for chunk in query.split("&"):
        if "=" in chunk:
            key, value = chunk.split("=", 1)
            params.append({"key": key, "value": value})
        else:
            params.append({"key": chunk, "value": None})
    return params


def parse_url(raw: str) -> dict[str, Any]:
    """Split a raw URL string into Postman URL parts (no percent-decoding, variables kept)."""
    text = (raw or "").lstrip()
    url: dict[str, Any] = {"raw": raw or ""}
    hash_at = _find_outside_braces(text, "#")
    if hash_at >= 0:
        url["hash"] = text[hash_at + 1:]
        text = text[:hash_at]
    query_at = _find_outside_braces(text, "?")
    if query_at >= 0:
        url["query"] = parse_query_string(text[query_at + 1:])
        text = text[:query_at]
    match = _PROTOCOL.match(text)
    if match:
        url["protocol"] = match.group(1)
        text = text[match.end():]
    slash = _find_outside_braces(text, "/")
    host_part, path_part = (text, None) if slash < 0 else (text[:slash], text[slash + 1:])
    at = host_part.rfind("@")
    if at >= 0 and "{{" not in host_part[:at]:
        user, _, password = host_part[:at].partition(":")
        url["auth"] = {"user": user, "password": password}
        host_part = host_part[at + 1:]
    port = _PORT.search(host_part)
    if port:
        url["port"] = port.group(1)
        host_part = host_part[: port.start()]
    if host_part:
        url["host"] = _split_outside_braces(host_part, ".")
    if path_part is not None:
        url["path"] = _split_outside_braces(path_part, "/")
    return url


def _as_list(value: Any, sep: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        if sep == "/" and value.startswith("/"):
            value = value[1:]
        return _split_outside_braces(value, sep) if value != "" else []
    result = []
    for part in value:
        if isinstance(part, dict):  # v2.1 allows {type, value} path segments
            result.append("" if part.get("value") is None else str(part.get("value")))
        else:
            result.append("" if part is None else str(part))
    return result


def normalize_url(url: Any) -> dict[str, Any]:
    """Any collection URL (string or object) → a URL object with list-valued host/path."""
    if url is None:
        return {"raw": ""}
    if isinstance(url, str):
        return parse_url(url)
    if not isinstance(url, dict):
        raise TypeError(f"a URL must be a string or an object, not {type(url).__name__}")
    if url.get("host") is None and url.get("path") is None:
        parsed = parse_url(str(url.get("raw") or ""))
        if url.get("query") is not None:  # explicit query entries win over the raw string's
            parsed["query"] = [dict(q) for q in url["query"] if isinstance(q, dict)]
        if url.get("variable") is not None:
            parsed["variable"] = [dict(v) for v in url["variable"] if isinstance(v, dict)]
        return parsed
    result: dict[str, Any] = {"raw": str(url.get("raw") or "")}
    for key in ("protocol", "port", "hash"):
        if url.get(key) not in (None, ""):
            result[key] = str(url[key])
    host = _as_list(url.get("host"), ".")
    if host is not None:
        result["host"] = host
    path = _as_list(url.get("path"), "/")
    if path is not None:
        result["path"] = path
    if url.get("query") is not None:
        result["query"] = [dict(q) for q in url["query"] if isinstance(q, dict)]
    if url.get("variable") is not None:
        result["variable"] = [dict(v) for v in url["variable"] if isinstance(v, dict)]
    if url.get("auth"):
        result["auth"] = dict(url["auth"])
    return result


def query_string(query: list[dict[str, Any]] | None) -> str:
    """Enabled query params joined like ``QueryParam.unparse``: ``k=v``, ``k`` for a null value."""
    pieces = []
    for param in query or []:
        if param.get("disabled"):
            continue
        key = param.get("key")
        value = param.get("value")
        key = "" if key is None else str(key)
        if value is None:
            pieces.append(key)
        else:
            pieces.append(f"{key}={value}")
    return "&".join(pieces)


def url_path(url: dict[str, Any], *, resolve_path_variables: bool = True) -> str:
    """``/seg/seg`` with ``:name`` segments replaced by the URL's path variables."""
    path = url.get("path")
    if not path:  # no path (or an empty list): nothing, not even "/"
        return ""
    variables = {}
    if resolve_path_variables:
        for var in url.get("variable") or []:
            if isinstance(var, dict) and var.get("key") and not var.get("disabled"):
                variables[str(var["key"])] = var.get("value")
    segments = []
    for segment in path:
        if resolve_path_variables and segment.startswith(":") and segment[1:] in variables:
            value = variables[segment[1:]]
            segments.append("" if value is None else str(value))
        else:
            segments.append(segment)
    return "/" + "/".join(segments)


def url_to_string(url: dict[str, Any]) -> str:
    """Join URL parts the way ``Url.toString()`` does (no encoding)."""
    out = ""
    protocol = url.get("protocol")
    if protocol:
        out += protocol if protocol.endswith("://") else protocol + "://"
    auth = url.get("auth")
    if auth and (auth.get("user") or auth.get("password")):
        out += f"{auth.get('user') or ''}:{auth.get('password') or ''}@"
    host = url.get("host")
    if host:
        out += ".".join(host)
    if url.get("port"):
        out += ":" + str(url["port"])
    out += url_path(url)
    qs = query_string(url.get("query"))
    if qs:
        out += "?" + qs
    if url.get("hash"):
        out += "#" + str(url["hash"])
    return out
