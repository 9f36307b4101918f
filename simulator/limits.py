"""Request size limits answered in each host's own error shape, before any service code runs.

Two layers used to cut a huge request short with no service involved: h11 (uvicorn's HTTP parser)
drops a connection whose request head is larger than 16 KB by default (a 1 MB ``Authorization``
header, a 64 KB request line) with a plain-text ``400 Invalid HTTP request received.``, and nothing
bounded the URL. Now:

* :data:`MAX_REQUEST_HEAD` is the h11 limit the server is started with (simulator/server.py), so
  a large token reaches the service, which refuses it like any bad token (401 and its challenge);
* :class:`RequestLimits` answers a request target longer than :data:`MAX_URL` with 414 in the
  host's shape. Dataverse documents 32 KB (32,768 characters) for a GET URL (reference
  dataverse.md §0, doc S8); F&O and Business Central document no figure, so the same bound applies.
"""

from __future__ import annotations

import json

from simulator.family_errors import error_reply, send_reply

MAX_URL = 32_768
MAX_REQUEST_HEAD = 8 * 1024 * 1024  # h11_max_incomplete_event_size: 8 MiB of request line + headers
URL_TOO_LONG = "The request URL is too long: it has {length} characters and the limit is {limit}."


def _fno_body(message: str) -> bytes:
    from simulator.fno.errors import error_body
    from simulator.odata.errors import ODataProblem

    problem = ODataProblem(414, "", message, "request")
    return json.dumps(error_body(problem), separators=(",", ":")).encode()


def limit_reply(host: str, status: int, message: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The host's error reply; F&O's carries its ``innererror`` envelope (simulator/fno/errors.py)."""
    code = {"crm": "0x80060888", "bc": "BadRequest_InvalidRequestUrl"}.get(host)
    status, headers, body = error_reply(host, status, message, code=code)
    if host == "fno":
        body = _fno_body(message)
        headers = [(k, v) for k, v in headers if k != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
    return status, headers, body


class RequestLimits:
    """Raw ASGI guard in front of one host's stack."""

    def __init__(self, app, host: str):
        self.app = app
        self.host = host

    def __getattr__(self, name: str):
        return getattr(self.app, name)

    def passes(self, scope) -> bool:
        """Would this guard hand the HTTP request ``scope`` on unchanged?"""
        return url_length(scope) <= MAX_URL

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            length = url_length(scope)
            if length > MAX_URL:
                await send_reply(send, limit_reply(self.host, 414, URL_TOO_LONG.format(length=length,
                                                                                         limit=MAX_URL)))
                return
        await self.app(scope, receive, send)


def url_length(scope) -> int:
    """Characters of the request target (path, and ``?`` plus the query when there is one)."""
    length = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b""))
    if scope.get("query_string"):
        length += 1  # the "?"
    return length
