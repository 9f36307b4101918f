"""Property tests of cassette scrubbing (harness.recording): whatever the secret values are, none survives
anywhere in the document, each keeps one stable placeholder, ordinary data is left alone, and
scrubbing twice changes nothing."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote_plus

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from harness.recording.scrub import BEARER_RE, JWT_RE, scrub_interactions

SECRET_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+/="
SECRETS = st.text(SECRET_ALPHABET, min_size=8, max_size=40)
ORDINARY = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
FIXED_TEXT = ("https://login.example/tenant/oauth2/token grant_type password username admin@contoso.example "
              "client_secret client_id Bearer token_type access_token refresh_token https://org.example/api/data/"
              "v9.2/accounts $filter name eq 'x' code Authorization Content-Type application/json value note echo "
              "<PASSWORD_1> <CLIENT_SECRET_1> <ACCESS_TOKEN_1> <REFRESH_TOKEN_1> <CODE_1> <SECRET_1> <JWT_1> POST GET")


def _document(password: str, client_secret: str, access: str, refresh: str, code: str, ordinary: str) -> list:
    token_call = {
        "request": {"method": "POST", "uri": "https://login.example/tenant/oauth2/token",
                    "headers": {"Content-Type": ["application/x-www-form-urlencoded"]},
                    "body": {"form": {"grant_type": "password", "username": "admin@contoso.example",
                                      "password": password, "client_secret": client_secret}}},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {"Content-Type": ["application/json"]},
                     "body": {"json": {"token_type": "Bearer", "access_token": access, "refresh_token": refresh}}},
    }
    api_call = {
        "request": {"method": "GET",
                    "uri": f"https://org.example/api/data/v9.2/accounts?code={quote(code, safe='')}"
                           f"&$filter={quote(chr(39) + 'x' + chr(39))}",
                    "headers": {"Authorization": [f"Bearer {access}"]}, "body": None},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {"Content-Type": ["application/json"]},
                     "body": {"json": {"value": [{"name": ordinary}], "note": f"echo {access} and {password}"}}},
    }
    return [token_call, api_call]


def _strings(value: Any):
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value
        yield unquote_plus(value)


SCRUB_SETTINGS = settings(max_examples=200, derandomize=True, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


@SCRUB_SETTINGS
@given(secrets=st.lists(SECRETS, min_size=5, max_size=5, unique=True), ordinary=ORDINARY,
       known=st.booleans())
def test_no_secret_survives_and_placeholders_are_stable(secrets, ordinary, known):
    password, client_secret, access, refresh, code = secrets
    for secret in secrets:
        assume(secret not in FIXED_TEXT)
        assume(all(secret not in other for other in secrets if other != secret))
    assume(not JWT_RE.search(ordinary) and not BEARER_RE.search(ordinary))
    assume(all(secret not in ordinary for secret in secrets))
    document = _document(password, client_secret, access, refresh, code, ordinary)
    scrubbed, _ = scrub_interactions(document, known=[(password, "PASSWORD")] if known else [])

    for text in _strings(scrubbed):
        for secret in secrets:
            assert secret not in text, f"{secret!r} survived in {text!r}"

    token_body = scrubbed[0]["response"]["body"]["json"]
    assert scrubbed[1]["request"]["headers"]["Authorization"] == [f"Bearer {token_body['access_token']}"]
    note = scrubbed[1]["response"]["body"]["json"]["note"]
    assert note == f"echo {token_body['access_token']} and {scrubbed[0]['request']['body']['form']['password']}"
    assert scrubbed[1]["response"]["body"]["json"]["value"] == [{"name": ordinary}]  # ordinary data untouched
    assert scrubbed[0]["request"]["body"]["form"]["username"] == "admin@contoso.example"

    again, _ = scrub_interactions(scrubbed)
    assert again == scrubbed  # placeholders are recognised: scrubbing is idempotent
    assert document[0]["request"]["body"]["form"]["password"] == password  # the input is not mutated


@SCRUB_SETTINGS
@given(header=st.sampled_from(["Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "Ocp-Apim-Subscription-Key"]),
       secret=SECRETS)
def test_secret_headers_are_always_replaced(header, secret):
    assume(secret not in FIXED_TEXT and secret not in header)
    value = {"Authorization": f"Bearer {secret}", "Cookie": f"session={secret}",
             "Set-Cookie": f"session={secret}; Path=/; HttpOnly"}.get(header, secret)
    document = [{"request": {"method": "GET", "uri": "https://org.example/api/data/v9.2/WhoAmI",
                             "headers": {header: [value]}, "body": None},
                 "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": ""}}}]
    scrubbed, _ = scrub_interactions(document)
    shown = scrubbed[0]["request"]["headers"][header][0]
    assert secret not in shown
    if header == "Set-Cookie":
        assert shown.endswith("; Path=/; HttpOnly")  # attributes are kept
