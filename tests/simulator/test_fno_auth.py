"""Tokens on the F&O root: its own audience (the environment URL), nobody else's.

Tokens come from the simulator's identity provider over HTTP (client credentials and ROPC); only
the expired token, which the IdP never issues, is signed in-process.
"""

from __future__ import annotations

import time

import requests

from simulator.config import BC_AUDIENCE
from tests.tokens import app_token, minted_token, ropc_token


def get(url: str, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(url, headers=headers, timeout=10)


def assert_fno_401(reply: requests.Response, sim) -> None:
    assert reply.status_code == 401
    assert reply.content == b""
    challenge = reply.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert f"resource_id={sim.config.fno_url}" in challenge


def test_fno_token_from_the_idp_is_accepted(sim):
    reply = get(f"{sim.config.fno_url}/data/LegalEntities", app_token(sim, sim.config.fno_url))
    assert reply.status_code == 200


def test_user_token_for_fno_is_accepted(sim):
    reply = get(f"{sim.config.fno_url}/data/LegalEntities", ropc_token(sim, sim.config.fno_url))
    assert reply.status_code == 200


def test_audience_with_a_trailing_slash_is_accepted(sim):
    token = ropc_token(sim, sim.config.fno_url + "/")  # v1 resource with the slash -> aud with the slash
    assert get(f"{sim.config.fno_url}/data/LegalEntities", token).status_code == 200


def test_missing_token_is_401_with_a_challenge(sim):
    assert_fno_401(get(f"{sim.config.fno_url}/data/CustomersV3", None), sim)


def test_dataverse_token_is_refused(sim):
    assert_fno_401(get(f"{sim.config.fno_url}/data/CustomersV3", app_token(sim, sim.config.crm_url)), sim)


def test_business_central_token_is_refused(sim):
    assert_fno_401(get(f"{sim.config.fno_url}/data/CustomersV3", app_token(sim, BC_AUDIENCE)), sim)


def test_expired_token_is_refused(sim):
    now = int(time.time())
    token = minted_token(sim, aud=sim.config.fno_url, iat=now - 7200, nbf=now - 7200, exp=now - 60)
    assert_fno_401(get(f"{sim.config.fno_url}/data/CustomersV3", token), sim)


def test_fno_token_is_refused_by_dataverse_and_business_central(sim):
    token = app_token(sim, sim.config.fno_url)
    assert get(f"{sim.config.crm_url}/api/data/v9.2/accounts", token).status_code == 401
    bc = get(f"{sim.config.bc_url}/v2.0/{sim.config.tenant_id}/production/api/v2.0/companies", token)
    assert bc.status_code == 401
    assert bc.json()["error"]["code"] == "Authentication_InvalidCredentials"
