"""vcrpy's imports of HTTP libraries that are not installed, answered once instead of every time.

vcrpy (9.4.2, pinned) imports every HTTP library it knows (botocore, httplib2, tornado, aiohttp,
httpx, httpx2, ...) inside ``CassettePatcherBuilder.build`` (every cassette entry) and inside
``reset_patchers`` (``force_reset``: every new stub connection, and every request sent to a real
server). An import of a library that is not installed is not remembered by Python: each one walks
every ``sys.path`` entry again, about 0.35 ms per ``force_reset`` in this project's environment,
most of the first request of a replayed cassette.

This module wraps those two vcrpy generators so that, while they run, a finder at the front of
``sys.meta_path`` answers a top-level module name that was already found missing with
``ModuleNotFoundError`` straight away (and marks it ``None`` in ``sys.modules``, Python's own mark
for an import that fails, for that moment only). A name is remembered as missing only after
Python's own finders (the ones behind it on ``sys.meta_path``) all failed to find it, and only
while ``sys.path`` and the modification time of each of its directories stay the same (the test
Python's own path finder uses to refresh its directory listings): installing the library into a
path directory, or adding a directory to ``sys.path``, makes the next import look again. Outside
vcrpy's two calls the finder is not on ``sys.meta_path`` at all, so no other import of the process
is affected. Only top-level names are remembered (a missing submodule of an installed package is
looked up as before).

``reset_patchers`` only puts back the originals vcrpy saved when it was imported, so what it
patches is also worked out once per ``sys.path`` state (``_ResetCache``) and each call gets fresh
patchers for it; ``build`` runs in full every time (its patches are classes naming the cassette:
vcrpy tells one cassette's connections from another's by them, so they are not reused).
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

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
        self._marked: list[str] = []  # names this finder set to None in sys.modules
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

    def enter(self) -> None:
        """Put the finder in front (nested and threaded uses share one finder).

        A name already known to be missing is also entered in ``sys.modules`` as ``None`` (Python's
        own "this import fails" mark, answered before any finder or import lock) and taken out
        again by :meth:`leave`; a name still unknown reaches :meth:`find_spec`.
        """
        with self._lock:
            if self._depth == 0:
                sys.meta_path.insert(0, self)
                modules = sys.modules
                self._marked = [name for name in self.missing if name not in modules]
                for name in self._marked:
                    modules[name] = None  # type: ignore[assignment]
            self._depth += 1

    def leave(self) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                meta_path, modules = sys.meta_path, sys.modules
                if meta_path is not None:  # None while the interpreter shuts down
                    with contextlib.suppress(ValueError):
                        meta_path.remove(self)
                if modules is not None:
                    for name in self._marked:
                        if name in modules and modules[name] is None:
                            del modules[name]
                self._marked = []

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """While inside, missing top-level names fail fast."""
        self.enter()
        try:
            yield
        finally:
            self.leave()

    def run(self, generator: Iterator[Any]) -> Iterator[Any]:
        """Yield what ``generator`` yields, with this finder active only while the generator's own
        code runs (not while the caller handles an item: vcrpy's builders are lazy, and a later
        builder reads what an earlier, already entered, patch put in place)."""
        self.refresh()
        while True:
            self.enter()
            try:
                item = next(generator, _END)
            finally:
                self.leave()
            if item is _END:
                return
            yield item


_END = object()
FINDER = AbsentModules()


class _ResetCache:
    """What vcrpy's ``reset_patchers`` patches: (target, attribute, original) per patch.

    It depends only on which HTTP libraries are importable (vcrpy saved the originals when it was
    imported), so it is worked out once per :func:`_path_state`, like the missing names, and each
    ``force_reset`` gets fresh ``mock.patch.object`` patchers for the same triples.
    """

    def __init__(self) -> None:
        self.state: tuple | None = None
        self.triples: list[tuple[Any, str, Any]] = []
        self.computed = 0  # times vcrpy's own generator ran (tests count them)

    def patchers(self) -> Iterator[Any]:
        FINDER.refresh()
        if self.state is None or self.state != FINDER.state:
            triples = [(patcher.getter(), patcher.attribute, patcher.new)
                       for patcher in FINDER.run(_ORIGINAL_RESET())]
            self.triples, self.state = triples, FINDER.state
            self.computed += 1
        for target, attribute, original in self.triples:
            yield mock.patch.object(target, attribute, original)


RESET = _ResetCache()


def reset_patchers() -> Iterator[Any]:
    """vcrpy's ``reset_patchers``: the same patches, without re-importing every HTTP library."""
    return RESET.patchers()


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


__all__ = ["FINDER", "RESET", "AbsentModules", "build", "install", "originals", "reset_patchers", "uninstall"]
