"""pytest plugin: starts the embedded simulator and hands out ready clients.

Registered through the ``pytest11`` entry point, so any project that installs the harness gets
the options, fixtures and markers.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def sim():
    """The embedded Dynamics simulator on loopback ports, for the whole session."""
    from simulator.server import SimulatorServer

    with SimulatorServer() as server:
        yield server
