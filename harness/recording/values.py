"""A :class:`~harness.naming.ValueSource` that records its values in the cassette and replays them.

Recording, it draws fresh values (and a fresh run id) and appends each to the cassette metadata
under ``values``; replaying, it hands back the recorded run id and values in order, so the test
sends exactly the requests that were recorded (same tagged names, same client-chosen GUIDs, same
timestamps). A test that now asks for more or different values than were recorded fails with a
message saying so, instead of a confusing request mismatch later.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from harness.naming import ValueSource

METADATA_KEY = "values"


class RecordedValuesError(AssertionError):
    """The test asks for values the cassette does not hold; the cassette must be re-recorded."""


class CassetteValues(ValueSource):
    """Values for one test, stored in (or replayed from) ``cassette``'s metadata.

    Without a cassette (recording disabled) it behaves like a plain :class:`ValueSource`.
    """

    def __init__(self, run_id: str, cassette: Any = None, *, seed: int | None = None):
        self._cassette = cassette
        self._replaying = False
        self._store: dict[str, Any] | None = None
        self._position = 0
        if cassette is not None:
            self._store = self._open(cassette, run_id)
            run_id = self._store["run_id"]
        super().__init__(run_id, seed)

    # ------------------------------------------------------------------ storage
    def _open(self, cassette: Any, run_id: str) -> dict[str, Any]:
        fresh = {"run_id": run_id, "drawn": []}
        mode = getattr(cassette.record_mode, "value", cassette.record_mode)
        if cassette.write_protected and not cassette.rewound:
            # Replaying a cassette that does not exist: draw throwaway values and let the first
            # request fail with the replay error, which says that the file is missing.
            self._cassette = None
            return fresh
        if cassette.write_protected:
            try:
                store = cassette.get_metadata(METADATA_KEY, fresh)
            except Exception:  # vcrpy's MissingMetadataError: the recording has no values
                raise RecordedValuesError(
                    f"the cassette {cassette.path} has no recorded values (ids, names) for this test "
                    f"and record mode '{mode}' cannot add them; re-record it with --record-mode=rewrite"
                ) from None
            self._replaying = True
            return self._checked(store, cassette)
        store = cassette.get_metadata(METADATA_KEY, fresh)
        if store is fresh or mode == "all":
            # Recording from scratch ("all" re-records everything, values included).
            store.clear()
            store.update({"run_id": run_id, "drawn": []})
            cassette.dirty = True
            return store
        self._replaying = True  # new_episodes: replay what exists, append what is new
        return self._checked(store, cassette)

    @staticmethod
    def _checked(store: Any, cassette: Any) -> dict[str, Any]:
        if not isinstance(store, dict) or not isinstance(store.get("run_id"), str) \
                or not isinstance(store.get("drawn"), list):
            raise RecordedValuesError(f"{cassette.path}: metadata.values must be "
                                      "{'run_id': str, 'drawn': [...]}; re-record the cassette")
        return store

    def _draw(self, kind: str, fresh: Any) -> Any:
        """The next recorded value of ``kind``, or ``fresh()`` (stored when recording)."""
        if self._store is None or self._cassette is None:
            return fresh()
        drawn = self._store["drawn"]
        if self._position < len(drawn):
            item = drawn[self._position]
            if not isinstance(item, dict) or item.get("kind") != kind:
                recorded = item.get("kind") if isinstance(item, dict) else item
                raise RecordedValuesError(
                    f"value #{self._position + 1} of this test is a {kind}, but the cassette "
                    f"{self._cassette.path} recorded a {recorded}: the test changed since it was "
                    "recorded; re-record it with --record-mode=rewrite")
            self._position += 1
            return item["value"]
        if self._cassette.write_protected:
            raise RecordedValuesError(
                f"this test asks for value #{self._position + 1} (a {kind}), but the cassette "
                f"{self._cassette.path} recorded only {len(drawn)}: the test changed since it was "
                "recorded; re-record it with --record-mode=rewrite")
        value = fresh()
        drawn.append({"kind": kind, "value": value})
        self._cassette.dirty = True
        self._position += 1
        return value

    @property
    def replaying(self) -> bool:
        """True when values come from the cassette."""
        return self._replaying

    # ------------------------------------------------------------------ values
    def uuid(self) -> str:
        return self._draw("uuid", super().uuid)

    def number(self, low: int = 0, high: int = 1_000_000) -> int:
        return self._draw("number", lambda: super(CassetteValues, self).number(low, high))

    def token(self, length: int = 6) -> str:
        return self._draw("token", lambda: super(CassetteValues, self).token(length))

    def now(self) -> str:
        """The current UTC time as ``YYYY-MM-DDTHH:MM:SSZ`` (the recorded one when replaying)."""
        return self._draw("timestamp", lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
