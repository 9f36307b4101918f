"""Collection ``oauth2`` auth mapped onto the harness's own token providers.

An ``oauth2`` block's settings (``accessTokenUrl``, ``grant_type``, ``clientId``, ``clientSecret``,
``scope``/``resource``, ``username``/``password``) become a :class:`TargetSettings`, so the grant,
the token cache and renewals are the harness's; Newman instead sends the exported ``accessToken``
(newman#1460, #2996). The pytest plugin's ``postman_token_provider`` fixture and ``harness run``
hand a :class:`BrokerTokenProvider` to the runner.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from harness.auth import AuthError, TokenBroker
from harness.settings.target_settings import BC_AUDIENCE, TargetSettings

_ENTRA_TOKEN_URL = re.compile(r"^(?P<authority>https?://[^?#]+?)/(?P<tenant>[^/?#]+)/oauth2/(?P<v2>v2\.0/)?token/?$",
                              re.IGNORECASE)
# Postman's grant_type values -> the harness's grants
_POSTMAN_GRANTS = {"client_credentials": "client_credentials", "password_credentials": "password",
                   "password": "password", "refresh_token": "refresh_token",
                   "authorization_code": "authorization_code", "authorization_code_with_pkce": "authorization_code"}
# what an auth-block setting is called in messages (TargetSettings.keys: field -> "where to fix it")
_OAUTH2_KEYS = {"url": "oauth2 scope/resource", "resource": "oauth2 resource", "scope": "oauth2 scope",
                "tenant_id": "oauth2 accessTokenUrl", "authority": "oauth2 accessTokenUrl",
                "client_id": "oauth2 clientId", "client_secret": "oauth2 clientSecret",
                "username": "oauth2 username", "password": "oauth2 password", "grant_type": "oauth2 grant_type",
                "refresh_token": "oauth2 refreshToken", "token_version": "oauth2 accessTokenUrl"}


def _param(params: Mapping[str, Any], *names: str) -> str:
    """First non-empty setting; newer exports store some as ``{"<token url>": value}``."""
    for name in names:
        value = params.get(name)
        if isinstance(value, dict):
            value = next((v for v in value.values() if v not in (None, "")), None)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def oauth2_audience(params: Mapping[str, Any]) -> str:
    """The audience an ``oauth2`` block asks for: ``resource``/``audience``, else a URL scope's resource
    (``https://org.crm.dynamics.com/.default`` → ``https://org.crm.dynamics.com``)."""
    explicit = _param(params, "resource", "audience")
    if explicit:
        return explicit.rstrip("/")
    for scope in _param(params, "scope").split():
        if "://" in scope:
            return (scope.rsplit("/", 1)[0] if scope.count("/") > 2 else scope).rstrip("/")
    return ""


def _host_of(url: str) -> str:
    parts = urlsplit(url if "://" in url else f"https://{url}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a malformed port: no target owns it
        return ""
    return f"{(parts.hostname or '').lower()}:{port}"


class BrokerTokenProvider:
    """``postman_token_provider`` backed by the harness's :class:`TokenBroker` (Newman cannot do this).

    An ``oauth2`` block's ``accessTokenUrl``/``grant_type``/``clientId``/``clientSecret``/``scope``/
    ``username``/``password`` become a :class:`TargetSettings`, so the grant, the token cache and
    renewals are the harness's own. A block whose scope or resource names the audience of a
    configured target — with no other app or user — reuses that target's provider, so a
    collection needs no credentials at all. A block it cannot use falls back to the exported
    ``accessToken`` when there is one; otherwise, and when the grant fails, :class:`AuthError` is
    raised, which the runner reports as the request's error.
    """

    def __init__(self, broker: TokenBroker,
                 targets: Mapping[str, TargetSettings] | Callable[[], Mapping[str, TargetSettings]] = ()):
        self.broker = broker
        self._targets = targets

    def targets(self) -> Mapping[str, TargetSettings]:
        found = self._targets() if callable(self._targets) else self._targets
        return found or {}

    def owns(self, url: str) -> bool:
        """True when ``url`` is on the host (and port) of a configured target."""
        wanted = _host_of(url)
        return bool(wanted) and any(_host_of(t.url) == wanted for t in self.targets().values() if t.url)

    def __call__(self, params: dict[str, Any]) -> str:
        try:
            settings = self.settings_for(params)
        except AuthError:
            if _param(params, "accessToken"):
                return ""  # a block the harness cannot use, with an exported token: send that, as Newman does
            raise
        return self.broker.token(settings).value.reveal()

    def settings_for(self, params: Mapping[str, Any]) -> TargetSettings:
        grant_name = _param(params, "grant_type", "grantType")
        grant = _POSTMAN_GRANTS.get(grant_name) if grant_name else None
        if grant_name and grant is None:
            raise AuthError(f"oauth2 auth: grant_type '{grant_name}' is not supported (use client_credentials, "
                            "password_credentials, refresh_token, or a harness target for authorization_code)")
        audience = oauth2_audience(params)
        known = self._known_target(audience, params, grant)
        if known is not None:
            return known
        token_url = _param(params, "accessTokenUrl", "tokenUrl")
        if not token_url:
            raise AuthError("oauth2 auth: no accessTokenUrl, and the scope/resource "
                            f"({audience or 'none'}) is not the audience of a configured target")
        match = _ENTRA_TOKEN_URL.match(token_url)
        if match is None:
            raise AuthError(f"oauth2 auth: accessTokenUrl {token_url} is not an Entra ID token endpoint "
                            "(<authority>/<tenant>/oauth2/token or .../oauth2/v2.0/token)")
        if not audience:
            raise AuthError("oauth2 auth: set scope (e.g. https://<org>.crm.dynamics.com/.default) or resource, "
                            "so the token has an audience")
        if grant is None:
            grant = "password" if _param(params, "username") else "client_credentials"
        if grant == "authorization_code":
            raise AuthError("oauth2 auth: the authorization_code grant needs a browser sign-in; configure a harness "
                            "target for this audience ({P}_GRANT_TYPE=authorization_code in .env) instead")
        return TargetSettings(
            name=self._name_for(audience), url=audience, grant_type=grant,
            token_version="v2" if match.group("v2") else "v1", tenant_id=match.group("tenant"),
            client_id=_param(params, "clientId", "client_id") or None,
            client_secret=_param(params, "clientSecret", "client_secret") or None,
            username=_param(params, "username") or None, password=_param(params, "password") or None,
            refresh_token=_param(params, "refreshToken", "refresh_token") or None,
            authority=match.group("authority"), resource=audience, scope=tuple(_param(params, "scope").split()),
            keys=_OAUTH2_KEYS)

    def _known_target(self, audience: str, params: Mapping[str, Any], grant: str | None) -> TargetSettings | None:
        if not audience:
            return None
        client_id = _param(params, "clientId", "client_id")
        username = _param(params, "username")
        for target in self.targets().values():
            if target.audience.rstrip("/").lower() != audience.lower():
                continue
            if client_id and client_id != target.client_id:
                continue
            if (grant and grant != target.grant_type) or (username and username != target.username):
                continue
            return target
        return None

    def _name_for(self, audience: str) -> str:
        for name, target in self.targets().items():
            if target.audience.rstrip("/").lower() == audience.lower():
                return name
        if audience.rstrip("/") == BC_AUDIENCE:
            return "bc"
        return "fno" if ".operations." in audience.lower() else "crm"
