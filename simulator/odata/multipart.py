"""Strict reading and writing of OData ``multipart/mixed`` batch bodies (OData 4.0 part 1, 11.7).

A batch body is a list of items: a single request (``application/http``) or a change set (a nested
``multipart/mixed`` of requests). Real clients send CRLF or LF-only line ends; both are read. Anything
malformed raises :class:`MultipartError` naming the part, so the service answers 400 in its own
error shape and runs nothing.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from email.message import Message
from http import HTTPStatus

METHODS = {"GET", "POST", "PATCH", "PUT", "DELETE"}
_LINE_END = re.compile(rb"\r?\n")
_HEADER = re.compile(r"^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$")
# the URL is everything between the method and the version: Postman bodies carry unencoded spaces
_REQUEST_LINE = re.compile(r"^([A-Z]+) (\S.*?)(?: (HTTP/1\.[01]))?$")


class MultipartError(ValueError):
    """A malformed batch body; the message names the part."""


@dataclass
class BatchRequest:
    """One inner request of a batch."""

    method: str
    url: str  # as written: absolute, root-relative, relative to the service root, or ``$n/...``
    headers: dict[str, str]  # lower-case names
    body: bytes
    content_id: str | None
    where: str  # "part 2" / "change set 1, part 3", for error messages


@dataclass
class ChangeSet:
    requests: list[BatchRequest] = field(default_factory=list)
    where: str = ""


def content_type_param(value: str, name: str) -> str | None:
    """A parameter of a ``Content-Type`` value (``boundary``), unquoted, parsed as RFC 2045 does."""
    message = Message()
    message["content-type"] = value
    param = message.get_param(name)
    return param if isinstance(param, str) and param else None


def media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _split(body: bytes, boundary: str, what: str) -> list[bytes]:
    """The encapsulated parts between ``--boundary`` delimiters; the closing delimiter is required."""
    if len(boundary) > 70 or not re.fullmatch(r"[0-9A-Za-z'()+_,\-./:=? ]*[0-9A-Za-z'()+_,\-./:=?]", boundary):
        raise MultipartError(f"The boundary '{boundary[:80]}' of {what} is not a valid multipart boundary.")
    delimiter = re.compile(rb"(?:^|\r?\n)--" + re.escape(boundary.encode("latin-1")) + rb"(--)?[ \t]*(?=\r?\n|$)")
    marks = list(delimiter.finditer(body))
    if not marks:
        raise MultipartError(f"The body of {what} has no part delimited by its boundary '{boundary}'.")
    parts: list[bytes] = []
    for index, mark in enumerate(marks):
        if mark.group(1):  # the close delimiter; anything after it is the epilogue
            if index == 0:
                raise MultipartError(f"The body of {what} has no part before its closing boundary.")
            return parts
        if index + 1 == len(marks):
            break
        chunk = body[mark.end():marks[index + 1].start()]
        parts.append(_LINE_END.sub(b"", chunk, count=1) if _LINE_END.match(chunk) else chunk)
    raise MultipartError(f"The body of {what} does not end with the closing boundary '--{boundary}--'.")


def _headers(block: bytes, where: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        raise MultipartError(f"The headers of {where} are not valid UTF-8.") from None
    for line in _LINE_END.split(text.encode()):
        line_text = line.decode()
        if not line_text:
            continue
        match = _HEADER.match(line_text)
        if match is None:
            raise MultipartError(f"The header line '{line_text[:100]}' of {where} is not 'Name: value'.")
        headers[match.group(1).lower()] = match.group(2)
    return headers


def _head_and_body(chunk: bytes, where: str) -> tuple[dict[str, str], bytes]:
    """Split a MIME part (or an inner HTTP message) at its first blank line."""
    match = re.search(rb"\r?\n\r?\n", chunk)
    if chunk.startswith((b"\r\n", b"\n")):
        return {}, _LINE_END.sub(b"", chunk, count=1)
    if match is None:
        return _headers(chunk, where), b""
    return _headers(chunk[:match.start()], where), chunk[match.end():]


def _request(chunk: bytes, mime: dict[str, str], where: str) -> BatchRequest:
    encoding = mime.get("content-transfer-encoding", "binary").lower()
    if encoding not in ("binary", "8bit", "7bit"):
        raise MultipartError(f"The Content-Transfer-Encoding '{encoding}' of {where} is not supported; use binary.")
    first, _, rest = chunk.partition(b"\n")
    try:
        line = first.rstrip(b"\r").decode("utf-8").strip()
    except UnicodeDecodeError:
        raise MultipartError(f"The request line of {where} is not valid UTF-8.") from None
    match = _REQUEST_LINE.match(line)
    if match is not None and not match.group(3) and re.search(r" HTTP/\S*$", line):
        raise MultipartError(f"The request line '{line[:200]}' of {where} names an HTTP version other than 1.1.")
    if match is None or match.group(1) not in METHODS:
        raise MultipartError(f"The request line '{line[:200]}' of {where} is not 'METHOD URL HTTP/1.1'.")
    headers, body = _head_and_body(rest, where) if rest else ({}, b"")
    content_id = mime.get("content-id") or headers.get("content-id")
    return BatchRequest(match.group(1), match.group(2), headers, body, content_id, where)


def parse_batch(content_type: str, body: bytes) -> list[BatchRequest | ChangeSet]:
    """Read a ``multipart/mixed`` batch body into requests and change sets (strict; see module doc)."""
    if media_type(content_type) != "multipart/mixed":
        raise MultipartError(f"The batch request must have Content-Type multipart/mixed, not '{content_type[:100]}'.")
    boundary = content_type_param(content_type, "boundary")
    if boundary is None:
        raise MultipartError("The Content-Type of the batch request has no boundary parameter.")
    items: list[BatchRequest | ChangeSet] = []
    for number, chunk in enumerate(_split(body, boundary, "the batch request"), 1):
        where = f"part {number}"
        mime, content = _head_and_body(chunk, where)
        kind = media_type(mime.get("content-type", ""))
        if kind == "application/http":
            items.append(_request(content, mime, where))
        elif kind == "multipart/mixed":
            inner = content_type_param(mime["content-type"], "boundary")
            if inner is None:
                raise MultipartError(f"The change set in {where} has no boundary parameter.")
            changeset = ChangeSet(where=f"change set in {where}")
            for sub, sub_chunk in enumerate(_split(content, inner, f"the change set in {where}"), 1):
                sub_where = f"{where}, change set part {sub}"
                sub_mime, sub_content = _head_and_body(sub_chunk, sub_where)
                sub_kind = media_type(sub_mime.get("content-type", ""))
                if sub_kind == "multipart/mixed":
                    raise MultipartError(f"Change sets cannot be nested ({sub_where}).")
                if sub_kind != "application/http":
                    raise MultipartError(f"The Content-Type of {sub_where} must be application/http, "
                                         f"not '{sub_kind or '(none)'}'.")
                request = _request(sub_content, sub_mime, sub_where)
                if request.method == "GET":
                    raise MultipartError(f"GET requests are not allowed inside a change set ({sub_where}).")
                changeset.requests.append(request)
            ids = [r.content_id for r in changeset.requests if r.content_id]
            if len(ids) != len(set(ids)):
                raise MultipartError(f"The change set in {where} repeats a Content-ID.")
            items.append(changeset)
        else:
            raise MultipartError(f"The Content-Type of {where} must be application/http or multipart/mixed, "
                                 f"not '{kind or '(none)'}'.")
    return items


def count_requests(items: list[BatchRequest | ChangeSet]) -> int:
    return sum(len(i.requests) if isinstance(i, ChangeSet) else 1 for i in items)


# ---------------------------------------------------------------------------- writing responses
@dataclass
class PartResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    content_id: str | None = None


def http_part(response: PartResponse) -> bytes:
    """One ``application/http`` response part (no delimiter)."""
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if response.content_id:
        lines.append(f"Content-ID: {response.content_id}")
    reason = HTTPStatus(response.status).phrase if response.status in HTTPStatus._value2member_map_ else ""
    lines += ["", f"HTTP/1.1 {response.status} {reason}".rstrip()]
    lines += [f"{name}: {value}" for name, value in response.headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + response.body


def new_boundary(kind: str) -> str:
    return f"{kind}_{uuid.uuid4()}"


def multipart(parts: list[bytes], boundary: str) -> bytes:
    """Parts joined with ``--boundary`` delimiters and the closing one (CRLF line ends)."""
    out = b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts)
    return out + f"--{boundary}--\r\n".encode()


def changeset_part(parts: list[bytes], boundary: str) -> bytes:
    return f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n".encode() + multipart(parts, boundary)
