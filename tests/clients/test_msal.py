"""MSAL for Python, unchanged, against the https simulator.

Settings: ``authority`` (the simulator's login host + tenant), ``instance_discovery`` pointed at the
simulator's own ``/common/discovery/instance`` (MSAL's default asks login.microsoftonline.com about
any unknown host; ``instance_discovery=False`` works too), client id/secret, and the CA bundle.
"""

from __future__ import annotations

import msal
import pytest
import requests

from simulator.config import CONFIDENTIAL_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, PUBLIC_CLIENT_ID
from tests.clients.signin import enter_device_code_later, sign_in

pytestmark = [pytest.mark.client("msal"), pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:response_mode=.form_post. is recommended:UserWarning")]


def _kwargs(sim) -> dict:
    login = sim.config.login_url
    return {"authority": f"{login}/{sim.config.tenant_id}", "instance_discovery": f"{login}/common/discovery/instance"}


def _whoami(sim, token: str, bundle: str) -> dict:
    reply = requests.get(f"{sim.config.crm_url}/api/data/v9.2/WhoAmI", headers={"Authorization": f"Bearer {token}"},
                         verify=bundle, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _user_scopes(sim) -> list[str]:
    return [f"{sim.config.crm_url}/user_impersonation"]


def test_acquire_token_for_client_and_cache(client_sim, trust_sim):
    app = msal.ConfidentialClientApplication(CONFIDENTIAL_CLIENT_ID, client_credential=DEFAULT_CLIENT_SECRET,
                                             **_kwargs(client_sim))
    scopes = [f"{client_sim.config.crm_url}/.default"]
    result = app.acquire_token_for_client(scopes)
    assert "access_token" in result, result
    assert result["token_source"] == "identity_provider"
    assert _whoami(client_sim, result["access_token"], trust_sim)["UserId"]
    again = app.acquire_token_for_client(scopes)
    assert again["token_source"] == "cache"


def test_acquire_token_by_username_password(client_sim, trust_sim):
    app = msal.PublicClientApplication(PUBLIC_CLIENT_ID, **_kwargs(client_sim))
    user = client_sim.config.users[0]
    result = app.acquire_token_by_username_password(user.upn, DEFAULT_PASSWORD, scopes=_user_scopes(client_sim))
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == user.upn
    assert _whoami(client_sim, result["access_token"], trust_sim)["UserId"]
    [account] = app.get_accounts()
    assert account["username"] == user.upn


def test_wrong_password_comes_back_as_entra_error(client_sim, trust_sim):
    app = msal.PublicClientApplication(PUBLIC_CLIENT_ID, **_kwargs(client_sim))
    result = app.acquire_token_by_username_password(client_sim.config.users[0].upn, "wrong",
                                                    scopes=_user_scopes(client_sim))
    assert result["error"] == "invalid_grant"
    assert result["error_codes"] == [50126]


def test_acquire_token_silent_refreshes(client_sim, trust_sim):
    app = msal.PublicClientApplication(PUBLIC_CLIENT_ID, **_kwargs(client_sim))
    user = client_sim.config.users[0]
    first = app.acquire_token_by_username_password(user.upn, DEFAULT_PASSWORD, scopes=_user_scopes(client_sim))
    assert "refresh_token" in first
    [account] = app.get_accounts(username=user.upn)
    cached = app.acquire_token_silent(_user_scopes(client_sim), account=account)
    assert cached["token_source"] == "cache"
    refreshed = app.acquire_token_silent(_user_scopes(client_sim), account=account, force_refresh=True)
    assert refreshed and refreshed["token_source"] == "identity_provider", refreshed
    assert refreshed["access_token"] != first["access_token"]
    assert _whoami(client_sim, refreshed["access_token"], trust_sim)["UserId"]


def test_acquire_token_by_auth_code_flow(client_sim, trust_sim):
    app = msal.PublicClientApplication(PUBLIC_CLIENT_ID, **_kwargs(client_sim))
    flow = app.initiate_auth_code_flow(_user_scopes(client_sim), redirect_uri="http://localhost")
    assert flow["auth_uri"].startswith(client_sim.config.login_url + "/")
    response = sign_in(flow["auth_uri"], trust_sim, client_sim.config.users[0].upn)
    result = app.acquire_token_by_auth_code_flow(flow, response)
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == client_sim.config.users[0].upn
    assert _whoami(client_sim, result["access_token"], trust_sim)["UserId"]


def test_acquire_token_by_device_flow_polls_until_the_user_signs_in(client_sim, trust_sim):
    app = msal.PublicClientApplication(PUBLIC_CLIENT_ID, **_kwargs(client_sim))
    flow = app.initiate_device_flow(scopes=_user_scopes(client_sim))
    assert "user_code" in flow, flow
    assert flow["verification_uri"].startswith(client_sim.config.login_url + "/")
    assert flow["user_code"] in flow["message"]
    identity = client_sim.apps.login.state.identity
    before = len(identity.calls)
    user = enter_device_code_later(flow["verification_uri"], flow["user_code"], trust_sim,
                                   client_sim.config.users[0].upn)
    result = app.acquire_token_by_device_flow(flow)
    user.join(5)
    assert "access_token" in result, result
    polls = [call.status for call in list(identity.calls)[before:] if "device_code" in call.grant_type]
    assert 400 in polls and polls[-1] == 200  # authorization_pending first, then the tokens
    assert _whoami(client_sim, result["access_token"], trust_sim)["UserId"]


def test_device_flow_expires(client_sim, trust_sim):
    app = msal.PublicClientApplication(PUBLIC_CLIENT_ID, **_kwargs(client_sim))
    flow = app.initiate_device_flow(scopes=_user_scopes(client_sim))
    identity = client_sim.apps.login.state.identity
    identity.advance_clock(client_sim.config.device_code_lifetime + 1)
    try:
        result = app.acquire_token_by_device_flow(flow)
    finally:
        identity.advance_clock(-(client_sim.config.device_code_lifetime + 1))
    assert result["error"] == "expired_token", result
    assert result["error_codes"] == [70019]


def test_instance_discovery_refuses_another_host(client_sim, trust_sim):
    login = client_sim.config.login_url
    with pytest.raises(ValueError, match="invalid_instance"):
        msal.PublicClientApplication(PUBLIC_CLIENT_ID, authority=f"https://localhost/{client_sim.config.tenant_id}",
                                     instance_discovery=f"{login}/common/discovery/instance")
