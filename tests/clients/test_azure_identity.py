"""azure-identity's credentials (what Microsoft's Dataverse SDK takes), unchanged, against the https simulator.

Settings: ``authority`` (the simulator's login host; azure-identity refuses anything but https),
tenant, client id and secret or user, the CA bundle, and ``disable_instance_discovery=True``: the
credentials build on MSAL, azure-identity offers no way to name another instance-discovery endpoint,
and MSAL's default asks login.microsoftonline.com about any host it does not know.
"""

from __future__ import annotations

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import (
    AuthorizationCodeCredential,
    ClientSecretCredential,
    DeviceCodeCredential,
    UsernamePasswordCredential,
)

from simulator.config import CONFIDENTIAL_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, PUBLIC_CLIENT_ID
from tests.clients.signin import enter_device_code, sign_in

pytestmark = [pytest.mark.client("azure-identity"), pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def _whoami(sim, token: str, bundle: str) -> dict:
    reply = requests.get(f"{sim.config.crm_url}/api/data/v9.2/WhoAmI", headers={"Authorization": f"Bearer {token}"},
                         verify=bundle, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_client_secret_credential(client_sim, trust_sim):
    credential = ClientSecretCredential(client_sim.config.tenant_id, CONFIDENTIAL_CLIENT_ID, DEFAULT_CLIENT_SECRET,
                                        authority=client_sim.config.login_url, disable_instance_discovery=True)
    token = credential.get_token(f"{client_sim.config.crm_url}/.default")
    assert token.expires_on > 0
    assert _whoami(client_sim, token.token, trust_sim)["UserId"]
    fno = credential.get_token(f"{client_sim.config.fno_url}/.default")
    assert fno.token != token.token


def test_client_secret_credential_wrong_secret_raises_with_the_aadsts_code(client_sim, trust_sim):
    credential = ClientSecretCredential(client_sim.config.tenant_id, CONFIDENTIAL_CLIENT_ID, "wrong",
                                        authority=client_sim.config.login_url, disable_instance_discovery=True)
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
        credential.get_token(f"{client_sim.config.crm_url}/.default")


def test_username_password_credential(client_sim, trust_sim):
    credential = UsernamePasswordCredential(PUBLIC_CLIENT_ID, client_sim.config.users[0].upn, DEFAULT_PASSWORD,
                                            tenant_id=client_sim.config.tenant_id,
                                            authority=client_sim.config.login_url, disable_instance_discovery=True)
    token = credential.get_token(f"{client_sim.config.crm_url}/user_impersonation")
    assert _whoami(client_sim, token.token, trust_sim)["UserId"]


def test_device_code_credential(client_sim, trust_sim):
    user = client_sim.config.users[0].upn

    def prompt(verification_uri: str, user_code: str, expires_on) -> None:  # the user signs in on another device
        assert enter_device_code(verification_uri, user_code, trust_sim, user).status_code == 200

    credential = DeviceCodeCredential(PUBLIC_CLIENT_ID, tenant_id=client_sim.config.tenant_id,
                                      authority=client_sim.config.login_url, prompt_callback=prompt,
                                      disable_instance_discovery=True)
    token = credential.get_token(f"{client_sim.config.crm_url}/user_impersonation")
    assert _whoami(client_sim, token.token, trust_sim)["UserId"]


def test_authorization_code_credential(client_sim, trust_sim):
    config = client_sim.config
    scope = f"{config.crm_url}/user_impersonation"
    auth_uri = requests.Request("GET", f"{config.login_url}/{config.tenant_id}/oauth2/v2.0/authorize", params={
        "client_id": PUBLIC_CLIENT_ID, "response_type": "code", "redirect_uri": "http://localhost",
        "scope": f"openid offline_access {scope}", "state": "s1"}).prepare().url
    response = sign_in(auth_uri, trust_sim, config.users[0].upn)
    assert response["state"] == "s1"
    credential = AuthorizationCodeCredential(config.tenant_id, PUBLIC_CLIENT_ID, response["code"], "http://localhost",
                                             authority=config.login_url, disable_instance_discovery=True)
    token = credential.get_token(scope)
    assert _whoami(client_sim, token.token, trust_sim)["UserId"]
    assert credential.get_token(scope).token == token.token  # cached
