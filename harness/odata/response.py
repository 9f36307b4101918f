"""What an OData call returns: :class:`ODataResponse` (one HTTP answer) and :class:`Page` (one page).

The wrapper decodes bodies as UTF-8 (stripping the BOM Dataverse puts before ``$count`` values)
instead of letting ``requests`` guess a charset, and exposes the OData headers tests assert on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import requests

from harness.odata.dialects import Dialect
from harness.odata.errors import ODataProtocolError, redact_url, request_id_of
from harness.odata.etags import etag_of
from harness.odata.keys import EntityRef, parse_entity_id
from harness.odata.prefer import parse_preferences


def decode_body(raw: requests.Response) -> str:
    """The body as text: the declared charset, else UTF-8; a leading BOM is dropped."""
    charset = (requests.utils.get_encoding_from_headers(raw.headers) or "utf-8").lower()
    if charset in ("iso-8859-1",) and "charset" not in (raw.headers.get("Content-Type") or "").lower():
        charset = "utf-8"  # requests' RFC 2616 default for text/*, wrong for OData
    if charset.replace("_", "-") in ("utf-8", "utf8"):
        charset = "utf-8-sig"
    try:
        return raw.content.decode(charset, errors="replace")
    except LookupError:
        return raw.content.decode("utf-8-sig", errors="replace")


class ODataResponse:
    """One HTTP response with OData accessors; ``raw`` is the underlying ``requests.Response``."""

    def __init__(self, raw: requests.Response, dialect: Dialect):
        self.raw = raw
        self.dialect = dialect
        self.status: int = raw.status_code
        self.headers = raw.headers
        self.method: str = (raw.request.method or "GET") if raw.request is not None else "GET"
        self.url: str = raw.url
        #: The record a create/upsert made, set by :class:`~harness.odata.client.ODataClient`.
        self.created: EntityRef | None = None

    @cached_property
    def text(self) -> str:
        return decode_body(self.raw)

    @property
    def content(self) -> bytes:
        return self.raw.content

    @property
    def ok(self) -> bool:
        return self.status < 400

    def json(self) -> Any:
        """The parsed JSON body; ``None`` for an empty body (204)."""
        return self._json

    @cached_property
    def _json(self) -> Any:
        text = self.text.strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError as exc:
            content_type = self.headers.get("Content-Type", "no Content-Type")
            raise ODataProtocolError(
                f"{self.method} {redact_url(self.url)} answered {self.status} with a body that is not JSON "
                f"({content_type}): {text[:120]!r}") from exc

    @property
    def etag(self) -> str | None:
        return etag_of(self)

    @property
    def entity_id(self) -> str | None:
        """The ``OData-EntityId`` header (absolute URL of a created/upserted record)."""
        return self.headers.get("OData-EntityId")

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    def entity_ref(self) -> EntityRef | None:
        """``(entity_set, key)`` from ``OData-EntityId``, ``Location`` or the body's ``@odata.id``."""
        for candidate in (self.entity_id, self.location, *self._body_links()):
            if candidate:
                return parse_entity_id(candidate, self.dialect)
        return None

    def _body_links(self) -> list[str]:
        try:
            body = self.json()
        except ODataProtocolError:
            return []
        if not isinstance(body, dict):
            return []
        return [link for link in (body.get("@odata.id"), body.get("@odata.editLink")) if isinstance(link, str)]

    @property
    def preference_applied(self) -> dict[str, str | None]:
        return parse_preferences(self.headers.get("Preference-Applied"))

    @property
    def request_id(self) -> str | None:
        return request_id_of(self.headers)

    @property
    def value(self) -> list[Any]:
        """The ``value`` array of a collection response."""
        body = self.json()
        if not isinstance(body, dict) or not isinstance(body.get("value"), list):
            raise ODataProtocolError(f"{self.method} {redact_url(self.url)} did not return a collection "
                                     "(no 'value' array)")
        return body["value"]

    @property
    def next_link(self) -> str | None:
        body = self.json()
        return body.get("@odata.nextLink") if isinstance(body, dict) else None

    @property
    def count(self) -> int | None:
        body = self.json()
        return body.get("@odata.count") if isinstance(body, dict) else None

    def __repr__(self) -> str:
        return f"<ODataResponse {self.status} {self.method} {urlsplit(redact_url(self.url)).path}>"


@dataclass
class Page:
    """One page of a collection: its rows, the link to the next page and ``@odata.count``."""

    value: list[Any]
    next_link: str | None
    count: int | None
    response: ODataResponse = field(repr=False)

    @classmethod
    def from_response(cls, response: ODataResponse) -> Page:
        return cls(response.value, response.next_link, response.count, response)
