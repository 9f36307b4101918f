"""The run summary: per group (service root or Postman collection) counts, requests and time.

Pure bookkeeping, no pytest imports: the plugin feeds it one phase report at a time
(:meth:`RunSummary.record`), then prints :meth:`RunSummary.table` and writes
:meth:`RunSummary.to_dict` as ``summary.json``. Rows follow Newman's run summary (executed /
failed per kind) but per root and per collection, the granularity users asked for.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from harness.reporting.grouping import ROOTS, Group

# A test's outcome is the worst of its phases.
_RANK = {"passed": 0, "skipped": 1, "error": 2, "failed": 3}
MESSAGE_LIMIT = 1000


@dataclass
class TestRecord:
    group: Group
    outcome: str | None = None  # None until a phase decides it
    duration: float = 0.0
    requests: int = 0


@dataclass
class Failure:
    nodeid: str
    group: str  # "root crm" / "collection dataverse"
    phase: str  # setup | call | teardown | collect
    message: str


@dataclass
class GroupStats:
    kind: str
    name: str
    tests: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    requests: int = 0
    duration: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"

    def add(self, record: TestRecord) -> None:
        self.tests += 1
        outcome = record.outcome or "passed"
        if outcome == "passed":
            self.passed += 1
        elif outcome == "failed":
            self.failed += 1
        elif outcome == "error":
            self.errors += 1
        else:
            self.skipped += 1
        self.requests += record.requests
        self.duration += record.duration


def phase_outcome(when: str, outcome: str) -> str | None:
    """What one phase report says about the test (None: nothing yet, e.g. a passed setup)."""
    if outcome == "failed":
        return "failed" if when == "call" else "error"
    if outcome == "skipped":
        return "skipped"
    return "passed" if when == "call" else None


def short_message(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


@dataclass
class RunSummary:
    tests: dict[str, TestRecord] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    collection_errors: int = 0

    def record(self, nodeid: str, group: Group, when: str, outcome: str, duration: float, requests: int,
               message: str | None = None) -> None:
        test = self.tests.setdefault(nodeid, TestRecord(group))
        test.duration += duration
        test.requests += requests
        verdict = phase_outcome(when, outcome)
        if verdict is not None and (test.outcome is None or _RANK[verdict] > _RANK[test.outcome]):
            test.outcome = verdict
        if outcome == "failed":
            self.failures.append(Failure(nodeid, group.label, when, short_message(message or "failed")))

    def record_collection_error(self, nodeid: str, group: Group, message: str) -> None:
        self.collection_errors += 1
        self.failures.append(Failure(nodeid or "(collection)", group.label, "collect", short_message(message)))

    # ------------------------------------------------------------------ views
    def groups(self) -> list[GroupStats]:
        stats: dict[Group, GroupStats] = {}
        for record in self.tests.values():
            group = record.group
            stats.setdefault(group, GroupStats(group.kind, group.name)).add(record)
        return sorted(stats.values(), key=_group_order)

    def totals(self) -> GroupStats:
        total = GroupStats("total", "")
        for record in self.tests.values():
            total.add(record)
        return total

    @property
    def ok(self) -> bool:
        total = self.totals()
        return total.failed == 0 and total.errors == 0 and self.collection_errors == 0

    def to_dict(self, **meta) -> dict:
        """The ``summary.json`` document; ``meta`` (run id, target, times, exit status...) goes first."""
        totals = self.totals()
        return {
            **meta,
            "totals": {**_counts(totals), "collection_errors": self.collection_errors},
            "groups": [{"kind": g.kind, "name": g.name, **_counts(g)} for g in self.groups()],
            "failures": [asdict(f) for f in self.failures],
        }

    def table(self) -> list[str]:
        """The terminal summary, one row per group plus the total, then numbered failures."""
        rows = [(g.label, g) for g in self.groups()] + [("total", self.totals())]
        width = max([len("group")] + [len(label) for label, _ in rows])
        head = (f"{'group':<{width}}  {'tests':>5}  {'passed':>6}  {'failed':>6}  {'skipped':>7}  "
                f"{'requests':>8}  {'time':>8}")
        lines = [head, "-" * len(head)]
        for label, g in rows:
            if label == "total":
                lines.append("-" * len(head))
            lines.append(f"{label:<{width}}  {g.tests:>5}  {g.passed:>6}  {g.failed + g.errors:>6}  "
                         f"{g.skipped:>7}  {g.requests:>8}  {g.duration:>7.2f}s")
        if self.collection_errors:
            lines.append(f"{self.collection_errors} collection error(s)")
        for number, failure in enumerate(self.failures, 1):
            first = failure.message.splitlines()[0] if failure.message else ""
            where = "" if failure.phase == "call" else f" [{failure.phase}]"
            lines.append(f"{number:>3}. {failure.nodeid}{where}: {first}")
        return lines


def _counts(g: GroupStats) -> dict:
    return {"tests": g.tests, "passed": g.passed, "failed": g.failed, "errors": g.errors, "skipped": g.skipped,
            "requests": g.requests, "duration": round(g.duration, 3)}


def _group_order(g: GroupStats) -> tuple:
    if g.kind == "root":
        return (0, ROOTS.index(g.name) if g.name in ROOTS else len(ROOTS), g.name)
    return (1, 0, g.name)
