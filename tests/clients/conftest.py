"""The conformance tier: real client libraries, driven through their public API, against the https simulator.

Every test here is one client operation and carries ``@pytest.mark.client("<library>")``; the terminal
summary prints, per library, how many operations work unchanged (hooks in tests/conftest.py, so that
the count also appears under pytest-xdist). The only settings a test gives a
library are what a user would change to leave a real tenant for the simulator: base URL / authority,
credentials, and trust for the simulator's CA (``REQUESTS_CA_BUNDLE``/``SSL_CERT_FILE``/
``NODE_EXTRA_CA_CERTS``, set per test). Where a library needs one more setting, the test says which
and why (README, "Real SDKs against the simulator").

The simulator runs on a random loopback address with the login host on port 443: MSAL builds its
user-realm probe from the authority's host name without the port (Entra reference §7.4), so ROPC
through MSAL only works when the identity host is on the default https port, as it is in Entra.
"""

from __future__ import annotations

import os
import random

import pytest

from simulator.config import SimConfig
from simulator.server import SimulatorServer

LOOPBACK_PATTERN = r"127\.\d+\.\d+\.\d+$"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        marker = item.get_closest_marker("client")
        if marker:
            item.user_properties.append(("client", marker.args[0]))  # counted in tests/conftest.py
            # The simulator of this tier listens on 127.x.y.z (any loopback address), not only 127.0.0.1.
            item.add_marker(pytest.mark.block_network(allowed_hosts=[LOOPBACK_PATTERN, r"::1$", r"localhost$"]))


def _bind_address() -> str:
    rng = random.SystemRandom()
    return f"127.{rng.randint(1, 254)}.{rng.randint(0, 254)}.{rng.randint(1, 254)}"


@pytest.fixture(scope="session")
def client_sim(tmp_path_factory: pytest.TempPathFactory):
    """An https simulator, login host on port 443 of a random loopback address; fast device-code polling."""
    config = SimConfig(device_code_interval=1)
    last_error: OSError | None = None
    for _ in range(5):
        server = SimulatorServer(config, host=_bind_address(), ports={"login": 443}, tls=True,
                                 tls_dir=tmp_path_factory.mktemp("client-ca"))
        try:
            server.start()
        except PermissionError as exc:  # port 443 needs root or CAP_NET_BIND_SERVICE
            reason = f"the conformance tier binds the login host to port 443 and may not here: {exc}"
            if os.environ.get("CI"):
                pytest.fail(reason)
            pytest.skip(reason)
        except OSError as exc:  # address in use: try another loopback address
            last_error = exc
            continue
        try:
            yield server
        finally:
            server.stop()
        return
    pytest.fail(f"cannot start the https simulator with the login host on port 443: {last_error}")


@pytest.fixture
def trust_sim(client_sim, monkeypatch: pytest.MonkeyPatch) -> str:
    """What a user does to trust the simulator: point the CA variables at its bundle (this test only)."""
    bundle = str(client_sim.ca_bundle)
    for variable in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"):
        monkeypatch.setenv(variable, bundle)
    return bundle
