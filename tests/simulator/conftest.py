"""Fixtures shared by the simulator's own tests: tokens from its identity provider, raw HTTP sessions.

``fno`` and ``bc`` here are plain ``requests`` sessions with an app token (the simulator's tests speak
HTTP themselves); inside ``tests/simulator`` they take the place of the harness plugin's OData
client fixtures of the same name, as conftest fixtures do. A module that needs other headers
overrides them (``def bc(bc): ...``).
"""

from __future__ import annotations

import pytest
import requests

from simulator.config import BC_AUDIENCE
from tests.tokens import app_token, ropc_token


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


@pytest.fixture(scope="module")
def fno_root(sim) -> str:
    return f"{sim.config.fno_url}/data"


@pytest.fixture(scope="module")
def fno(sim) -> requests.Session:
    """A session that speaks to the F&O root with an app token, one per test module."""
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {app_token(sim, sim.config.fno_url)}",
                            "Accept": "application/json", "OData-Version": "4.0"})
    return session


@pytest.fixture(scope="module")
def bc(sim) -> requests.Session:
    """A session that speaks to the Business Central API with an app token, one per test module."""
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {app_token(sim, BC_AUDIENCE)}", "Accept": "application/json"})
    return session
