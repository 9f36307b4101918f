"""What every reporter of a run needs: the run record, its failures and stats, masked variable scopes."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.postman.item_text import facts

if TYPE_CHECKING:
    from harness.commands.run import LoadedScope
    from harness.postman.model import Collection, RequestItem
    from harness.postman.results import ItemExecution, RunResult
    from harness.postman.variables import VariableScope


# ============================================================================ the run
@dataclass
class RunRecord:
    """Everything the reporters need, already redacted by the runner (plus the scopes to mask)."""

    collection: Collection
    result: RunResult
    items: list[RequestItem]
    environment: VariableScope
    environment_raw: LoadedScope
    globals: VariableScope
    globals_raw: LoadedScope
    started: float
    completed: float
    target: str

    @property
    def iterations(self) -> int:
        if self.result.stopped and self.result.executions:
            return max(e.iteration for e in self.result.executions) + 1
        return self.result.iterations

    def position(self, execution: ItemExecution) -> int:
        try:
            return self.items.index(execution.item)
        except ValueError:
            return -1


# ============================================================================ masking
def masked_value(key: str, value: Any, declared_secret: bool) -> Any:
    """A variable's value as reports may show it: secret-typed or secret-named → ``***``; else redacted."""
    from harness.postman.redaction import MASK, is_secret_name, redact

    if declared_secret or is_secret_name(key):
        return value if value in (None, "") else MASK
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list | dict):
        return json.loads(redact(json.dumps(value)))
    return value


def export_scope(scope: VariableScope, loaded: LoadedScope, scope_name: str) -> dict[str, Any]:
    """A Postman environment/globals export of the final values, with every secret masked."""
    types = loaded.declared_types()
    values = []
    for key, value in scope.values.items():
        declared = types.get(key, "default")
        secret = declared == "secret" or key in scope.secret_keys or key in loaded.scope.secret_keys
        values.append({"key": key, "value": masked_value(key, value, secret),
                       "type": "secret" if secret else declared, "enabled": True})
    return {"id": loaded.raw.get("id") or str(uuid.uuid4()), "name": scope.name or loaded.raw.get("name", ""),
            "values": values, "_postman_variable_scope": scope_name,
            "_postman_exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "_postman_exported_using": "harness run"}


# ============================================================================ run facts
@dataclass
class Failure:
    """One entry of Newman's ``run.failures``: a failed assertion, a script error or a request error."""

    number: int
    name: str  # AssertionError, TypeError, Error, ...
    message: str
    at: str  # "assertion:1 in test-script" | "test-script" | "prerequest-script" | "request"
    execution: ItemExecution
    test: str | None = None


def failures_of(executions: list[ItemExecution]) -> list[Failure]:
    """Failures in the order they happen (:func:`harness.postman.item_text.facts`): Newman's ``run.failures``."""
    found: list[Failure] = []
    for execution in executions:
        for fact in facts(execution):
            if fact.failure is not None:
                name, message, at, test = fact.failure
                found.append(Failure(len(found) + 1, name, message, at, execution, test))
    return found


def newman_stats(record: RunRecord) -> dict[str, dict[str, int]]:
    """``run.stats`` with Newman's keys (``total``/``pending``/``failed``)."""
    executions = record.result.executions
    base = record.result.stats()
    assertions = [a for e in executions for a in e.assertions]

    def entry(total: int, failed: int) -> dict[str, int]:
        return {"total": total, "pending": 0, "failed": failed}

    test_failed = base["testScripts"]["failed"]
    pre_failed = base["prerequestScripts"]["failed"]
    return {
        "iterations": entry(record.iterations, 0),
        "items": entry(len(executions), 0),
        "scripts": entry(base["testScripts"]["total"] + base["prerequestScripts"]["total"], test_failed + pre_failed),
        "prerequests": entry(len(executions), 0),
        "requests": entry(base["requests"]["total"], base["requests"]["failed"]),
        "tests": entry(sum(1 for e in executions if e.request is not None and not e.skipped), 0),
        "assertions": entry(len(assertions), sum(1 for a in assertions if not a.passed and not a.skipped)),
        "testScripts": entry(base["testScripts"]["total"], test_failed),
        "prerequestScripts": entry(base["prerequestScripts"]["total"], pre_failed),
    }


def response_timings(record: RunRecord) -> dict[str, float]:
    times = [e.response.time_ms for e in record.result.executions if e.response is not None]
    timings: dict[str, float] = {"started": int(record.started * 1000), "completed": int(record.completed * 1000)}
    if times:
        timings.update(responseAverage=statistics.fmean(times), responseMin=min(times), responseMax=max(times),
                       responseSd=statistics.pstdev(times))
    return timings


def item_label(item: RequestItem, separator: str = " / ") -> str:
    return separator.join((*item.folder_path, item.name))


def pretty_ms(ms: float) -> str:
    if ms < 1000:
        return f"{round(ms)}ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m {rest:.1f}s"


def pretty_bytes(size: int) -> str:
    if size < 1000:
        return f"{size}B"
    for unit in ("kB", "MB", "GB"):
        size /= 1000  # type: ignore[assignment]
        if size < 1000 or unit == "GB":
            return f"{size:.2f}".rstrip("0").rstrip(".") + unit
    return f"{size}B"  # pragma: no cover



def case_names(record: RunRecord) -> list[str]:
    """``Folder / Request``, ``[iteration N]`` with several iterations, ``(run K)`` for setNextRequest loops."""
    seen: dict[tuple[str, int], int] = {}
    names = []
    for execution in record.result.executions:
        name = item_label(execution.item)
        if record.result.iterations > 1:
            name += f" [iteration {execution.iteration + 1}]"
        key = (execution.item.path, execution.iteration)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            name += f" (run {seen[key]})"
        names.append(name)
    return names

