"""Fixtures shared by the simulator's own tests: tokens from its identity provider."""

from __future__ import annotations

import pytest
import requests

from tests.tokens import ropc_token


@pytest.fixture(scope="session")
def crm_token(sim) -> str:
    return ropc_token(sim, sim.config.crm_url)


@pytest.fixture(scope="session")
def crm_root(sim) -> str:
    return f"{sim.config.crm_url}/api/data/v9.2"


@pytest.fixture(scope="session")
def crm_http(crm_token) -> requests.Session:
    """A session that speaks to the Dataverse root as the admin user, with the recommended headers."""
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {crm_token}", "Accept": "application/json",
                            "OData-MaxVersion": "4.0", "OData-Version": "4.0"})
    return session
