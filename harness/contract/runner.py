"""Send generated cases the way the harness sends everything: its session, its token, its rate limit.

Each case is checked with :data:`~harness.contract.schema.CHECKS`, and whatever a case wrote is
removed at once (a create's new record, the record a PATCH upserted), so the run leaves the service
as it found it and other tests sharing the simulator see the same rows. The undo requests go
through the same session, so a recorded run replays them from its cassette as well.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from schemathesis.core.failures import FailureGroup, failure_report_title, format_failures

from harness.contract.baseline import Baseline
from harness.contract.document import item_path_for
from harness.contract.schema import CHECKS

log = logging.getLogger("harness.contract")
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT"})
_PLACEHOLDER = re.compile(r"('?)\{([^}]+)\}('?)")
UNDO_HEADERS = {"If-Match": "*", "OData-Version": "4.0", "OData-MaxVersion": "4.0", "Accept": "application/json"}


@dataclass
class ContractRunner:
    """Calls `case` against the client's service and validates the answer.

    `client` is an :class:`~harness.odata.ODataClient` (its ``session``, ``auth``, ``timeout`` and
    optional ``throttle`` are used); `document` is the OpenAPI document the schema came from.
    """

    client: Any
    document: dict[str, Any]
    root: str = ""
    baseline: Baseline = field(default_factory=Baseline)
    checks: list[Callable] = field(default_factory=lambda: list(CHECKS))
    undone: list[str] = field(default_factory=list)  # URLs of records removed after a write
    statuses: Counter = field(default_factory=Counter)  # (operation label, status) -> responses

    @property
    def base_url(self) -> str:
        """The service root the document was made for (its ``servers`` entry)."""
        return self.document["servers"][0]["url"]

    def __call__(self, case: Any) -> Any:
        throttle = getattr(self.client, "throttle", None)
        with throttle.slot() if throttle is not None else contextlib.nullcontext():
            response = case.call(base_url=self.base_url, session=self.client.session, auth=self.client.auth,
                                 timeout=getattr(self.client, "timeout", 30))
        self.statuses[(case.operation.label, response.status_code)] += 1
        try:
            self.validate(case, response)
        finally:
            self.undo(case, response)
        return response

    @property
    def calls(self) -> int:
        return sum(self.statuses.values())

    def succeeded(self, label: str) -> int:
        """How many of the operation's cases the service accepted (2xx)."""
        return sum(n for (op, status), n in self.statuses.items() if op == label and 200 <= status < 300)

    def validate(self, case: Any, response: Any) -> None:
        """Run the checks; failures the baseline knows are counted, any other one is raised."""
        try:
            case.validate_response(response, checks=self.checks)
        except FailureGroup as group:
            failures = list(group.exceptions)
            remaining = self.baseline.split(self.root, case.operation.label, failures, response)
            if len(remaining) == len(failures):
                raise
            if remaining:
                curl = case.as_curl_command(headers=dict(response.request.headers), verify=response.verify,
                                            base_url=self.base_url)
                message = failure_report_title(remaining) + "\n" + format_failures(
                    case_id=None, response=response, failures=remaining, curl=curl,
                    config=case.operation.schema.config.output)
                raise FailureGroup(remaining, message) from None

    # ------------------------------------------------------------------ undo
    def undo(self, case: Any, response: Any) -> None:
        """Delete the record a create or upsert made (nothing for reads and refused writes).

        A 5xx answer to a write is undone too: the simulator has answered 500 *after* storing the
        record (a header it could not encode), and nothing else would ever remove that record.
        """
        status = response.status_code
        if case.method.upper() not in WRITE_METHODS or not (200 <= status < 300 or status >= 500):
            return
        url = written_record_url(case, response, self.document)
        if url is None:
            if status < 300:
                log.warning("contract: cannot tell which record %s %s wrote; it was not removed",
                            case.method.upper(), case.path)
            return
        throttle = getattr(self.client, "throttle", None)
        with throttle.slot() if throttle is not None else contextlib.nullcontext():
            answer = self.client.session.delete(url, headers=UNDO_HEADERS, auth=self.client.auth,
                                                timeout=getattr(self.client, "timeout", 30))
        if answer.status_code not in (204, 200, 404):
            log.warning("contract: removing %s answered %s", url, answer.status_code)
        self.undone.append(url)


def _header(response: Any, name: str) -> str | None:
    values = response.headers.get(name.lower()) or response.headers.get(name)
    if isinstance(values, list):
        return values[0] if values else None
    return values


def written_record_url(case: Any, response: Any, document: dict[str, Any]) -> str | None:
    """The absolute URL of the record a create/upsert touched.

    PATCH/PUT address the record themselves; a create names it in `OData-EntityId` or `Location`,
    or (Dataverse with `return=representation`) only in the body, where the key is filled into the
    document's single-record path template.
    """
    request_url = response.request.url
    if case.method.upper() in ("PATCH", "PUT"):
        parts = urlsplit(request_url)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    for name in ("OData-EntityId", "Location"):
        value = _header(response, name)
        if value:
            return urljoin(request_url, value)
    answered = _json_object(response.content) if response.status_code < 300 else None
    sent = _json_object(response.request.body)
    return _url_from_body(case, response, document, answered or sent)


def _json_object(raw: Any) -> dict[str, Any] | None:
    try:
        value = json.loads(raw or b"null")
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _url_from_body(case: Any, response: Any, document: dict[str, Any], body: dict[str, Any] | None) -> str | None:
    """The record URL from key values in `body` (the answer's, or for a failed create the request's)."""
    template = item_path_for(document, case.operation.path)
    if template is None or body is None:
        return None

    def fill(match: re.Match[str]) -> str:
        opening, name, closing = match.groups()
        if body.get(name) is None:
            raise KeyError(name)
        text = str(body[name]).replace("'", "''") if opening else str(body[name])
        return f"{opening}{quote(text, safe='-_.~')}{closing}"

    try:
        segment = _PLACEHOLDER.sub(fill, template[len(case.operation.path):])
    except KeyError:
        return None
    parts = urlsplit(response.request.url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + segment, "", ""))
