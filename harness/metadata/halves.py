"""Write the second half of a big OpenAPI document in a forked process, on the other core.

A streamed all-sets conversion spends half its time writing (an F&O document: ~1 s for 130 MiB).
:func:`start` forks a child with the same model and an equally fresh builder; it builds the later
sets' paths and components while the parent builds the earlier ones, and hands back bytes: its
paths as one spool, each component it made as one record, and the little state the end of the
document needs (tags, shared responses, the complex and enum types referenced). The parent appends
the paths, and of the components only those its own half did not already make, in the child's
order -- which is exactly where a single process would have emitted them (first use in the
document's order), so the bytes are the same (tests compare both ways).

Only where ``os.fork`` exists, with more than one usable core of which one is idle at the time,
for at least :data:`MIN_SETS` sets; ``HARNESS_OPENAPI_PROCESSES=1`` keeps one process and ``=2``
forks whatever the size and load. If the child fails in any way the parent builds those sets itself.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

MIN_SETS = 400
# the child also copies the pages it touches after the fork (its sets cost ~15% more CPU):
# measured on the F&O document, both halves end together when the parent writes 54% of the sets
PARENT_SHARE = 0.54
ENV = "HARNESS_OPENAPI_PROCESSES"


def wanted(sets: int, minimum: int = MIN_SETS) -> bool:
    """Whether to do the second half of ``sets`` pieces of work in a forked child."""
    if not hasattr(os, "fork"):
        return False
    setting = os.environ.get(ENV, "").strip()
    if setting == "1":
        return False
    if setting == "2":
        return sets >= 2
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    # forking a process with other threads running is not safe: then stay in one process
    return sets >= minimum and cores > 1 and threading.active_count() == 1 and _a_core_is_idle(cores)


def _a_core_is_idle(cores: int, samples: int = 5) -> bool:
    """Whether another core is free now: the two halves wait for each other, so on a machine whose
    cores are all busy with other work two processes finish later than one (measured on 2 shared
    cores: 1.4 s against 2.0 s when idle, 2.4 s against 2.0 s at load 2.6). Linux's count of
    runnable tasks (``procs_running``, ourselves included), averaged over a few milliseconds."""
    running = 0
    for sample in range(samples):
        now = _running()
        if now is None:
            return True  # no such count here: assume the machine is ours
        running += now
        if sample < samples - 1:
            time.sleep(0.001)
    return running / samples - 1 <= cores - 1.5


def _running() -> int | None:
    """The number of runnable tasks now (``/proc/stat``), or None where there is no such count."""
    try:
        with open("/proc/stat", "rb") as stat:
            for line in stat:
                if line.startswith(b"procs_running "):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


@dataclass
class Result:
    """What the child made, in the order it made it."""

    paths: int = 0
    schemas: list[tuple[str, int, int]] = field(default_factory=list)  # (name, offset, length) in `components`
    parameters: list[tuple[str, int, int]] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)
    responses: dict[str, Any] = field(default_factory=dict)
    referenced: list[str] = field(default_factory=list)


class Child:
    """A forked writer of some entity sets; :meth:`join` waits for it and returns its :class:`Result`."""

    def __init__(self) -> None:
        self.paths: IO[bytes] = tempfile.TemporaryFile()
        self.components: IO[bytes] = tempfile.TemporaryFile()
        self.meta: IO[bytes] = tempfile.TemporaryFile()
        self.pid = 0

    def start(self, work: Callable[[Child], Any]) -> None:
        pid = os.fork()
        if pid:
            self.pid = pid
            return
        code = 1
        try:  # the child: never return into the caller's frames (their `finally`s are the parent's)
            import pickle  # (here and below: only a run in two processes needs it)

            result = work(self)
            pickle.dump(result, self.meta, protocol=pickle.HIGHEST_PROTOCOL)
            for spool in (self.paths, self.components, self.meta):
                spool.flush()
            code = 0
        except BaseException:  # noqa: BLE001 - any failure: the parent does the work itself
            code = 1
        finally:
            os._exit(code)

    def join(self, kind: type = Result) -> Any:
        """The child's result (a ``kind``), or None when it failed (then nothing it wrote is used)."""
        pid, self.pid = self.pid, 0
        if not pid:
            return None
        _, status = os.waitpid(pid, 0)
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return None
        try:
            import pickle

            self.meta.seek(0)
            result = pickle.load(self.meta)
        except Exception:  # noqa: BLE001 - a torn result is a failed child
            return None
        return result if isinstance(result, kind) else None

    def close(self) -> None:
        """Stop a child still running (the parent failed) and drop the spools."""
        if self.pid:
            try:
                import signal

                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            self.pid = 0
        for spool in (self.paths, self.components, self.meta):
            spool.close()


def record(spool: IO[bytes], entries: list[tuple[str, int, int]], members: Iterable[tuple[str, str]]) -> None:
    """Append each ``(name, ',"name": value' text)`` to ``spool`` as UTF-8, noting where it is."""
    for name, text in members:
        data = text.encode("utf-8")
        entries.append((name, spool.tell(), len(data)))
        spool.write(data)


def new_ranges(entries: list[tuple[str, int, int]], seen: set[str], first: bool) -> tuple[list[tuple[int, int]], bool]:
    """The (offset, length) runs of the records (each after its comma) whose name is not in ``seen``,
    adding each to it; the first record loses its comma when it is the ``first`` member. Returns the
    runs and ``first``."""
    runs: list[tuple[int, int]] = []
    end = -1
    for name, offset, length in entries:
        if name in seen:
            continue
        seen.add(name)
        if first:
            offset, length, first = offset + 1, length - 1, False
        if offset == end:  # right after the previous kept record: one run
            start, size = runs[-1]
            runs[-1] = (start, size + length)
        else:
            runs.append((offset, length))
        end = offset + length
    return runs, first
