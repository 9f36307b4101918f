"""``$batch`` from the harness: a small builder over :class:`~harness.odata.client.ODataClient`.

Dataverse and Finance & Operations take ``multipart/mixed`` batches (change sets, ``Content-ID``);
Business Central takes the JSON batch format (``requests``/``responses``, ``atomicityGroup``,
``dependsOn``). The builder writes whichever the client's dialect speaks::

    batch = client.batch()
    with batch.changeset() as cs:
        account = cs.post("accounts", {"name": "A"})
        cs.post("contacts", {"lastname": "B", "parentcustomerid_account@odata.bind": account.ref})
    batch.get("accounts", params={"$top": "1"})
    result = batch.send(continue_on_error=True)
    result.parts[0].status, result.parts[0].headers, result.parts[2].json(), result.parts[1].error

Inner URLs are written root-relative (``/api/data/v9.2/accounts``; BC: relative to the API root)
so recordings do not depend on the host. :func:`read_multipart` and :func:`read_multipart_request`
are also what cassette matching uses to compare batches part by part.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from requests.structures import CaseInsensitiveDict

from harness.odata.errors import ErrorDetails, ODataProtocolError, parse_error_body
from harness.odata.query import encode_params

if TYPE_CHECKING:
    from harness.odata.client import ODataClient
    from harness.odata.response import ODataResponse

JSON_BATCH_DIALECTS = {"business_central"}


@dataclass
class BatchOperation:
    method: str
    path: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_id: str = ""
    group: str | None = None  # the change set / atomicity group it belongs to
    depends_on: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        """``$<Content-ID>``: the entity this request creates, for later URLs and ``@odata.bind``."""
        return f"${self.content_id}"


@dataclass
class BatchPart:
    """One inner response."""

    status: int
    headers: CaseInsensitiveDict
    text: str
    content_id: str | None = None
    dialect: Any = None

    @property
    def ok(self) -> bool:
        return self.status < 400

    def json(self) -> Any:
        if not self.text.strip():
            return None
        try:
            return json.loads(self.text)
        except ValueError as exc:
            raise ODataProtocolError(f"batch part {self.content_id or ''} answered {self.status} with a body "
                                     f"that is not JSON: {self.text[:120]!r}") from exc

    @property
    def error(self) -> ErrorDetails | None:
        return parse_error_body(self.text, self.dialect) if self.status >= 400 else None


@dataclass
class BatchResult:
    response: ODataResponse
    parts: list[BatchPart]

    @property
    def status(self) -> int:
        return self.response.status

    @property
    def ok(self) -> bool:
        return self.response.ok and all(p.ok for p in self.parts)

    def by_id(self, content_id: str) -> BatchPart:
        return next(p for p in self.parts if p.content_id == content_id)


class _Requests:
    """The request methods shared by a batch and its change sets."""

    def _add(self, operation: BatchOperation) -> BatchOperation:  # pragma: no cover - overridden
        raise NotImplementedError

    def request(self, method: str, path: str, body: Any = None, *, params: Mapping[str, Any] | None = None,
                headers: Mapping[str, str] | None = None, content_id: str | None = None,
                depends_on: list[str] | None = None) -> BatchOperation:
        if params:
            path = f"{path}{'&' if '?' in path else '?'}{encode_params(params)}"
        return self._add(BatchOperation(method.upper(), path, body, dict(headers or {}), content_id or "",
                                        depends_on=list(depends_on or [])))

    def get(self, path: str, **options: Any) -> BatchOperation:
        return self.request("GET", path, **options)

    def post(self, path: str, body: Any = None, **options: Any) -> BatchOperation:
        return self.request("POST", path, body, **options)

    def patch(self, path: str, body: Any = None, **options: Any) -> BatchOperation:
        return self.request("PATCH", path, body, **options)

    def put(self, path: str, body: Any = None, **options: Any) -> BatchOperation:
        return self.request("PUT", path, body, **options)

    def delete(self, path: str, **options: Any) -> BatchOperation:
        return self.request("DELETE", path, **options)


class ChangeSet(_Requests):
    """Requests that succeed or fail together (a multipart change set, a JSON atomicity group)."""

    def __init__(self, batch: Batch, name: str):
        self.batch = batch
        self.name = name  # the JSON atomicity group; deterministic, so recordings match
        self.boundary = f"changeset_{uuid.uuid4()}"
        self.operations: list[BatchOperation] = []

    def _add(self, operation: BatchOperation) -> BatchOperation:
        if operation.method == "GET":
            raise ValueError("a GET cannot go inside a change set (OData 4.0, 11.7.3)")
        operation.group = self.name
        self.batch._number(operation)
        self.operations.append(operation)
        return operation


class Batch(_Requests):
    """A ``$batch`` being built for one client; :meth:`send` posts it."""

    def __init__(self, client: ODataClient):
        self.client = client
        self.items: list[BatchOperation | ChangeSet] = []
        self._count = 0

    @property
    def json_format(self) -> bool:
        return self.client.dialect.name in JSON_BATCH_DIALECTS

    def _number(self, operation: BatchOperation) -> None:
        self._count += 1
        operation.content_id = operation.content_id or str(self._count)

    def _add(self, operation: BatchOperation) -> BatchOperation:
        self._number(operation)
        self.items.append(operation)
        return operation

    @contextmanager
    def changeset(self) -> Iterator[ChangeSet]:
        changeset = ChangeSet(self, f"g{sum(isinstance(i, ChangeSet) for i in self.items) + 1}")
        self.items.append(changeset)
        yield changeset

    def operations(self) -> list[BatchOperation]:
        return [op for item in self.items for op in (item.operations if isinstance(item, ChangeSet) else [item])]

    # ------------------------------------------------------------------ wire format
    def inner_url(self, path: str) -> str:
        """Root-relative (multipart) or API-root-relative (JSON) URL, query re-encoded as the client does."""
        if path.startswith("$"):
            return path
        url = self.client.url_for(path)
        if self.json_format:
            return url[len(self.client.api_root):].lstrip("/")
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def encode(self) -> tuple[str, bytes]:
        """(Content-Type, body) of the batch request."""
        if self.json_format:
            requests = []
            for op in self.operations():
                entry: dict[str, Any] = {"id": op.content_id, "method": op.method, "url": self.inner_url(op.path)}
                headers = dict(op.headers)
                if op.body is not None:
                    headers.setdefault("Content-Type", "application/json")
                    entry["body"] = op.body
                if headers:
                    entry["headers"] = headers
                if op.group:
                    entry["atomicityGroup"] = op.group
                if op.depends_on:
                    entry["dependsOn"] = op.depends_on
                requests.append(entry)
            return "application/json", json.dumps({"requests": requests}).encode()
        boundary = f"batch_{uuid.uuid4()}"
        parts = []
        for item in self.items:
            if isinstance(item, ChangeSet):
                inner = [self._http(op, with_id=True) for op in item.operations]
                parts.append(f"Content-Type: multipart/mixed; boundary={item.boundary}\r\n\r\n"
                             + _join(inner, item.boundary))
            else:
                parts.append(self._http(item, with_id=False))
        return f"multipart/mixed; boundary={boundary}", _join(parts, boundary).encode()

    def _http(self, op: BatchOperation, with_id: bool) -> str:
        lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
        if with_id:
            lines.append(f"Content-ID: {op.content_id}")
        lines += ["", f"{op.method} {self.inner_url(op.path)} HTTP/1.1"]
        headers = {"Accept": "application/json", **op.headers}
        if op.body is not None:
            headers.setdefault("Content-Type", "application/json; type=entry")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        body = "" if op.body is None else json.dumps(op.body, ensure_ascii=False)
        return "\r\n".join(lines) + "\r\n\r\n" + body

    # ------------------------------------------------------------------ sending
    def send(self, *, continue_on_error: bool = False, isolation: str | None = None,
             raise_for_status: bool = False) -> BatchResult:
        """Post the batch; returns the per-part responses (in request order)."""
        content_type, body = self.encode()
        headers = {"Content-Type": content_type}
        if continue_on_error:
            headers["Prefer"] = "odata.continue-on-error"
        if isolation:
            headers["Isolation"] = isolation
        response = self.client.request("POST", "$batch", data=body, headers=headers,
                                       raise_for_status=raise_for_status, validate=False, retry=False)
        return BatchResult(response, read_response(response, self.client.dialect))


def _join(parts: list[str], boundary: str) -> str:
    return "".join(f"--{boundary}\r\n{part}\r\n" for part in parts) + f"--{boundary}--\r\n"


# ---------------------------------------------------------------------------- reading
def read_response(response: ODataResponse, dialect: Any = None) -> list[BatchPart]:
    """The inner responses of a batch response (multipart or JSON); [] when it is an error body."""
    content_type = response.headers.get("Content-Type", "")
    if content_type.lower().startswith("multipart/"):
        return [BatchPart(p["status"], CaseInsensitiveDict(p["headers"]), p["body"], p.get("content_id"), dialect)
                for p in read_multipart(content_type, response.content, responses=True)]
    document = response.json() if response.text.strip() else None
    if isinstance(document, dict) and isinstance(document.get("responses"), list):
        parts = []
        for entry in document["responses"]:
            body = entry.get("body")
            text = "" if body is None else (body if isinstance(body, str) else json.dumps(body))
            parts.append(BatchPart(int(entry.get("status", 0)), CaseInsensitiveDict(entry.get("headers") or {}),
                                   text, str(entry.get("id")), dialect))
        return parts
    return []


def read_multipart(content_type: str, body: bytes, *, responses: bool) -> list[dict[str, Any]]:
    """Inner messages of a multipart batch, change sets flattened, in order.

    Each is ``{"status"|"method","url", "headers", "body", "content_id", "changeset"}`` where
    ``changeset`` numbers the change set (``None`` outside one). Raises ``ValueError`` when the body
    is not multipart.

    Parsed with the ``compat32`` policy (header values stay plain strings): the modern policies
    parse every header through ``email.headerregistry``, which made a 1,000-part batch take ~0.4 s
    to read (~17x longer) and dominated cassette replay of large batches; every value read here is
    a plain string either way (``tests/unit/test_odata_batch_reading.py``).
    """
    message = email.message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body,
                                       _class=email.message.EmailMessage, policy=email.policy.compat32)
    if not message.is_multipart():
        raise ValueError("not a multipart body")
    out: list[dict[str, Any]] = []
    changesets = 0

    def walk(container: Any, changeset: int | None) -> None:
        nonlocal changesets
        for part in container.iter_parts():
            if part.get_content_type().startswith("multipart/"):
                changesets += 1
                walk(part, changesets)
                continue
            raw = part.get_payload(decode=True) or b""
            head, _, content = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
            lines = head.decode("utf-8", "replace").split("\n")
            first = lines[0].split(" ")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip():
                    headers[name.strip().lower()] = value.strip()
            content_id = part.get("Content-ID") or headers.get("content-id")
            entry: dict[str, Any] = {"headers": headers, "body": content.decode("utf-8", "replace").rstrip("\n"),
                                     "content_id": None if content_id is None else str(content_id).strip(),
                                     "changeset": changeset}
            if responses:
                entry["status"] = int(first[1]) if len(first) > 1 and first[1].isdigit() else 0
            else:
                entry["method"] = first[0]
                entry["url"] = first[1] if len(first) > 1 else ""
            out.append(entry)

    walk(message, None)
    return out
