"""HTTP routes of the simulated Entra ID (the ``login`` host of the simulator).

``build_identity_app(config, key)`` returns a Starlette app; its ``state.identity`` is the
:class:`IdentityProvider` that tests use to revoke or age grants and to install fault hooks.
"""

from __future__ import annotations

import uuid
from urllib.parse import parse_qsl, urlsplit

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from simulator.config import SimConfig
from simulator.identity import authorize, devicecode, discovery
from simulator.identity.errors import (
    CATALOGUE,
    JSON_MEDIA_TYPE,
    NO_CACHE_HEADERS,
    EntraError,
    entra_error,
    error_response,
)
from simulator.identity.grants import handle_token_request
from simulator.identity.pages import device_login_page, error_lookup_page, sign_in_page, signed_out_page
from simulator.identity.principals import authenticate_user, check_user_can_use, find_client
from simulator.identity.provider import IdentityProvider, TokenCall
from simulator.identity.replies import render_reply, token_response
from simulator.identity.scopes import parse_scope, resolve_resource
from simulator.identity.tenants import is_discoverable, tenant_kind
from simulator.keys import SigningKey

ESTS_SERVER = "2.1.simulator"


class EntraHeaders:
    """Give every reply the request-id headers Entra always sends (pure ASGI, no buffering)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "x-ms-request-id" not in headers:
                    headers["x-ms-request-id"] = str(uuid.uuid4())
                if "x-ms-ests-server" not in headers:
                    headers["x-ms-ests-server"] = ESTS_SERVER
            await send(message)

        await self.app(scope, receive, send_with_headers)


# ----------------------------------------------------------------- request helpers
def _provider(request: Request) -> IdentityProvider:
    return request.app.state.identity


def _base_url(request: Request) -> str:
    configured = _provider(request).config.login_url
    return (configured or str(request.base_url)).rstrip("/")


async def _form(request: Request) -> dict[str, str]:
    """URL-encoded body as a dict (first value wins), whatever the declared content type."""
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("latin-1")
    form: dict[str, str] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        form.setdefault(name, value)
    return form


def _correlation(request: Request) -> tuple[str, bool]:
    """Entra reuses a client's ``client-request-id`` (a GUID) as the correlation id and echoes it."""
    sent = request.headers.get("client-request-id", "")
    try:
        return str(uuid.UUID(sent)), True
    except ValueError:
        return str(uuid.uuid4()), False


# ----------------------------------------------------------------- token endpoint
def token_endpoint(version: int):
    async def token(request: Request) -> Response:
        provider = _provider(request)
        base = _base_url(request)
        correlation_id, from_client = _correlation(request)
        if request.method != "POST":
            return error_response(entra_error(900561, method=request.method), correlation_id=correlation_id,
                                  login_url=base, echo_correlation=from_client)
        call = TokenCall(tenant=request.path_params["tenant"], version=version, form=await _form(request),
                         authorization=request.headers.get("authorization"),
                         client_ip=request.client.host if request.client else "127.0.0.1",
                         correlation_id=correlation_id, correlation_from_client=from_client, base_url=base)
        response = provider.run_hooks(call)
        if response is None:
            try:
                reply = handle_token_request(provider, call)
                response = token_response(render_reply(reply, version), trace_id=str(uuid.uuid4()),
                                          correlation_id=correlation_id if from_client else None)
            except EntraError as err:
                response = error_response(err, correlation_id=correlation_id, login_url=base,
                                          echo_correlation=from_client)
        provider.record(call, response.status_code)
        return response

    return token


# ----------------------------------------------------------------- authorize / logout
def authorize_endpoint(version: int):
    async def authorize_view(request: Request) -> Response:
        provider = _provider(request)
        base = _base_url(request)
        params = dict(request.query_params)
        login = password = ""
        if request.method == "POST":
            form = await _form(request)
            login = form.pop("login", "")
            password = form.pop("passwd", "")
            params |= form
        try:
            auth_request = authorize.validate(provider, request.path_params["tenant"], version, params)
        except authorize.PageError as exc:
            return authorize.show_error_page(exc.err)
        except authorize.RedirectError as exc:
            return authorize.error_redirect(exc.request, exc.err, base)
        if auth_request.prompt == "none":
            return authorize.error_redirect(auth_request, entra_error(50058), base)
        action = request.url.path
        if request.method != "POST":
            return sign_in_page(action, params, login_hint=auth_request.login_hint,
                                client_name=auth_request.client.display_name)
        return authorize.sign_in(provider, auth_request, action, params, login, password, base)

    return authorize_view


async def logout(request: Request) -> Response:
    target = request.query_params.get("post_logout_redirect_uri")
    if target:
        return RedirectResponse(target, status_code=302)
    return signed_out_page()


# ----------------------------------------------------------------- discovery
def _unknown_tenant(request: Request, tenant: str) -> Response:
    err = entra_error(90002, error="invalid_tenant", tenant=tenant)
    return error_response(err, login_url=_base_url(request))


def openid_configuration(version: int):
    build = discovery.openid_configuration_v1 if version == 1 else discovery.openid_configuration_v2

    async def document(request: Request) -> Response:
        tenant = request.path_params["tenant"]
        config: SimConfig = _provider(request).config
        if not is_discoverable(config, tenant):
            return _unknown_tenant(request, tenant)
        return JSONResponse(build(config, _base_url(request), tenant), headers=discovery.DISCOVERY_HEADERS,
                            media_type=JSON_MEDIA_TYPE)

    return document


def keys_endpoint(version: int):
    async def keys(request: Request) -> Response:
        provider = _provider(request)
        tenant = request.path_params.get("tenant")
        if tenant is not None and not is_discoverable(provider.config, tenant):
            return _unknown_tenant(request, tenant)
        issuer = None
        if version == 2:
            issuer = discovery.jwks_issuer_v2(provider.config, _base_url(request), tenant)
        return JSONResponse(discovery.jwks(provider.key, issuer), headers=discovery.DISCOVERY_HEADERS,
                            media_type=JSON_MEDIA_TYPE)

    return keys


async def user_realm(request: Request) -> Response:
    body = discovery.user_realm(_provider(request).config, request.path_params["username"])
    return JSONResponse(body, headers={"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"},
                        media_type=JSON_MEDIA_TYPE)


def _same_instance(asked, own) -> bool:
    """Is ``asked`` (a parsed authorize URL) this login host? MSAL drops the port when it asks, so a
    missing port matches any; a port that is there must be ours (443 when the scheme implies it)."""
    if (asked.hostname or "").lower() != (own.hostname or "").lower():
        return False
    try:
        asked_port = asked.port
    except ValueError:
        return False
    return asked_port is None or asked_port == (own.port or (443 if own.scheme == "https" else 80))


async def instance_discovery(request: Request) -> Response:
    base = _base_url(request)
    own_host = urlsplit(base).netloc
    endpoint = request.query_params.get("authorization_endpoint", "")
    tenant = "common"
    if endpoint:
        parts = urlsplit(endpoint)
        if not _same_instance(parts, urlsplit(base)):
            return error_response(entra_error(50049), login_url=base)
        tenant = parts.path.strip("/").split("/")[0] or "common"
    return JSONResponse(discovery.instance_metadata(base, own_host, tenant), headers=discovery.DISCOVERY_HEADERS,
                        media_type=JSON_MEDIA_TYPE)


async def error_lookup(request: Request) -> Response:
    try:
        code = int(request.query_params.get("code", ""))
    except ValueError:
        return await not_found(request, HTTPException(404))
    if code not in CATALOGUE:
        return await not_found(request, HTTPException(404))
    error, _, template = CATALOGUE[code]
    return error_lookup_page(code, error, template)


# ----------------------------------------------------------------- device code flow
def device_code_endpoint(version: int):
    """``POST /{tenant}/oauth2[/v2.0]/devicecode``: a device code and a user code for a public client."""

    async def issue(request: Request) -> Response:
        provider = _provider(request)
        base = _base_url(request)
        correlation_id, from_client = _correlation(request)
        if request.method != "POST":
            return error_response(entra_error(900561, method=request.method), correlation_id=correlation_id,
                                  login_url=base, echo_correlation=from_client)
        form = await _form(request)
        try:
            tenant_kind(provider.config, request.path_params["tenant"])
            client_id = form.get("client_id", "").strip()
            if not client_id:
                raise entra_error(900144, name="client_id")
            client = find_client(provider.config, client_id)
            if not client.public:
                raise entra_error(7000218)
            if version == 1:
                resource = form.get("resource", "").strip()
                if not resource:
                    raise entra_error(900144, name="resource")
                target = resolve_resource(provider.config, resource)
            else:
                target = parse_scope(provider.config, form.get("scope", "").strip())
        except EntraError as err:
            return error_response(err, correlation_id=correlation_id, login_url=base, echo_correlation=from_client)
        record = devicecode.DeviceCode(client.client_id, target, version, provider.now(),
                                       provider.config.device_code_lifetime, devicecode.new_user_code())
        code = provider.device_codes.issue(record)
        body = devicecode.device_code_reply(code, record, f"{base}/devicelogin",
                                            provider.config.device_code_interval)
        return JSONResponse(body, headers=dict(NO_CACHE_HEADERS), media_type=JSON_MEDIA_TYPE)

    return issue


async def device_login(request: Request) -> Response:
    """The verification page: the user types the code and signs in; the polling client then gets tokens."""
    provider = _provider(request)
    action = request.url.path
    if request.method != "POST":
        return device_login_page(action, user_code=request.query_params.get("otc", ""))
    form = await _form(request)
    user_code = form.get("otc", "")
    record = provider.device_codes.by_user_code(user_code)
    if record is None or record.expired(provider.now()) or record.redeemed:
        return device_login_page(action, user_code=user_code, status_code=400,
                                 error="That code didn't work. Check the code and try again.")
    try:
        user = authenticate_user(provider.config, form.get("login", ""), form.get("passwd", ""))
        client = find_client(provider.config, record.client_id)
        check_user_can_use(user, client, record.target, interactive=True)
    except EntraError as err:
        return device_login_page(action, user_code=user_code, status_code=400, error=f"AADSTS{err.code}: {err.message}")
    provider.device_codes.approve(record.user_code, user.upn)
    return device_login_page(action, done=True)


# ----------------------------------------------------------------- JSON for everything else
async def not_found(request: Request, exc: Exception) -> Response:
    """Unknown path (404) or method (405) on the login host: an Entra-shaped JSON error, never plain text."""
    status = getattr(exc, "status_code", 404)
    base = _base_url(request)
    if status == 405:
        return error_response(entra_error(900561, method=request.method), login_url=base)
    return error_response(entra_error(90010, path=request.url.path[:200]), login_url=base)


# ----------------------------------------------------------------- assembly
def build_identity_app(config: SimConfig, key: SigningKey) -> Starlette:
    """The Entra ID lookalike; ``app.state.identity`` exposes its :class:`IdentityProvider`."""
    both = ["GET", "POST"]
    routes = [
        Route("/error", error_lookup),
        Route("/common/userrealm/{username}", user_realm),
        Route("/common/discovery/instance", instance_discovery),
        Route("/discovery/keys", keys_endpoint(1)),
        Route("/discovery/v2.0/keys", keys_endpoint(2)),
        Route("/{tenant}/discovery/keys", keys_endpoint(1)),
        Route("/{tenant}/discovery/v2.0/keys", keys_endpoint(2)),
        Route("/{tenant}/.well-known/openid-configuration", openid_configuration(1)),
        Route("/{tenant}/v2.0/.well-known/openid-configuration", openid_configuration(2)),
        Route("/{tenant}/oauth2/token", token_endpoint(1), methods=both),
        Route("/{tenant}/oauth2/v2.0/token", token_endpoint(2), methods=both),
        Route("/{tenant}/oauth2/authorize", authorize_endpoint(1), methods=both),
        Route("/{tenant}/oauth2/v2.0/authorize", authorize_endpoint(2), methods=both),
        Route("/{tenant}/oauth2/devicecode", device_code_endpoint(1), methods=both),
        Route("/{tenant}/oauth2/v2.0/devicecode", device_code_endpoint(2), methods=both),
        Route("/devicelogin", device_login, methods=both),
        Route("/{tenant}/oauth2/logout", logout, methods=both),
        Route("/{tenant}/oauth2/v2.0/logout", logout, methods=both),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(EntraHeaders)],
                    exception_handlers={404: not_found, 405: not_found})
    app.state.identity = IdentityProvider(config, key)
    return app
