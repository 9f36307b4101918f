"""HTTP plumbing every simulated OData service shares: request view and path routing."""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request

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


def request_context(request: Request, root_url: str, path: str, body: bytes, version: str) -> RequestContext:
    """Build the dialect-neutral request view (query parameters percent-decoded once)."""
    params = dict(parse_qsl(request.url.query, keep_blank_values=True))
    headers = {k.lower(): v for k, v in request.headers.items()}
    return RequestContext(method=request.method, root_url=root_url, path=unquote(path), params=params,
                          headers=headers, body=body, version=version)
