"""Per-pytest-run recording state shared by the plugin's hooks and fixtures (kept in ``config.stash``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
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


def add_known_secrets(config: pytest.Config, secrets: Iterable[tuple[str, str]]) -> None:
    """Values (with a placeholder label) the persister scrubs wherever they appear, in addition to the
    targets' passwords and secrets: e.g. a Postman environment's ``"type": "secret"`` entries."""
    state = state_of(config)
    context = state.context or RecordingContext()
    known = {value for value, _ in context.known_secrets}
    new = tuple((value, label) for value, label in dict(secrets).items() if value and value not in known)
    if new:
        state.context = dataclasses.replace(context, known_secrets=context.known_secrets + new)
