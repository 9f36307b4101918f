"""One renderer of one item's results, shared by ``harness run`` (cli reporter) and the pytest plugin.

:func:`facts` lists what happened to an item in the order it happened (Newman's: pre-request
script errors, the request or its skip, the request error, console output, assertions, test
script errors, harness warnings). The failure list (numbered, as Newman's) and both texts are
built from it: :func:`cli_lines` in Newman's ``↳`` style, :func:`plugin_lines` for a pytest
item's report section or failure message — so a new kind of outcome shows up in both.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.postman.results import ItemExecution

PREREQUEST_ERROR = "prerequest-error"
SKIPPED = "skipped"
REQUEST = "request"
REQUEST_ERROR = "request-error"
LOG = "log"
ASSERTION = "assertion"
TEST_ERROR = "test-error"
WARNING = "warning"


@dataclass(frozen=True)
class Fact:
    """One outcome of an item; ``value`` is the ScriptError, AssertionResult, message or (level, text)."""

    kind: str
    value: Any = None
    index: int = 0  # the assertion's position in the item (Newman's ``assertion:N``)

    @property
    def failure(self) -> tuple[str, str, str, str | None] | None:
        """(name, message, at, test) when this fact is one of Newman's numbered failures, else None."""
        if self.kind == PREREQUEST_ERROR:
            return self.value.name or "Error", self.value.message, "prerequest-script", None
        if self.kind == REQUEST_ERROR:
            return "Error", self.value, "request", None
        if self.kind == ASSERTION and not self.value.passed and not self.value.skipped:
            return (self.value.error_name or "AssertionError", self.value.error_message or self.value.name,
                    f"assertion:{self.index} in test-script", self.value.name)
        if self.kind == TEST_ERROR:
            return self.value.name or "Error", self.value.message, "test-script", None
        return None


def facts(execution: ItemExecution) -> Iterator[Fact]:
    """What happened to ``execution``, in the order it happened."""
    for error in execution.script_errors:
        if error.event == "prerequest":
            yield Fact(PREREQUEST_ERROR, error)
    if execution.skipped:
        yield Fact(SKIPPED)
    if execution.request is not None:
        yield Fact(REQUEST, execution.request)
    if execution.request_error:
        yield Fact(REQUEST_ERROR, execution.request_error)
    for entry in execution.logs:
        yield Fact(LOG, entry)
    for index, assertion in enumerate(execution.assertions):
        yield Fact(ASSERTION, assertion, index)
    for error in execution.script_errors:
        if error.event != "prerequest":
            yield Fact(TEST_ERROR, error)
    for warning in execution.warnings:
        yield Fact(WARNING, warning)


def failure_key(execution: ItemExecution, fact: Fact) -> tuple | None:
    """The key :func:`cli_lines` looks a failure's number up by (None for facts that are no failure)."""
    failure = fact.failure
    return None if failure is None else (id(execution), failure[2], failure[3], failure[1])


def cli_lines(execution: ItemExecution, numbers: Mapping[tuple, int]) -> list[str]:
    """Newman's lines under ``↳ item``; ``numbers`` maps :func:`failure_key` to the failure's number."""
    lines = []
    for fact in facts(execution):
        number = numbers.get(failure_key(execution, fact), "?") if fact.failure else None
        if fact.kind == PREREQUEST_ERROR:
            lines.append(f"  {number}⠄ {fact.value.name} in prerequest-script")
        elif fact.kind == SKIPPED:
            lines.append("  (request skipped by pm.execution.skipRequest())")
        elif fact.kind == REQUEST:
            request, response = fact.value, execution.response
            if response is not None:
                lines.append(f"  {request.method} {request.url} [{response.status} {response.reason}, "
                             f"{_pretty_bytes(response.size)}, {response.time_ms}ms]")
            else:
                lines.append(f"  {request.method} {request.url} [errored]")
        elif fact.kind == REQUEST_ERROR:
            lines.append(f"  {number}. {fact.value}")
        elif fact.kind == LOG:
            lines.append(f"  │ [{fact.value[0]}] {fact.value[1]}")
        elif fact.kind == ASSERTION:
            if fact.value.skipped:
                lines.append(f"  -  {fact.value.name} (skipped)")
            elif fact.value.passed:
                lines.append(f"  ✓  {fact.value.name}")
            else:
                lines.append(f"  {str(number) + '.':<3} {fact.value.name}")
        elif fact.kind == TEST_ERROR:
            lines.append(f"  {number}⠄ {fact.value.name} in test-script")
        elif fact.kind == WARNING:
            lines.append(f"  ⚠  {fact.value}")
    lines.append("")
    return lines


def plugin_lines(execution: ItemExecution) -> list[str]:
    """The text of a pytest item's ``postman`` section (or failure): request line, then indented outcomes.

    Console output is left out: the plugin shows it in its own ``postman console`` section.
    """
    lines = []
    for fact in facts(execution):
        if fact.kind == PREREQUEST_ERROR or fact.kind == TEST_ERROR:
            lines.append(f"  script error: {fact.value}")
        elif fact.kind == SKIPPED:
            lines.append("  request skipped by pm.execution.skipRequest()")
        elif fact.kind == REQUEST:
            line = f"{fact.value.method} {fact.value.url}"
            response = execution.response
            if response is not None:
                line += f" -> {response.status} {response.reason} ({response.time_ms} ms)"
            lines.append(line)
        elif fact.kind == REQUEST_ERROR:
            lines.append(f"  request error: {fact.value}")
        elif fact.kind == ASSERTION:
            if fact.value.skipped:
                lines.append(f'  - skipped  pm.test "{fact.value.name}"')
            elif fact.value.passed:
                lines.append(f'  - passed   pm.test "{fact.value.name}"')
            else:
                lines.append(f'  - FAILED   pm.test "{fact.value.name}": {fact.value.message}')
        elif fact.kind == WARNING:
            lines.append(f"  warning: {fact.value}")
    return lines


def failure_lines(execution: ItemExecution) -> list[str]:
    """One line per failure (script errors, request error, failed assertions), for summaries and test messages."""
    lines = []
    for fact in facts(execution):
        if fact.kind in (PREREQUEST_ERROR, TEST_ERROR):
            lines.append(f"script error: {fact.value}")
        elif fact.kind == REQUEST_ERROR:
            lines.append(f"request error: {fact.value}")
        elif fact.failure is not None:
            lines.append(f'pm.test "{fact.value.name}" failed: {fact.value.message}')
    return lines


def _pretty_bytes(size: float) -> str:
    from harness.postman.reporters.record import pretty_bytes

    return pretty_bytes(size)
