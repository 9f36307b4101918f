"""Known deviations: failures a contract run expects and reports instead of failing on.

A contract suite that goes red on every run for a bug someone already knows about stops being
read. Each :class:`KnownIssue` describes one deviation narrowly (service root, operation label,
failure code, and optionally the status, body or request that identifies it) and says why it is
accepted; any other failure on the same operation still fails the run. The runner counts how
often each issue was seen, so a fixed bug shows up as an issue that no longer occurs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any


@dataclass(frozen=True)
class KnownIssue:
    """One accepted deviation. `operations` are globs over labels (`POST /systemusers`, `* /*`)."""

    key: str  # short stable name, used in reports
    reason: str
    roots: tuple[str, ...] = ("*",)
    operations: tuple[str, ...] = ("*",)
    codes: tuple[str, ...] = ()  # schemathesis failure codes (ST101 server error, ST105 content type, ...)
    status: int | None = None
    body_equals: bytes | None = None
    message_pattern: str | None = None  # regex over the failure's message
    request_pattern: str | None = None  # regex over the request URL and body

    def matches(self, root: str, label: str, failure: Any, response: Any) -> bool:
        if not any(fnmatchcase(root, pattern) for pattern in self.roots):
            return False
        if not any(fnmatchcase(label, pattern) for pattern in self.operations):
            return False
        if self.codes and getattr(failure, "code", None) not in self.codes:
            return False
        if self.status is not None and getattr(response, "status_code", None) != self.status:
            return False
        if self.body_equals is not None and (getattr(response, "content", b"") or b"").strip() != self.body_equals:
            return False
        if self.message_pattern is not None and not re.search(self.message_pattern, str(getattr(failure, "message", ""))):
            return False
        if self.request_pattern is not None and not re.search(self.request_pattern, request_text(response)):
            return False
        return True


def request_text(response: Any) -> str:
    """The request URL and body as text, for `request_pattern`."""
    request = getattr(response, "request", None)
    if request is None:
        return ""
    body = request.body or b""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    return f"{request.url}\n{body}"


@dataclass
class Baseline:
    """A set of known issues and how often each matched during a run."""

    issues: Sequence[KnownIssue] = ()
    seen: Counter = field(default_factory=Counter)

    def split(self, root: str, label: str, failures: Iterable[Any], response: Any) -> list[Any]:
        """The failures no known issue explains (the others are counted in :attr:`seen`)."""
        unexplained = []
        for failure in failures:
            issue = next((i for i in self.issues if i.matches(root, label, failure, response)), None)
            if issue is None:
                unexplained.append(failure)
            else:
                self.seen[issue.key] += 1
        return unexplained

    def summary(self) -> str:
        if not self.seen:
            return ""
        reasons = {issue.key: issue.reason for issue in self.issues}
        return "; ".join(f"{key} x{count} ({reasons[key]})" for key, count in sorted(self.seen.items()))
