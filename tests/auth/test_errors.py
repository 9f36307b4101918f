"""Sign-in failures: AADSTS codes from the simulator become clear AuthErrors naming the .env keys."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests

from harness.auth import AuthError, provider_for
from harness.auth.endpoint import request_token
from harness.auth.errors import auth_error_from_reply, friendly_message
from harness.auth.token import parse_token_response
from harness.errors import HarnessError
from simulator.config import (
    CONFIDENTIAL_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    EXPIRED_SECRET_CLIENT_ID,
    PUBLIC_CLIENT_ID,
)
from tests.auth.conftest import MFA_USER, NOCONSENT_USER, identity


def failure(settings, **options) -> AuthError:
    with pytest.raises(AuthError) as info:
        provider_for(settings, **options).get_token()
    return info.value


def assert_entra_fields(err: AuthError, code: int, error: str, status: int) -> None:
    assert err.aadsts == code and err.error_codes[0] == code
    assert err.error == error and err.status == status
    assert err.trace_id and err.correlation_id
    assert f"AADSTS{code}" in str(err) and err.trace_id in str(err)


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_wrong_password(target, version):
    err = failure(target("crm", version=version, password="not-the-password"))
    assert_entra_fields(err, 50126, "invalid_grant", 400)
    assert "Wrong username or password" in str(err)
    assert "CRM_USERNAME" in str(err) and "CRM_PASSWORD" in str(err)
    assert "not-the-password" not in str(err)
    assert isinstance(err, HarnessError)


def test_keys_named_are_the_ones_that_supplied_the_value(target):
    settings = target("fno", password="wrong-password-x", keys={"password": "FNO_PASSWORD",
                                                                 "username": "FNO_USERNAME"})
    assert "check FNO_USERNAME and FNO_PASSWORD" in str(failure(settings))


def test_mfa_user_is_told_to_use_authorization_code(target):
    err = failure(target("crm", user=MFA_USER))
    assert_entra_fields(err, 50076, "invalid_grant", 400)
    assert "Multi-factor authentication is required" in str(err)
    assert "CRM_GRANT_TYPE=authorization_code" in str(err)
    assert err.suberror == "basic_action"


def test_missing_consent_points_at_admin_consent(sim, target):
    err = failure(target("crm", user=NOCONSENT_USER, version="v2"))
    assert_entra_fields(err, 65001, "invalid_grant", 400)
    assert f"{sim.config.login_url}/{sim.config.tenant_id}/adminconsent?client_id={PUBLIC_CLIENT_ID}" in str(err)


def test_wrong_client_secret(target):
    err = failure(target("bc", grant="client_credentials", secret="wrong-secret-value"))
    assert_entra_fields(err, 7000215, "invalid_client", 401)
    assert "Wrong client secret: check BC_CLIENT_SECRET" in str(err)
    assert "wrong-secret-value" not in str(err)


def test_expired_client_secret(target):
    err = failure(target("crm", grant="client_credentials", client_id=EXPIRED_SECRET_CLIENT_ID,
                         secret=DEFAULT_CLIENT_SECRET))
    assert_entra_fields(err, 7000222, "invalid_client", 401)
    assert "has expired: create a new secret" in str(err) and "CRM_CLIENT_SECRET" in str(err)


def test_app_that_is_not_a_public_client_needs_a_secret(target):
    err = failure(target("crm", client_id=EXPIRED_SECRET_CLIENT_ID))  # ROPC without a secret
    assert_entra_fields(err, 7000218, "invalid_client", 401)
    assert "Allow public client flows" in str(err) and "CRM_CLIENT_SECRET" in str(err)


def test_unknown_application(target):
    err = failure(target("crm", client_id="00000000-1111-4222-8333-444444444444"))
    assert err.aadsts == 700016 and "check CRM_CLIENT_ID" in str(err)


def test_unknown_tenant(target):
    settings = target("crm").replace(tenant_id="nosuchtenant.onmicrosoft.com")
    err = failure(settings)
    assert err.aadsts == 90002 and "check CRM_TENANT_ID" in str(err)


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_unknown_resource(target, version):
    settings = target("crm", version=version).replace(resource="https://unknown.crm.dynamics.com")
    err = failure(settings)
    assert err.aadsts == 500011 and err.error == "invalid_resource"
    assert "check CRM_URL / CRM_RESOURCE and CRM_TENANT_ID" in str(err)


def test_expired_refresh_token_in_settings(sim, target):
    real = provider_for(target("crm")).get_token()
    identity(sim).expire_refresh_token(real.refresh_token.reveal())
    err = failure(target("crm", grant="refresh_token", refresh_token=real.refresh_token))
    assert err.aadsts == 700082
    assert "paste a new refresh token into CRM_REFRESH_TOKEN" in str(err)
    assert real.refresh_token.reveal() not in str(err)


def test_unsupported_grant_type(target):
    settings = target("crm")
    with pytest.raises(AuthError) as info:
        request_token(requests.Session(), settings, {"grant_type": "urn:magic", "client_id": PUBLIC_CLIENT_ID,
                                                     "resource": settings.audience}, grant="urn:magic")
    assert info.value.error == "unsupported_grant_type"
    assert "does not support this grant: check CRM_GRANT_TYPE" in str(info.value)


def test_throttling_reply_keeps_retry_after(sim, target):
    from starlette.responses import JSONResponse

    from simulator.identity.faults import FailNext

    def throttled() -> JSONResponse:
        body = {"error": "temporarily_unavailable", "error_codes": [90055], "trace_id": "t-1",
                "correlation_id": "c-1", "error_description": "AADSTS90055: too many requests"}
        return JSONResponse(body, status_code=429, headers={"Retry-After": "7"})

    hook = identity(sim).add_hook(FailNext(1, throttled, client_id=CONFIDENTIAL_CLIENT_ID))
    try:
        err = failure(target("fno", grant="client_credentials"))
    finally:
        identity(sim).remove_hook(hook)
    assert err.status == 429 and err.retry_after == "7"
    assert "throttling" in str(err) and "Retry-After: 7" in str(err)


# ----------------------------------------------------------------------------- transport problems
def test_connection_refused_names_the_token_url(target):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = target("crm").replace(authority=f"http://127.0.0.1:{port}")
    err = failure(settings)
    assert f"http://127.0.0.1:{port}/{settings.tenant_id}/oauth2/token" in str(err)
    assert "connection refused" in str(err) and "CRM_AUTHORITY" in str(err)
    assert err.error is None and not err.rejected_by_idp


def test_timeout_names_the_token_url(target):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        err = failure(target("crm").replace(authority=f"http://127.0.0.1:{port}"), timeout=0.3)
    assert "no answer from the token endpoint" in str(err) and f"127.0.0.1:{port}" in str(err)


class _HtmlHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        body = b"<html><body>Proxy login</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        return


def test_non_json_reply_is_a_clear_error(target):
    server = HTTPServer(("127.0.0.1", 0), _HtmlHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        err = failure(target("crm").replace(authority=f"http://127.0.0.1:{server.server_address[1]}"))
    finally:
        server.shutdown()
        server.server_close()
    assert "answered HTTP 200 with text/html instead of a JSON token reply" in str(err)
    assert "CRM_AUTHORITY" in str(err)


# ----------------------------------------------------------------------------- pure functions
def test_unknown_code_gets_a_generic_message_with_the_code():
    message = friendly_message(123456, "invalid_grant", None, "password")
    assert "AADSTS123456" in message and "error?code=123456" in message


def test_reply_without_error_codes_reads_the_description():
    err = auth_error_from_reply({"error": "invalid_grant", "error_description": "AADSTS50126: bad creds"},
                                400, target=None, grant="password", token_url=None)
    assert err.aadsts == 50126 and "{P}_PASSWORD" in str(err)


def test_v1_envelope_strings_and_expires_on():
    now = 1_700_000_000.0
    token = parse_token_response({"token_type": "Bearer", "expires_on": str(int(now) + 1234),
                                  "access_token": "opaque-v1", "refresh_token": "0.AX-refresh"}, now=now)
    assert token.expires_at == now + 1234 and token.refresh_token is not None
    token = parse_token_response({"token_type": "Bearer", "expires_in": "3599", "expires_on": "1",
                                  "access_token": "opaque-v1b"}, now=now)
    assert token.expires_at == now + 3599  # relative lifetime wins over the IdP's clock
    assert token.claims == {}


def test_v2_envelope_ints_and_jwt_fallback():
    now = 1_700_000_000.0
    token = parse_token_response({"token_type": "Bearer", "expires_in": 4523, "ext_expires_in": 4523,
                                  "access_token": "opaque-v2"}, now=now)
    assert token.expires_at == now + 4523 and token.refresh_token is None
    import jwt

    signed = jwt.encode({"exp": int(now) + 77, "aud": "x"}, "k" * 32, algorithm="HS256")
    token = parse_token_response({"access_token": signed}, now=now)
    assert token.expires_at == now + 77 and token.claims["aud"] == "x"
    with pytest.raises(ValueError):
        parse_token_response({"token_type": "Bearer"}, now=now)
    assert parse_token_response({"access_token": "a-token", "expires_in": True}, now=now).expires_at == now + 300


def test_auth_error_attributes_default_sensibly():
    err = AuthError("message")
    assert err.aadsts is None and err.error_codes == [] and err.response is None
    assert not err.rejected_by_idp
