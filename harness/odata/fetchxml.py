"""FetchXML over the Dataverse Web API: run a ``<fetch>`` and follow its paging cookie page by page.

The documented paging loop (learn.microsoft.com ``/power-apps/developer/data-platform/fetchxml/
page-results``): ask for the ``fetchxmlpagingcookie`` and ``morerecords`` annotations, and while
``@Microsoft.Dynamics.CRM.morerecords`` is true set ``page`` to the next number and ``paging-cookie``
to the annotation's ``pagingcookie`` attribute URL-decoded twice. The fetch is edited with lxml
(no DTDs, entities or network access).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from lxml import etree

from harness.odata.errors import ODataProtocolError
from harness.odata.prefer import prefer
from harness.odata.response import ODataResponse

if TYPE_CHECKING:
    from harness.odata.client import ODataClient

PAGING_ANNOTATIONS = ("Microsoft.Dynamics.CRM.fetchxmlpagingcookie", "Microsoft.Dynamics.CRM.morerecords")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)


@dataclass
class FetchPage:
    """One page of FetchXML results."""

    value: list[dict[str, Any]]
    more_records: bool
    paging_cookie: str | None  # decoded, ready for the next page's paging-cookie attribute
    page: int
    response: ODataResponse = field(repr=False)


def _parse(fetch: str) -> etree._Element:
    try:
        root = etree.fromstring(fetch.encode("utf-8"), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"the FetchXML is not well-formed: {exc}") from None
    if root.tag != "fetch":
        raise ValueError(f"the FetchXML root element must be <fetch>, not <{root.tag}>")
    return root


def with_paging(fetch: str, page: int, count: int | None = None, cookie: str | None = None) -> str:
    """``fetch`` with ``page`` (and ``count``, ``paging-cookie``) set on its ``<fetch>`` element."""
    root = _parse(fetch)
    root.set("page", str(page))
    if count is not None:
        root.set("count", str(count))
    if cookie:
        root.set("paging-cookie", cookie)
    elif "paging-cookie" in root.attrib:
        del root.attrib["paging-cookie"]
    return etree.tostring(root, encoding="unicode")


def decode_paging_cookie(annotation: str) -> str:
    """The ``pagingcookie`` attribute of the annotation's ``<cookie>``, URL-decoded twice."""
    try:
        cookie = etree.fromstring(annotation.encode("utf-8"), _PARSER)
    except etree.XMLSyntaxError:
        raise ODataProtocolError("the fetchxmlpagingcookie annotation is not XML") from None
    return unquote(unquote(cookie.get("pagingcookie", "")))


def iter_fetch_pages(client: ODataClient, entity_set: str, fetch: str, *, page_size: int | None = None,
                     max_pages: int | None = None, include_annotations: Any = None,
                     **options: Any) -> Iterator[FetchPage]:
    """Every page of ``fetch`` on ``entity_set``, following the paging cookie."""
    root = _parse(fetch)
    if root.get("top") is not None and page_size is not None:
        raise ValueError("a fetch with top= cannot be paged; drop top or page_size")
    names = [include_annotations] if isinstance(include_annotations, str) else list(include_annotations or [])
    annotations = names if "*" in names else [*names, *PAGING_ANNOTATIONS]
    headers = {"Prefer": prefer(include_annotations=annotations)}
    page = int(root.get("page") or 1)
    cookie = root.get("paging-cookie")
    pages = 0
    while True:
        text = fetch if pages == 0 and page_size is None else with_paging(fetch, page, page_size, cookie)
        response = client.get(entity_set, {"fetchXml": text}, headers, **options)
        body = response.json()
        if not isinstance(body, dict) or not isinstance(body.get("value"), list):
            raise ODataProtocolError(f"GET {entity_set}?fetchXml= did not return a collection")
        more = body.get("@Microsoft.Dynamics.CRM.morerecords") is True
        annotation = body.get("@Microsoft.Dynamics.CRM.fetchxmlpagingcookie")
        cookie = decode_paging_cookie(annotation) if annotation else None
        yield FetchPage(body["value"], more, cookie, page, response)
        pages += 1
        if not more or (max_pages is not None and pages >= max_pages):
            return
        if root.get("top") is not None:
            return
        page += 1


def fetch_xml(client: ODataClient, entity_set: str, fetch: str, *, all_pages: bool = True,
              page_size: int | None = None, **options: Any) -> list[dict[str, Any]]:
    """The rows of ``fetch``: every page (default) or only the first."""
    rows: list[dict[str, Any]] = []
    for page in iter_fetch_pages(client, entity_set, fetch, page_size=page_size,
                                 max_pages=None if all_pages else 1, **options):
        rows.extend(page.value)
    return rows
