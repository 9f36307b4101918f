"""Fixtures for the reliability tests: raw tokens, and harness clients with chosen retry policies."""

from __future__ import annotations

import pytest

from harness.auth import MemoryTokenCache, TokenBroker
from harness.odata import ODataClient
from harness.odata.retry import RetryPolicy, RetryStats
from harness.targets import client_for
from tests.tokens import app_token, ropc_token  # noqa: F401 - app_token is used by the tests here

ADMIN = "admin@contoso.onmicrosoft.com"
# Quick retries: the tests check what is retried, not how long the backoff is.
FAST = RetryPolicy(max_attempts=4, backoff=0.01, max_backoff=0.05, max_retry_after=5)


def user_token(sim, resource: str, username: str = ADMIN) -> str:
    """A delegated token (ROPC, v1) straight from the simulator's identity provider."""
    return ropc_token(sim, resource, username)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json", "OData-Version": "4.0"}


@pytest.fixture(scope="session")
def crm_api(sim) -> str:
    return f"{sim.config.crm_url}/api/data/v9.2"


@pytest.fixture(scope="session")
def fno_api(sim) -> str:
    return f"{sim.config.fno_url}/data"


@pytest.fixture(scope="session")
def bc_api(sim) -> str:
    return f"{sim.config.bc_url}/v2.0/{sim.config.tenant_id}/production/api/v2.0"


@pytest.fixture(scope="session")
def admin_crm_token(sim) -> str:
    return user_token(sim, sim.config.crm_url)


@pytest.fixture
def make_client(harness_targets, created_records, sim_faults):
    """``make_client("crm", retry=..., timeout=...)``: a harness client with its own broker and stats.

    A fresh token broker per client keeps token-endpoint faults from hitting a cached token; created
    records are removed at teardown (after the faults are cleared).
    """
    brokers: list[TokenBroker] = []
    clients: list[ODataClient] = []

    def make(name: str = "crm", retry: RetryPolicy | bool | None = FAST, timeout: float = 10,
             broker: TokenBroker | None = None) -> ODataClient:
        if broker is None:
            broker = TokenBroker(MemoryTokenCache())
            brokers.append(broker)
        holder: list[ODataClient] = []
        client = client_for(harness_targets[name], broker, timeout=timeout,
                            on_created=created_records.callback(lambda: holder[0]))
        client.retry = RetryPolicy() if retry is True else (retry or None)
        client.retry_stats = RetryStats()
        holder.append(client)
        clients.append(client)
        return client

    yield make
    sim_faults.clear()
    for client in clients:
        client.retry = FAST  # so teardown deletes survive a stray fault
    problems = created_records.sweep()
    assert problems == []
    for client in clients:
        client.close()
    for broker in brokers:
        broker.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fuzz: hypothesis fuzzing of the simulator over HTTP (FUZZ_EXAMPLES sets "
                                       "the cases per root; 1,000 by default)")
