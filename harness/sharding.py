"""``--shard K/N``: run one of N deterministic slices of the selected tests (pytest plugin).

A suite that outgrows one runner is split across CI machines: every machine collects the same
tests with the same options and keeps slice K. The slicing is pytest's own selection — items
outside the slice are *deselected* (``pytest_deselected``), after ``-k``/``-m`` have run — so
every other plugin and report sees an ordinary, smaller run.

Rules, so that the slices of one selection are disjoint, cover it, and are the same on every
machine:

- the unit of assignment is a Postman collection (all its items stay together, in order, in one
  slice: later requests depend on variables the earlier ones set) or, for any other test, the
  test id;
- units are assigned by their size, largest first, each to the slice with the fewest tests so far
  (ties: by unit key, then the lower slice number) — balanced and independent of the collection
  order, so pytest-randomly or xdist cannot move a test to another slice.

Each slice's position list (the test ids it ran, with their index in the whole selection) is kept
on ``config.harness_shard``; the summary JSON carries it, and ``harness reports merge`` uses it
to put the merged reports back in the order of the unsharded run and to check that no slice is
missing.
"""

from __future__ import annotations

import hashlib
import heapq
import re
from dataclasses import dataclass, field

import pytest

from harness.reporting.grouping import group_of

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class ShardSpec:
    index: int  # 1-based
    total: int

    @classmethod
    def parse(cls, text: str) -> ShardSpec:
        """``"2/4"`` -> ShardSpec(2, 4); anything else is a usage error naming the option."""
        match = _SPEC.match(text or "")
        if not match:
            raise ValueError(f"--shard {text!r}: expected K/N, e.g. 2/4")
        index, total = int(match.group(1)), int(match.group(2))
        if total < 1 or not 1 <= index <= total:
            raise ValueError(f"--shard {text}: K must be between 1 and N (N >= 1)")
        return cls(index, total)

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


@dataclass
class ShardInfo:
    """What one slice ran, for the summary JSON and ``harness reports merge``."""

    spec: ShardSpec
    selected: int = 0  # tests in the whole selection (all slices together)
    fingerprint: str = ""  # of the whole selection's test ids: slices of one run share it
    tests: list[str] = field(default_factory=list)  # this slice's ids, in selection order
    positions: list[int] = field(default_factory=list)  # their index in the whole selection

    def to_dict(self) -> dict:
        return {"index": self.spec.index, "total": self.spec.total, "selected": self.selected,
                "fingerprint": self.fingerprint, "tests": self.tests, "positions": self.positions}


def unit_of(item: pytest.Item) -> str:
    """The key that keeps tests together: the collection file for Postman items, else the test id."""
    if group_of(item).kind == "collection":
        return "collection:" + item.nodeid.split("::", 1)[0]
    return "test:" + item.nodeid


def assign(units: dict[str, int], total: int) -> dict[str, int]:
    """Unit key -> 0-based slice, greedy by size (largest first) onto the least-loaded slice."""
    heap = [(0, slot) for slot in range(total)]
    result: dict[str, int] = {}
    for key in sorted(units, key=lambda k: (-units[k], k)):
        load, slot = heapq.heappop(heap)
        result[key] = slot
        heapq.heappush(heap, (load + units[key], slot))
    return result


def fingerprint(nodeids: list[str]) -> str:
    digest = hashlib.sha256()
    for nodeid in sorted(nodeids):
        digest.update(nodeid.encode("utf-8", "surrogateescape") + b"\n")
    return digest.hexdigest()[:16]


def select(items: list[pytest.Item], spec: ShardSpec) -> tuple[list[pytest.Item], list[pytest.Item], ShardInfo]:
    """Split ``items`` into (kept, deselected) for slice ``spec``; order within each is preserved."""
    keys = [unit_of(item) for item in items]
    sizes: dict[str, int] = {}
    for key in keys:
        sizes[key] = sizes.get(key, 0) + 1
    slots = assign(sizes, spec.total)
    position = {item.nodeid: rank for rank, item in enumerate(items)}
    info = ShardInfo(spec, selected=len(items), fingerprint=fingerprint([i.nodeid for i in items]))
    kept, dropped = [], []
    for item, key in zip(items, keys, strict=True):
        if slots[key] == spec.index - 1:
            kept.append(item)
        else:
            dropped.append(item)
    info.tests = [item.nodeid for item in kept]
    info.positions = [position[item.nodeid] for item in kept]
    return kept, dropped, info


# ---------------------------------------------------------------------------- pytest hooks
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dynamics-shard", "Dynamics harness sharding")
    group.addoption("--shard", metavar="K/N", default=None,
                    help="run only slice K of N of the selected tests (deterministic by test id; a Postman "
                         "collection's items stay together); merge the slices' reports with "
                         "`harness reports merge`")


def pytest_configure(config: pytest.Config) -> None:
    config.harness_shard = None  # type: ignore[attr-defined]
    raw = config.getoption("shard", None)
    if raw is None:
        return
    try:
        config.harness_shard_spec = ShardSpec.parse(raw)  # type: ignore[attr-defined]
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.hookimpl(trylast=True)  # after -k / -m and every other plugin's selection
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    spec = getattr(config, "harness_shard_spec", None)
    if spec is None:
        return
    kept, dropped, info = select(items, spec)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept
    config.harness_shard = info  # type: ignore[attr-defined]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist: workers collect (and slice) with the same --shard; the controller, which writes
    the summary, takes the slice's description from the first worker that reports it."""
    config = node.config
    data = getattr(node, "workeroutput", {}).get("harness_shard")
    if data and getattr(config, "harness_shard", None) is None:
        spec = ShardSpec(data["index"], data["total"])
        config.harness_shard = ShardInfo(spec, data["selected"], data["fingerprint"],  # type: ignore[attr-defined]
                                         list(data["tests"]), list(data["positions"]))


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Hand the slice to the xdist controller; an empty slice of a non-empty selection passes
    (pytest would say 5, nothing collected, for a slice a small selection left empty)."""
    config = session.config
    info = getattr(config, "harness_shard", None)
    if info is not None and hasattr(config, "workeroutput"):
        config.workeroutput["harness_shard"] = info.to_dict()
    if info is not None and not info.tests and info.selected and exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.OK
