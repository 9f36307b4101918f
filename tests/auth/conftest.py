"""Fixtures for the token-provider tests: simulator-backed targets, a request counter, a form driver."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from urllib.parse import parse_qs, urljoin, urlsplit

import lxml.html
import pytest
import requests

from harness.secrets import Secret
from harness.settings import TargetSettings
from simulator.config import (
    CONFIDENTIAL_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    PUBLIC_CLIENT_ID,
)

ADMIN = "admin@contoso.onmicrosoft.com"
MFA_USER = "mfa@contoso.onmicrosoft.com"
NOCONSENT_USER = "noconsent@contoso.onmicrosoft.com"


def service_url(sim, name: str) -> str:
    return {"crm": sim.config.crm_url, "fno": sim.config.fno_url, "bc": sim.config.bc_url}[name]


def make_target(sim, name: str = "crm", *, grant: str = "password", version: str | None = None,
                user: str = ADMIN, password: str = DEFAULT_PASSWORD, client_id: str | None = None,
                secret: str | None = None, **extra) -> TargetSettings:
    """Settings for one simulated service; user fields only for user grants, secret only when asked."""
    if client_id is None:
        client_id = CONFIDENTIAL_CLIENT_ID if grant == "client_credentials" else PUBLIC_CLIENT_ID
    if secret is None and grant == "client_credentials":
        secret = DEFAULT_CLIENT_SECRET
    user_grant = grant in ("password", "authorization_code")
    return TargetSettings.simulated(
        name, url=service_url(sim, name), login_url=sim.config.login_url, tenant_id=sim.config.tenant_id,
        client_id=client_id, username=user if user_grant else None,
        password=password if grant == "password" else None, client_secret=secret, grant_type=grant,
        token_version=version, **extra)


@pytest.fixture
def target(sim) -> Callable[..., TargetSettings]:
    """``target(name, grant=..., version=..., ...)`` -> TargetSettings for the session simulator."""
    return lambda name="crm", **kw: make_target(sim, name, **kw)


class TokenRequestCounter:
    """A requests.Session whose hook counts token-endpoint POSTs by grant type (never reads secrets)."""

    def __init__(self) -> None:
        self.session = requests.Session()
        self.grants: Counter[str] = Counter()
        self.session.hooks["response"].append(self._count)

    def _count(self, response: requests.Response, **kwargs) -> None:
        if response.request.method == "POST" and "/oauth2/" in (response.request.url or ""):
            body = response.request.body or ""
            body = body.decode() if isinstance(body, bytes) else body
            self.grants[parse_qs(body).get("grant_type", ["?"])[0]] += 1

    @property
    def total(self) -> int:
        return sum(self.grants.values())


@pytest.fixture
def counter() -> TokenRequestCounter:
    return TokenRequestCounter()


def identity(sim):
    """The simulator's identity provider (revoke/age grants, install fault hooks)."""
    return sim.apps.login.state.identity


class SignInDriver:
    """Plays the browser: opens the authorize URL, fills the sign-in form, follows the redirect."""

    def __init__(self, login: str = ADMIN, password: str = DEFAULT_PASSWORD):
        self.login = login
        self.password = password
        self.final: requests.Response | None = None
        self.code: str | None = None
        self.urls: list[str] = []

    def __call__(self, url: str) -> None:
        self.urls.append(url)
        with requests.Session() as browser:
            page = browser.get(url, timeout=10)
            page.raise_for_status()
            form = lxml.html.fromstring(page.text).forms[0]
            fields = {name: value for name, value in form.form_values()}
            fields.update(login=self.login, passwd=self.password)
            action = urljoin(page.url, form.action or page.url)
            self.final = browser.post(action, data=fields, timeout=10)  # 302 -> the loopback listener
        query = parse_qs(urlsplit(self.final.url).query)
        self.code = query.get("code", [None])[0]


@pytest.fixture
def sign_in() -> Callable[..., SignInDriver]:
    return SignInDriver


def secret_values_of(*targets: TargetSettings) -> list[str]:
    values = []
    for t in targets:
        values.extend(t.secret_values())
    return values


__all__ = ["ADMIN", "MFA_USER", "NOCONSENT_USER", "Secret", "SignInDriver", "TokenRequestCounter",
           "identity", "make_target", "secret_values_of", "service_url"]
