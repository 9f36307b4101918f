"""Pause the cyclic garbage collector around bulk, acyclic allocations.

Parsing a 30 MB `$metadata` or emitting OpenAPI for thousands of entity sets creates millions
of small dicts and dataclass instances and no reference cycles; the collector's repeated full
scans of that growing heap cost about as much as the work itself (measured: 4.6 s -> 2.3 s for
the OpenAPI of 4,400 F&O entity sets). Reference counting still frees everything promptly.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
