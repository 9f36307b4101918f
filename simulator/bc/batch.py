"""Business Central's JSON ``$batch`` (``POST {api}/$batch``, ``{"requests": [...]}`` → ``{"responses": [...]}``).

As documented for BC API batching and OData 4.01 JSON batch: each request has an ``id``, ``method``,
``url`` (relative to the API root, or absolute), optional ``headers``, ``body``, ``dependsOn`` and
``atomicityGroup``. Requests of one atomicity group run in one unit of work; ``Isolation: snapshot``
runs the whole batch in one (all changes roll back when one request fails). A request whose
dependency failed is not run and answers 424. ``$<id>`` in a URL or ``@odata.bind`` refers to the
entity an earlier request created. At most 100 requests. Anything else in the body is refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.responses import Response

from simulator.bc import errors
from simulator.odata.batch import created_url, inner_context, part_response
from simulator.odata.context import RequestContext
from simulator.odata.errors import ODataProblem
from simulator.odata.multipart import METHODS, media_type

MAX_REQUESTS = 100
REQUEST_FIELDS = {"id", "method", "url", "headers", "body", "dependsOn", "atomicityGroup"}


def _bad(message: str) -> ODataProblem:
    return errors.bc_problem(400, "BadRequest", message)


def _failed_dependency(request_id: str, reason: str) -> dict:
    return {"id": request_id, "status": 424, "headers": {"content-type": "application/json"},
            "body": {"error": {"code": "BadRequest_FailedDependency", "message": reason}}}


class _GroupFailed(Exception):
    def __init__(self, failed_id: str):
        super().__init__(failed_id)
        self.failed_id = failed_id


def parse_requests(body: bytes) -> list[dict]:
    """The checked ``requests`` array; raises a BC 400 naming the request that is wrong."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _bad("The batch request body is not valid JSON.") from None
    if not isinstance(document, dict) or set(document) != {"requests"} or not isinstance(document["requests"], list):
        raise _bad("The batch request body must be a JSON object with one member, 'requests', an array.")
    requests = document["requests"]
    if not requests:
        raise _bad("The batch request contains no requests.")
    if len(requests) > MAX_REQUESTS:
        raise _bad(f"The batch contains {len(requests)} requests; the maximum is {MAX_REQUESTS}.")
    seen: set[str] = set()
    closed: set[str] = set()
    previous: str | None = None
    for number, request in enumerate(requests, 1):
        where = f"request {number}"
        if not isinstance(request, dict):
            raise _bad(f"The {where} of the batch is not a JSON object.")
        unknown = sorted(set(request) - REQUEST_FIELDS)
        if unknown:
            raise _bad(f"The member '{unknown[0]}' of {where} is not supported in a batch request.")
        for name in ("id", "method", "url"):
            if not isinstance(request.get(name), str) or not request[name]:
                raise _bad(f"The {where} of the batch has no '{name}' string.")
        where = f"request '{request['id']}'"
        if request["id"] in seen:
            raise _bad(f"The id of {where} is used twice in the batch.")
        if request["method"].upper() not in METHODS:
            raise _bad(f"The method '{request['method']}' of {where} is not supported.")
        headers = request.get("headers", {})
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise _bad(f"The headers of {where} must be an object of strings.")
        group = request.get("atomicityGroup")
        if group is not None and (not isinstance(group, str) or not group):
            raise _bad(f"The atomicityGroup of {where} must be a string.")
        if previous is not None and group != previous:
            closed.add(previous)
        if group is not None:
            if group in closed or group in seen:
                raise _bad(f"The requests of atomicity group '{group}' must be adjacent ({where}).")
        previous = group
        depends = request.get("dependsOn", [])
        if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
            raise _bad(f"The dependsOn of {where} must be an array of request ids.")
        for dependency in depends:
            if dependency not in seen and dependency not in closed:
                raise _bad(f"The dependsOn of {where} names '{dependency}', which is not an earlier request "
                           "or atomicity group of the batch.")
        seen.add(request["id"])
    return requests


class JsonBatch:
    """Runs a JSON batch through ``run(ctx, conn)`` (the BC router), in units of work from ``unit``."""

    def __init__(self, run: Callable[[RequestContext, object], Response], unit, dialect):
        self.run_inner = run
        self.unit = unit  # () -> context manager yielding a connection (the store's unit of work)
        self.dialect = dialect

    def handle(self, ctx: RequestContext) -> Response:
        if ctx.method != "POST":
            raise errors.bc_problem(405, "BadRequest_MethodNotAllowed",
                                    f"'{ctx.method}' requests for '$batch' are not allowed.")
        kind = media_type(ctx.header("content-type") or "")
        if kind != "application/json":
            raise errors.bc_problem(415 if kind != "multipart/mixed" else 400, "BadRequest",
                                    "The simulator serves Business Central's JSON batch format only "
                                    "(Content-Type: application/json); multipart/mixed batches are not served."
                                    if kind == "multipart/mixed" else
                                    f"The batch Content-Type '{kind or '(none)'}' is not supported; use application/json.")
        isolation = (ctx.header("isolation") or "").strip().lower()
        if isolation not in ("", "snapshot"):
            raise _bad(f"The Isolation header value '{ctx.header('isolation')}' is not supported; use 'snapshot'.")
        requests = parse_requests(ctx.body)
        if isolation == "snapshot":
            responses = self.run_snapshot(ctx, requests)
        else:
            responses = self.run_groups(ctx, requests)
        return self.dialect.json_response(ctx, {"responses": responses})

    # ------------------------------------------------------------------ running
    def one(self, outer: RequestContext, request: dict, refs: dict[str, str], conn) -> tuple[dict, str | None]:
        headers = dict(request.get("headers") or {})
        body = request.get("body")
        raw = b"" if body is None else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
        where = f"request '{request['id']}'"
        try:
            ctx = inner_context(outer, request["method"].upper(), request["url"], headers, raw, refs, None, where)
        except ODataProblem as problem:
            return self.as_json(request["id"], part_response(self.dialect.error_response(problem, outer))), None
        company = {k.lower(): v for k, v in headers.items()}.get("company")
        if company and "company" not in ctx.params and not ctx.path.startswith("companies("):
            ctx.params["company"] = company
        response = part_response(self.run_inner(ctx, conn))
        return self.as_json(request["id"], response), created_url(ctx, response)

    @staticmethod
    def as_json(request_id: str, response) -> dict:
        headers = {name.lower(): value for name, value in response.headers}
        out: dict = {"id": request_id, "status": response.status, "headers": headers}
        if response.body:
            try:
                out["body"] = json.loads(response.body)
            except (ValueError, UnicodeDecodeError):
                out["body"] = response.body.decode("utf-8", "replace")
        return out

    def run_groups(self, ctx: RequestContext, requests: list[dict]) -> list[dict]:
        """Independent requests, atomicity groups each in one unit of work; failed dependencies → 424."""
        refs: dict[str, str] = {}
        failed: set[str] = set()
        responses: list[dict] = []
        index = 0
        while index < len(requests):
            group = requests[index].get("atomicityGroup")
            members = [requests[index]]
            while group is not None and index + len(members) < len(requests) and \
                    requests[index + len(members)].get("atomicityGroup") == group:
                members.append(requests[index + len(members)])
            index += len(members)
            blocked = [d for m in members for d in m.get("dependsOn", []) if d in failed]
            if blocked:
                for member in members:
                    failed.add(member["id"])
                    responses.append(_failed_dependency(member["id"], f"The request '{blocked[0]}' it depends on failed."))
                if group:
                    failed.add(group)
                continue
            results = self.run_unit(ctx, members, refs)
            responses += results
            if any(r["status"] >= 400 for r in results):
                failed.update(m["id"] for m in members)
                if group:
                    failed.add(group)
        return responses

    def run_unit(self, ctx: RequestContext, members: list[dict], refs: dict[str, str]) -> list[dict]:
        """Requests in one unit of work: all succeed, or the failing one answers and the rest get 424."""
        results: list[dict] = []
        new_refs: dict[str, str] = {}
        try:
            with self.unit() as conn:
                for member in members:
                    result, url = self.one(ctx, member, refs | new_refs, conn)
                    results.append(result)
                    if result["status"] >= 400:
                        raise _GroupFailed(member["id"])
                    if url:
                        new_refs[member["id"]] = url
        except _GroupFailed as failure:
            reason = f"The batch changes were rolled back because the request '{failure.failed_id}' failed."
            return [results[-1] if member["id"] == failure.failed_id else _failed_dependency(member["id"], reason)
                    for member in members]
        refs.update(new_refs)
        return results

    def run_snapshot(self, ctx: RequestContext, requests: list[dict]) -> list[dict]:
        """``Isolation: snapshot``: the whole batch in one unit of work (groups and dependencies are
        then implied: the first failure rolls back everything)."""
        return self.run_unit(ctx, requests, {})
