"""Authorization code + PKCE end to end in a real headless browser against the simulated sign-in page.

The harness's :class:`AuthorizationCodeProvider` starts its loopback listener and hands the
authorize URL to Chromium; the browser fills ``login``/``passwd``, submits, is redirected to the
listener, and the provider redeems the code. Nothing here fakes HTTP: the browser, the sign-in
page, the listener and the token endpoint all talk over loopback.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from harness.auth import AuthError, MemoryTokenCache
from harness.auth.authcode import AuthorizationCodeProvider, build_authorize_url, make_pkce_pair
from harness.settings import TargetSettings
from simulator.config import DEFAULT_PASSWORD, PUBLIC_CLIENT_ID
from tests.e2e.browser import BrowserSignIn

pytestmark = pytest.mark.crm

ADMIN = "admin@contoso.onmicrosoft.com"
MFA_USER = "mfa@contoso.onmicrosoft.com"
NOCONSENT_USER = "noconsent@contoso.onmicrosoft.com"


def authcode_target(sim, user: str, version: str, redirect_uri: str = "http://localhost:0/") -> TargetSettings:
    return TargetSettings.simulated("crm", url=sim.config.crm_url, login_url=sim.config.login_url,
                                    tenant_id=sim.config.tenant_id, client_id=PUBLIC_CLIENT_ID, username=user,
                                    grant_type="authorization_code", token_version=version,
                                    redirect_uri=redirect_uri)


@pytest.mark.parametrize(("user", "version"), [(ADMIN, "v1"), (MFA_USER, "v2")])
def test_browser_sign_in_gives_a_token_naming_the_user(sim, browser, user, version):
    target = authcode_target(sim, user, version)
    sign_in = BrowserSignIn(browser, login=user, password=DEFAULT_PASSWORD)
    provider = AuthorizationCodeProvider(target, MemoryTokenCache(), open_url=sign_in, wait_timeout=30)

    token = provider.get_token()

    assert token.claims["upn"] == user and token.claims["unique_name"] == user
    assert token.claims["aud"] == sim.config.crm_url
    assert token.refresh_token is not None
    # The browser really went through the sign-in page and landed on the harness's listener.
    assert sign_in.sign_in_title == "Sign in to your account"
    assert sign_in.prefilled_login == user  # login_hint
    assert sign_in.final_url.startswith("http://localhost:") and ":0/" not in sign_in.final_url
    assert "Signed in" in sign_in.final_text
    query = parse_qs(urlsplit(sign_in.authorize_url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert ("resource" in query) == (version == "v1") and ("scope" in query) == (version == "v2")
    # What the browser was handed back carries the code; the provider's token is not in the page.
    assert "code" in parse_qs(urlsplit(sign_in.final_url).query)
    assert token.value.reveal() not in sign_in.final_text


def test_declined_consent_comes_back_as_a_clear_error(sim, browser):
    target = authcode_target(sim, NOCONSENT_USER, "v2", redirect_uri="http://127.0.0.1:0/callback")
    sign_in = BrowserSignIn(browser, login=NOCONSENT_USER, password=DEFAULT_PASSWORD)
    provider = AuthorizationCodeProvider(target, MemoryTokenCache(), open_url=sign_in, wait_timeout=30)

    with pytest.raises(AuthError) as info:
        provider.get_token()

    assert info.value.error == "consent_required"
    assert "Consent is missing" in str(info.value)
    assert sign_in.final_url.startswith("http://127.0.0.1:") and "/callback" in sign_in.final_url
    assert "Sign-in failed" in sign_in.final_text


def test_wrong_password_stays_on_the_sign_in_page_with_an_error(sim, browser):
    target = authcode_target(sim, ADMIN, "v2", redirect_uri="http://localhost:8400/")
    _, challenge = make_pkce_pair()
    url = build_authorize_url(target, redirect_uri="http://localhost:8400/", state="s1", code_challenge=challenge)
    sign_in = BrowserSignIn(browser, login=ADMIN, password="not-the-password")

    sign_in(url)

    assert urlsplit(sign_in.final_url).netloc == urlsplit(sim.config.login_url).netloc
    assert "AADSTS50126" in sign_in.final_text
    assert "not-the-password" not in browser.page_source
