"""Token endpoint of the simulated Entra ID: grants, reply shapes per version, access-token claims.

Everything goes over real HTTP to the session simulator (`sim` fixture).
"""

from __future__ import annotations

import base64
import json
import uuid

import jwt
import pytest
import requests
from jwt import PyJWKClient

from simulator.config import (
    BC_AUDIENCE,
    CONFIDENTIAL_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    PUBLIC_CLIENT_ID,
)
from simulator.identity.verify import verify_access_token

ADMIN = "admin@contoso.onmicrosoft.com"
USER_SCOPES = "offline_access openid profile"


def token_url(sim, version: int, tenant: str | None = None) -> str:
    tenant = tenant or sim.config.tenant_id
    path = "oauth2/token" if version == 1 else "oauth2/v2.0/token"
    return f"{sim.config.login_url}/{tenant}/{path}"


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def b64url_json(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def ropc(sim, version: int, *, resource: str | None = None, scope: str | None = None, **extra) -> requests.Response:
    data = {"grant_type": "password", "client_id": PUBLIC_CLIENT_ID, "username": ADMIN, "password": DEFAULT_PASSWORD}
    if version == 1:
        data["resource"] = resource or sim.config.crm_url
    else:
        data["scope"] = scope or f"{sim.config.crm_url}/user_impersonation {USER_SCOPES}"
    return requests.post(token_url(sim, version, extra.pop("tenant", None)), data=data | extra, timeout=10)


def client_credentials(sim, version: int, **extra) -> requests.Response:
    data = {"grant_type": "client_credentials", "client_id": CONFIDENTIAL_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET}
    if version == 1:
        data["resource"] = sim.config.crm_url
    else:
        data["scope"] = f"{sim.config.crm_url}/.default"
    return requests.post(token_url(sim, version), data=data | extra, timeout=10)


# ----------------------------------------------------------------- ROPC
def test_ropc_v1_reply_has_string_numbers_resource_and_unsigned_id_token(sim):
    response = ropc(sim, 1)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["token_type", "scope", "expires_in", "ext_expires_in", "expires_on", "not_before",
                          "resource", "access_token", "refresh_token", "id_token"]
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "user_impersonation"
    assert body["resource"] == sim.config.crm_url
    for name in ("expires_in", "ext_expires_in", "expires_on", "not_before"):
        assert isinstance(body[name], str) and body[name].isdigit(), name
    assert body["expires_in"] == str(sim.config.token_lifetime)
    # Entra backdates not_before by five minutes: expires_on - not_before = expires_in + 300.
    assert int(body["expires_on"]) - int(body["not_before"]) == int(body["expires_in"]) + 300
    assert claims_of(body["access_token"])["exp"] == int(body["expires_on"])
    header_segment, payload_segment, signature = body["id_token"].split(".")
    assert b64url_json(header_segment) == {"typ": "JWT", "alg": "none"}
    assert signature == ""
    id_claims = b64url_json(payload_segment)
    assert id_claims["aud"] == PUBLIC_CLIENT_ID
    assert id_claims["upn"] == ADMIN
    assert id_claims["iss"] == f"https://sts.windows.net/{sim.config.tenant_id}/"


def test_ropc_v2_reply_has_int_numbers_granted_scope_and_client_info(sim):
    response = ropc(sim, 2, client_info="1")
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["token_type", "scope", "expires_in", "ext_expires_in", "access_token",
                          "refresh_token", "id_token", "client_info"]
    assert isinstance(body["expires_in"], int) and isinstance(body["ext_expires_in"], int)
    assert body["expires_in"] == sim.config.token_lifetime
    assert body["scope"] == f"{sim.config.crm_url}/user_impersonation"
    assert "expires_on" not in body and "resource" not in body
    admin = sim.config.user(ADMIN)
    assert b64url_json(body["client_info"]) == {"uid": admin.object_id, "utid": sim.config.tenant_id}


def test_ropc_v2_default_scope_is_answered_with_the_granted_permission(sim):
    response = ropc(sim, 2, scope=f"{sim.config.crm_url}/.default")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == f"{sim.config.crm_url}/user_impersonation"
    # No offline_access / openid asked: no refresh token, no ID token, no client_info.
    assert "refresh_token" not in body and "id_token" not in body and "client_info" not in body


def test_ropc_v2_id_token_is_signed_with_the_v2_issuer(sim):
    body = ropc(sim, 2).json()
    discovery = requests.get(f"{sim.config.login_url}/{sim.config.tenant_id}/v2.0/.well-known/openid-configuration",
                             timeout=10).json()
    signing_key = PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(body["id_token"])
    claims = jwt.decode(body["id_token"], signing_key.key, algorithms=["RS256"], audience=PUBLIC_CLIENT_ID,
                        issuer=discovery["issuer"])
    assert claims["ver"] == "2.0"
    assert claims["preferred_username"] == ADMIN
    assert claims["tid"] == sim.config.tenant_id


@pytest.mark.parametrize("tenant_attr", ["tenant_domain", "organizations"])
def test_ropc_accepts_the_tenant_domain_and_organizations(sim, tenant_attr):
    tenant = getattr(sim.config, tenant_attr) if tenant_attr != "organizations" else "organizations"
    response = ropc(sim, 2, tenant=tenant)
    assert response.status_code == 200, response.text
    assert claims_of(response.json()["access_token"])["tid"] == sim.config.tenant_id


def test_confidential_client_ropc_with_a_secret_is_marked_appidacr_1(sim):
    response = ropc(sim, 2, client_id=CONFIDENTIAL_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET)
    assert response.status_code == 200, response.text
    claims = claims_of(response.json()["access_token"])
    assert claims["appid"] == CONFIDENTIAL_CLIENT_ID
    assert claims["appidacr"] == "1"


def test_public_client_flow_app_without_a_secret_gets_appidacr_0(sim):
    # The default confidential app has "allow public client flows" on, so it may skip the secret.
    response = ropc(sim, 1, client_id=CONFIDENTIAL_CLIENT_ID)
    assert response.status_code == 200, response.text
    assert claims_of(response.json()["access_token"])["appidacr"] == "0"


# ----------------------------------------------------------------- client credentials
def test_client_credentials_v1_reply_has_no_scope_refresh_or_id_token(sim):
    response = client_credentials(sim, 1)
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["token_type", "expires_in", "ext_expires_in", "expires_on", "not_before", "resource",
                          "access_token"]
    assert body["expires_in"] == str(sim.config.token_lifetime)
    assert body["resource"] == sim.config.crm_url


def test_client_credentials_v2_reply_is_exactly_four_fields(sim):
    response = client_credentials(sim, 2, client_info="1")
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["token_type", "expires_in", "ext_expires_in", "access_token"]
    assert body["expires_in"] == sim.config.token_lifetime


def test_client_credentials_accepts_http_basic_client_authentication(sim):
    data = {"grant_type": "client_credentials", "scope": f"{sim.config.crm_url}/.default"}
    response = requests.post(token_url(sim, 2), data=data, auth=(CONFIDENTIAL_CLIENT_ID, DEFAULT_CLIENT_SECRET),
                             timeout=10)
    assert response.status_code == 200, response.text
    assert claims_of(response.json()["access_token"])["appid"] == CONFIDENTIAL_CLIENT_ID


def test_app_only_token_claims(sim):
    claims = claims_of(client_credentials(sim, 2).json()["access_token"])
    client = sim.config.client(CONFIDENTIAL_CLIENT_ID)
    assert claims["aud"] == sim.config.crm_url
    assert claims["idtyp"] == "app"
    assert claims["oid"] == client.service_principal_id == claims["sub"]
    assert claims["appid"] == CONFIDENTIAL_CLIENT_ID and claims["appidacr"] == "1"
    assert claims["ver"] == "1.0" and claims["tid"] == sim.config.tenant_id
    for absent in ("scp", "upn", "unique_name", "name", "family_name", "given_name", "amr"):
        assert absent not in claims, absent


# ----------------------------------------------------------------- access-token claims and signature
def test_user_access_token_claims(sim):
    body = ropc(sim, 1).json()
    claims = claims_of(body["access_token"])
    admin = sim.config.user(ADMIN)
    tid = sim.config.tenant_id
    assert claims["aud"] == sim.config.crm_url
    assert claims["iss"] == f"https://sts.windows.net/{tid}/"
    assert claims["tid"] == tid
    assert claims["oid"] == admin.object_id
    assert claims["upn"] == claims["unique_name"] == ADMIN
    assert claims["given_name"] == admin.given_name and claims["family_name"] == admin.family_name
    assert claims["name"] == f"{admin.given_name} {admin.family_name}"
    assert claims["appid"] == PUBLIC_CLIENT_ID and claims["appidacr"] == "0"
    assert claims["scp"] == "user_impersonation"
    assert claims["ver"] == "1.0"
    assert claims["amr"] == ["pwd"]
    assert claims["uti"] and isinstance(claims["uti"], str)
    for name in ("iat", "nbf", "exp"):
        assert isinstance(claims[name], int), name
    assert claims["exp"] - claims["nbf"] == sim.config.token_lifetime + 300
    assert "roles" not in claims and "idtyp" in claims and claims["idtyp"] == "user"


def test_access_token_header_and_signature_match_the_published_keys(sim):
    token = ropc(sim, 2).json()["access_token"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    assert header["kid"] == header["x5t"]
    for path in ("discovery/keys", f"{sim.config.tenant_id}/discovery/keys"):
        key = PyJWKClient(f"{sim.config.login_url}/{path}").get_signing_key_from_jwt(token)
        claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=sim.config.crm_url,
                            issuer=f"https://sts.windows.net/{sim.config.tenant_id}/")
        assert claims["upn"] == ADMIN


def test_issued_tokens_pass_the_resource_servers_check(sim):
    token = client_credentials(sim, 1).json()["access_token"]
    claims = verify_access_token(token, sim.config.crm_url, sim.config, sim.apps.key)
    assert claims["appid"] == CONFIDENTIAL_CLIENT_ID


def test_audience_keeps_the_trailing_slash_as_requested(sim):
    v1 = ropc(sim, 1, resource=sim.config.crm_url + "/").json()
    assert claims_of(v1["access_token"])["aud"] == sim.config.crm_url + "/"
    assert v1["resource"] == sim.config.crm_url + "/"
    # ".default" on a resource written with a trailing slash gives the double slash.
    v2 = client_credentials(sim, 2, scope=f"{sim.config.crm_url}//.default").json()
    assert claims_of(v2["access_token"])["aud"] == sim.config.crm_url + "/"


@pytest.mark.parametrize("audience", ["fno_url", "bc"])
def test_fno_and_business_central_are_known_audiences(sim, audience):
    resource = BC_AUDIENCE if audience == "bc" else sim.config.fno_url
    response = client_credentials(sim, 2, scope=f"{resource}/.default")
    assert response.status_code == 200, response.text
    assert claims_of(response.json()["access_token"])["aud"] == resource


def test_every_token_is_unique(sim):
    first, second = ropc(sim, 1).json(), ropc(sim, 1).json()
    assert first["access_token"] != second["access_token"]
    assert first["refresh_token"] != second["refresh_token"]
    assert claims_of(first["access_token"])["uti"] != claims_of(second["access_token"])["uti"]


def test_success_headers_are_entra_like_and_echo_the_client_request_id(sim):
    request_id = str(uuid.uuid4())
    data = {"grant_type": "client_credentials", "client_id": CONFIDENTIAL_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET, "scope": f"{sim.config.crm_url}/.default"}
    response = requests.post(token_url(sim, 2), data=data, headers={"client-request-id": request_id}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store, no-cache"
    assert response.headers["Pragma"] == "no-cache"
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert uuid.UUID(response.headers["x-ms-request-id"])
    assert response.headers["client-request-id"] == request_id
