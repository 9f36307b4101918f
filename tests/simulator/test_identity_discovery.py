"""Metadata endpoints: OpenID configuration (v1, v2), JWKS, user realm and instance discovery."""

from __future__ import annotations

import base64

import pytest
import requests
from cryptography import x509

from simulator.config import CONFIDENTIAL_CLIENT_ID, DEFAULT_CLIENT_SECRET


def get(sim, path: str, **params) -> requests.Response:
    return requests.get(f"{sim.config.login_url}/{path}", params=params, timeout=10)


def b64url_int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def test_v1_openid_configuration_points_back_at_the_simulator(sim):
    config = sim.config
    response = get(sim, f"{config.tenant_id}/.well-known/openid-configuration")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=86400, private"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    doc = response.json()
    root = f"{config.login_url}/{config.tenant_id}"
    assert doc["issuer"] == f"https://sts.windows.net/{config.tenant_id}/"
    assert doc["token_endpoint"] == f"{root}/oauth2/token"
    assert doc["authorization_endpoint"] == f"{root}/oauth2/authorize"
    assert doc["jwks_uri"] == f"{root}/discovery/keys"
    assert doc["response_modes_supported"] == ["query", "fragment", "form_post"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    # The advertised token endpoint really issues tokens.
    token = requests.post(doc["token_endpoint"], data={
        "grant_type": "client_credentials", "client_id": CONFIDENTIAL_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET, "resource": config.crm_url}, timeout=10)
    assert token.status_code == 200


def test_v2_openid_configuration(sim):
    config = sim.config
    doc = get(sim, f"{config.tenant_id}/v2.0/.well-known/openid-configuration").json()
    root = f"{config.login_url}/{config.tenant_id}"
    assert doc["issuer"] == f"{root}/v2.0"
    assert doc["token_endpoint"] == f"{root}/oauth2/v2.0/token"
    assert doc["authorization_endpoint"] == f"{root}/oauth2/v2.0/authorize"
    assert doc["jwks_uri"] == f"{root}/discovery/v2.0/keys"
    assert set(doc["token_endpoint_auth_methods_supported"]) == {
        "client_secret_post", "private_key_jwt", "client_secret_basic"}
    assert "offline_access" in doc["scopes_supported"]
    assert doc["tenant_region_scope"] == "WW"
    assert requests.get(doc["authorization_endpoint"], params={"client_id": "x"}, timeout=10).status_code == 400


def test_a_domain_tenant_resolves_to_the_tenant_id_and_common_uses_the_placeholder(sim):
    config = sim.config
    by_domain = get(sim, f"{config.tenant_domain}/v2.0/.well-known/openid-configuration").json()
    assert by_domain["token_endpoint"] == f"{config.login_url}/{config.tenant_id}/oauth2/v2.0/token"
    common = get(sim, "common/v2.0/.well-known/openid-configuration").json()
    assert common["issuer"] == f"{config.login_url}/{{tenantid}}/v2.0"
    assert common["token_endpoint"] == f"{config.login_url}/common/oauth2/v2.0/token"
    v1_common = get(sim, "organizations/.well-known/openid-configuration").json()
    assert v1_common["issuer"] == "https://sts.windows.net/{tenantid}/"


@pytest.mark.parametrize("path", ["no-such-tenant.example/v2.0/.well-known/openid-configuration",
                                  "no-such-tenant.example/.well-known/openid-configuration",
                                  "no-such-tenant.example/discovery/v2.0/keys"])
def test_unknown_tenant_metadata_is_invalid_tenant(sim, path):
    response = get(sim, path)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_tenant" and body["error_codes"] == [90002]


def test_all_key_endpoints_publish_the_signing_key(sim):
    tid = sim.config.tenant_id
    sets = {path: get(sim, path) for path in ("discovery/keys", f"{tid}/discovery/keys",
                                              "discovery/v2.0/keys", f"{tid}/discovery/v2.0/keys")}
    numbers = sim.apps.key.private_key.public_key().public_numbers()
    for path, response in sets.items():
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "max-age=86400, private"
        (key,) = response.json()["keys"]
        assert key["kty"] == "RSA" and key["use"] == "sig"
        assert key["kid"] == key["x5t"] == sim.apps.key.kid
        assert b64url_int(key["n"]) == numbers.n and b64url_int(key["e"]) == numbers.e
        certificate = x509.load_der_x509_certificate(base64.b64decode(key["x5c"][0]))
        assert certificate.public_key().public_numbers() == numbers
        if "v2.0" in path:
            assert key["issuer"].endswith("/v2.0")
        else:
            assert "issuer" not in key
    assert sets[f"{tid}/discovery/v2.0/keys"].json()["keys"][0]["issuer"] == f"{sim.config.login_url}/{tid}/v2.0"


def test_user_realm_is_managed_for_the_tenant_domain(sim):
    realm = get(sim, "common/userrealm/admin@contoso.onmicrosoft.com", **{"api-version": "1.0"}).json()
    assert realm["account_type"] == "Managed"
    assert realm["domain_name"] == "contoso.onmicrosoft.com"
    assert realm["cloud_audience_urn"] == "urn:federation:MicrosoftOnline"
    other = get(sim, "common/userrealm/someone@fabrikam.example", **{"api-version": "1.0"}).json()
    assert other["account_type"] == "Unknown"


def test_instance_discovery_names_the_simulator_as_its_only_alias(sim):
    config = sim.config
    host = config.login_url.split("://", 1)[1]
    endpoint = f"{config.login_url}/{config.tenant_id}/oauth2/v2.0/authorize"
    response = get(sim, "common/discovery/instance", **{"api-version": "1.1", "authorization_endpoint": endpoint})
    assert response.status_code == 200
    body = response.json()
    assert body["tenant_discovery_endpoint"] == (
        f"{config.login_url}/{config.tenant_id}/v2.0/.well-known/openid-configuration")
    assert body["metadata"] == [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}]
    foreign = get(sim, "common/discovery/instance",
                  **{"api-version": "1.1", "authorization_endpoint": "https://login.example.com/x/oauth2/authorize"})
    assert foreign.status_code == 400 and foreign.json()["error"] == "invalid_instance"


def test_every_reply_carries_a_request_id(sim):
    for path in ("common/userrealm/a@b.c", "discovery/keys", "error?code=50126"):
        assert get(sim, path).headers.get("x-ms-request-id")
