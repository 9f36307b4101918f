"""The cyclic garbage collector paused around bulk allocations that make no reference cycles.

Parsing a 30 MB ``$metadata``, writing the OpenAPI of thousands of entity sets, or loading a
cassette of thousands of interactions allocates millions of small containers and frees almost none
of them until the work is done. The collector, triggered by allocations, runs again and again over
a heap that only grows and finds nothing to collect (measured: 4.6 s -> 2.3 s for the OpenAPI of
4,400 F&O entity sets; about a third of the load time of a 5,000-interaction cassette). Reference
counting, which frees everything the work drops, is not affected; only the search for reference
cycles waits until the work is over.

:func:`gc_paused` pauses around a block. A cassette load spans two owners: the persister
(:class:`harness.recording.persister.HarnessPersister`) and vcrpy's ``Cassette._load`` loop, which
runs the ``after_load_interaction`` hooks and ``Cassette.append`` (filters, copies) for each
interaction the persister returned. So the persister starts a :class:`Pause` and hands vcrpy the
requests as a :class:`PausedList`, which ends the pause when it is dropped: vcrpy drops it when
``_load`` returns, normally or not. If an exception keeps that frame (and so the list) alive in a
traceback, the pause ends with the list, or earlier through :func:`release_all`, which the pytest
plugin calls when the ``vcr`` fixture has been set up.

Pauses nest and may come from several threads: the collector is switched back on when the last
one ends, and only if it was on when the first began (a program that turned it off keeps it off).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

_LOCK = threading.Lock()
_held: set[int] = set()  # ids of live pauses
_switched_off = False  # whether the first of the live pauses turned the collector off
_next_id = 0


class Pause:
    """One load's pause (idempotent :meth:`release`)."""

    __slots__ = ("_id",)

    def __init__(self) -> None:
        global _next_id, _switched_off
        with _LOCK:
            _next_id += 1
            self._id = _next_id
            if not _held and gc.isenabled():
                gc.disable()
                _switched_off = True
            _held.add(self._id)

    def release(self) -> None:
        global _switched_off
        with _LOCK:
            if self._id not in _held:
                return
            _held.discard(self._id)
            if not _held and _switched_off:
                _switched_off = False
                gc.enable()


def release_all() -> None:
    """End every pause still open (a load that failed half-way and whose list is still referenced)."""
    global _switched_off
    with _LOCK:
        _held.clear()
        if _switched_off:
            _switched_off = False
            gc.enable()


@contextmanager
def gc_paused() -> Iterator[None]:
    """The collector paused while the block runs."""
    pause = Pause()
    try:
        yield
    finally:
        pause.release()


def pausing() -> bool:
    """Whether a pause is open (tests)."""
    with _LOCK:
        return bool(_held)


class PausedList(list):
    """A list that ends a :class:`Pause` when it is dropped (or by :meth:`release`)."""

    def __init__(self, items: Iterable[Any], pause: Pause):
        super().__init__(items)
        self._pause = pause

    def release(self) -> None:
        self._pause.release()

    def __del__(self) -> None:
        self._pause.release()

    def __reduce_ex__(self, protocol: Any) -> Any:  # pickles and copies as a plain list
        return (list, (list(self),))


__all__ = ["Pause", "PausedList", "gc_paused", "pausing", "release_all"]
