"""Device code flow, instance discovery with a port, and JSON errors on every login path (raw HTTP)."""

from __future__ import annotations

import pytest
import requests

from simulator.config import CONFIDENTIAL_CLIENT_ID, DEFAULT_PASSWORD, PUBLIC_CLIENT_ID

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture
def identity(sim):
    provider = sim.apps.login.state.identity
    offset = provider.clock.offset
    yield provider
    provider.clock.offset = offset


def _device_code(sim, version: int = 2, **form) -> requests.Response:
    c = sim.config
    path = "oauth2/v2.0/devicecode" if version == 2 else "oauth2/devicecode"
    data = {"client_id": PUBLIC_CLIENT_ID}
    data |= {"scope": f"{c.crm_url}/user_impersonation openid offline_access"} if version == 2 else {
        "resource": c.crm_url}
    return requests.post(f"{c.login_url}/{c.tenant_id}/{path}", data=data | form, timeout=10)


def _poll(sim, device_code: str, version: int = 2) -> requests.Response:
    c = sim.config
    if version == 2:
        return requests.post(f"{c.login_url}/{c.tenant_id}/oauth2/v2.0/token", data={
            "grant_type": DEVICE_GRANT, "client_id": PUBLIC_CLIENT_ID, "device_code": device_code}, timeout=10)
    return requests.post(f"{c.login_url}/{c.tenant_id}/oauth2/token", data={
        "grant_type": "device_code", "client_id": PUBLIC_CLIENT_ID, "code": device_code,
        "resource": c.crm_url}, timeout=10)


def _sign_in(flow: dict, user: str = "admin@contoso.onmicrosoft.com", password: str = DEFAULT_PASSWORD):
    uri = flow.get("verification_uri") or flow["verification_url"]
    return requests.post(uri, data={"otc": flow["user_code"], "login": user, "passwd": password}, timeout=10)


def test_v2_device_code_reply_shape(sim):
    reply = _device_code(sim)
    assert reply.status_code == 200, reply.text
    flow = reply.json()
    assert set(flow) == {"user_code", "device_code", "verification_uri", "expires_in", "interval", "message"}
    assert flow["expires_in"] == 900 and isinstance(flow["interval"], int)
    assert flow["verification_uri"] == f"{sim.config.login_url}/devicelogin"
    assert flow["user_code"] in flow["message"] and flow["verification_uri"] in flow["message"]


def test_pending_then_tokens_then_already_redeemed(sim):
    flow = _device_code(sim).json()
    pending = _poll(sim, flow["device_code"])
    assert pending.status_code == 400
    assert pending.json()["error"] == "authorization_pending"
    assert pending.json()["error_codes"] == [70016]
    page = requests.get(flow["verification_uri"], timeout=10)
    assert page.status_code == 200 and 'name="otc"' in page.text
    assert _sign_in(flow).status_code == 200
    tokens = _poll(sim, flow["device_code"])
    assert tokens.status_code == 200, tokens.text
    assert {"access_token", "refresh_token", "id_token"} <= set(tokens.json())
    again = _poll(sim, flow["device_code"])
    assert again.status_code == 400 and again.json()["error_codes"] == [54005]


def test_v1_device_code_flow(sim):
    reply = _device_code(sim, version=1)
    flow = reply.json()
    assert flow["expires_in"] == "900" and "verification_url" in flow
    assert _poll(sim, flow["device_code"], version=1).json()["error"] == "authorization_pending"
    _sign_in(flow)
    tokens = _poll(sim, flow["device_code"], version=1).json()
    assert tokens["resource"] == sim.config.crm_url and "access_token" in tokens


def test_expired_device_code_gets_expired_token(sim, identity):
    flow = _device_code(sim).json()
    identity.advance_clock(901)
    expired = _poll(sim, flow["device_code"])
    assert expired.status_code == 400
    assert expired.json()["error"] == "expired_token"
    assert expired.json()["error_codes"] == [70019]
    assert _sign_in(flow).status_code == 400  # the page no longer takes the code either


def test_wrong_code_or_password_on_the_page_keeps_the_flow_pending(sim):
    flow = _device_code(sim).json()
    wrong_code = requests.post(flow["verification_uri"], data={"otc": "NOTACODE", "login": "x", "passwd": "y"},
                               timeout=10)
    assert wrong_code.status_code == 400 and "code didn" in wrong_code.text
    wrong_password = _sign_in(flow, password="nope")
    assert wrong_password.status_code == 400 and "AADSTS50126" in wrong_password.text
    assert _poll(sim, flow["device_code"]).json()["error"] == "authorization_pending"


def test_device_code_refusals(sim):
    assert _device_code(sim, scope="").json()["error_codes"] == [900144]
    assert _device_code(sim, scope="https://nowhere.example/.default").json()["error_codes"] == [500011]
    confidential = _device_code(sim, client_id="5a1e0c1d-0000-4000-8000-0000000e0001")
    assert confidential.json()["error"] == "invalid_client"
    assert _poll(sim, "not-a-device-code").json()["error"] == "invalid_grant"
    c = sim.config
    other_client = requests.post(f"{c.login_url}/{c.tenant_id}/oauth2/v2.0/token", data={
        "grant_type": DEVICE_GRANT, "client_id": CONFIDENTIAL_CLIENT_ID, "client_secret": "sim-client-secret-value",
        "device_code": _device_code(sim).json()["device_code"]}, timeout=10)
    assert other_client.json()["error"] == "invalid_grant"
    assert requests.get(f"{c.login_url}/{c.tenant_id}/oauth2/v2.0/devicecode", timeout=10).json()["error_codes"] == [
        900561]


def test_instance_discovery_matches_the_host_without_a_port_as_msal_sends_it(sim):
    c = sim.config
    host = c.login_url.split("://", 1)[1].split(":")[0]
    scheme = c.login_url.split("://", 1)[0]
    for endpoint, status in ((f"{scheme}://{host}/{c.tenant_id}/oauth2/v2.0/authorize", 200),
                             (f"{c.login_url}/{c.tenant_id}/oauth2/v2.0/authorize", 200),
                             (f"{scheme}://{host}:1/{c.tenant_id}/oauth2/v2.0/authorize", 400),
                             (f"{scheme}://{host}:notaport/x", 400)):
        reply = requests.get(f"{c.login_url}/common/discovery/instance",
                             params={"api-version": "1.0", "authorization_endpoint": endpoint}, timeout=10)
        assert reply.status_code == status, (endpoint, reply.text)
        if status == 200:
            assert reply.json()["tenant_discovery_endpoint"] == (
                f"{c.login_url}/{c.tenant_id}/v2.0/.well-known/openid-configuration")
        else:
            assert reply.json()["error"] == "invalid_instance"


@pytest.mark.parametrize("method,path", [("GET", "/nothing/here"), ("POST", "/common/discovery/instance"),
                                         ("GET", "/error?code=notanumber"), ("GET", "/error?code=1"),
                                         ("DELETE", "/common/oauth2/v2.0/token"), ("GET", "/")])
def test_no_login_path_answers_plain_text(sim, method, path):
    reply = requests.request(method, sim.config.login_url + path, timeout=10)
    assert reply.status_code >= 400
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert body["error"] and body["error_codes"] and body["error_description"].startswith("AADSTS")
