"""Tokens straight from the simulator's identity provider, for tests that talk raw HTTP."""

from __future__ import annotations

import time

import requests

from simulator.config import CONFIDENTIAL_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, PUBLIC_CLIENT_ID


def ropc_token(sim, resource: str, username: str = "admin@contoso.onmicrosoft.com") -> str:
    """A user token for ``resource`` from the simulator's v1 token endpoint (the users' ROPC flow)."""
    config = sim.config
    reply = requests.post(f"{config.login_url}/{config.tenant_id}/oauth2/token", data={
        "grant_type": "password", "client_id": PUBLIC_CLIENT_ID, "resource": resource,
        "username": username, "password": DEFAULT_PASSWORD}, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()["access_token"]


def app_token(sim, audience: str) -> str:
    """An app-only token for ``audience`` (client credentials, v2 endpoint)."""
    config = sim.config
    reply = requests.post(f"{config.login_url}/{config.tenant_id}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": CONFIDENTIAL_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET, "scope": audience.rstrip("/") + "/.default"}, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()["access_token"]


def minted_token(sim, **overrides) -> str:
    """A token signed in-process, for the bad-token cases the IdP would never issue."""
    config = sim.config
    now = int(time.time())
    admin = config.users[0]
    claims = {"aud": config.crm_url, "iss": f"https://sts.windows.net/{config.tenant_id}/", "iat": now,
              "nbf": now, "exp": now + 3600, "tid": config.tenant_id, "oid": admin.object_id,
              "upn": admin.upn, "scp": "user_impersonation", "appid": PUBLIC_CLIENT_ID, "ver": "1.0"}
    claims.update(overrides)
    return sim.apps.key.sign({k: v for k, v in claims.items() if v is not None})
