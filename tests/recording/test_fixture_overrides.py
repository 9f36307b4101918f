"""Which plugin defines each fixture: the recording fixtures override pytest-recording's, nothing of the harness."""

from __future__ import annotations

import pytest

from harness.recording.fixtures import OVERRIDES


def _modules(request: pytest.FixtureRequest, name: str) -> list[str]:
    defs = request.session._fixturemanager.getfixturedefs(name, request.node) or ()
    return [d.func.__module__ for d in defs]


@pytest.mark.parametrize("name", OVERRIDES)
def test_the_recording_fixtures_override_only_pytest_recordings(request: pytest.FixtureRequest, name: str):
    assert _modules(request, name) == ["pytest_recording.plugin", "harness.recording.fixtures"]


@pytest.mark.parametrize(("name", "module"), [("values", "harness.recording.fixtures"),
                                              ("_harness_cassette", "harness.recording.fixtures"),
                                              ("token_broker", "harness.pytest_plugin"),
                                              ("harness_targets", "harness.pytest_plugin")])
def test_harness_fixtures_are_defined_once(request: pytest.FixtureRequest, name: str, module: str):
    assert _modules(request, name) == [module]


def test_one_entry_point_registers_the_sub_plugins_in_order(request: pytest.FixtureRequest):
    names = [name for name, _ in request.config.pluginmanager.list_name_plugin() if str(name).startswith("harness")]
    assert names[:7] == ["harness.sharding", "harness.contract.pinning", "harness.postman.plugin",
                         "harness.recording.plugin", "harness.reporting.plugin", "harness-reporter",
                         "harness.recording.fixtures"]
