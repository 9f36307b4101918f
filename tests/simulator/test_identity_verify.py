"""The resource servers' token check (``verify_access_token``): pure functions, no server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest

from simulator.config import PUBLIC_CLIENT_ID, SimConfig
from simulator.identity.tokens import Subject, TokenIssuer
from simulator.identity.verify import TokenRejected, bearer_from_header, verify_access_token
from simulator.keys import SigningKey

ORG = "https://org.crm.dynamics.com"


@pytest.fixture(scope="module")
def config() -> SimConfig:
    return SimConfig(crm_url=ORG, fno_url="https://env.operations.dynamics.com", login_url="http://login.test")


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey()


@pytest.fixture(scope="module")
def other_key() -> SigningKey:
    return SigningKey()


def claims_for(config: SimConfig, **overrides) -> dict:
    now = int(time.time())
    return {"aud": ORG, "iss": f"https://sts.windows.net/{config.tenant_id}/", "iat": now - 300,
            "nbf": now - 300, "exp": now + 3600, "tid": config.tenant_id, "ver": "1.0",
            "scp": "user_impersonation"} | overrides


def unsigned(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
    return f"{part({'typ': 'JWT', 'alg': 'none'})}.{part(claims)}."


def test_a_token_from_the_issuer_is_accepted_with_or_without_trailing_slash(config, key):
    user = config.user("admin@contoso.onmicrosoft.com")
    subject = Subject(config.client(PUBLIC_CLIENT_ID), "0", user)
    issued = TokenIssuer(config, key).access_token(subject, ORG, time.time())
    for audience in (ORG, ORG + "/"):
        claims = verify_access_token(issued.token, audience, config, key)
        assert claims["upn"] == user.upn and claims["oid"] == user.object_id


def test_a_slash_audience_token_is_accepted_for_the_bare_url(config, key):
    token = key.sign(claims_for(config, aud=ORG + "/"))
    assert verify_access_token(token, ORG, config, key)["aud"] == ORG + "/"


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"exp": -10}, "IDX10223"),  # offsets from now, applied when the test runs
    ({"aud": "https://other.crm.dynamics.com"}, "IDX10214"),
    ({"nbf": 600}, "IDX10222"),
    ({"iss": "https://sts.windows.net/00000000-0000-4000-8000-000000000bad/"}, "IDX10205"),
    ({"tid": "00000000-0000-4000-8000-000000000bad"}, "another tenant"),
])
def test_bad_claims_are_rejected(config, key, overrides, reason):
    now = int(time.time())
    overrides = {k: now + v if k in ("exp", "nbf") else v for k, v in overrides.items()}
    with pytest.raises(TokenRejected) as info:
        verify_access_token(key.sign(claims_for(config, **overrides)), ORG, config, key)
    assert reason in info.value.reason


def test_a_token_signed_by_another_key_is_rejected(config, key, other_key):
    token = other_key.sign(claims_for(config))
    with pytest.raises(TokenRejected, match="IDX10503"):
        verify_access_token(token, ORG, config, key)


def test_a_tampered_payload_fails_the_signature(config, key):
    header, _, signature = key.sign(claims_for(config)).split(".")
    forged = base64.urlsafe_b64encode(json.dumps(claims_for(config, upn="mallory@x")).encode()).rstrip(b"=")
    with pytest.raises(TokenRejected, match="IDX10503"):
        verify_access_token(f"{header}.{forged.decode()}.{signature}", ORG, config, key)


def test_alg_none_is_rejected(config, key):
    with pytest.raises(TokenRejected, match="algorithm 'none'"):
        verify_access_token(unsigned(claims_for(config)), ORG, config, key)


def test_hs256_signed_with_the_public_key_is_rejected(config, key):
    # The classic algorithm-confusion attack: HMAC keyed with the published RSA public key.
    header = {"alg": "HS256", "typ": "JWT"}
    body = ".".join(base64.urlsafe_b64encode(json.dumps(p).encode()).rstrip(b"=").decode()
                    for p in (header, claims_for(config)))
    mac = hmac.new(key.public_pem, body.encode(), hashlib.sha256).digest()
    token = f"{body}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    with pytest.raises(TokenRejected, match="HS256"):
        verify_access_token(token, ORG, config, key)


def test_missing_required_claims_are_rejected(config, key):
    claims = claims_for(config)
    del claims["exp"]
    with pytest.raises(TokenRejected, match="MissingRequiredClaim"):
        verify_access_token(key.sign(claims), ORG, config, key)


def test_garbage_is_not_a_jwt_and_the_reason_never_contains_the_token(config, key):
    with pytest.raises(TokenRejected) as info:
        verify_access_token("not-a-token-secretvalue", ORG, config, key)
    assert info.value.reason == "token is not a JWT"
    expired = key.sign(claims_for(config, exp=int(time.time()) - 5))
    with pytest.raises(TokenRejected) as info:
        verify_access_token(expired, ORG, config, key)
    assert expired not in str(info.value) and expired not in repr(info.value)


def test_bearer_from_header():
    assert bearer_from_header("Bearer abc.def.ghi") == "abc.def.ghi"
    assert bearer_from_header("bearer   abc ") == "abc"
    for bad in (None, "", "Basic dXNlcjpwYXNz", "Bearer ", "Bearer"):
        with pytest.raises(TokenRejected):
            bearer_from_header(bad)


def test_issued_user_and_app_tokens_pass_pyjwt_with_the_public_key(config, key):
    issuer = TokenIssuer(config, key)
    app = issuer.access_token(Subject(config.client(PUBLIC_CLIENT_ID), "1"), ORG, time.time())
    claims = jwt.decode(app.token, key.public_pem, algorithms=["RS256"], audience=ORG)
    assert claims["idtyp"] == "app" and app.expires_on == claims["exp"]


# ---------------------------------------------------------------------------- the verified-token cache
def test_a_token_is_verified_once_then_only_its_lifetime_is_checked(config, key, monkeypatch):
    import simulator.identity.verify as verify

    token = key.sign(claims_for(config, upn="cache@contoso.onmicrosoft.com"))
    calls = []
    decode = jwt.decode
    monkeypatch.setattr(verify.jwt, "decode", lambda *a, **k: calls.append(1) or decode(*a, **k))
    first = verify_access_token(token, ORG, config, key)
    first["upn"] = "changed by the caller"
    second = verify_access_token(token, ORG, config, key)
    assert len(calls) == 1 and second["upn"] == "cache@contoso.onmicrosoft.com"
    # the cache is keyed by what the token was checked against: another audience is checked afresh
    with pytest.raises(TokenRejected, match="IDX10214"):
        verify_access_token(token, "https://other.crm.dynamics.com", config, key)
    # ...and once its time is up, a cached token is refused like any expired one
    later = time.time() + 3600 + 5
    monkeypatch.setattr(verify.time, "time", lambda: later)
    with pytest.raises(TokenRejected, match="IDX10223"):
        verify_access_token(token, ORG, config, key)


def test_a_cached_tokens_signature_does_not_vouch_for_other_claims(config, key):
    token = key.sign(claims_for(config))
    verify_access_token(token, ORG, config, key)  # cached
    header, _, signature = token.split(".")
    forged = base64.urlsafe_b64encode(json.dumps(claims_for(config, upn="mallory@x")).encode()).rstrip(b"=")
    with pytest.raises(TokenRejected, match="IDX10503"):
        verify_access_token(f"{header}.{forged.decode()}.{signature}", ORG, config, key)


def test_a_cached_token_that_is_not_yet_valid_is_refused(config, key, monkeypatch):
    import simulator.identity.verify as verify

    token = key.sign(claims_for(config, upn="early@contoso.onmicrosoft.com"))
    verify_access_token(token, ORG, config, key)
    earlier = time.time() - 3600
    monkeypatch.setattr(verify.time, "time", lambda: earlier)
    with pytest.raises(TokenRejected, match="IDX10222"):
        verify_access_token(token, ORG, config, key)
