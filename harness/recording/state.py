"""Per-pytest-run recording state shared by the plugin's hooks and fixtures (kept in ``config.stash``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from harness.recording.persister import RecordingContext


@dataclass
class RecordingState:
    """The instance/secrets context of the run and the cassette of the test being run, if any."""

    context: RecordingContext | None = None
    active_cassette: Any = None


STATE_KEY = pytest.StashKey[RecordingState]()


def state_of(config: pytest.Config) -> RecordingState:
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        state = config.stash[STATE_KEY] = RecordingState()
    return state
