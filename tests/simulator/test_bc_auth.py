"""Tokens on Business Central: only the fixed BC audience, never an F&O or Dataverse token."""

from __future__ import annotations

import time

import requests

from simulator.config import BC_AUDIENCE
from tests.tokens import app_token, minted_token, ropc_token


def companies_url(sim) -> str:
    return f"{sim.config.bc_url}/v2.0/{sim.config.tenant_id}/production/api/v2.0/companies"


def get(url: str, token: str | None) -> requests.Response:
    return requests.get(url, headers={"Authorization": f"Bearer {token}"} if token else {}, timeout=10)


def assert_bc_401(reply: requests.Response) -> None:
    assert reply.status_code == 401
    error = reply.json()["error"]
    assert error["code"] == "Authentication_InvalidCredentials"
    assert error["message"].startswith("The server has rejected the client credentials.  CorrelationId:  ")
    assert reply.headers["WWW-Authenticate"].startswith("Bearer ")
    assert BC_AUDIENCE in reply.headers["WWW-Authenticate"]


def test_bc_token_from_the_idp_is_accepted(sim):
    assert get(companies_url(sim), app_token(sim, BC_AUDIENCE)).status_code == 200


def test_user_token_for_bc_is_accepted(sim):
    assert get(companies_url(sim), ropc_token(sim, BC_AUDIENCE)).status_code == 200


def test_missing_token(sim):
    assert_bc_401(get(companies_url(sim), None))


def test_fno_and_dataverse_tokens_are_refused(sim):
    assert_bc_401(get(companies_url(sim), app_token(sim, sim.config.fno_url)))
    assert_bc_401(get(companies_url(sim), app_token(sim, sim.config.crm_url)))


def test_expired_token_is_refused(sim):
    now = int(time.time())
    assert_bc_401(get(companies_url(sim), minted_token(sim, aud=BC_AUDIENCE, iat=now - 7200, nbf=now - 7200,
                                                       exp=now - 60)))


def test_auth_is_checked_before_the_environment(sim):
    url = f"{sim.config.bc_url}/v2.0/{sim.config.tenant_id}/nosuchenv/api/v2.0/companies"
    assert_bc_401(get(url, None))


def test_bc_token_is_refused_by_fno_and_dataverse(sim):
    token = app_token(sim, BC_AUDIENCE)
    assert get(f"{sim.config.fno_url}/data/CustomersV3", token).status_code == 401
    assert get(f"{sim.config.crm_url}/api/data/v9.2/accounts", token).status_code == 401


def test_dataverse_token_is_refused_by_fno(sim):
    token = ropc_token(sim, sim.config.crm_url)
    assert get(f"{sim.config.fno_url}/data/CustomersV3", token).status_code == 401
    assert get(f"{sim.config.crm_url}/api/data/v9.2/accounts", token).status_code == 200
