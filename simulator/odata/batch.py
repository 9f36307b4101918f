"""``$batch`` for the multipart services (Dataverse, F&O): parse, run each part, answer multipart.

Each inner request goes through the service's own :meth:`~simulator.odata.service.ODataService.handle`.
A change set runs in one unit of work (joined by every part), so one failing part rolls back the
parts before it; requests outside change sets each get their own. ``Content-ID`` references
(``$1`` in a URL, in ``@odata.bind`` or ``@odata.id``) resolve to the entity an earlier part of the
same change set created. The rules that differ per service (limit, outer status on failure) are a
:class:`BatchRules`; references shared with the JSON batch format live here too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from starlette.responses import Response

from simulator.odata import json_body
from simulator.odata.context import REPEATED_OPTIONS, RequestContext
from simulator.odata.errors import ODataProblem, syntax_error
from simulator.odata.multipart import (
    BatchRequest,
    ChangeSet,
    MultipartError,
    PartResponse,
    changeset_part,
    count_requests,
    http_part,
    multipart,
    new_boundary,
    parse_batch,
)
from simulator.odata.routing import parse_query

SYSTEM_RESOURCES = {"metadata", "batch", "crossjoin", "all", "entity", "root", "count", "value", "ref"}
# what an inner request shares with its batch: the service, the caller and the API root; per-request
# values (request ids, annotation choices, the created entity) are its own
INHERITED_EXTRAS = {"service", "api_root", "caller_id", "claims", "ratelimit"}
_REFERENCE = re.compile(r"^\$([^/?()$]+)(.*)$", re.DOTALL)


@dataclass(frozen=True)
class BatchRules:
    max_requests: int
    failure_sets_outer_status: bool  # Dataverse: the outer status is the failing part's, and only it is returned
    root_pattern: str | None = None  # other root-relative prefixes inner URLs may use (other API versions)
    streaming_gets: bool = False  # Dataverse: inner GET answers say odata.streaming=true


class UnknownReference(ODataProblem):
    def __init__(self, reference: str):
        super().__init__(400, "0x80060888",
                         f"Content-ID Reference: '{reference}' does not exist in the batch context.", "syntax")


def resolve_reference_text(value: str, refs: dict[str, str]) -> str:
    """``$n`` / ``$n/rest`` → the URL the request with Content-ID ``n`` created; others unchanged."""
    match = _REFERENCE.match(value)
    if match is None or match.group(1).lower() in SYSTEM_RESOURCES:
        return value
    if match.group(1) not in refs:
        raise UnknownReference(f"${match.group(1)}")
    return refs[match.group(1)] + match.group(2)


def resolve_body_references(value, refs: dict[str, str]):
    """Replace ``$n`` in ``@odata.bind`` / ``@odata.id`` values of a JSON body, at any depth."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if (key.endswith("@odata.bind") or key == "@odata.id") and isinstance(item, str):
                out[key] = resolve_reference_text(item, refs)
            elif key.endswith("@odata.bind") and isinstance(item, list):
                out[key] = [resolve_reference_text(v, refs) if isinstance(v, str) else v for v in item]
            else:
                out[key] = resolve_body_references(item, refs)
        return out
    if isinstance(value, list):
        return [resolve_body_references(v, refs) for v in value]
    return value


def relative_path(url: str, outer: RequestContext, root_pattern: str | None, where: str) -> tuple[str, str]:
    """(path below the service root, query string) of an inner request URL."""
    parts = urlsplit(url)
    if parts.scheme and parts.scheme not in ("http", "https"):
        raise syntax_error(f"The URL '{url[:200]}' of {where} is not an HTTP URL.")
    path = parts.path
    if path.startswith("/"):
        root_path = urlsplit(outer.root_url).path.rstrip("/")
        if path == root_path or path.startswith(root_path + "/"):
            path = path[len(root_path):].lstrip("/")
        elif root_pattern and re.match(root_pattern, path):
            path = re.sub(root_pattern, "", path, count=1)
        else:
            raise syntax_error(f"The URL '{url[:200]}' of {where} is not below the service root "
                               f"'{outer.root_url}'.")
    return path, parts.query


def inner_context(outer: RequestContext, method: str, url: str, headers: dict[str, str], body: bytes,
                  refs: dict[str, str], root_pattern: str | None, where: str) -> RequestContext:
    """The request view of one inner request: the outer root, caller and extras; its own URL, headers, body."""
    url = resolve_reference_text(url, refs)
    path, query = relative_path(url, outer, root_pattern, where)
    if body and b"$" in body:
        try:
            parsed = json_body.loads(body)
        except ValueError:  # JSONBodyError: malformed, too deep or a lone surrogate
            parsed = None  # the service reports the malformed body
        if parsed is not None:
            body = json.dumps(resolve_body_references(parsed, refs), ensure_ascii=False).encode()
    inner_headers = {k.lower(): v for k, v in headers.items()}
    if "authorization" in outer.headers:
        inner_headers.setdefault("authorization", outer.headers["authorization"])
    extras = {k: v for k, v in outer.extras.items() if k in INHERITED_EXTRAS}
    extras["in_batch"] = True
    if outer.claims and inner_headers.get("authorization") == outer.headers.get("authorization"):
        extras["verified"] = (outer.headers.get("authorization"), outer.claims)  # same token: checked once
    extras["request_uri"] = f"{outer.root_url}/{path}" + (f"?{query}" if query else "")
    repeated: list[str] = []
    params = parse_query(query, repeated)
    if repeated:
        extras[REPEATED_OPTIONS] = repeated
    return RequestContext(method, outer.root_url, unquote(path), params, inner_headers, body, version=outer.version,
                          extras=extras)


SPELLED = {"odata-version": "OData-Version", "odata-entityid": "OData-EntityId", "etag": "ETag", "req_id": "REQ_ID",
           "odata-maxversion": "OData-MaxVersion"}


def header_name(name: str) -> str:
    """The spelling services use on the wire (``OData-EntityId``, ``ETag``); Starlette keeps names lower-case,
    which an inner part, read by hand-written parsers, should not show."""
    if name in SPELLED:
        return SPELLED[name]
    if name.startswith("x-ms-") or name.startswith("ms-") or name == "request-id":
        return name
    return "-".join(word[:1].upper() + word[1:] for word in name.split("-"))


def part_response(response: Response, content_id: str | None = None) -> PartResponse:
    headers = [(header_name(k.decode("latin-1")), v.decode("latin-1")) for k, v in response.raw_headers
               if k.lower() != b"content-length"]
    return PartResponse(response.status_code, headers, bytes(response.body or b""), content_id)


def created_url(ctx: RequestContext | None, response: PartResponse) -> str | None:
    """The URL of the entity a part created or updated (what ``$n`` stands for)."""
    if ctx is not None and ctx.extras.get("entity_url"):
        return ctx.extras["entity_url"]
    for name in ("odata-entityid", "location"):
        for key, value in response.headers:
            if key.lower() == name:
                return value
    return None


class _ChangeSetFailed(Exception):
    def __init__(self, response: PartResponse):
        super().__init__("change set failed")
        self.response = response


class MultipartBatch:
    """The ``$batch`` endpoint of one multipart service; plug it in as ``service.batch_handler``."""

    def __init__(self, rules: BatchRules):
        self.rules = rules

    def __call__(self, service, ctx: RequestContext) -> Response:
        dialect = service.dialect
        if ctx.method != "POST":
            raise dialect.method_not_allowed(ctx.method, "'$batch'")
        try:
            items = parse_batch(ctx.header("content-type") or "", ctx.body)
        except MultipartError as exc:
            raise syntax_error(str(exc)) from None
        total = count_requests(items)
        if total > self.rules.max_requests:
            raise syntax_error(f"The batch contains {total} requests; the maximum number of requests in a "
                               f"batch is {self.rules.max_requests}.")
        prefer = ctx.prefer
        continue_on_error = "odata.continue-on-error" in prefer and \
            prefer["odata.continue-on-error"].lower() in ("", "true")
        parts: list[bytes] = []
        outer_status = 200
        for item in items:
            if isinstance(item, ChangeSet):
                status, part = self.run_changeset(service, ctx, item)
            else:
                response, _ = self.run(service, ctx, item, {}, None)
                status, part = response.status, http_part(response)
            if status < 400 or continue_on_error:
                parts.append(part)
                continue
            if self.rules.failure_sets_outer_status:  # stop; answer with the failing part alone
                parts, outer_status = [part], status
            else:  # stop; the parts so far and the failing one, outer 200
                parts.append(part)
            break
        boundary = new_boundary("batchresponse")
        headers = dialect.common_headers(ctx)
        if continue_on_error:
            headers["Preference-Applied"] = "odata.continue-on-error"
        return Response(multipart(parts, boundary), status_code=outer_status, headers=headers,
                        media_type=f"multipart/mixed; boundary={boundary}")

    def run(self, service, outer: RequestContext, request: BatchRequest, refs: dict[str, str],
            conn) -> tuple[PartResponse, str | None]:
        """One inner request in the unit of work ``conn`` (None: its own); returns its response and the
        URL of the entity it created or updated."""
        try:
            ctx = inner_context(outer, request.method, request.url, request.headers, request.body, refs,
                                self.rules.root_pattern, request.where)
        except ODataProblem as problem:
            return part_response(service.dialect.error_response(problem, outer), request.content_id), None
        response = part_response(service.handle(ctx, conn), request.content_id)
        if self.rules.streaming_gets and request.method == "GET":
            response.headers = [(k, f"{v}; odata.streaming=true" if k == "Content-Type" and v.startswith(
                "application/json") and "odata.streaming" not in v else v) for k, v in response.headers]
        return response, created_url(ctx, response)

    def run_changeset(self, service, outer: RequestContext, changeset: ChangeSet) -> tuple[int, bytes]:
        """All parts in one unit of work; the first failure rolls back the ones before it and is the
        change set's only response. Returns (status, response part)."""
        refs: dict[str, str] = {}
        responses: list[PartResponse] = []
        try:
            with service.work.unit() as conn:
                for request in changeset.requests:
                    response, url = self.run(service, outer, request, refs, conn)
                    if response.status >= 400:
                        raise _ChangeSetFailed(response)
                    responses.append(response)
                    if request.content_id and url:
                        refs[request.content_id] = url
        except _ChangeSetFailed as failed:
            return failed.response.status, http_part(failed.response)
        return 200, changeset_part([http_part(r) for r in responses], new_boundary("changesetresponse"))
