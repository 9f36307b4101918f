"""Turn a (script-mutated) Postman request into the HTTP request that is actually sent.

Steps, in postman-runtime's order: substitute variables in every part (URL parts, path
variables, headers, body, auth parameters), apply the auth block, drop disabled entries, prune
the body of GET/HEAD/COPY/PURGE/UNLOCK unless ``disableBodyPruning`` is set, add the
Content-Type Postman would add, and join the URL.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from harness.postman.urls import parse_url, url_to_string
from harness.postman.variables import VariableResolver

METHODS_WITHOUT_BODY = {"GET", "COPY", "HEAD", "PURGE", "UNLOCK"}
RAW_CONTENT_TYPES = {
    "json": "application/json",
    "javascript": "application/javascript",
    "xml": "application/xml",
    "html": "text/html",
    "text": "text/plain",
}


@dataclass
class BuiltRequest:
    """What goes on the wire: method, URL, headers (in order) and a body."""

    method: str
    url: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    multipart: list[tuple[str, tuple[None, str] | tuple[None, str, str]]] | None = None
    sent_json: dict[str, Any] = field(default_factory=dict)  # pm.request for the test scripts

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


def resolve_request(request: dict[str, Any], resolver: VariableResolver, item_path: str) -> dict[str, Any]:
    """A copy of the request JSON with ``{{variables}}`` substituted field by field."""
    out = copy.deepcopy(request)
    url = out.get("url")
    if isinstance(url, str):
        url = parse_url(url)
    url = dict(url or {})

    def res(value: Any, where: str) -> Any:
        return resolver.resolve(value, field=where, item_path=item_path)

    for key in ("protocol", "port", "hash"):
        if key in url:
            url[key] = res(url[key], "url")
    if url.get("host") is not None:
        url["host"] = [res(part, "url") for part in url["host"]]
    if url.get("path") is not None:
        url["path"] = [res(part, "url") for part in url["path"]]
    url["query"] = [{**q, "key": res(q.get("key"), "url query"), "value": res(q.get("value"), "url query")}
                    for q in url.get("query") or [] if not q.get("disabled")]
    url["variable"] = [{**v, "value": res(v.get("value"), f"path variable ':{v.get('key')}'")}
                       for v in url.get("variable") or []]
    if not url.get("host") and not url.get("path") and url.get("raw"):
        url = {**parse_url(res(url["raw"], "url")), "query": url["query"] or parse_url(url["raw"]).get("query", [])}
    out["url"] = url
    out["header"] = [{**h, "key": res(h.get("key"), "header"),
                      "value": res(h.get("value"), f"header '{h.get('key')}'")}
                     for h in out.get("header") or [] if not h.get("disabled")]
    body = out.get("body")
    if isinstance(body, dict):
        mode = body.get("mode")
        if mode == "raw":
            body["raw"] = res(body.get("raw") or "", "body")
        elif mode in ("urlencoded", "formdata"):
            body[mode] = [{**p, "key": res(p.get("key"), f"body.{mode}"),
                           "value": res(p.get("value"), f"body.{mode} '{p.get('key')}'")}
                          for p in body.get(mode) or [] if not p.get("disabled")]
        elif mode == "graphql":
            graphql = body.get("graphql") or {}
            body["graphql"] = {"query": res(graphql.get("query") or "", "body.graphql.query"),
                               "variables": res(graphql.get("variables") or "", "body.graphql.variables")}
    return out


def _has_header(headers: list[dict[str, Any]], name: str) -> bool:
    lowered = name.lower()
    return any(str(h.get("key", "")).lower() == lowered for h in headers)


def _encode_query_part(text: str) -> str:
    """Postman encodes ``#`` (and keeps everything else for the HTTP layer to quote)."""
    return text.replace("#", "%23")


def final_url(url: dict[str, Any]) -> str:
    """The URL string to send: joined parts, ``#`` in query values encoded, no fragment."""
    parts = dict(url)
    parts.pop("hash", None)
    parts["query"] = [{**q, "key": _encode_query_part(str(q.get("key") or "")),
                       "value": None if q.get("value") is None else _encode_query_part(str(q["value"]))}
                      for q in url.get("query") or []]
    text = url_to_string(parts)
    if "://" not in text.split("?", 1)[0]:
        text = "http://" + text.lstrip("/")
    return text


def build_request(resolved: dict[str, Any], *, prune_body: bool = True) -> BuiltRequest:
    """Build the wire request from a resolved (and auth-applied) request JSON."""
    method = str(resolved.get("method") or "GET").upper()
    headers_json = [h for h in resolved.get("header") or [] if not h.get("disabled") and str(h.get("key") or "").strip()]
    body = resolved.get("body") if isinstance(resolved.get("body"), dict) else None
    if body is not None and (body.get("disabled") or (prune_body and method in METHODS_WITHOUT_BODY)):
        body = None
    raw_body: bytes | None = None
    multipart = None
    added: list[tuple[str, str]] = []
    if body is not None:
        mode = body.get("mode")
        if mode == "raw":
            raw_body = str(body.get("raw") or "").encode("utf-8")
            if not _has_header(headers_json, "Content-Type"):
                language = ((body.get("options") or {}).get("raw") or {}).get("language")
                added.append(("Content-Type", RAW_CONTENT_TYPES.get(str(language), "text/plain")))
        elif mode == "urlencoded":
            pairs = [(str(p.get("key") or ""), "" if p.get("value") is None else str(p.get("value")))
                     for p in body.get("urlencoded") or [] if not p.get("disabled")]
            raw_body = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs).encode("ascii")
            if not _has_header(headers_json, "Content-Type"):
                added.append(("Content-Type", "application/x-www-form-urlencoded"))
        elif mode == "formdata":
            multipart = []
            for part in body.get("formdata") or []:
                if part.get("disabled") or part.get("type") == "file":
                    continue
                value = "" if part.get("value") is None else str(part.get("value"))
                if part.get("contentType"):
                    multipart.append((str(part.get("key") or ""), (None, value, str(part["contentType"]))))
                else:
                    multipart.append((str(part.get("key") or ""), (None, value)))
            # requests writes the multipart Content-Type with its boundary
            headers_json = [h for h in headers_json if str(h.get("key")).lower() != "content-type"]
        elif mode == "graphql":
            graphql = body.get("graphql") or {}
            variables = graphql.get("variables")
            if isinstance(variables, str):
                try:
                    variables = json.loads(variables) if variables.strip() else None
                except json.JSONDecodeError:
                    variables = None
            raw_body = json.dumps({"query": graphql.get("query") or "", "variables": variables}).encode("utf-8")
            if not _has_header(headers_json, "Content-Type"):
                added.append(("Content-Type", "application/json"))
    headers = [(str(h.get("key")).strip(), "" if h.get("value") is None else str(h.get("value")).strip())
               for h in headers_json]
    headers.extend(added)
    url = resolved.get("url") or {}
    sent_json = copy.deepcopy(resolved)
    sent_json["header"] = [{"key": k, "value": v} for k, v in headers]
    if body is None:
        sent_json["body"] = None
    return BuiltRequest(method=method, url=final_url(url), headers=headers, body=raw_body, multipart=multipart,
                        sent_json=sent_json)
