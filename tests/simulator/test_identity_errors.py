"""Token-endpoint errors: AADSTS code, OAuth error, HTTP status, Entra's JSON shape, no secrets echoed."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
import requests

from simulator.config import (
    CONFIDENTIAL_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    EXPIRED_SECRET_CLIENT_ID,
    PUBLIC_CLIENT_ID,
)

ADMIN = "admin@contoso.onmicrosoft.com"
WRONG_PASSWORD = "Wr0ng-Passw0rd-value!"
WRONG_SECRET = "wrong-client-secret-value"
UNKNOWN_CLIENT = "0bad0000-0000-4000-8000-00000000c0de"
SECRET_VALUES = (DEFAULT_PASSWORD, DEFAULT_CLIENT_SECRET, WRONG_PASSWORD, WRONG_SECRET, "0.AbogusRefresh", "1.Abogus")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$")


@dataclass
class Case:
    """One failing token request: ``data`` is formatted with the simulator's URLs."""

    id: str
    version: int
    data: dict
    code: int
    error: str
    status: int = 400
    suberror: str | None = None
    tenant: str | None = None
    auth: tuple[str, str] | None = None


def ropc_v1(**overrides) -> dict:
    return {"grant_type": "password", "client_id": PUBLIC_CLIENT_ID, "resource": "{crm}", "username": ADMIN,
            "password": DEFAULT_PASSWORD} | overrides


def ropc_v2(**overrides) -> dict:
    return {"grant_type": "password", "client_id": PUBLIC_CLIENT_ID, "scope": "{crm}/user_impersonation openid",
            "username": ADMIN, "password": DEFAULT_PASSWORD} | overrides


def cc_v2(**overrides) -> dict:
    return {"grant_type": "client_credentials", "client_id": CONFIDENTIAL_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET, "scope": "{crm}/.default"} | overrides


CASES = [
    Case("wrong-password-v1", 1, ropc_v1(password=WRONG_PASSWORD), 50126, "invalid_grant"),
    Case("wrong-password-v2", 2, ropc_v2(password=WRONG_PASSWORD), 50126, "invalid_grant"),
    Case("unknown-user", 2, ropc_v2(username="nobody@contoso.onmicrosoft.com"), 50034, "invalid_grant"),
    Case("mfa-required", 2, ropc_v2(username="mfa@contoso.onmicrosoft.com"), 50076, "invalid_grant",
         suberror="basic_action"),
    Case("consent-missing", 1, ropc_v1(username="noconsent@contoso.onmicrosoft.com"), 65001, "invalid_grant",
         suberror="consent_required"),
    Case("bad-secret", 2, cc_v2(client_secret=WRONG_SECRET), 7000215, "invalid_client", 401),
    Case("bad-secret-basic", 2, cc_v2(client_secret="", client_id=""), 7000215, "invalid_client", 401,
         auth=(CONFIDENTIAL_CLIENT_ID, WRONG_SECRET)),
    Case("expired-secret", 2, cc_v2(client_id=EXPIRED_SECRET_CLIENT_ID), 7000222, "invalid_client", 401),
    Case("confidential-ropc-without-secret", 2, ropc_v2(client_id=EXPIRED_SECRET_CLIENT_ID), 7000218,
         "invalid_client", 401),
    Case("client-credentials-without-secret", 1,
         {"grant_type": "client_credentials", "client_id": CONFIDENTIAL_CLIENT_ID, "resource": "{crm}"},
         7000218, "invalid_client", 401),
    Case("public-client-with-secret", 2, ropc_v2(client_secret=WRONG_SECRET), 700025, "invalid_client", 401),
    Case("unknown-client", 2, ropc_v2(client_id=UNKNOWN_CLIENT), 700016, "unauthorized_client"),
    Case("unknown-resource-v1", 1, ropc_v1(resource="https://unknown.crm.dynamics.com"), 500011,
         "invalid_resource"),
    Case("unknown-resource-v2", 2, cc_v2(scope="https://unknown.crm.dynamics.com/.default"), 500011,
         "invalid_resource"),
    Case("unknown-tenant", 2, ropc_v2(), 90002, "invalid_request", tenant="no-such-tenant.example"),
    Case("missing-grant-type", 2, {"client_id": PUBLIC_CLIENT_ID}, 900144, "invalid_request"),
    Case("missing-username", 2, ropc_v2(username=""), 900144, "invalid_request"),
    Case("missing-password", 1, ropc_v1(password=""), 900144, "invalid_request"),
    Case("missing-resource-v1", 1, ropc_v1(resource=""), 900144, "invalid_request"),
    Case("missing-scope-v2", 2, cc_v2(scope=""), 900144, "invalid_request"),
    Case("missing-client-id", 2, ropc_v2(client_id=""), 900144, "invalid_request"),
    Case("unknown-grant", 2, {"grant_type": "urn:example:magic", "client_id": PUBLIC_CLIENT_ID}, 70003,
         "unsupported_grant_type"),
    Case("ropc-on-common", 2, ropc_v2(), 9001023, "invalid_request", tenant="common"),
    Case("ropc-on-consumers", 1, ropc_v1(), 9001023, "invalid_request", tenant="consumers"),
    Case("client-credentials-on-organizations", 2, cc_v2(), 9001023, "invalid_request", tenant="organizations"),
    Case("bare-word-scope", 2, ropc_v2(scope="user_impersonation"), 70011, "invalid_scope"),
    Case("scope-without-permission", 2, ropc_v2(scope="{crm}"), 70011, "invalid_scope"),
    Case("unknown-permission", 2, ropc_v2(scope="{crm}/Accounts.ReadWrite"), 70011, "invalid_scope"),
    Case("two-resources", 2, ropc_v2(scope="{crm}/user_impersonation {fno}/user_impersonation"), 700022,
         "invalid_scope"),
    Case("only-openid-scopes", 2, ropc_v2(scope="openid profile offline_access"), 700023, "invalid_scope"),
    Case("client-credentials-needs-default", 2, cc_v2(scope="{crm}/user_impersonation"), 1002012,
         "invalid_scope"),
    Case("resource-on-v2", 2, cc_v2(resource="{crm}"), 901002, "invalid_request"),
    Case("unknown-refresh-token", 2,
         {"grant_type": "refresh_token", "client_id": PUBLIC_CLIENT_ID, "refresh_token": "1.Abogus",
          "scope": "{crm}/user_impersonation"}, 9002313, "invalid_request"),
    Case("unknown-code", 2,
         {"grant_type": "authorization_code", "client_id": PUBLIC_CLIENT_ID, "code": "0.AbogusRefresh",
          "redirect_uri": "http://localhost", "scope": "{crm}/user_impersonation"}, 70000, "invalid_grant"),
]


def post_case(sim, case: Case, headers: dict | None = None) -> requests.Response:
    urls = {"crm": sim.config.crm_url, "fno": sim.config.fno_url}
    data = {name: value.format(**urls) for name, value in case.data.items() if value != ""}
    tenant = case.tenant or sim.config.tenant_id
    path = "oauth2/token" if case.version == 1 else "oauth2/v2.0/token"
    return requests.post(f"{sim.config.login_url}/{tenant}/{path}", data=data, auth=case.auth, headers=headers,
                         timeout=10)


def assert_entra_error(response: requests.Response, code: int, error: str, status: int,
                       suberror: str | None = None) -> dict:
    """The common shape of every Entra error reply."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store, no-cache"
    assert response.headers["Pragma"] == "no-cache"
    body = response.json()
    assert body["error"] == error
    assert body["error_codes"] == [code]
    trace_id, correlation_id = body["trace_id"], body["correlation_id"]
    assert uuid.UUID(trace_id) and uuid.UUID(correlation_id)
    assert response.headers["x-ms-request-id"] == trace_id
    assert TIMESTAMP.match(body["timestamp"]), body["timestamp"]
    description = body["error_description"]
    assert description.startswith(f"AADSTS{code}: ")
    assert description.endswith(f"\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\n"
                                f"Timestamp: {body['timestamp']}")
    assert body["error_uri"].endswith(f"/error?code={code}")
    assert body.get("suberror") == suberror
    return body


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_token_error(sim, case: Case):
    response = post_case(sim, case)
    assert_entra_error(response, case.code, case.error, case.status, case.suberror)
    for secret in SECRET_VALUES:
        assert secret not in response.text


def test_get_on_the_token_endpoint_is_rejected(sim):
    response = requests.get(f"{sim.config.login_url}/{sim.config.tenant_id}/oauth2/v2.0/token", timeout=10)
    body = assert_entra_error(response, 900561, "invalid_request", 400)
    assert "GET" in body["error_description"]


def test_the_client_request_id_becomes_the_correlation_id(sim):
    request_id = str(uuid.uuid4())
    response = post_case(sim, CASES[0], headers={"client-request-id": request_id})
    body = assert_entra_error(response, 50126, "invalid_grant", 400)
    assert body["correlation_id"] == request_id
    assert f"Correlation ID: {request_id}" in body["error_description"]
    assert response.headers["client-request-id"] == request_id


def test_each_error_has_its_own_trace_id(sim):
    first, second = post_case(sim, CASES[0]).json(), post_case(sim, CASES[0]).json()
    assert first["trace_id"] != second["trace_id"]


def test_descriptions_name_the_problem_without_secrets(sim):
    by_id = {case.id: case for case in CASES}
    missing = post_case(sim, by_id["missing-username"]).json()["error_description"]
    assert "'username'" in missing
    resource = post_case(sim, by_id["unknown-resource-v1"]).json()["error_description"]
    assert "https://unknown.crm.dynamics.com" in resource and "Contoso" in resource
    client = post_case(sim, by_id["unknown-client"]).json()["error_description"]
    assert UNKNOWN_CLIENT in client
    mfa = post_case(sim, by_id["mfa-required"]).json()["error_description"]
    assert "00000007-0000-0000-c000-000000000000" in mfa  # Dataverse's first-party app id, like Entra
    grant = post_case(sim, by_id["unknown-grant"]).json()["error_description"]
    assert "urn:example:magic" in grant


def test_error_uri_page_explains_the_code(sim):
    body = post_case(sim, CASES[0]).json()
    page = requests.get(body["error_uri"], timeout=10)
    assert page.status_code == 200
    assert "AADSTS50126" in page.text and "invalid_grant" in page.text
    assert requests.get(f"{sim.config.login_url}/error?code=1", timeout=10).status_code == 404
