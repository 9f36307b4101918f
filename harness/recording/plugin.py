"""pytest sub-plugin (listed in ``pytest_plugins`` of :mod:`harness.pytest_plugin`): cassettes for the suites.

Built on pytest-recording (``--record-mode``, ``--block-network``, ``--allowed-hosts``,
``--disable-recording``, ``@pytest.mark.vcr``) and vcrpy. This module adds:

* ``--cassette-dir DIR`` (default ``<rootdir>/cassettes``), one cassette per test id in a folder per
  test module (:mod:`harness.recording.naming`);
* the harness persister (scrubbing, instance placeholders, atomic writes), the JSON serializer and
  the OData matchers, registered on every cassette through ``pytest_recording_configure``, with
  the replay index (:mod:`harness.recording.replay_index`) as an ``after_load_interaction`` hook;
* the fixtures of :mod:`harness.recording.fixtures` (``values``, ``_harness_cassette`` and overrides of
  pytest-recording's ``vcr_config``, ``vcr_cassette_dir``, ``default_cassette_name``), registered
  from ``pytest_configure`` so they come after pytest-recording however the entry points load;
* readable replay errors (:mod:`harness.recording.explain`).

Tests opt in with ``@pytest.mark.vcr``; ``tests/suites/conftest.py`` marks every suite test.
"""

from __future__ import annotations

import pytest

from harness import gc_pause
from harness.recording import absent_imports, fast_headers, fixtures
from harness.recording.explain import rewrite_message
from harness.recording.interactions import CassetteFormatError
from harness.recording.matching import MATCHERS
from harness.recording.naming import cassette_root
from harness.recording.persister import HarnessPersister, RecordingContext
from harness.recording.replay_index import with_index_hook
from harness.recording.serializers import SERIALIZERS
from harness.recording.state import state_of

FIXTURES_PLUGIN = "harness.recording.fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("recording")
    group.addoption("--cassette-dir", default=None, metavar="DIR",
                    help="where cassettes are read and written (default: <rootdir>/cassettes)")


def pytest_configure(config: pytest.Config) -> None:
    state_of(config)
    if not config.pluginmanager.has_plugin(FIXTURES_PLUGIN):
        config.pluginmanager.register(fixtures, FIXTURES_PLUGIN)


def pytest_report_header(config: pytest.Config) -> str:
    mode = config.getoption("record_mode", default=None) or "none"
    if config.getoption("disable_recording", default=False):
        return "cassettes: recording disabled"
    return f"cassettes: {cassette_root(config)} (record mode: {mode})"


def pytest_recording_configure(config: pytest.Config, vcr) -> None:
    """Every cassette pytest-recording opens gets the harness serializers, matchers and persister."""
    for name, serializer in SERIALIZERS.items():
        vcr.register_serializer(name, serializer)
    for name, matcher in MATCHERS.items():
        vcr.register_matcher(name, matcher)
    state = state_of(config)
    extra_paths = list(getattr(vcr.persister, "extra_paths", []) or [])
    vcr.register_persister(HarnessPersister(lambda: state.context, extra_paths))
    vcr.after_load_interaction = with_index_hook(vcr.after_load_interaction)  # O(1) replay lookups
    fast_headers.install()  # replayed responses' headers without the e-mail parser
    absent_imports.install()  # vcrpy's imports of HTTP libraries that are not installed, answered once


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """Learn the run's instance and secrets as soon as the targets are known (whoever asks first).

    Once the ``vcr`` fixture is set up, any garbage-collector pause of a cassette load is over
    (:mod:`harness.gc_pause`), even when the load failed half-way.

    A malformed cassette (``CassetteFormatError`` names the file and line) is reported as that one
    message: the fixture stack below it (vcrpy, pytest-recording) says nothing the user can act on.
    """
    try:
        result = yield
    except CassetteFormatError as exc:
        raise pytest.fail.Exception(str(exc), pytrace=False) from None
    finally:
        if fixturedef.argname == "vcr":  # the cassette is loaded (or failed to): no load is pausing the collector
            gc_pause.release_all()
    if fixturedef.argname == "harness_targets" and isinstance(result, dict):
        state_of(request.config).context = RecordingContext.from_targets(result)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    if call.excinfo is not None:
        rewrite_message(call.excinfo.value, item.nodeid, item.config.rootpath)
    return (yield)
