"""Fixtures for the Postman tests: a real local HTTP server and a shared V8 script engine."""

from __future__ import annotations

import pytest

from harness.postman.sandbox import ScriptEngine
from tests.postman.helpers import LocalServer, build_app


@pytest.fixture(scope="session")
def server():
    srv = LocalServer(build_app()).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def engine():
    with ScriptEngine(timeout_ms=3000) as eng:
        yield eng
