"""The Dataverse root refuses every unacceptable token with Dataverse's 401 challenge."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests

from simulator.keys import SigningKey
from tests.tokens import app_token, minted_token


def _challenge_ok(reply: requests.Response, sim) -> None:
    assert reply.status_code == 401
    assert reply.content == b""  # Dataverse sends an empty body on 401
    header = reply.headers["WWW-Authenticate"]
    assert header == (f"Bearer authorization_uri={sim.config.login_url}/{sim.config.tenant_id}/oauth2/authorize, "
                      f"resource_id={sim.config.crm_url}/")
    assert reply.headers["OData-Version"] == "4.0"


def _unsigned(claims: dict) -> str:
    def enc(part: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
    return f"{enc({'typ': 'JWT', 'alg': 'none'})}.{enc(claims)}."


def test_missing_token_gets_challenge(sim, crm_root):
    _challenge_ok(requests.get(f"{crm_root}/WhoAmI", timeout=10), sim)


def test_anonymous_probe_of_service_root_reveals_authority(sim, crm_root):
    reply = requests.get(f"{crm_root}/", timeout=10)
    _challenge_ok(reply, sim)


@pytest.mark.parametrize("case", ["expired", "wrong_audience", "bad_signature", "alg_none", "other_tenant",
                                  "not_a_jwt", "basic_scheme", "not_yet_valid"])
def test_bad_tokens_are_refused(sim, crm_root, case):
    now = int(time.time())
    if case == "expired":
        token = minted_token(sim, iat=now - 7200, nbf=now - 7200, exp=now - 60)
    elif case == "wrong_audience":
        token = minted_token(sim, aud=sim.config.fno_url)
    elif case == "bad_signature":
        other = SigningKey()
        claims = json.loads(base64.urlsafe_b64decode(minted_token(sim).split(".")[1] + "=="))
        token = other.sign(claims)
    elif case == "alg_none":
        claims = json.loads(base64.urlsafe_b64decode(minted_token(sim).split(".")[1] + "=="))
        token = _unsigned(claims)
    elif case == "other_tenant":
        token = minted_token(sim, iss="https://sts.windows.net/11111111-1111-1111-1111-111111111111/")
    elif case == "not_yet_valid":
        token = minted_token(sim, nbf=now + 3600, iat=now)
    else:
        token = "not-a-jwt"
    scheme = "Basic" if case == "basic_scheme" else "Bearer"
    reply = requests.get(f"{crm_root}/WhoAmI", headers={"Authorization": f"{scheme} {token}"}, timeout=10)
    _challenge_ok(reply, sim)


def test_fno_token_is_refused_by_dataverse(sim, crm_root):
    token = app_token(sim, sim.config.fno_url)
    reply = requests.get(f"{crm_root}/WhoAmI", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    _challenge_ok(reply, sim)


def test_token_for_org_url_with_trailing_slash_is_accepted(sim, crm_root):
    token = minted_token(sim, aud=sim.config.crm_url + "/")
    reply = requests.get(f"{crm_root}/WhoAmI", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert reply.status_code == 200


def test_user_who_is_not_in_the_org_is_refused(sim, crm_root):
    token = minted_token(sim, oid="99999999-9999-4999-8999-999999999999")
    reply = requests.get(f"{crm_root}/WhoAmI", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert reply.status_code == 403
    assert reply.json() == {"error": {"code": "0x80072560",
                                      "message": "The user is not a member of the organization."}}


def test_whoami_for_user_and_application(sim, crm_root, crm_http):
    reply = crm_http.get(f"{crm_root}/WhoAmI")
    assert reply.status_code == 200
    body = reply.json()
    assert body["@odata.context"] == f"{crm_root}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse"
    assert set(body) == {"@odata.context", "BusinessUnitId", "UserId", "OrganizationId"}
    user = crm_http.get(f"{crm_root}/systemusers({body['UserId']})?$select=domainname").json()
    assert user["domainname"] == "admin@contoso.onmicrosoft.com"
    token = app_token(sim, sim.config.crm_url)
    app_reply = requests.get(f"{crm_root}/WhoAmI()", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert app_reply.status_code == 200
    app_user = crm_http.get(f"{crm_root}/systemusers({app_reply.json()['UserId']})?$select=accessmode").json()
    assert app_user["accessmode"] == 4  # an application user (non-interactive)
