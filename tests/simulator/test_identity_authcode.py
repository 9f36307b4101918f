"""Authorization-code flow: the sign-in page, the hand-back modes, PKCE and code redemption."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

import jwt
import pytest
import requests

from simulator.config import DEFAULT_PASSWORD, EXPIRED_SECRET_CLIENT_ID, PUBLIC_CLIENT_ID, SimConfig
from simulator.identity.browser import parse_form, pkce_pair, sign_in

ADMIN = "admin@contoso.onmicrosoft.com"
REDIRECT = "http://localhost:8400/callback"


def authorize_url(sim, version: int = 2, **params) -> str:
    config: SimConfig = sim.config
    tenant = params.pop("tenant", config.tenant_id)
    query = {"client_id": PUBLIC_CLIENT_ID, "response_type": "code", "redirect_uri": REDIRECT,
             "state": secrets.token_urlsafe(8)}
    if version == 2:
        query["scope"] = f"{config.crm_url}/user_impersonation offline_access openid profile"
        path = "oauth2/v2.0/authorize"
    else:
        query["resource"] = config.crm_url
        path = "oauth2/authorize"
    query |= params
    query = {name: value for name, value in query.items() if value is not None}
    return f"{config.login_url}/{tenant}/{path}?{urlencode(query)}"


def redeem(sim, code: str, version: int = 2, **extra) -> requests.Response:
    data = {"grant_type": "authorization_code", "client_id": PUBLIC_CLIENT_ID, "code": code,
            "redirect_uri": REDIRECT}
    if version == 2:
        data["scope"] = f"{sim.config.crm_url}/user_impersonation offline_access openid profile"
    path = "oauth2/token" if version == 1 else "oauth2/v2.0/token"
    data = {name: value for name, value in (data | extra).items() if value is not None}
    return requests.post(f"{sim.config.login_url}/{sim.config.tenant_id}/{path}", data=data, timeout=10)


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def error_code(response: requests.Response) -> int:
    return response.json()["error_codes"][0]


# ----------------------------------------------------------------- the page
def test_authorize_renders_a_sign_in_form_that_carries_the_request(sim):
    verifier, challenge = pkce_pair()
    url = authorize_url(sim, code_challenge=challenge, code_challenge_method="S256", state="st-1",
                        login_hint=ADMIN)
    page = requests.get(url, timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    form = parse_form(page.text)
    assert form is not None and form.method == "post"
    assert {"login", "passwd"} <= set(form.fields)
    assert form.fields["login"] == ADMIN  # login_hint pre-fills the user name
    assert form.fields["client_id"] == PUBLIC_CLIENT_ID
    assert form.fields["state"] == "st-1"
    assert form.fields["code_challenge"] == challenge
    assert form.fields["redirect_uri"] == REDIRECT


# ----------------------------------------------------------------- full flows
def test_v2_code_flow_with_s256_pkce(sim):
    verifier, challenge = pkce_pair("S256")
    url = authorize_url(sim, code_challenge=challenge, code_challenge_method="S256", state="abc",
                        nonce="n-0S6", client_info="1")
    result = sign_in(url, ADMIN, DEFAULT_PASSWORD)
    assert result.status == 302 and result.mode == "query"
    assert result.redirect_to == REDIRECT
    assert result.params["state"] == "abc"
    assert result.params["session_state"] and result.params["client_info"]
    code = result.params["code"]
    response = redeem(sim, code, code_verifier=verifier, client_info="1")
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body["expires_in"], int)
    assert body["scope"] == f"{sim.config.crm_url}/user_impersonation"
    assert {"refresh_token", "id_token", "client_info"} <= set(body)
    claims = claims_of(body["access_token"])
    assert claims["upn"] == ADMIN and claims["aud"] == sim.config.crm_url and claims["appidacr"] == "0"
    assert claims_of(body["id_token"])["nonce"] == "n-0S6"
    assert code not in response.text.replace(body["access_token"], "")


def test_v1_code_flow_takes_the_resource_from_authorize(sim):
    verifier, challenge = pkce_pair("S256")
    result = sign_in(authorize_url(sim, version=1, code_challenge=challenge, code_challenge_method="S256"),
                     ADMIN, DEFAULT_PASSWORD)
    assert "client_info" not in result.params and "session_state" in result.params
    response = redeem(sim, result.params["code"], version=1, code_verifier=verifier)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["resource"] == sim.config.crm_url and body["expires_in"].isdigit()
    assert body["id_token"].endswith(".")  # unsigned v1 ID token


def test_v1_code_can_be_redeemed_for_another_known_resource(sim):
    result = sign_in(authorize_url(sim, version=1), ADMIN, DEFAULT_PASSWORD)
    response = redeem(sim, result.params["code"], version=1, resource=sim.config.fno_url)
    assert response.status_code == 200, response.text
    assert claims_of(response.json()["access_token"])["aud"] == sim.config.fno_url


def test_plain_pkce_and_no_pkce_both_work(sim):
    verifier, challenge = pkce_pair("plain")
    result = sign_in(authorize_url(sim, code_challenge=challenge, code_challenge_method="plain"),
                     ADMIN, DEFAULT_PASSWORD)
    assert redeem(sim, result.params["code"], code_verifier=verifier).status_code == 200
    # A challenge without a method is treated as plain.
    result = sign_in(authorize_url(sim, code_challenge=challenge), ADMIN, DEFAULT_PASSWORD)
    assert redeem(sim, result.params["code"], code_verifier=verifier).status_code == 200
    result = sign_in(authorize_url(sim), ADMIN, DEFAULT_PASSWORD)
    assert redeem(sim, result.params["code"]).status_code == 200


def test_fragment_response_mode(sim):
    result = sign_in(authorize_url(sim, response_mode="fragment", state="frag"), ADMIN, DEFAULT_PASSWORD)
    assert result.status == 302 and result.mode == "fragment"
    assert result.params["state"] == "frag"
    assert redeem(sim, result.params["code"]).status_code == 200


def test_form_post_response_mode(sim):
    result = sign_in(authorize_url(sim, response_mode="form_post", state="fp"), ADMIN, DEFAULT_PASSWORD)
    assert result.status == 200 and result.mode == "form_post"
    assert result.redirect_to == REDIRECT
    assert result.params["state"] == "fp"
    assert "document.forms[0].submit()" in result.html
    assert redeem(sim, result.params["code"]).status_code == 200


def test_loopback_redirect_uris_accept_any_port_and_host_alias(sim):
    redirect = "http://127.0.0.1:54321/auth/done"
    result = sign_in(authorize_url(sim, redirect_uri=redirect), ADMIN, DEFAULT_PASSWORD)
    assert result.redirect_to == redirect
    assert redeem(sim, result.params["code"], redirect_uri=redirect).status_code == 200


def test_mfa_user_signs_in_interactively_with_mfa_in_amr(sim):
    result = sign_in(authorize_url(sim), "mfa@contoso.onmicrosoft.com", DEFAULT_PASSWORD)
    response = redeem(sim, result.params["code"])
    assert response.status_code == 200, response.text
    assert claims_of(response.json()["access_token"])["amr"] == ["pwd", "mfa"]


# ----------------------------------------------------------------- redemption errors
def test_pkce_verifier_mismatch_is_501481(sim):
    _, challenge = pkce_pair("S256")
    result = sign_in(authorize_url(sim, code_challenge=challenge, code_challenge_method="S256"),
                     ADMIN, DEFAULT_PASSWORD)
    wrong = redeem(sim, result.params["code"], code_verifier=secrets.token_urlsafe(48))
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant" and error_code(wrong) == 501481
    missing = redeem(sim, result.params["code"])
    assert error_code(missing) == 900144 and "code_verifier" in missing.json()["error_description"]


def test_a_code_is_single_use(sim):
    result = sign_in(authorize_url(sim), ADMIN, DEFAULT_PASSWORD)
    assert redeem(sim, result.params["code"]).status_code == 200
    again = redeem(sim, result.params["code"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant" and error_code(again) == 54005
    assert result.params["code"] not in again.text


def test_redirect_uri_must_match_the_authorize_request(sim):
    result = sign_in(authorize_url(sim), ADMIN, DEFAULT_PASSWORD)
    response = redeem(sim, result.params["code"], redirect_uri="http://localhost:8400/other")
    assert response.status_code == 400 and error_code(response) == 50011
    assert response.json()["error"] == "invalid_grant"
    assert error_code(redeem(sim, result.params["code"], redirect_uri=None)) == 900144


def test_a_code_only_works_for_the_client_it_was_issued_to(sim):
    result = sign_in(authorize_url(sim), ADMIN, DEFAULT_PASSWORD)
    response = redeem(sim, result.params["code"], client_id="5a1e0c1d-0000-4000-8000-00000000c11e")
    assert response.status_code == 400 and error_code(response) == 70000


def test_a_confidential_client_must_authenticate_to_redeem(sim):
    url = authorize_url(sim, client_id=EXPIRED_SECRET_CLIENT_ID)
    result = sign_in(url, ADMIN, DEFAULT_PASSWORD)
    response = redeem(sim, result.params["code"], client_id=EXPIRED_SECRET_CLIENT_ID)
    assert response.status_code == 401 and error_code(response) == 7000218


def test_redeeming_a_resourceless_code_without_a_resource_scope_is_28003(sim):
    result = sign_in(authorize_url(sim, scope="openid profile"), ADMIN, DEFAULT_PASSWORD)
    response = redeem(sim, result.params["code"], scope="openid")
    assert response.status_code == 400 and error_code(response) == 28003


# ----------------------------------------------------------------- sign-in and authorize errors
def test_wrong_password_stays_on_the_page_and_does_not_echo_it(sim):
    result = sign_in(authorize_url(sim, state="keep"), ADMIN, "Not-The-Passw0rd")
    assert result.status == 200 and result.mode is None
    assert "AADSTS50126" in result.html
    assert "Not-The-Passw0rd" not in result.html
    form = parse_form(result.html)
    assert form.fields["login"] == ADMIN and form.fields["passwd"] == ""
    assert form.fields["state"] == "keep"


def test_unknown_user_stays_on_the_page(sim):
    result = sign_in(authorize_url(sim), "ghost@contoso.onmicrosoft.com", DEFAULT_PASSWORD)
    assert result.status == 200 and "AADSTS50034" in result.html


def test_missing_consent_is_redirected_as_consent_required(sim):
    result = sign_in(authorize_url(sim, state="c"), "noconsent@contoso.onmicrosoft.com", DEFAULT_PASSWORD)
    assert result.status == 302
    assert result.params["error"] == "consent_required"
    assert result.params["error_description"].startswith("AADSTS65001: ")
    assert result.params["state"] == "c"
    assert "code" not in result.params


@pytest.mark.parametrize(("params", "error", "code"), [
    ({"scope": "not-a-scope"}, "invalid_scope", 70011),
    ({"scope": "https://unknown.crm.dynamics.com/user_impersonation"}, "invalid_resource", 500011),
    ({"response_type": "token"}, "unsupported_response_type", 70005),
    ({"response_mode": "post_message"}, "invalid_request", 70007),
    ({"code_challenge": "too-short", "code_challenge_method": "S256"}, "invalid_request", 501491),
    ({"code_challenge_method": "S512", "code_challenge": "x" * 43}, "invalid_request", 9002313),
    ({"prompt": "none"}, "login_required", 50058),
])
def test_authorize_errors_are_redirected_to_the_app(sim, params, error, code):
    response = requests.get(authorize_url(sim, state="s1", **params), allow_redirects=False, timeout=10)
    assert response.status_code == 302
    result = sign_in(authorize_url(sim, state="s1", **params), ADMIN, DEFAULT_PASSWORD)
    assert result.redirect_to == REDIRECT
    assert result.params["error"] == error
    assert result.params["error_description"].startswith(f"AADSTS{code}: ")
    assert "Trace ID: " in result.params["error_description"]
    assert result.params["state"] == "s1"


@pytest.mark.parametrize(("params", "code"), [
    ({"redirect_uri": "https://evil.example/callback"}, 50011),
    ({"client_id": "0bad0000-0000-4000-8000-00000000c0de"}, 700016),
    ({"client_id": None}, 900144),
    ({"tenant": "no-such-tenant.example"}, 90002),
])
def test_untrusted_authorize_errors_stay_on_an_error_page(sim, params, code):
    response = requests.get(authorize_url(sim, **params), allow_redirects=False, timeout=10)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert f"AADSTS{code}:" in response.text


def test_v1_authorize_with_an_unknown_resource_redirects_invalid_resource(sim):
    result = sign_in(authorize_url(sim, version=1, resource="https://nope.crm.dynamics.com"), ADMIN,
                     DEFAULT_PASSWORD)
    assert result.params["error"] == "invalid_resource"


def test_logout_redirects_to_the_post_logout_uri(sim):
    url = f"{sim.config.login_url}/{sim.config.tenant_id}/oauth2/v2.0/logout?post_logout_redirect_uri={REDIRECT}"
    response = requests.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 302 and response.headers["Location"] == REDIRECT
