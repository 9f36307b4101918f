"""Download a service's `$metadata` with the harness's own client (so its token and session are used)."""

from __future__ import annotations

from typing import Any

from harness.contract.errors import ContractError
from harness.odata.dialects import BY_ROOT, Dialect
from harness.odata.errors import redact_url

XML_ACCEPT = {"Accept": "application/xml"}


def dialect_of(root: str) -> Dialect:
    """`crm` -> the Dataverse dialect (:data:`harness.odata.dialects.BY_ROOT`); unknown roots are a usage error."""
    try:
        return BY_ROOT[root]
    except KeyError:
        raise ContractError(f"unknown service root {root!r}; expected one of {', '.join(BY_ROOT)}") from None


def fetch_metadata(client: Any) -> bytes:
    """`GET <api root>/$metadata` through an :class:`~harness.odata.ODataClient`; the raw XML bytes.

    A refusal (401, 404, an HTML sign-in page) is a :class:`ContractError` naming the URL and status,
    because everything downstream would otherwise fail with a confusing XML parse error.
    """
    response = client.get("$metadata", headers=XML_ACCEPT, expect_error=True)
    url = redact_url(f"{client.api_root}/$metadata")
    if response.status != 200:
        raise ContractError(f"GET {url} answered {response.status}; cannot build a contract without the "
                            "service's $metadata (check the target's URL and sign-in)")
    content_type = (response.headers.get("Content-Type") or "").lower()
    if "xml" not in content_type and not response.content.lstrip().startswith(b"<"):
        raise ContractError(f"GET {url} answered {content_type or 'no content type'}, not CSDL XML")
    return response.content
