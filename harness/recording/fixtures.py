"""The recording sub-plugin's fixtures, and the one place the harness overrides another plugin's fixtures.

:mod:`harness.recording.plugin` registers this module in ``pytest_configure``, that is after every
entry-point and ``-p`` plugin, because pytest uses, among plugin fixtures of the same name, the one
registered last. It overrides exactly the three fixtures pytest-recording provides to be overridden
(``OVERRIDES``: ``vcr_config``, ``vcr_cassette_dir``, ``default_cassette_name``) and nothing of the
harness: ``values`` and ``_harness_cassette`` are defined only here, ``token_broker`` only in
:mod:`harness.pytest_plugin`. ``tests/recording/test_fixture_overrides.py`` checks that. A conftest
can still override any of them as usual.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from typing import Any

import pytest
import requests
import vcr as vcrpy

from harness.recording.matching import MATCH_ON
from harness.recording.naming import cassette_name, cassette_root, module_folder
from harness.recording.persister import RecordingContext
from harness.recording.state import state_of
from harness.recording.values import CassetteValues

HEADER_KEY = "recording"
OVERRIDES = ("vcr_config", "vcr_cassette_dir", "default_cassette_name")  # pytest-recording's


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@pytest.fixture
def vcr_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """JSON cassettes, OData-aware matching, decoded (readable) compressed responses.

    For a recorded test it also makes sure the targets are known before the cassette loads, so
    placeholders map to this run's instance. Override with ``def vcr_config(vcr_config): ...`` to
    extend it; scrubbing does not depend on it.
    """
    if request.node.get_closest_marker("vcr") is not None:
        targets = request.getfixturevalue("harness_targets")
        state = state_of(request.config)
        if state.context is None:
            state.context = RecordingContext.from_targets(targets)
    return {"serializer": "json", "match_on": MATCH_ON, "decode_compressed_response": True}


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """``<--cassette-dir or rootdir/cassettes>/<module path below tests/>``."""
    return str(cassette_root(request.config) / module_folder(request.node.path, request.config.rootpath))


@pytest.fixture
def default_cassette_name(request: pytest.FixtureRequest) -> str:
    marker = request.node.get_closest_marker("default_cassette")
    if marker is not None and marker.args:
        return str(marker.args[0])
    return cassette_name(request.cls, request.node.name)


@pytest.fixture
def values(request: pytest.FixtureRequest, run_id: str, vcr) -> CassetteValues:
    """Ids, tagged names, numbers, timestamps: recorded into the cassette, replayed from it."""
    return CassetteValues(run_id, vcr)


def _header(config: pytest.Config, nodeid: str, cassette: Any) -> dict[str, Any]:
    target = config.getoption("target", default=None) or "unknown"
    source = {"sim": "embedded simulator", "live": "live instance"}.get(target, target)
    header = {
        "recorded_from": source,
        "target": target,
        "recorded_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "harness_version": _version("dynamics-harness"),
        "test": nodeid,
        "record_mode": config.getoption("record_mode", default=None)
        or str(getattr(cassette.record_mode, "value", cassette.record_mode)),
        "http_client": f"requests {requests.__version__}",
        "vcrpy": getattr(vcrpy, "__version__", _version("vcrpy")),
        "pytest_recording": _version("pytest-recording"),
    }
    if target == "sim":
        header["note"] = "recorded from the harness's embedded simulator, not from a real Dynamics 365 org"
    return header


@pytest.fixture(autouse=True)
def _harness_cassette(request: pytest.FixtureRequest, vcr):
    """Marks the test's cassette as active (token scope) and stamps its header when it was recorded."""
    state = state_of(request.config)
    if vcr is None:
        yield None
        return
    state.active_cassette = vcr
    try:
        yield vcr
    finally:
        state.active_cassette = None
        if vcr.dirty and not vcr.write_protected:
            header = vcr.get_metadata(HEADER_KEY, {})
            header.clear()
            header.update(_header(request.config, request.node.nodeid, vcr))
