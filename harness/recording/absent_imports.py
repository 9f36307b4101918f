"""vcrpy's imports of HTTP libraries that are not installed, answered once instead of every time.

vcrpy (9.4.2, pinned) imports every HTTP library it knows (botocore, httplib2, tornado, aiohttp,
httpx, httpx2, ...) inside ``CassettePatcherBuilder.build`` (every cassette entry) and inside
``reset_patchers`` (``force_reset``: every new stub connection, and every request sent to a real
server). An import of a library that is not installed is not remembered by Python: each one walks
every ``sys.path`` entry again, about 0.35 ms per ``force_reset`` in this project's environment,
most of the first request of a replayed cassette.

This module wraps those two vcrpy generators (vcrpy's code still runs, in full) so that, while
they run, a finder at the front of ``sys.meta_path`` answers a top-level module name that was
already found missing with ``ModuleNotFoundError`` straight away. A name is remembered as missing
only after Python's own finders (the ones behind it on ``sys.meta_path``) all failed to find it,
and only while ``sys.path`` and the modification time of each of its directories stay the same
(the test Python's own path finder uses to refresh its directory listings): installing the
library into a path directory, or adding a directory to ``sys.path``, makes the next import look
again. Outside vcrpy's two calls the finder is not on ``sys.meta_path`` at all, so no other import
of the process is affected. Only top-level names are remembered (a missing submodule of an
installed package is looked up as before).
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import vcr.patch

_ORIGINAL_RESET = vcr.patch.reset_patchers
_ORIGINAL_BUILD = vcr.patch.CassettePatcherBuilder.build


def _path_state() -> tuple:
    """``sys.path`` with each entry's directory modification time (None when it cannot be read)."""
    state = []
    for entry in sys.path:
        try:
            mtime: int | None = os.stat(entry or ".").st_mtime_ns
        except (OSError, TypeError, ValueError):
            mtime = None
        state.append((entry, mtime))
    return tuple(state)


class AbsentModules:
    """A ``sys.meta_path`` finder that fails fast for top-level modules already found missing."""

    def __init__(self) -> None:
        self.missing: set[str] = set()
        self.state: tuple | None = None  # the _path_state() under which ``missing`` was learnt
        self._lock = threading.RLock()
        self._depth = 0
        self.looked_up = 0  # lookups Python's finders made for us (tests count them)

    # ------------------------------------------------------------------ the finder protocol
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if path is not None or "." in name:
            return None  # submodules: not remembered
        if name in self.missing:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        self.looked_up += 1
        for finder in self._finders_behind():
            find = getattr(finder, "find_spec", None)
            if find is not None and find(name, None, target) is not None:
                return None  # present: let the import system load it as usual
        self.missing.add(name)
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    def invalidate_caches(self) -> None:
        """``importlib.invalidate_caches()`` forgets the missing names too (when it runs in our window)."""
        self.missing.clear()

    # ------------------------------------------------------------------ scope
    def _finders_behind(self) -> list[Any]:
        return [finder for finder in sys.meta_path if finder is not self]

    def refresh(self) -> None:
        """Forget the missing names if ``sys.path`` or one of its directories changed since they were learnt."""
        state = _path_state()
        with self._lock:
            if state != self.state:
                self.missing.clear()
                self.state = state

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """While inside, missing top-level names fail fast (nested and threaded uses share one finder)."""
        with self._lock:
            if self._depth == 0:
                sys.meta_path.insert(0, self)
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    with contextlib.suppress(ValueError):
                        sys.meta_path.remove(self)

    def run(self, generator: Iterator[Any]) -> Iterator[Any]:
        """Yield what ``generator`` yields, with this finder active only while the generator's own
        code runs (not while the caller handles an item: vcrpy's builders are lazy, and a later
        builder reads what an earlier, already entered, patch put in place)."""
        self.refresh()
        while True:
            with self.active():
                item = next(generator, _END)
            if item is _END:
                return
            yield item


_END = object()
FINDER = AbsentModules()


def reset_patchers() -> Iterator[Any]:
    """vcrpy's ``reset_patchers``, with missing libraries answered by :data:`FINDER`."""
    return FINDER.run(_ORIGINAL_RESET())


def build(self: vcr.patch.CassettePatcherBuilder) -> Iterator[Any]:
    """vcrpy's ``CassettePatcherBuilder.build`` (lazy, like the original), the same way."""
    return FINDER.run(_ORIGINAL_BUILD(self))


def install() -> None:
    """Wrap vcrpy's two generators (idempotent)."""
    vcr.patch.reset_patchers = reset_patchers
    vcr.patch.CassettePatcherBuilder.build = build  # type: ignore[method-assign]


def uninstall() -> None:
    """vcrpy's own generators again (tests compare both)."""
    vcr.patch.reset_patchers = _ORIGINAL_RESET
    vcr.patch.CassettePatcherBuilder.build = _ORIGINAL_BUILD  # type: ignore[method-assign]


def originals() -> tuple[Callable, Callable]:
    return _ORIGINAL_RESET, _ORIGINAL_BUILD


__all__ = ["FINDER", "AbsentModules", "build", "install", "originals", "reset_patchers", "uninstall"]
