"""``/authorize`` (v1 and v2): validate the request, show the sign-in form, hand back a code.

Errors Entra cannot trust the redirect URI for (unknown tenant or app, unregistered redirect
URI) become an HTML error page; all others go back to the app as ``error``/``error_description``
in the chosen response mode, like Entra does. A successful sign-in redirects (302) with
``code``, ``state`` and ``session_state`` by query or fragment, or relays them with an
auto-submitting form (``form_post``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from starlette.responses import RedirectResponse, Response

from simulator.config import SimClient
from simulator.identity.errors import NO_CACHE_HEADERS, EntraError, entra_error, error_body
from simulator.identity.pages import error_page, form_post_page, sign_in_page
from simulator.identity.principals import authenticate_user, check_user_can_use, find_client
from simulator.identity.provider import IdentityProvider
from simulator.identity.scopes import Target, parse_scope, resolve_resource
from simulator.identity.state import AuthorizationCode
from simulator.identity.tenants import tenant_kind

RESPONSE_MODES = ("query", "fragment", "form_post")
PKCE_METHODS = {"s256": "S256", "plain": "plain"}
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


class PageError(Exception):
    """A failure shown on Entra's own error page because the app cannot be trusted with it."""

    def __init__(self, err: EntraError):
        super().__init__(str(err))
        self.err = err


class RedirectError(Exception):
    """A failure reported back to the app's redirect URI (``request`` says where and how)."""

    def __init__(self, err: EntraError, request: AuthorizeRequest):
        super().__init__(str(err))
        self.err = err
        self.request = request


@dataclass
class AuthorizeRequest:
    tenant: str
    version: int
    client: SimClient
    redirect_uri: str
    response_mode: str = "query"
    state: str | None = None
    target: Target = field(default_factory=lambda: Target(None))
    nonce: str | None = None
    code_challenge: str | None = field(default=None, repr=False)
    code_challenge_method: str | None = None
    prompt: str | None = None
    login_hint: str = ""
    client_info: bool = False


def redirect_uri_allowed(requested: str, registered: list[str]) -> bool:
    """Exact match, or loopback (``localhost``/``127.0.0.1``, any port) matching a loopback registration.

    A loopback registration without a path accepts any path; with a path, the path must match.
    """
    if requested in registered:
        return True
    asked = urlsplit(requested)
    if asked.scheme != "http" or asked.hostname not in LOOPBACK_HOSTS or asked.fragment:
        return False
    for uri in registered:
        known = urlsplit(uri)
        if known.scheme == "http" and known.hostname in LOOPBACK_HOSTS:
            if known.path in ("", "/") or known.path == asked.path:
                return True
    return False


def validate(provider: IdentityProvider, tenant: str, version: int, params: Mapping[str, str]) -> AuthorizeRequest:
    """Check an authorize request; raises :class:`PageError` or :class:`RedirectError`."""
    config = provider.config
    try:
        kind = tenant_kind(config, tenant)
        client_id = params.get("client_id", "").strip()
        if not client_id:
            raise entra_error(900144, name="client_id")
        client = find_client(config, client_id)
        if kind == "consumers":
            raise entra_error(9002332, client_id=client.client_id, client_name=client.display_name)
    except EntraError as err:
        raise PageError(err) from err
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri:
        if len(client.redirect_uris) != 1:
            raise PageError(entra_error(900971))
        redirect_uri = client.redirect_uris[0]
    if not redirect_uri_allowed(redirect_uri, client.redirect_uris):
        raise PageError(entra_error(50011, redirect_uri=redirect_uri, client_id=client.client_id))
    request = AuthorizeRequest(tenant, version, client, redirect_uri, state=params.get("state"),
                               nonce=params.get("nonce") or None, prompt=params.get("prompt") or None,
                               login_hint=params.get("login_hint", ""),
                               client_info=params.get("client_info") == "1")
    mode = params.get("response_mode", "query") or "query"
    if mode not in RESPONSE_MODES:
        raise RedirectError(entra_error(70007, response_mode=mode[:32]), request)
    request.response_mode = mode
    try:
        response_type = params.get("response_type", "")
        if not response_type:
            raise entra_error(900144, name="response_type")
        if response_type != "code":
            raise entra_error(70005, response_type=response_type[:32])
        request.target = _target(provider, version, params)
        _pkce(request, params)
    except EntraError as err:
        raise RedirectError(err, request) from err
    return request


def _target(provider: IdentityProvider, version: int, params: Mapping[str, str]) -> Target:
    if version == 1:
        resource = params.get("resource", "").strip()
        return resolve_resource(provider.config, resource) if resource else Target(None)
    scope = params.get("scope", "").strip()
    if not scope:
        raise entra_error(900144, name="scope")
    return parse_scope(provider.config, scope, require_resource=False)


def _pkce(request: AuthorizeRequest, params: Mapping[str, str]) -> None:
    challenge = params.get("code_challenge", "")
    method = params.get("code_challenge_method", "")
    if method and method.lower() not in PKCE_METHODS:
        raise entra_error(9002313, message="code_challenge_method must be 'S256' or 'plain'.")
    if method and not challenge:
        raise entra_error(900144, name="code_challenge")
    if challenge:
        if not 43 <= len(challenge) <= 128:
            raise entra_error(501491)
        request.code_challenge = challenge
        request.code_challenge_method = PKCE_METHODS[method.lower()] if method else "plain"


# ----------------------------------------------------------------- responses
def deliver(redirect_uri: str, mode: str, values: Mapping[str, str]) -> Response:
    """Send ``values`` to the app by query, fragment or form_post."""
    if mode == "form_post":
        return form_post_page(redirect_uri, values)
    encoded = urlencode(values)
    if mode == "fragment":
        url = f"{redirect_uri}#{encoded}"
    else:
        url = f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{encoded}"
    return RedirectResponse(url, status_code=302, headers=dict(NO_CACHE_HEADERS))


def error_redirect(request: AuthorizeRequest, err: EntraError, login_url: str) -> Response:
    trace_id = str(uuid.uuid4())
    body = error_body(err, correlation_id=str(uuid.uuid4()), trace_id=trace_id, login_url=login_url)
    values = {"error": body["error"], "error_description": body["error_description"],
              "error_uri": body["error_uri"]}
    if request.state is not None:
        values["state"] = request.state
    return deliver(request.redirect_uri, request.response_mode, values)


def show_error_page(err: EntraError) -> Response:
    return error_page(err.code, err.message, status_code=400, trace_id=str(uuid.uuid4()),
                      correlation_id=str(uuid.uuid4()))


def sign_in(provider: IdentityProvider, request: AuthorizeRequest, action: str, params: Mapping[str, str],
            login: str, password: str, login_url: str) -> Response:
    """Check the posted credentials; re-show the form on a bad password, else issue a code."""
    if not login:
        return sign_in_page(action, params, client_name=request.client.display_name,
                            error="Enter a valid email address, phone number, or Skype name.")
    try:
        user = authenticate_user(provider.config, login, password)
    except EntraError as err:
        return sign_in_page(action, params, login_hint=login, client_name=request.client.display_name,
                            error=str(err))
    try:
        check_user_can_use(user, request.client, request.target, interactive=True)
    except EntraError as err:
        if err.code == 65001:
            err.error = "consent_required"
        return error_redirect(request, err, login_url)
    amr = ("pwd", "mfa") if user.mfa_required else ("pwd",)
    code = provider.issue_code(AuthorizationCode(
        client_id=request.client.client_id, upn=user.upn, redirect_uri=request.redirect_uri,
        resource=request.target.resource, oidc_scopes=request.target.oidc, issued_at=provider.now(),
        nonce=request.nonce, code_challenge=request.code_challenge,
        code_challenge_method=request.code_challenge_method, amr=amr))
    values = {"code": code}
    if request.version == 2 and request.client_info:
        values["client_info"] = provider.issuer.client_info(user)
    if request.state is not None:
        values["state"] = request.state
    values["session_state"] = str(uuid.uuid4())
    return deliver(request.redirect_uri, request.response_mode, values)
