"""HTTP plumbing every simulated OData service shares: request view and path routing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from simulator.odata.context import RequestContext

METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]


class AnyPathConvertor(Convertor):
    """Like Starlette's ``path`` but also matching line feeds (``%0A``), so a malformed path still
    reaches the service and gets the service's own error body instead of a plain-text 404."""

    regex = r"[\s\S]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("anypath", AnyPathConvertor())


class AsgiEndpoint:
    """An ``async (request) -> Response`` endpoint as a raw ASGI app for a Starlette ``Route``.

    Starlette wraps a function endpoint in two more closures per request (its request/response
    adapter and the per-request exception wrapper, which re-raises anything but ``HTTPException``,
    which the endpoints never raise). A callable object is called as ASGI directly: the same
    ``Request``, the same response sent. The endpoint reads its body with :func:`read_body`.
    """

    def __init__(self, endpoint: Callable[[Request], Awaitable[Response]]):
        self.endpoint = endpoint

    async def __call__(self, scope, receive, send) -> None:
        response = await self.endpoint(Request(scope, receive, send))
        await response(scope, receive, send)


async def read_body(receive) -> bytes:
    """The request body, read as Starlette's ``Request.body()`` reads it (``ClientDisconnect`` when the
    client hangs up) without its async generator."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.request":
            body = message.get("body", b"")
            if body:
                chunks.append(body)
            if not message.get("more_body", False):
                return b"".join(chunks)
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()


def request_context(request: Request, root_url: str, path: str, body: bytes, version: str) -> RequestContext:
    """Build the dialect-neutral request view (query parameters percent-decoded once)."""
    params = parse_query(query_text(request))
    headers = {_header_name(k): v.decode("latin-1") for k, v in request.scope["headers"]}
    return RequestContext(method=request.method, root_url=root_url, path=unquote(path), params=params,
                          headers=headers, body=body, version=version)


def parse_query(query: str) -> dict[str, str]:
    """``dict(parse_qsl(query, keep_blank_values=True))`` (last value wins), without parse_qsl's
    per-call argument coercion, and unquoting only the names and values that carry a ``%``."""
    params: dict[str, str] = {}
    if not query:
        return params
    for pair in query.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        if "+" in name:
            name = name.replace("+", " ")
        if "%" in name:
            name = unquote(name)
        if "+" in value:
            value = value.replace("+", " ")
        if "%" in value:
            value = unquote(value)
        params[name] = value
    return params


_HEADER_NAMES: dict[bytes, str] = {}


def _header_name(raw: bytes) -> str:
    """A request header's name as text, lower-case; the few names clients send are decoded once."""
    name = _HEADER_NAMES.get(raw)
    if name is None:
        name = raw.decode("latin-1").lower()
        if len(_HEADER_NAMES) >= 256:  # names are the client's to choose: stay bounded
            _HEADER_NAMES.clear()
        _HEADER_NAMES[raw] = name
    return name


# Characters after which Starlette's ``request.url.query`` (urlsplit of the rebuilt URL) is not simply
# the decoded query string: removed (tab, CR, LF), a fragment (#), or a host that urlsplit would cut
# or refuse (/ ? # [ ]). Anything else takes the short way, which gives the same text.
_NOT_PLAIN_QUERY = frozenset("\t\r\n#")
_NOT_PLAIN_HOST = frozenset("\t\r\n/?#[]")


def _host_header(scope) -> str | None:
    for key, value in scope["headers"]:
        if key == b"host":
            return value.decode("latin-1")
    return None


def query_text(request: Request) -> str:
    """``request.url.query`` without rebuilding and re-splitting the URL when that changes nothing."""
    query = request.scope.get("query_string", b"").decode()
    host = _host_header(request.scope)
    if _NOT_PLAIN_QUERY.isdisjoint(query) and (host is None or (host.isascii() and _NOT_PLAIN_HOST.isdisjoint(host))):
        return query
    return request.url.query


_base_urls: dict[tuple, str] = {}


def base_url(request: Request) -> str:
    """``str(request.base_url)``, remembered per scheme, server, host header and root path."""
    scope = request.scope
    shape = (scope.get("scheme", "http"), scope.get("server"), _host_header(scope),
             scope.get("app_root_path", scope.get("root_path", "")))
    text = _base_urls.get(shape)
    if text is None:
        text = str(request.base_url)
        if len(_base_urls) >= 256:  # Host headers are the client's to choose: stay bounded
            _base_urls.clear()
        _base_urls[shape] = text
    return text


async def serve_read(store, handler: Callable[..., Response], *args) -> Response:
    """Answer a read on the event loop when the store is free, else in a worker thread.

    Handing a request to a worker thread and back costs two thread wake-ups on top of the
    connection's own; on a busy machine each can wait for a time slice, and for a GET by key that
    was most of the answer's latency. A read that can take the store's lock at once runs here
    (sub-millisecond for the usual GET, and no other thread can need the loop to finish it); one
    that would have to wait for another thread's unit of work (a change set, a long write) goes to
    a worker thread as before, so the event loop never waits for a lock.
    """
    lock = store.lock
    if lock.acquire(blocking=False):
        try:
            return handler(*args)
        finally:
            lock.release()
    return await run_in_threadpool(handler, *args)
