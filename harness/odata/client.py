"""The OData client the test suites and the Postman runner use to talk to one Dynamics service.

One :class:`ODataClient` wraps one API root (``{org}/api/data/v9.2``, ``{fo}/data``, a BC
``.../api/v2.0``) and one :class:`~harness.odata.dialects.Dialect`. It sends the OData headers,
turns error statuses into :class:`~harness.odata.errors.ODataError`, follows ``@odata.nextLink``
and reports every record it creates to an ``on_created`` callback so test fixtures can clean up.
Authentication is any ``requests.auth.AuthBase``; the client never sees a token itself.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import requests
from requests.auth import AuthBase

from harness.http import new_session
from harness.naming import TAG_RE
from harness.odata.batch import Batch
from harness.odata.dialects import Dialect
from harness.odata.errors import (
    ODataConnectionError,
    ODataError,
    ODataProtocolError,
    ODataUrlError,
    parse_error_body,
    redact_url,
    request_id_of,
    www_authenticate_description,
)
from harness.odata.etags import ANY, etag_of, if_none_match
from harness.odata.etags import if_match as if_match_header
from harness.odata.filters import contains, eq
from harness.odata.impersonation import caller_headers
from harness.odata.keys import EntityRef, Key, as_guid, entity_path
from harness.odata.literals import GUID_RE, EnumValue, format_datetime
from harness.odata.operations import NO_KEY, function_path, operation_path, result_value
from harness.odata.paths import split_url, validate_path
from harness.odata.prefer import prefer
from harness.odata.query import Query, encode_params, normalize_query
from harness.odata.response import ODataResponse, Page
from harness.odata.retry import Probe, Retrier, RetriesExhausted, RetryPolicy, RetryStats, parse_retry_after
from harness.odata.throttle import RateLimiter

log = logging.getLogger(__name__)

ODATA_HEADERS = {
    "OData-MaxVersion": "4.0",
    "OData-Version": "4.0",
    "Accept": "application/json",
}
JSON_CONTENT_TYPE = "application/json; charset=utf-8"

CreatedCallback = Callable[[str, Key], None]
Params = Query | Mapping[str, Any] | None
_NO_KEY: Any = object()


class UnknownCreatedKeyWarning(UserWarning):
    """A create succeeded but the client could not tell the new record's key (it won't be cleaned up)."""


def _json_default(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, EnumValue):
        return value.member
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dump_json(body: Any) -> bytes:
    """The UTF-8 JSON request body (UUIDs, datetimes, Decimals and enums converted)."""
    return json.dumps(body, default=_json_default, ensure_ascii=False).encode("utf-8")


class ODataClient:
    """Talk OData v4 to one service root with one dialect.

    ``on_created(entity_set, key)`` is called after every create (and every upsert known to have
    created); ``entity_keys`` maps an entity set to its key properties, for services (F&O) whose
    create response names the key only in the body.
    """

    def __init__(self, api_root: str, dialect: Dialect, session: requests.Session | None = None,
                 auth: AuthBase | None = None, timeout: float = 30, *,
                 on_created: CreatedCallback | None = None,
                 entity_keys: Mapping[str, Sequence[str]] | None = None,
                 retry: RetryPolicy | bool | None = None, retry_stats: RetryStats | None = None,
                 throttle: RateLimiter | None = None, caller_id: str | None = None,
                 caller_object_id: str | None = None):
        parts = urlsplit(api_root)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ODataUrlError("the API root must be an absolute http(s) URL", api_root)
        self.api_root = api_root.rstrip("/")
        self.dialect = dialect
        self.session = session or new_session()
        self._owns_session = session is None
        self.auth = auth
        self.timeout = timeout
        self.on_created = on_created
        self.entity_keys = dict(entity_keys or {})
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._root_path = parts.path.rstrip("/")
        #: Retries of transient failures (off unless given; see harness/odata/retry.py for the rules).
        self.retry: RetryPolicy | None = RetryPolicy() if retry is True else (retry or None)
        self.retry_stats = retry_stats or RetryStats()
        #: Client-side rate limit shared with other clients of the same target (harness/odata/throttle.py).
        self.throttle = throttle
        #: Dataverse impersonation: every request runs as this user (harness/odata/impersonation.py).
        self.caller_headers = caller_headers(caller_id, caller_object_id)

    # ------------------------------------------------------------------ plumbing
    def __repr__(self) -> str:
        return f"ODataClient({redact_url(self.api_root)!r}, {self.dialect!r})"

    def __enter__(self) -> ODataClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    def batch(self) -> Batch:
        """A ``$batch`` builder for this service (multipart, or JSON for Business Central)."""
        return Batch(self)

    def url_for(self, path: str, params: Params = None, *, validate: bool = True) -> str:
        """The absolute URL of ``path`` (relative to the API root, root-relative or absolute).

        Relative paths are checked for malformed keys, quotes and parentheses, and a query written
        into them is re-encoded (:func:`~harness.odata.query.normalize_query`); ``validate=False``
        sends them exactly as written. Absolute URLs (``@odata.nextLink``) are never changed.
        """
        if path.startswith(("http://", "https://")):
            url = path
        else:
            resource, query = split_url(path)
            if validate:
                validate_path(unquote(resource.lstrip("/")), self.dialect)
            if resource.startswith("/") and (resource == self._root_path
                                             or resource.startswith(self._root_path + "/")):
                url = self._origin + resource
            else:
                url = f"{self.api_root}/{resource.lstrip('/')}"
            if query:
                url = f"{url}?{normalize_query(query) if validate else query}"
        extra = params.to_query_string() if isinstance(params, Query) else encode_params(params)
        if extra:
            url = f"{url}{'&' if '?' in url else '?'}{extra}"
        return url

    def request(self, method: str, path: str, *, params: Params = None, body: Any = None,
                data: bytes | str | None = None, headers: Mapping[str, str | None] | None = None,
                raise_for_status: bool = True, expect_error: bool = False,
                validate: bool = True, retry: RetryPolicy | bool | None = None,
                probe: Probe | None = None) -> ODataResponse:
        """Send one request; error statuses raise :class:`ODataError` unless
        ``raise_for_status=False`` (or its alias ``expect_error=True``) is given.

        ``retry`` overrides the client's policy for this call (``False``: no retries); ``probe``
        lets a POST be retried after a lost response (it tells whether the record exists).
        """
        url = self.url_for(path, params, validate=validate)
        merged: dict[str, str | None] = dict(ODATA_HEADERS) | self.caller_headers
        if body is not None:
            data = dump_json(body)
            merged["Content-Type"] = JSON_CONTENT_TYPE
        merged.update(headers or {})
        try:
            raw, found = self._send(method.upper(), url, data, merged, retry, probe)
            if found is not None:  # the work was already done (see Retrier.run)
                return found if isinstance(found, ODataResponse) else ODataResponse(found, self.dialect)
        except RetriesExhausted as exc:
            raise ODataConnectionError(f"{method.upper()} {redact_url(url)}: {_transport_problem(exc.error, self.timeout)}"
                                       f"; {exc.verdict}") from exc.error
        except requests.Timeout as exc:
            raise ODataConnectionError(f"{method.upper()} {redact_url(url)} timed out after "
                                       f"{self.timeout:g} s") from exc
        except requests.ConnectionError as exc:
            raise ODataConnectionError(f"cannot reach {redact_url(url)}: {type(exc).__name__}") from exc
        response = ODataResponse(raw, self.dialect)
        log.debug("%s %s -> %s", method.upper(), redact_url(url), response.status)
        if response.status >= 400 and raise_for_status and not expect_error:
            raise self.error_for(response)
        return response

    def _send(self, method: str, url: str, data: bytes | str | None, headers: dict[str, str | None],
              retry: RetryPolicy | bool | None, probe: Probe | None) -> tuple[requests.Response, Any]:
        """One logical request: through the rate limiter, with retries when a policy applies."""
        def send_once() -> requests.Response:
            with self.throttle.slot() if self.throttle is not None else contextlib.nullcontext():
                return self.session.request(method, url, data=data, headers=headers, auth=self.auth,
                                            timeout=self.timeout, allow_redirects=False)

        policy = self.retry if retry is None else (RetryPolicy() if retry is True else (retry or None))
        if policy is None:
            raw = send_once()
            if raw.status_code == 429 and self.throttle is not None:
                self.throttle.pause(parse_retry_after(raw.headers.get("Retry-After")) or 1.0)
            return raw, None
        retrier = Retrier(policy, self.retry_stats,
                          on_throttled=self.throttle.pause if self.throttle is not None else None)
        return retrier.run(send_once, method=method, url=url, headers=headers, probe=probe)

    def error_for(self, response: ODataResponse) -> ODataError:
        """The :class:`ODataError` describing an error response."""
        details = parse_error_body(response.text, self.dialect)
        message = (details.message or www_authenticate_description(response.headers)
                   or response.raw.reason or f"HTTP {response.status}")
        return ODataError(response.status, details.code, message, response.method, response.url,
                          request_id=request_id_of(response.headers) or details.correlation_id,
                          correlation_id=details.correlation_id, inner=details.inner,
                          body=response.text, response=response)

    def get(self, path: str, params: Params = None, headers: Mapping[str, str | None] | None = None,
            **options: Any) -> ODataResponse:
        return self.request("GET", path, params=params, headers=headers, **options)

    def post(self, path: str, body: Any = None, *, params: Params = None,
             headers: Mapping[str, str | None] | None = None, **options: Any) -> ODataResponse:
        return self.request("POST", path, params=params, body=body, headers=headers, **options)

    def patch(self, path: str, body: Any = None, *, params: Params = None,
              headers: Mapping[str, str | None] | None = None, **options: Any) -> ODataResponse:
        return self.request("PATCH", path, params=params, body=body, headers=headers, **options)

    def put(self, path: str, body: Any = None, *, params: Params = None,
            headers: Mapping[str, str | None] | None = None, **options: Any) -> ODataResponse:
        return self.request("PUT", path, params=params, body=body, headers=headers, **options)

    def delete(self, path: str, key: Key = _NO_KEY, *, if_match: Any = None,
               headers: Mapping[str, str | None] | None = None, **options: Any) -> ODataResponse:
        """DELETE ``path``, or the record ``key`` of entity set ``path`` when a key is given.

        Deleting by key sends ``If-Match: *`` on services that require the header (BC) unless an
        ETag (or an entity carrying one) is passed as ``if_match``.
        """
        merged = dict(headers or {})
        if key is not _NO_KEY:
            path = entity_path(path, key, self.dialect)
            if if_match is None and self.dialect.requires_if_match:
                if_match = ANY
        if if_match is not None:
            merged.update(if_match_header(if_match))
        return self.request("DELETE", path, headers=merged, **options)

    # ------------------------------------------------------------------ records
    def create(self, entity_set: str, body: Mapping[str, Any], return_representation: bool = False, *,
               select: str | Sequence[str] | None = None, expand: Any = None,
               headers: Mapping[str, str | None] | None = None,
               key_fields: Sequence[str] | None = None, unique_field: str | None = None,
               **options: Any) -> ODataResponse:
        """POST a new record; ``response.created`` holds its ``(entity_set, key)``.

        With retries on, a create whose response was lost is re-sent only after a read shows the
        record is not there: by its key when the body carries one (a client-generated Dataverse id,
        an F&O natural key) or by ``unique_field`` (a property whose value in ``body`` is unique,
        e.g. a run-tagged name; without one, a body value carrying a run tag is used). The read
        compares the value exactly (the services compare strings case-insensitively). If the read
        finds it, that read (200, the record) is returned.
        """
        merged = dict(headers or {})
        preference = prefer(return_representation=True) if return_representation else None
        if preference:
            merged["Prefer"] = preference
        params = Query(select=select, expand=expand) if (select or expand) else None
        if "probe" not in options:
            options["probe"] = self._create_probe(entity_set, body, key_fields, unique_field)
        response = self.request("POST", entity_set, params=params, body=body, headers=merged, **options)
        if response.ok:
            self._record_created(entity_set, response, key_fields, certain=True)
        return response

    def _create_probe(self, entity_set: str, body: Mapping[str, Any], key_fields: Sequence[str] | None,
                      unique_field: str | None) -> Probe | None:
        """A read that tells whether the record ``body`` describes already exists (see :meth:`create`).

        The read addresses the same parent as the create (BC ``companies(<id>)/customers``).
        """
        if not isinstance(body, Mapping):
            return None
        path, set_name = _collection_path(entity_set)
        fields = list(key_fields or self.entity_keys.get(set_name) or ())
        if not fields and self.dialect.key_named_after_entity_set:
            fields = [name for name in _primary_key_guesses(set_name) if name in body][:1]
        if fields and all(body.get(name) is not None for name in fields):
            key: Any = {name: body[name] for name in fields} if len(fields) > 1 else body[fields[0]]
            if isinstance(key, str) and GUID_RE.match(key) and self.dialect.guid_primary_key:
                key = as_guid(key)
            return lambda: self._probe_key(path, key)
        if unique_field is None:
            unique_field = next((name for name, value in body.items()
                                 if isinstance(value, str) and TAG_RE.search(value) and "@" not in name), None)
        if unique_field and body.get(unique_field) is not None:
            return lambda: self._probe_unique(path, unique_field, body[unique_field])
        return None

    def _probe_key(self, entity_set: str, key: Key) -> ODataResponse | None:
        found = self.retrieve(entity_set, key, raise_for_status=False)
        if found.status == 404 and self.dialect.all_companies:  # F&O: maybe in another legal entity
            found = self.retrieve(entity_set, key, query=Query(extra=dict(self.dialect.all_companies)),
                                  raise_for_status=False)
        if found.status == 404:
            return None
        if not found.ok:
            raise self.error_for(found)
        return found

    def _probe_unique(self, entity_set: str, name: str, value: Any) -> ODataResponse | None:
        """The record whose ``name`` is exactly ``value``, found through its run tag when it has one.

        ``eq`` on the service compares strings case-insensitively, so another record whose value
        differs only in case would make the answer ambiguous; the rows are compared exactly here.
        """
        tag = TAG_RE.search(value) if isinstance(value, str) else None
        condition = contains(name, tag.group(0)) if tag else eq(name, value)
        search = Query(filter=condition, top=50, extra=dict(self.dialect.all_companies))
        rows = [row for row in self.query(entity_set, search).value if row.get(name) == value]
        if not rows or (len(rows) > 1 and not tag):
            return None  # absent (or ambiguous and not ours: re-sending is the caller's risk, as without retries)
        row = rows[0]  # several exact copies of a run-tagged value: the create has landed already
        set_name = _collection_path(entity_set)[1]
        fields = list(self.entity_keys.get(set_name) or self.dialect.body_key_fields)
        if not fields and self.dialect.key_named_after_entity_set:
            fields = [k for k in _primary_key_guesses(set_name) if k in row][:1]
        if not fields or any(row.get(k) is None for k in fields):
            return None
        key: Any = {k: row[k] for k in fields} if len(fields) > 1 else row[fields[0]]
        if isinstance(key, str) and GUID_RE.match(key) and (self.dialect.guid_primary_key
                                                          or self.dialect.bare_guid_strings):
            key = as_guid(key)
        return self._probe_key(entity_set, key)

    def retrieve(self, entity_set: str, key: Key, select: str | Sequence[str] | None = None,
                 expand: Any = None, *, query: Query | None = None,
                 headers: Mapping[str, str | None] | None = None, **options: Any) -> ODataResponse:
        """GET one record by key (``response.json()`` is the entity)."""
        query = (query or Query()).replace(**{k: v for k, v in (("select", select), ("expand", expand))
                                              if v is not None})
        return self.get(entity_path(entity_set, key, self.dialect), query, headers, **options)

    def update(self, entity_set: str, key: Key, body: Mapping[str, Any], if_match: Any = None,
               upsert: bool = True, return_representation: bool = False, *, create_only: bool = False,
               select: str | Sequence[str] | None = None,
               headers: Mapping[str, str | None] | None = None, **options: Any) -> ODataResponse:
        """PATCH a record.

        ``if_match`` (an ETag, an entity or a response) makes it conditional; ``upsert=False`` sends
        ``If-Match: *`` so a missing record gives 404 instead of being created; ``create_only=True``
        sends ``If-None-Match: *`` so an existing record gives 412. Services that require
        ``If-Match`` (BC) get ``*`` when nothing else is given.
        """
        merged = dict(headers or {})
        if create_only:
            merged.update(if_none_match(ANY))
        elif if_match is not None:
            merged.update(if_match_header(if_match))
        elif not upsert or self.dialect.requires_if_match:
            merged.update(if_match_header(ANY))
        if return_representation:
            merged["Prefer"] = prefer(return_representation=True) or ""
        params = Query(select=select) if select else None
        response = self.request("PATCH", entity_path(entity_set, key, self.dialect), params=params,
                                body=body, headers=merged, **options)
        if response.ok and (response.status == 201 or create_only):
            self._record_created(entity_set, response, None, certain=True, fallback_key=key)
        return response

    def upsert(self, entity_set: str, key: Key, body: Mapping[str, Any], return_representation: bool = False,
               *, create_only: bool = False, **options: Any) -> ODataResponse:
        """PATCH that creates the record when the key is new.

        Dataverse answers 204 both when it created and when it updated, so ``on_created`` only fires
        for a 201 or with ``create_only=True`` (``If-None-Match: *``), never for a possible update
        of a record the test did not create.
        """
        return self.update(entity_set, key, body, upsert=True, return_representation=return_representation,
                           create_only=create_only, **options)

    def _record_created(self, entity_set: str, response: ODataResponse, key_fields: Sequence[str] | None,
                        *, certain: bool, fallback_key: Key = _NO_KEY) -> None:
        try:
            ref = response.entity_ref()
        except ODataUrlError as exc:
            raise ODataProtocolError(f"{response.method} {redact_url(response.url)}: the service named the "
                                     f"new record with an unreadable URL ({exc.problem})") from exc
        if ref is None:
            ref = self._ref_from_body(entity_set, response, key_fields)
        if ref is None and fallback_key is not _NO_KEY:
            ref = EntityRef(entity_set, fallback_key)
        if ref is not None:
            ref = _under_parent(entity_set, ref)
        response.created = ref
        if self.on_created is None or not certain:
            return
        if ref is None:
            warnings.warn(UnknownCreatedKeyWarning(
                f"created a record in {entity_set} but cannot tell its key; pass key_fields= or "
                "entity_keys= so it can be cleaned up"), stacklevel=3)
            return
        self.on_created(ref.entity_set, ref.key)

    def _ref_from_body(self, entity_set: str, response: ODataResponse,
                       key_fields: Sequence[str] | None) -> EntityRef | None:
        try:
            body = response.json()
        except ODataProtocolError:
            return None
        if not isinstance(body, dict):
            return None
        set_name = entity_set.rsplit("/", 1)[-1].split("(", 1)[0]
        fields = list(key_fields or self.entity_keys.get(set_name) or self.dialect.body_key_fields)
        if not fields and self.dialect.key_named_after_entity_set:
            fields = [name for name in _primary_key_guesses(set_name) if name in body][:1]
        if not fields or any(body.get(name) is None for name in fields):
            return None
        if len(fields) == 1:
            value = body[fields[0]]
            if isinstance(value, str) and GUID_RE.match(value) and (
                    self.dialect.guid_primary_key or self.dialect.bare_guid_strings):
                value = as_guid(value)
            return EntityRef(set_name, value)
        return EntityRef(set_name, {name: body[name] for name in fields})

    # ------------------------------------------------------------------ collections
    def _collection_headers(self, maxpagesize: int | None, include_annotations: Any,
                            headers: Mapping[str, str | None] | None) -> dict[str, str | None]:
        merged = dict(headers or {})
        preference = prefer(maxpagesize=maxpagesize, include_annotations=include_annotations)
        if preference:
            merged["Prefer"] = preference
        return merged

    def query(self, entity_set: str, query: Query | None = None, *, maxpagesize: int | None = None,
              include_annotations: Any = None, headers: Mapping[str, str | None] | None = None,
              **options: Any) -> Page:
        """The first page of ``entity_set`` filtered/sorted by ``query``."""
        query = query or Query()
        query.check(self.dialect)
        merged = self._collection_headers(maxpagesize, include_annotations, headers)
        return Page.from_response(self.get(entity_set, query, merged, **options))

    def iter_pages(self, entity_set: str, query: Query | None = None, *, maxpagesize: int | None = None,
                   include_annotations: Any = None, headers: Mapping[str, str | None] | None = None,
                   max_pages: int | None = None) -> Iterator[Page]:
        """Every page, following ``@odata.nextLink`` unchanged with the same ``Prefer`` header."""
        merged = self._collection_headers(maxpagesize, include_annotations, headers)
        page = self.query(entity_set, query, headers=merged)
        seen: set[str] = set()
        pages = 0
        while True:
            yield page
            pages += 1
            if not page.next_link or (max_pages is not None and pages >= max_pages):
                return
            link = self._checked_next_link(page)
            if link in seen:
                raise ODataProtocolError(f"paging loops: {redact_url(link)} was already followed")
            seen.add(link)
            page = Page.from_response(self.get(link, headers=merged))

    def _checked_next_link(self, page: Page) -> str:
        link = urljoin(page.response.url, page.next_link or "")
        parts = urlsplit(link)
        if f"{parts.scheme}://{parts.netloc}" != self._origin:
            # Following it would hand the credentials to another host.
            raise ODataProtocolError(f"@odata.nextLink points to another host: {redact_url(link)}")
        return link

    def iter_all(self, entity_set: str, query: Query | None = None, **options: Any) -> Iterator[Any]:
        """Every row of every page."""
        for page in self.iter_pages(entity_set, query, **options):
            yield from page.value

    def count(self, entity_set: str, query: Query | None = None,
              headers: Mapping[str, str | None] | None = None, **options: Any) -> int:
        """``GET {entity_set}/$count`` as an int (the BOM Dataverse puts before it is ignored)."""
        merged: dict[str, str | None] = {"Accept": "text/plain"} | dict(headers or {})
        response = self.get(f"{entity_set}/$count", query, merged, **options)
        text = response.text.strip()
        try:
            return int(text)
        except ValueError:
            raise ODataProtocolError(f"GET {redact_url(response.url)} returned {text[:80]!r}, "
                                     "not an integer count") from None

    def whoami(self, **options: Any) -> dict[str, Any]:
        """Dataverse ``WhoAmI``: ``{"UserId", "BusinessUnitId", "OrganizationId"}``."""
        if not self.dialect.whoami_path:
            raise ValueError(f"{self.dialect.name} has no WhoAmI function")
        body = self.get(self.dialect.whoami_path, **options).json()
        if not isinstance(body, dict) or "UserId" not in body:
            raise ODataProtocolError("WhoAmI did not return a UserId")
        return body

    # ------------------------------------------------------------------ Dataverse query surface
    def fetch_xml(self, entity_set: str, fetch: str, **options: Any) -> list[Any]:
        """Rows of a FetchXML query, every page followed by its paging cookie (harness/odata/fetchxml.py)."""
        from harness.odata.fetchxml import fetch_xml
        return fetch_xml(self, entity_set, fetch, **options)

    def iter_fetch_pages(self, entity_set: str, fetch: str, **options: Any) -> Iterator[Any]:
        """FetchXML pages one by one (``FetchPage``: rows, ``more_records``, decoded cookie)."""
        from harness.odata.fetchxml import iter_fetch_pages
        return iter_fetch_pages(self, entity_set, fetch, **options)

    def track_changes(self, entity_set: str, query: Query | None = None, **options: Any) -> Any:
        """First read with ``Prefer: odata.track-changes`` (harness/odata/change_tracking.py)."""
        from harness.odata.change_tracking import track_changes
        return track_changes(self, entity_set, query, **options)

    def changes_since(self, delta_link: str, **options: Any) -> Any:
        """Rows changed and ids deleted since a delta link."""
        from harness.odata.change_tracking import changes_since
        return changes_since(self, delta_link, **options)

    def action(self, name: str, parameters: Mapping[str, Any] | None = None, *, entity_set: str | None = None,
               key: Key = NO_KEY, if_match: Any = None, **options: Any) -> ODataResponse:
        """POST an action (see :mod:`harness.odata.operations`); bound when ``entity_set`` (and ``key``) is given.

        On services that require ``If-Match`` (BC), entity-bound actions send ``If-Match: *`` unless
        an ETag is given.
        """
        headers = dict(options.pop("headers", None) or {})
        if if_match is None and key is not NO_KEY and self.dialect.requires_if_match:
            if_match = ANY
        if if_match is not None:
            headers.update(if_match_header(if_match))
        path = operation_path(name, self.dialect, entity_set, key)
        return self.request("POST", path, body=dict(parameters or {}), headers=headers, **options)

    def function(self, name: str, parameters: Mapping[str, Any] | None = None, *, entity_set: str | None = None,
                 key: Key = NO_KEY, **options: Any) -> ODataResponse:
        """GET a function with its parameters as URL literals; bound when ``entity_set`` is given."""
        return self.request("GET", function_path(name, self.dialect, parameters, entity_set, key), **options)

    def action_value(self, name: str, parameters: Mapping[str, Any] | None = None, **options: Any) -> Any:
        """An action's ``value`` (F&O's package API answers strings and booleans)."""
        return result_value(self.action(name, parameters, **options).json())

    def etag(self, source: Any) -> str | None:
        """Shortcut for :func:`~harness.odata.etags.etag_of`."""
        return etag_of(source)


def _transport_problem(error: BaseException, timeout: float) -> str:
    if isinstance(error, requests.Timeout):
        return f"timed out after {timeout:g} s"
    return f"connection failed ({type(error).__name__})"


def _primary_key_guesses(entity_set: str) -> list[str]:
    """Dataverse primary key names for an entity set: ``accounts`` -> ``accountid``."""
    stems = []
    if entity_set.endswith("ies"):
        stems.append(entity_set[:-3] + "y")
    if entity_set.endswith("es"):
        stems.append(entity_set[:-2])
    if entity_set.endswith("s"):
        stems.append(entity_set[:-1])
    stems.append(entity_set)
    return [f"{stem}id" for stem in stems]


def _collection_path(entity_set: str) -> tuple[str, str]:
    """``(path, set name)``: ``companies(1)/customers`` -> (``companies(1)/customers``, ``customers``)."""
    path = entity_set.strip("/")
    return path, path.rsplit("/", 1)[-1].split("(", 1)[0]


def _under_parent(entity_set: str, ref: EntityRef) -> EntityRef:
    """A created record's reference under the parent it was created in (BC ``companies(<id>)/``).

    Business Central only serves company data below ``companies(<id>)``; a reference to the bare
    ``customers(<id>)`` would be answered 400 ``Internal_CompanyNotFound`` (and never cleaned up).
    """
    parent, _, last = entity_set.strip("/").rpartition("/")
    if parent and "/" not in ref.entity_set and ref.entity_set == last.split("(", 1)[0]:
        return EntityRef(f"{parent}/{ref.entity_set}", ref.key)
    return ref
