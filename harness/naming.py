"""Run ids and tagged names: every record a run creates carries the run's tag in its name.

The tag lets ``harness cleanup`` find leftovers on a live instance after a run that died before
its teardown, without touching anybody else's data.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import secrets
import uuid

TAG_PREFIX = "zzh-"
TAG_RE = re.compile(r"zzh-[0-9]{8}-[0-9a-z]{6}")


def new_run_id(now: dt.datetime | None = None) -> str:
    """``YYYYMMDD-xxxxxx``: sortable by day, unique enough for parallel runs."""
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%d}-{secrets.token_hex(3)}"


def run_tag(run_id: str) -> str:
    return f"{TAG_PREFIX}{run_id}"


class ValueSource:
    """Where a test gets its "random" values: ids, names, numbers.

    The default draws fresh values; the recording layer replaces it with one that stores the
    values in the cassette when recording and hands the same values back when replaying, so a
    replayed test sends exactly the requests it recorded.
    """

    def __init__(self, run_id: str, seed: int | None = None):
        self.run_id = run_id
        self._random = random.Random(seed)

    @property
    def tag(self) -> str:
        return run_tag(self.run_id)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def number(self, low: int = 0, high: int = 1_000_000) -> int:
        return self._random.randint(low, high)

    def token(self, length: int = 6) -> str:
        return "".join(self._random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(length))

    def name(self, prefix: str) -> str:
        """A unique, tagged record name such as ``Account k3x9qa zzh-20261127-a1b2c3``."""
        return f"{prefix} {self.token()} {self.tag}"
