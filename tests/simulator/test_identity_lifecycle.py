"""Grant lifecycles and test controls, on a private simulator with its own users and clients.

Refresh-token rotation, revocation and inactivity, code expiry, per-user/per-client failures and
the fault-injection hooks all change provider state, so they run against their own server
instead of the shared session one.
"""

from __future__ import annotations

from urllib.parse import urlencode

import jwt
import pytest
import requests

from simulator.config import DEFAULT_PASSWORD, SimClient, SimConfig, SimUser, default_clients, default_users
from simulator.identity.browser import pkce_pair, sign_in
from simulator.identity.errors import temporarily_unavailable, throttled
from simulator.identity.faults import FailNext
from simulator.identity.provider import IdentityProvider
from simulator.server import SimulatorServer

APP = "11110000-0000-4000-8000-0000000000a1"
APP_SECRET = "lifecycle-app-secret-value"
OTHER_APP = "11110000-0000-4000-8000-0000000000a2"
ROLES_APP = "11110000-0000-4000-8000-0000000000a3"
ALICE = "alice@contoso.onmicrosoft.com"
BOB = "bob@contoso.onmicrosoft.com"
ALICE_PASSWORD = "Alice-Passw0rd!"
REDIRECT = "http://localhost/callback"
LIFETIME = 120
INACTIVITY = 3600


@pytest.fixture(scope="module")
def lab():
    config = SimConfig(
        token_lifetime=LIFETIME,
        refresh_token_lifetime=INACTIVITY,
        users=default_users() + [
            SimUser(ALICE, password=ALICE_PASSWORD, given_name="Alice", family_name="Liddell"),
            SimUser(BOB),
            SimUser("disabled@contoso.onmicrosoft.com", disabled=True),
            SimUser("locked@contoso.onmicrosoft.com", locked=True),
        ],
        clients=default_clients() + [
            SimClient(APP, secret=APP_SECRET, public=False, redirect_uris=[REDIRECT]),
            SimClient(OTHER_APP, public=True),
            SimClient(ROLES_APP, secret=APP_SECRET, roles=["Dataverse.ReadWrite", "Admin"]),
        ],
    )
    with SimulatorServer(config) as server:
        yield server


@pytest.fixture
def provider(lab) -> IdentityProvider:
    identity: IdentityProvider = lab.apps.login.state.identity
    yield identity
    identity.reset()


def token(lab, version: int = 2, **data) -> requests.Response:
    path = "oauth2/token" if version == 1 else "oauth2/v2.0/token"
    return requests.post(f"{lab.config.login_url}/{lab.config.tenant_id}/{path}", data=data, timeout=10)


def ropc(lab, version: int = 2, user: str = ALICE, password: str = ALICE_PASSWORD, **extra) -> requests.Response:
    data = {"grant_type": "password", "client_id": APP, "client_secret": APP_SECRET, "username": user,
            "password": password}
    if version == 1:
        data["resource"] = lab.config.crm_url
    else:
        data["scope"] = f"{lab.config.crm_url}/user_impersonation offline_access openid profile"
    return token(lab, version, **(data | extra))


def refresh(lab, refresh_token: str, version: int = 2, **extra) -> requests.Response:
    data = {"grant_type": "refresh_token", "client_id": APP, "client_secret": APP_SECRET,
            "refresh_token": refresh_token}
    if version == 2:
        data["scope"] = f"{lab.config.crm_url}/user_impersonation offline_access openid profile"
    return token(lab, version, **(data | extra))


def claims_of(value: str) -> dict:
    return jwt.decode(value, options={"verify_signature": False})


def codes(response: requests.Response) -> list[int]:
    return response.json()["error_codes"]


# ----------------------------------------------------------------- configuration drives behaviour
def test_token_lifetime_comes_from_the_config(lab, provider):
    body = ropc(lab).json()
    assert body["expires_in"] == LIFETIME
    claims = claims_of(body["access_token"])
    assert claims["exp"] - claims["nbf"] == LIFETIME + 300
    assert claims["given_name"] == "Alice" and claims["family_name"] == "Liddell"


def test_a_users_own_password_is_checked(lab, provider):
    assert ropc(lab).status_code == 200
    assert codes(ropc(lab, password=DEFAULT_PASSWORD)) == [50126]


@pytest.mark.parametrize(("user", "code"), [("disabled@contoso.onmicrosoft.com", 50057),
                                             ("locked@contoso.onmicrosoft.com", 50053)])
def test_disabled_and_locked_accounts(lab, provider, user, code):
    response = ropc(lab, user=user, password=DEFAULT_PASSWORD)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant" and codes(response) == [code]


def test_app_roles_appear_in_app_only_tokens(lab, provider):
    response = token(lab, 2, grant_type="client_credentials", client_id=ROLES_APP, client_secret=APP_SECRET,
                     scope=f"{lab.config.crm_url}/.default")
    claims = claims_of(response.json()["access_token"])
    assert claims["roles"] == ["Dataverse.ReadWrite", "Admin"]
    assert claims["idtyp"] == "app" and "scp" not in claims


# ----------------------------------------------------------------- refresh tokens
def test_refresh_v2_rotates_the_refresh_token(lab, provider):
    first = ropc(lab).json()
    response = refresh(lab, first["refresh_token"], client_info="1")
    assert response.status_code == 200, response.text
    second = response.json()
    assert list(second) == ["token_type", "scope", "expires_in", "ext_expires_in", "access_token",
                            "refresh_token", "id_token", "client_info"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert claims_of(second["access_token"])["upn"] == ALICE
    # The new refresh token works, and (as in Entra) the old one is not revoked by the rotation.
    assert refresh(lab, second["refresh_token"]).status_code == 200
    assert refresh(lab, first["refresh_token"]).status_code == 200


def test_refresh_v1_can_switch_to_another_resource(lab, provider):
    first = ropc(lab, 1).json()
    response = refresh(lab, first["refresh_token"], 1, resource=lab.config.fno_url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["resource"] == lab.config.fno_url and body["expires_in"] == str(LIFETIME)
    assert claims_of(body["access_token"])["aud"] == lab.config.fno_url
    assert body["refresh_token"] != first["refresh_token"]
    assert "id_token" not in body
    # Without a resource, a refresh token's own (last) resource is used.
    assert refresh(lab, first["refresh_token"], 1).json()["resource"] == lab.config.crm_url
    assert refresh(lab, body["refresh_token"], 1).json()["resource"] == lab.config.fno_url


def test_refresh_token_of_another_client_is_rejected(lab, provider):
    first = ropc(lab).json()
    response = refresh(lab, first["refresh_token"], client_id=OTHER_APP, client_secret=None)
    assert response.status_code == 400 and codes(response) == [70000]


def test_revoked_refresh_tokens_fail_with_50173(lab, provider):
    alice, bob = ropc(lab).json(), ropc(lab, user=BOB, password=DEFAULT_PASSWORD).json()
    assert provider.revoke_refresh_tokens(ALICE) >= 1
    response = refresh(lab, alice["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant" and codes(response) == [50173]
    assert alice["refresh_token"] not in response.text
    assert refresh(lab, bob["refresh_token"]).status_code == 200


def test_single_refresh_token_revocation(lab, provider):
    one, two = ropc(lab).json(), ropc(lab).json()
    assert provider.revoke_refresh_token(one["refresh_token"])
    assert codes(refresh(lab, one["refresh_token"])) == [50173]
    assert refresh(lab, two["refresh_token"]).status_code == 200
    assert not provider.revoke_refresh_token("1.Anot-a-token")


def test_expired_refresh_token_fails_with_700082(lab, provider):
    body = ropc(lab).json()
    assert provider.expire_refresh_token(body["refresh_token"])
    response = refresh(lab, body["refresh_token"])
    assert response.status_code == 400 and codes(response) == [700082]
    assert "inactive for" in response.json()["error_description"]


def test_refresh_tokens_expire_after_inactivity_on_the_provider_clock(lab, provider):
    body = ropc(lab).json()
    provider.advance_clock(INACTIVITY - 60)
    renewed = refresh(lab, body["refresh_token"])
    assert renewed.status_code == 200  # use resets the inactivity window...
    provider.advance_clock(INACTIVITY - 60)
    assert refresh(lab, body["refresh_token"]).status_code == 200
    provider.advance_clock(INACTIVITY + 1)  # ...and a long pause ends it
    assert codes(refresh(lab, body["refresh_token"])) == [700082]


def test_refresh_fails_once_the_user_is_disabled(lab, provider):
    body = ropc(lab, user=BOB, password=DEFAULT_PASSWORD).json()
    bob = lab.config.user(BOB)
    bob.disabled = True
    try:
        assert codes(refresh(lab, body["refresh_token"])) == [50057]
    finally:
        bob.disabled = False


def test_refresh_needs_the_client_secret_of_a_confidential_app(lab, provider):
    body = ropc(lab).json()
    response = refresh(lab, body["refresh_token"], client_secret=None)
    assert response.status_code == 401 and codes(response) == [7000218]


# ----------------------------------------------------------------- authorization codes
def _code(lab, **params) -> tuple[str, str]:
    verifier, challenge = pkce_pair()
    query = {"client_id": APP, "response_type": "code", "redirect_uri": REDIRECT,
             "scope": f"{lab.config.crm_url}/.default offline_access", "code_challenge": challenge,
             "code_challenge_method": "S256"} | params
    url = f"{lab.config.login_url}/{lab.config.tenant_id}/oauth2/v2.0/authorize?{urlencode(query)}"
    result = sign_in(url, ALICE, ALICE_PASSWORD)
    return result.params["code"], verifier


def _redeem(lab, code: str, verifier: str, **extra) -> requests.Response:
    return token(lab, 2, **({"grant_type": "authorization_code", "client_id": APP, "client_secret": APP_SECRET,
                            "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier,
                            "scope": f"{lab.config.crm_url}/.default offline_access"} | extra))


def test_confidential_code_redemption_with_secret(lab, provider):
    code, verifier = _code(lab)
    response = _redeem(lab, code, verifier)
    assert response.status_code == 200, response.text
    body = response.json()
    assert claims_of(body["access_token"])["appidacr"] == "1"
    assert "refresh_token" in body and "id_token" not in body  # no openid asked


def test_codes_expire_after_ten_minutes(lab, provider):
    code, verifier = _code(lab)
    provider.advance_clock(provider.code_lifetime + 1)
    response = _redeem(lab, code, verifier)
    assert response.status_code == 400 and codes(response) == [70008]


def test_codes_and_refresh_tokens_are_stored_by_fingerprint_only(lab, provider):
    code, verifier = _code(lab)
    refresh_token = _redeem(lab, code, verifier).json()["refresh_token"]
    stored = repr(provider.codes.records()) + repr(provider.refresh_tokens.records())
    assert code not in stored and refresh_token not in stored and verifier not in stored


# ----------------------------------------------------------------- hooks and outages
def test_a_hook_can_make_the_provider_temporarily_unavailable(lab, provider):
    hook = provider.add_hook(FailNext(1, lambda: temporarily_unavailable(retry_after=3)))
    down = ropc(lab)
    assert down.status_code == 503
    body = down.json()
    assert body["error"] == "temporarily_unavailable" and body["error_codes"] == [90006]
    assert body["error_description"].startswith("AADSTS90006: ")
    assert down.headers["Retry-After"] == "3"
    assert down.headers["Cache-Control"] == "no-store, no-cache"
    assert ropc(lab).status_code == 200  # one failure only
    assert hook.failed == 1 and hook.remaining == 0


def test_a_hook_can_throttle_with_retry_after(lab, provider):
    provider.add_hook(FailNext(2, lambda: throttled(retry_after=7), grant_type="client_credentials"))
    assert ropc(lab).status_code == 200  # other grants are not affected
    cc = {"grant_type": "client_credentials", "client_id": ROLES_APP, "client_secret": APP_SECRET,
          "scope": f"{lab.config.crm_url}/.default"}
    for _ in range(2):
        response = token(lab, 2, **cc)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
        assert response.json()["error_codes"] == [90055]
    assert token(lab, 2, **cc).status_code == 200


def test_a_permanent_outage_until_the_hook_is_removed(lab, provider):
    hook = provider.add_hook(FailNext(None, temporarily_unavailable))
    assert [ropc(lab).status_code for _ in range(3)] == [503, 503, 503]
    assert "Retry-After" not in ropc(lab).headers
    provider.remove_hook(hook)
    assert ropc(lab).status_code == 200


def test_hooks_see_the_call_without_exposing_secrets(lab, provider):
    seen = []
    provider.add_hook(lambda call: seen.append(call))
    ropc(lab, 1)
    (call,) = seen
    assert call.version == 1 and call.grant_type == "password" and call.client_id == APP
    assert call.tenant == lab.config.tenant_id
    assert ALICE_PASSWORD not in repr(call) and APP_SECRET not in repr(call)


def test_token_calls_are_recorded_without_secrets(lab, provider):
    ropc(lab)
    ropc(lab, password="nope-nope")
    last_two = list(provider.calls)[-2:]
    assert [(c.grant_type, c.status) for c in last_two] == [("password", 200), ("password", 400)]
    assert "nope-nope" not in repr(last_two)


def test_reset_forgets_grants(lab, provider):
    body = ropc(lab).json()
    provider.reset()
    assert len(provider.refresh_tokens) == 0
    assert codes(refresh(lab, body["refresh_token"])) == [9002313]
