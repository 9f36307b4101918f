"""The blob container F&O's package API hands out URLs for (``GetAzureWriteUrl``, exported packages).

Real URLs point at ``https://<id>.blob.core.windows.net/dmf/<name>?<SAS>``; the simulator serves the
container itself under ``{fno_url}/_blob/dmf/<name>`` with a shared access signature in the query
(``sv``, ``se`` expiry, ``sp`` permissions, ``sig``), so a client PUTs and GETs packages exactly as it
would against Azure Storage: ``PUT`` needs ``x-ms-blob-type: BlockBlob`` (201), a wrong or expired
signature is 403 ``AuthenticationFailed``, a missing blob 404 ``BlobNotFound``, all in Azure's XML
error shape.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import threading
import uuid
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import Response

PREFIX = "/_blob/dmf/"
SAS_VERSION = "2018-03-28"
MAX_BLOB_BYTES = 256 * 1024 * 1024


@dataclass
class Blob:
    data: bytes
    content_type: str
    etag: str
    modified: dt.datetime


class BlobContainer:
    """In-memory blobs plus the key that signs their SAS URLs (thread-safe)."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._blobs: dict[str, Blob] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ SAS
    def _signature(self, name: str, permissions: str, expiry: str) -> str:
        message = f"{name}\n{permissions}\n{expiry}\n{SAS_VERSION}".encode()
        return base64.b64encode(hmac.new(self._key, message, hashlib.sha256).digest()).decode()

    def url(self, base_url: str, name: str, permissions: str, lifetime: dt.timedelta) -> str:
        """An absolute SAS URL for ``name`` (``permissions``: ``r``, ``rw``)."""
        expiry = (dt.datetime.now(dt.UTC) + lifetime).strftime("%Y-%m-%dT%H:%M:%SZ")
        query = urlencode({"sv": SAS_VERSION, "sr": "b", "sp": permissions, "se": expiry,
                           "sig": self._signature(name, permissions, expiry)})
        return f"{base_url.rstrip('/')}{PREFIX}{quote(name)}?{query}"

    def name_of(self, url: str) -> str | None:
        """The blob a URL of this container names (None for any other URL)."""
        path = urlsplit(url or "").path
        if not path.startswith(PREFIX):
            return None
        from urllib.parse import unquote
        return unquote(path[len(PREFIX):]) or None

    def check(self, name: str, params, needed: str) -> tuple[int, str, str] | None:
        """None when the SAS grants ``needed`` on ``name``; else (status, code, message)."""
        sig, expiry, permissions = params.get("sig", ""), params.get("se", ""), params.get("sp", "")
        if not sig or not hmac.compare_digest(sig, self._signature(name, permissions, expiry)):
            return 403, "AuthenticationFailed", ("Server failed to authenticate the request. Make sure the value "
                                                 "of Authorization header is formed correctly including the "
                                                 "signature.")
        try:
            expires = dt.datetime.strptime(expiry, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        except ValueError:
            expires = dt.datetime.min.replace(tzinfo=dt.UTC)
        if expires < dt.datetime.now(dt.UTC):
            return 403, "AuthenticationFailed", "Signed expiry time has to be after signed start time"
        if needed not in permissions:
            return 403, "AuthorizationPermissionMismatch", ("This request is not authorized to perform this "
                                                            "operation using this permission.")
        return None

    # ------------------------------------------------------------------ contents
    def put(self, name: str, data: bytes, content_type: str = "application/octet-stream") -> Blob:
        blob = Blob(data, content_type, f'"0x{uuid.uuid4().hex[:15].upper()}"', dt.datetime.now(dt.UTC))
        with self._lock:
            self._blobs[name] = blob
        return blob

    def get(self, name: str) -> Blob | None:
        with self._lock:
            return self._blobs.get(name)


def _error(status: int, code: str, message: str) -> Response:
    request_id = str(uuid.uuid4())
    body = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code><Message>{message}\n'
            f"RequestId:{request_id}\nTime:{dt.datetime.now(dt.UTC).isoformat()}</Message></Error>")
    return Response(body.encode(), status_code=status, media_type="application/xml",
                    headers={"x-ms-request-id": request_id, "x-ms-version": SAS_VERSION, "x-ms-error-code": code})


def _headers(blob: Blob) -> dict[str, str]:
    return {"ETag": blob.etag, "Last-Modified": blob.modified.strftime("%a, %d %b %Y %H:%M:%S GMT"),
            "x-ms-version": SAS_VERSION, "x-ms-request-id": str(uuid.uuid4())}


async def serve(container: BlobContainer, request: Request) -> Response:
    """``PUT``/``GET``/``HEAD`` one blob with a SAS, as Azure Blob Storage answers them."""
    name = container.name_of(str(request.url))
    if name is None:
        return _error(400, "InvalidUri", "The requested URI does not represent any resource on the server.")
    if request.method not in ("PUT", "GET", "HEAD"):
        return _error(405, "UnsupportedHttpVerb", "The resource doesn't support specified Http Verb.")
    denied = container.check(name, request.query_params, "w" if request.method == "PUT" else "r")
    if denied:
        return _error(*denied)
    if request.method == "PUT":
        if request.headers.get("x-ms-blob-type") != "BlockBlob":
            return _error(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not "
                                                        "specified.")
        data = await request.body()
        if len(data) > MAX_BLOB_BYTES:
            return _error(413, "RequestBodyTooLarge", "The request body is too large and exceeds the maximum "
                                                      "permissible limit.")
        blob = container.put(name, data, request.headers.get("content-type", "application/octet-stream"))
        headers = _headers(blob) | {"Content-MD5": base64.b64encode(hashlib.md5(data).digest()).decode(),
                                    "x-ms-request-server-encrypted": "true"}
        return Response(b"", status_code=201, headers=headers)
    blob = container.get(name)
    if blob is None:
        return _error(404, "BlobNotFound", "The specified blob does not exist.")
    headers = _headers(blob) | {"x-ms-blob-type": "BlockBlob", "Accept-Ranges": "bytes"}
    body = b"" if request.method == "HEAD" else blob.data
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(blob.data))
    return Response(body, status_code=200, media_type=blob.content_type, headers=headers)
