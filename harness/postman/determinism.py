"""The clock and random numbers scripts see, recorded with an item and replayed from its cassette.

A script that caches a token until ``Date.now()`` passes its expiry, or that puts
``Math.random()``/``require('uuid').v4()`` into a body, decides differently (or sends another body)
when it runs again later. For record/replay, one :class:`ScriptDeterminism` per item hands each of
its scripts a random seed and a clock (see ``sandbox/js/determinism.js``): recording, the clock is
the real one and every read is kept; replaying, the reads come back in the recorded order, and the
seeds are the recorded ones, so the item sends exactly what it sent when it was recorded.
"""

from __future__ import annotations

import random
from typing import Any

from harness.errors import HarnessError

MAX_CLOCK_READS = 1000  # per item: a polling loop must not bloat the cassette
_SEED_STEP = 0x9E3779B9  # each script of the item gets its own seed


class DeterminismError(HarnessError):
    """Recorded clock/seed data that cannot be used (a hand-edited or foreign cassette)."""


class ScriptDeterminism:
    """Seeds and clock reads for the scripts of one item; ``to_dict()``/``from_dict()`` for the cassette."""

    def __init__(self, seed: int | None = None, clock: list[int] | None = None, *, replaying: bool = False):
        self.seed = seed if seed is not None else random.SystemRandom().getrandbits(32)
        self.replaying = replaying
        self._recorded = list(clock or [])
        self._position = 0
        self._scripts = 0

    # ----------------------------------------------------------------- persistence
    def to_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "clock": list(self._recorded)}

    @classmethod
    def from_dict(cls, data: Any) -> ScriptDeterminism:
        if not isinstance(data, dict):
            raise DeterminismError("recorded script determinism must be {'seed': int, 'clock': [ms, ...]}")
        seed, clock = data.get("seed"), data.get("clock", [])
        if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2 ** 32:
            raise DeterminismError(f"recorded seed {seed!r} is not a 32-bit unsigned integer")
        if not isinstance(clock, list) or not all(isinstance(v, int | float) and not isinstance(v, bool)
                                                  for v in clock):
            raise DeterminismError("recorded clock must be a list of epoch milliseconds")
        return cls(seed, [int(v) for v in clock], replaying=True)

    # ----------------------------------------------------------------- per script
    def script_options(self) -> dict[str, Any]:
        """What the next script gets (``ScriptInput.determinism``)."""
        seed = (self.seed + self._scripts * _SEED_STEP) % 2 ** 32
        self._scripts += 1
        if not self.replaying:
            return {"seed": seed, "clock": {"record": True}}
        remaining = self._recorded[self._position:]
        last = self._recorded[self._position - 1] if self._position else None
        return {"seed": seed, "clock": {"replay": remaining, "last": last}}

    def absorb(self, used: dict[str, Any] | None) -> None:
        """Take back what a script did with its clock (``ScriptOutcome.determinism``)."""
        if not used:
            return
        if self.replaying:
            consumed = int(used.get("consumed") or 0)
            self._position = min(len(self._recorded), self._position + consumed)
            return
        room = MAX_CLOCK_READS - len(self._recorded)
        self._recorded.extend(int(v) for v in (used.get("reads") or [])[:max(room, 0)])
