"""Results of running collection items, shaped so they can be compared with Newman's JSON report.

``ItemExecution.to_newman()`` gives ``{item, iteration, assertions: [{name, passed, skipped, error}]}``
— the same facts as ``run.executions[].assertions`` in Newman's JSON reporter — and the
``RunResult.stats`` mirror ``run.stats`` (requests, assertions, scripts with totals and failures).
Everything in here is already redacted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.postman.model import RequestItem
from harness.postman.report import ImportReport
from harness.postman.sandbox.engine import AssertionResult, ScriptError


@dataclass
class SentRequest:
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: str | None = None


@dataclass
class ReceivedResponse:
    status: int
    reason: str
    time_ms: int
    size: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str | None = None  # redacted (and shortened past MAX_BODY_PREVIEW), for the reports


@dataclass
class ItemExecution:
    """One request of one iteration: what was sent, what came back, and every script outcome."""

    item: RequestItem
    iteration: int  # 0-based, like pm.info.iteration
    request: SentRequest | None = None
    response: ReceivedResponse | None = None
    assertions: list[AssertionResult] = field(default_factory=list)
    script_errors: list[ScriptError] = field(default_factory=list)
    request_error: str | None = None
    warnings: list[str] = field(default_factory=list)
    logs: list[tuple[str, str]] = field(default_factory=list)
    skipped: bool = False  # pm.execution.skipRequest()
    next_request_set: bool = False
    next_request: str | None = None
    prerequest_scripts: int = 0
    test_scripts: int = 0

    @property
    def path(self) -> str:
        return self.item.path

    @property
    def failed_assertions(self) -> list[AssertionResult]:
        return [a for a in self.assertions if not a.passed and not a.skipped]

    @property
    def passed(self) -> bool:
        return not self.failed_assertions and not self.script_errors and self.request_error is None

    def failures(self) -> list[str]:
        """One line per problem, in the order they happened (:func:`harness.postman.item_text.failure_lines`)."""
        from harness.postman.item_text import failure_lines

        return failure_lines(self)

    def to_newman(self) -> dict[str, Any]:
        return {
            "item": self.item.path,
            "iteration": self.iteration,
            "assertions": [{"name": a.name, "passed": a.passed, "skipped": a.skipped,
                            "error": None if a.passed else a.message} for a in self.assertions],
        }


@dataclass
class RunResult:
    executions: list[ItemExecution] = field(default_factory=list)
    report: ImportReport = field(default_factory=ImportReport)
    iterations: int = 1
    stopped: str | None = None  # why the run ended early (bail, setNextRequest loop guard)

    @property
    def passed(self) -> bool:
        return all(e.passed for e in self.executions) and self.stopped is None

    @property
    def failed(self) -> list[ItemExecution]:
        return [e for e in self.executions if not e.passed]

    def stats(self) -> dict[str, dict[str, int]]:
        assertions = [a for e in self.executions for a in e.assertions]
        return {
            "iterations": {"total": self.iterations, "failed": 0},
            "requests": {"total": sum(1 for e in self.executions if e.request is not None),
                         "failed": sum(1 for e in self.executions if e.request_error)},
            "testScripts": {"total": sum(e.test_scripts for e in self.executions),
                            "failed": sum(1 for e in self.executions for s in e.script_errors if s.event == "test")},
            "prerequestScripts": {"total": sum(e.prerequest_scripts for e in self.executions),
                                  "failed": sum(1 for e in self.executions for s in e.script_errors
                                                if s.event == "prerequest")},
            "assertions": {"total": len(assertions), "failed": sum(1 for a in assertions if not a.passed and not a.skipped)},
        }

    def to_newman(self) -> list[dict[str, Any]]:
        return [e.to_newman() for e in self.executions]

    def summary_text(self) -> str:
        lines = []
        for execution in self.executions:
            mark = "ok  " if execution.passed else "FAIL"
            status = f" -> {execution.response.status}" if execution.response else ""
            lines.append(f"{mark} [{execution.iteration + 1}] {execution.path}{status}")
            for problem in execution.failures():
                lines.append(f"       {problem}")
        stats = self.stats()
        lines.append(", ".join(f"{name}: {v['total']} ({v['failed']} failed)" for name, v in stats.items()))
        if self.stopped:
            lines.append(f"stopped: {self.stopped}")
        return "\n".join(lines)
