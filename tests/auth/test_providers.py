"""Every token provider against the simulator's Entra ID, in v1 and v2, and the token it gets is accepted."""

from __future__ import annotations

import threading
import time

import jwt
import pytest
import requests

from harness.auth import (
    AuthError,
    AuthorizationCodeProvider,
    ClientCredentialsProvider,
    MemoryTokenCache,
    PasswordProvider,
    PastedTokenProvider,
    RefreshTokenProvider,
    TokenAuth,
    build_authorize_url,
    exchange_code,
    make_pkce_pair,
    provider_for,
)
from harness.auth.authcode import LoopbackListener
from harness.secrets import Secret
from simulator.config import CONFIDENTIAL_CLIENT_ID, DEFAULT_CLIENT_SECRET, PUBLIC_CLIENT_ID
from tests.auth.conftest import ADMIN, MFA_USER, NOCONSENT_USER, SignInDriver

VERSIONS = ["v1", "v2"]


def whoami(sim, provider) -> requests.Response:
    with requests.Session() as http:
        http.auth = TokenAuth(provider)
        return http.get(f"{sim.config.crm_url}/api/data/v9.2/WhoAmI", timeout=10)


@pytest.mark.parametrize("version", VERSIONS)
def test_password_grant(sim, target, counter, version):
    settings = target("crm", grant="password", version=version)
    provider = provider_for(settings, MemoryTokenCache(), session=counter.session)
    assert isinstance(provider, PasswordProvider)
    token = provider.get_token()
    assert token.claims["aud"].rstrip("/") == sim.config.crm_url
    assert token.claims["upn"] == ADMIN and token.claims["appid"] == PUBLIC_CLIENT_ID
    assert token.refresh_token is not None  # v1 by default, v2 thanks to offline_access
    assert token.token_type == "Bearer" and token.source == "idp"
    assert 3000 < token.expires_in() <= 3600
    assert counter.grants == {"password": 1}
    reply = whoami(sim, provider)
    assert reply.status_code == 200, reply.text
    assert reply.json()["UserId"]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", ["crm", "fno", "bc"])
def test_client_credentials_grant(sim, target, counter, version, name):
    settings = target(name, grant="client_credentials", version=version)
    provider = provider_for(settings, MemoryTokenCache(), session=counter.session)
    assert isinstance(provider, ClientCredentialsProvider)
    token = provider.get_token()
    expected = "https://api.businesscentral.dynamics.com" if name == "bc" else settings.url
    assert token.claims["aud"].rstrip("/") == expected
    assert token.claims["appid"] == CONFIDENTIAL_CLIENT_ID and "upn" not in token.claims
    assert token.refresh_token is None
    assert counter.grants == {"client_credentials": 1}


@pytest.mark.parametrize("version", VERSIONS)
def test_refresh_token_grant_from_settings_rotates_into_the_cache(sim, target, counter, version):
    first = provider_for(target("crm", grant="password", version=version)).get_token()
    settings = target("crm", grant="refresh_token", version=version, refresh_token=first.refresh_token)
    cache = MemoryTokenCache()
    provider = provider_for(settings, cache, session=counter.session)
    assert isinstance(provider, RefreshTokenProvider)
    token = provider.get_token()
    assert token.claims["upn"] == ADMIN and token.source == "refresh"
    assert counter.grants == {"refresh_token": 1}
    stored = cache.get(provider.key)
    assert stored is not None and stored.refresh_token is not None
    assert stored.refresh_token != first.refresh_token  # the simulator rotates refresh tokens
    # Forced renewal uses the rotated token from the cache, not the one in settings.
    provider.get_token(force_refresh=True)
    assert counter.grants == {"refresh_token": 2}


def test_pasted_token_is_used_as_is(sim, target):
    real = provider_for(target("crm", grant="password")).get_token()
    settings = target("crm", grant="token", access_token=real.value)
    provider = provider_for(settings)
    assert isinstance(provider, PastedTokenProvider)
    token = provider.get_token()
    assert token.value == real.value and token.source == "pasted"
    assert token.expires_at == real.claims["exp"]
    assert whoami(sim, provider).status_code == 200


def test_expired_pasted_token_asks_for_a_new_one(target):
    expired = jwt.encode({"exp": int(time.time()) - 60, "aud": "x"}, "k" * 32, algorithm="HS256")
    provider = PastedTokenProvider(target("fno", grant="token", access_token=expired))
    with pytest.raises(AuthError) as info:
        provider.get_token()
    message = str(info.value)
    assert "FNO_ACCESS_TOKEN" in message and "expired at" in message and "paste a new token" in message
    assert expired not in message


# ----------------------------------------------------------------------------- authorization code
@pytest.mark.parametrize("version", VERSIONS)
def test_authorization_code_with_pkce_end_to_end(sim, target, counter, version):
    settings = target("crm", grant="authorization_code", version=version, redirect_uri="http://localhost:0/")
    driver = SignInDriver()
    provider = provider_for(settings, MemoryTokenCache(), session=counter.session, open_url=driver)
    assert isinstance(provider, AuthorizationCodeProvider)
    token = provider.get_token()
    assert token.claims["upn"] == ADMIN and token.refresh_token is not None
    assert counter.grants == {"authorization_code": 1}
    # The browser landed on the local listener, on a real port, with a code and the state.
    assert driver.final is not None and driver.final.status_code == 200
    assert "Signed in" in driver.final.text
    assert driver.final.url.startswith("http://localhost:") and ":0/" not in driver.final.url
    url = driver.urls[0]
    assert "code_challenge_method=S256" in url and "code_challenge=" in url
    assert ("resource=" in url) == (version == "v1") and ("scope=" in url) == (version == "v2")
    # The next token comes from the refresh token, without a second sign-in.
    provider.get_token(force_refresh=True)
    assert counter.grants == {"authorization_code": 1, "refresh_token": 1}
    assert len(driver.urls) == 1
    assert whoami(sim, provider).status_code == 200


def test_authorization_code_works_for_an_mfa_user(target):
    settings = target("crm", grant="authorization_code", user=MFA_USER, redirect_uri="http://127.0.0.1:0/cb")
    token = provider_for(settings, open_url=SignInDriver(login=MFA_USER)).get_token()
    assert token.claims["upn"] == MFA_USER
    assert "mfa" in token.claims.get("amr", [])


def test_authorization_code_error_redirect_becomes_auth_error(target):
    settings = target("crm", grant="authorization_code", user=NOCONSENT_USER, redirect_uri="http://localhost:0/")
    provider = provider_for(settings, open_url=SignInDriver(login=NOCONSENT_USER))
    with pytest.raises(AuthError) as info:
        provider.get_token()
    assert info.value.error == "consent_required" and info.value.aadsts == 65001
    assert "adminconsent?client_id=" in str(info.value)


def test_no_browser_mode_prints_the_url_and_waits(target, capsys):
    settings = target("crm", grant="authorization_code", redirect_uri="http://localhost:0/")
    provider = provider_for(settings, no_browser=True, wait_timeout=30)
    result: dict = {}
    worker = threading.Thread(target=lambda: result.setdefault("token", provider.get_token()))
    worker.start()
    printed = ""
    deadline = time.monotonic() + 20
    while "oauth2/" not in printed and time.monotonic() < deadline:
        printed += capsys.readouterr().out
        time.sleep(0.02)
    url = next(line for line in printed.splitlines() if line.startswith("http"))
    assert "open this URL in a browser" in printed and "code_challenge=" in url
    SignInDriver()(url)
    worker.join(timeout=20)
    assert result["token"].claims["upn"] == ADMIN


def test_build_authorize_url_and_exchange_code_can_be_driven_directly(sim, target):
    settings = target("fno", grant="authorization_code", version="v2")
    verifier, challenge = make_pkce_pair()
    assert 43 <= len(verifier) <= 128 and len(challenge) == 43
    with LoopbackListener("http://localhost:0/") as listener:
        url = build_authorize_url(settings, redirect_uri=listener.redirect_uri, state="s-123",
                                  code_challenge=challenge)
        SignInDriver()(url)
        result = listener.wait(10)
    assert result.state == "s-123" and result.code
    token = exchange_code(settings, result.code, redirect_uri=listener.redirect_uri, code_verifier=verifier)
    assert token.claims["aud"].rstrip("/") == sim.config.fno_url
    # Codes are single use (AADSTS54005) and bound to the PKCE verifier.
    with pytest.raises(AuthError) as reused:
        exchange_code(settings, result.code, redirect_uri=listener.redirect_uri, code_verifier=verifier)
    assert reused.value.aadsts == 54005 and "already redeemed" in str(reused.value)


def test_pkce_verifier_mismatch(target):
    settings = target("crm", grant="authorization_code", version="v2")
    _, challenge = make_pkce_pair()
    other_verifier, _ = make_pkce_pair()
    with LoopbackListener("http://localhost:0/") as listener:
        SignInDriver()(build_authorize_url(settings, redirect_uri=listener.redirect_uri, state="s",
                                           code_challenge=challenge))
        result = listener.wait(10)
    with pytest.raises(AuthError) as info:
        exchange_code(settings, result.code, redirect_uri=listener.redirect_uri, code_verifier=other_verifier)
    assert info.value.aadsts == 501481 and "code_verifier does not match" in str(info.value)


def test_listener_waits_only_so_long(target):
    with LoopbackListener("http://localhost:0/") as listener, pytest.raises(AuthError) as info:
        listener.wait(0.05)
    assert "no sign-in redirect reached http://localhost:" in str(info.value)


def test_listener_ignores_other_paths_and_rejects_non_loopback():
    with LoopbackListener("http://127.0.0.1:0/callback") as listener:
        base = listener.redirect_uri.rsplit("/", 1)[0]
        assert requests.get(f"{base}/favicon.ico", timeout=5).status_code == 404
        assert requests.get(f"{listener.redirect_uri}?code=abc&state=x", timeout=5).status_code == 200
        assert listener.wait(1).code == "abc"
    with pytest.raises(AuthError, match="loopback"):
        LoopbackListener("https://app.contoso.com/cb")


def test_listener_port_in_use_is_a_clear_error():
    with LoopbackListener("http://localhost:0/") as first:
        port = first.redirect_uri.split(":")[2].split("/")[0]
        with pytest.raises(AuthError) as info:
            LoopbackListener(f"http://localhost:{port}/", setting_key="CRM_REDIRECT_URI")
    assert "CRM_REDIRECT_URI" in str(info.value) and "another port" in str(info.value)


def test_state_mismatch_is_refused(target, monkeypatch):
    settings = target("crm", grant="authorization_code", redirect_uri="http://localhost:0/")

    def forged_redirect(url: str) -> None:
        redirect = url.split("redirect_uri=")[1].split("&")[0]
        requests.get(requests.utils.unquote(redirect) + "?code=forged&state=wrong", timeout=5)

    with pytest.raises(AuthError, match="state does not match"):
        provider_for(settings, open_url=forged_redirect).get_token()


def test_confidential_client_sends_its_secret_in_user_flows(target, counter):
    settings = target("crm", grant="password", client_id=CONFIDENTIAL_CLIENT_ID, secret=DEFAULT_CLIENT_SECRET)
    token = provider_for(settings, session=counter.session).get_token()
    assert token.claims["appidacr"] == "1"  # authenticated with a secret


def test_providers_do_not_keep_plain_secrets_in_their_repr(target):
    provider = provider_for(target("crm", grant="password"))
    assert "Sim-Passw0rd" not in repr(provider) and "Sim-Passw0rd" not in repr(provider.target)
    assert isinstance(provider.target.password, Secret)
