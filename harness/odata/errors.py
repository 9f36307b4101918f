"""Errors raised by the OData client, and the parser that reads each service's error body.

Every class derives from :class:`~harness.errors.HarnessError`, so the CLI and the pytest plugin
print the message without a traceback. Messages carry the method and URL of the failing request,
but never a token: URLs pass through :func:`redact_url` first.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from harness.errors import HarnessError
from harness.odata.dialects import Dialect
from harness.secrets import POLICY, redact

if TYPE_CHECKING:
    from harness.odata.response import ODataResponse

REQUEST_ID_HEADERS = ("REQ_ID", "x-ms-service-request-id", "request-id", "x-ms-request-id")
_MAX_SHOWN_URL = 300


class ODataUrlError(HarnessError):
    """An OData URL, key, ETag or literal written by the user is malformed.

    ``text`` is the offending input and ``position`` the 0-based offset of the problem in it (the
    convention of the Microsoft.OData parser messages), or ``None`` when it concerns the whole input.
    """

    def __init__(self, problem: str, text: str = "", position: int | None = None):
        self.problem = problem
        self.text = text
        self.position = position
        where = f" at position {position}" if position is not None else ""
        shown = f" in {text!r}" if text else ""
        super().__init__(f"malformed OData input{shown}: {problem}{where}")


class ODataProtocolError(HarnessError):
    """The service answered with something an OData client cannot read (wrong body, looping paging)."""


class ODataConnectionError(HarnessError):
    """The service could not be reached (refused connection, DNS failure, timeout)."""


class ODataError(HarnessError):
    """An OData request ended with an error status.

    ``code`` and ``message`` are the service's own (``0x80040217``, ``BadRequest_NotFound``, ...);
    for F&O the ``innererror`` message replaces the generic "An error has occurred.", and for BC the
    trailing ``CorrelationId`` is moved to :attr:`correlation_id`.
    """

    def __init__(self, status: int, code: str | None, message: str, method: str, url: str, *,
                 request_id: str | None = None, correlation_id: str | None = None,
                 inner: dict[str, Any] | None = None, body: str = "",
                 response: ODataResponse | None = None):
        self.status = status
        self.code = code or None
        self.message = message
        self.method = method.upper()
        self.url = redact_url(url)
        self.request_id = request_id
        self.correlation_id = correlation_id
        self.inner = inner
        self.body = redact(body[:2000])
        self.response = response
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = [str(self.status)]
        if self.code:
            parts.append(self.code)
        parts.append(redact(self.message))
        parsed = urlsplit(self.url)
        target = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        if len(target) > _MAX_SHOWN_URL:
            target = target[:_MAX_SHOWN_URL] + "..."
        return f"{' '.join(parts)} ({self.method} {target})"

    def __repr__(self) -> str:
        return f"ODataError({self._describe()!r})"

    def __reduce__(self):
        # Keep the error picklable (pytest-xdist, multiprocessing) without the live response.
        return (_rebuild_error, (self.status, self.code, self.message, self.method, self.url,
                                 self.request_id, self.correlation_id, self.inner, self.body))


def _rebuild_error(status, code, message, method, url, request_id, correlation_id, inner, body):
    return ODataError(status, code, message, method, url, request_id=request_id,
                      correlation_id=correlation_id, inner=inner, body=body)


def redact_url(url: str) -> str:
    """``url`` without user info and with credential-like query values masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = parts.query
    if query:
        pieces = []
        for piece in query.split("&"):
            name = piece.split("=", 1)[0]
            if "=" in piece and POLICY.is_secret_name(name, form=True):
                piece = f"{name}=***"
            pieces.append(piece)
        query = "&".join(pieces)
    return redact(urlunsplit((parts.scheme, netloc, parts.path, query, "")))


@dataclass(frozen=True)
class ErrorDetails:
    """The service error as read from a response body (all fields optional)."""

    code: str | None
    message: str | None
    correlation_id: str | None = None
    inner: dict[str, Any] | None = None


def parse_error_body(text: str, dialect: Dialect) -> ErrorDetails:
    """Read ``code``/``message`` from any of the error shapes the Dynamics services send.

    Understands the OData v4 ``{"error":{"code","message","innererror"}}`` body (all three
    services), the ASP.NET routing body ``{"Message": ...}`` (F&O 404s), the OData v3
    ``{"odata.error": ...}`` body and an Entra-style ``{"error": "invalid_token"}`` body.
    Anything else yields the first line of the text as the message.
    """
    text = (text or "").lstrip("\ufeff").strip()
    if not text:
        return ErrorDetails(None, None)
    try:
        data = json.loads(text)
    except ValueError:
        first_line = text.splitlines()[0][:300]
        return ErrorDetails(None, first_line)
    if not isinstance(data, dict):
        return ErrorDetails(None, text[:300])

    error = data.get("error", data.get("odata.error"))
    if isinstance(error, str):  # Entra / OAuth shape
        return ErrorDetails(error, data.get("error_description") or error)
    if not isinstance(error, dict):
        message = data.get("Message") or data.get("message")
        detail = data.get("MessageDetail")
        if isinstance(message, str):
            return ErrorDetails(None, f"{message} {detail}" if isinstance(detail, str) else message)
        return ErrorDetails(None, text[:300])

    code = error.get("code")
    code = str(code) if code not in (None, "") else None
    message = error.get("message")
    if isinstance(message, dict):  # OData v3: {"lang": "en-US", "value": "..."}
        message = message.get("value")
    message = message if isinstance(message, str) else None
    inner = error.get("innererror") if isinstance(error.get("innererror"), dict) else None
    inner_message = _inner_message(error, inner)
    if inner_message and (not message or message.strip() in dialect.generic_error_messages):
        message = inner_message

    correlation_id = None
    if message and dialect.error_correlation_pattern:
        match = re.search(dialect.error_correlation_pattern, message)
        if match:
            correlation_id = match.group(1)
            message = message[: match.start()].rstrip()
    return ErrorDetails(code, message, correlation_id, inner)


def _inner_message(error: dict[str, Any], inner: dict[str, Any] | None) -> str | None:
    candidates = [
        (inner or {}).get("message"),
        error.get("@Microsoft.PowerApps.CDS.InnerError.Message"),
    ]
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            return candidate
    return None


def request_id_of(headers: Any) -> str | None:
    """The service's request id header, whichever name this service uses for it."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


_CHALLENGE_PARAM = re.compile(r'([\w-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)')


def www_authenticate_description(headers: Any) -> str | None:
    """``error_description`` (or ``error``) from a Bearer challenge, for bodiless 401s."""
    challenge = headers.get("WWW-Authenticate") or ""
    params = {name.lower(): value.strip('"') for name, value in _CHALLENGE_PARAM.findall(challenge)}
    return params.get("error_description") or params.get("error") or None
