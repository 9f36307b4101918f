"""Error replies sent from ASGI middleware (throttling, injected faults), in each host's own shape.

Service protection and fault injection answer before the OData service runs, so they cannot use a
dialect's ``error_response``; this module renders the same envelopes from the host name alone:

* ``crm`` (Dataverse): ``{"error": {"code": "0x8007...", "message": ...}}`` with ``REQ_ID``;
* ``fno`` (Finance and Operations): ``{"error": {"code": "", "message": ...}}`` (reference A8: the
  429 envelope is not documented; this is the OData v4 default);
* ``bc`` (Business Central): ``{"error": {"code": "Application_TooManyRequests", ...}}``;
* ``login`` (Entra ID): the token endpoint's JSON error (``temporarily_unavailable`` for 429/503).
"""

from __future__ import annotations

import json
import uuid

ODATA_JSON = b"application/json; odata.metadata=minimal"
ENTRA_JSON = b"application/json; charset=utf-8"

# Generic status texts used when a fault names no message of its own.
DEFAULT_MESSAGES = {
    429: "The request was throttled. Retry after the number of seconds in the Retry-After header.",
    500: "An unexpected error occurred.",
    502: "Bad Gateway.",
    503: "The service is temporarily unavailable. Please try again later.",
    504: "The operation timed out.",
}
# Business Central error codes (reference B5 families) by status for injected faults.
BC_CODES = {429: "Application_TooManyRequests", 503: "Internal_TenantUnavailable", 504: "Internal_ServerError",
            500: "Internal_ServerError", 502: "Internal_ServerError", 408: "Internal_ServerError"}
ENTRA_CODES = {429: 90055, 503: 90006}


def default_message(status: int) -> str:
    return DEFAULT_MESSAGES.get(status, f"The request failed with HTTP status {status}.")


def error_reply(host: str, status: int, message: str, code: str | None = None, retry_after: int | None = None,
                base_url: str = "") -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """``(status, headers, body)`` of an error reply as the ``host`` family would send it."""
    request_id = str(uuid.uuid4())
    headers: list[tuple[bytes, bytes]] = []
    if host == "login":
        # Only the login host needs the Entra shape (and its import).
        from simulator.identity.errors import entra_error, error_body

        if status in ENTRA_CODES:
            err = entra_error(ENTRA_CODES[status])
        else:
            err = entra_error(90006, status=status, error="server_error")
        payload = error_body(err, correlation_id=request_id, trace_id=request_id, login_url=base_url)
        headers += [(b"content-type", ENTRA_JSON), (b"cache-control", b"no-store, no-cache"),
                    (b"x-ms-request-id", request_id.encode())]
    else:
        if host == "crm":
            payload = {"error": {"code": code if code is not None else "", "message": message}}
            headers += [(b"req_id", request_id.encode()), (b"x-ms-service-request-id", request_id.encode())]
        elif host == "bc":
            payload = {"error": {"code": code if code is not None else BC_CODES.get(status, "Unknown"),
                                 "message": message}}
            headers += [(b"request-id", request_id.encode()), (b"ms-correlation-x", request_id.encode())]
        else:
            payload = {"error": {"code": code if code is not None else "", "message": message}}
            headers += [(b"ms-dyn-aid", request_id.encode())]
        headers += [(b"content-type", ODATA_JSON), (b"odata-version", b"4.0")]
    if retry_after is not None:
        headers.append((b"retry-after", str(int(retry_after)).encode()))
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers.append((b"content-length", str(len(body)).encode()))
    return status, headers, body


async def send_reply(send, reply: tuple[int, list[tuple[bytes, bytes]], bytes]) -> None:
    """Send a reply built by :func:`error_reply` over raw ASGI."""
    status, headers, body = reply
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
