"""Secret scrubbing of cassette documents: deny by default, stable placeholders per cassette."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from harness.recording.scrub import is_secret_key, scrub_interactions
from tests.fakes import fake_jwt
from tests.recording.helpers import exchange

JWT = fake_jwt({'alg': 'RS256'}, {'aud': 'https://org'}, b'signature-part')
OTHER_JWT = fake_jwt({'alg': 'RS256'}, {'sub': 'other'}, b'another-signature')


def token_flow(access: str = JWT) -> list[dict]:
    return [
        exchange("POST", "https://login.example/tenant/oauth2/token", request_type="application/x-www-form-urlencoded",
                 request_body="grant_type=password&client_id=abc&username=ada%40contoso.com&password=Pa55word%21"
                              "&resource=https%3A%2F%2Forg.example",
                 response_body={"token_type": "Bearer", "expires_in": "3599", "access_token": access,
                                "refresh_token": "0.AAAA-refresh-token-value", "id_token": OTHER_JWT}),
        exchange("GET", "https://org.example/api/data/v9.2/WhoAmI",
                 request_headers={"Authorization": f"Bearer {access}"}, response_body={"UserId": "u"}),
    ]


def dump(interactions) -> str:
    return json.dumps(interactions)


def test_token_flow_gets_consistent_placeholders():
    scrubbed, _ = scrub_interactions(token_flow())
    token_request, whoami = scrubbed
    form = token_request["request"]["body"]["form"]
    assert form["password"] == "<PASSWORD_1>"
    assert form["grant_type"] == "password" and form["client_id"] == "abc"
    reply = token_request["response"]["body"]["json"]
    assert reply["access_token"] == "<ACCESS_TOKEN_1>"
    assert reply["refresh_token"] == "<REFRESH_TOKEN_1>"
    assert reply["id_token"] == "<ID_TOKEN_1>"
    assert reply["token_type"] == "Bearer" and reply["expires_in"] == "3599"
    # the token the client got back is the one it sends: same placeholder, so replay stays consistent
    assert whoami["request"]["headers"]["Authorization"] == ["Bearer <ACCESS_TOKEN_1>"]
    text = dump(scrubbed)
    for secret in (JWT, OTHER_JWT, "Pa55word!", "0.AAAA-refresh-token-value"):
        assert secret not in text


def test_distinct_tokens_get_distinct_numbers_and_existing_numbers_continue():
    first = token_flow(JWT)
    second = token_flow("opaque-second-token-123")
    scrubbed, _ = scrub_interactions(first + second)
    assert scrubbed[1]["request"]["headers"]["Authorization"] == ["Bearer <ACCESS_TOKEN_1>"]
    assert scrubbed[3]["request"]["headers"]["Authorization"] == ["Bearer <ACCESS_TOKEN_2>"]
    # a cassette that already holds <ACCESS_TOKEN_1> (new_episodes) numbers a new token 2
    again, _ = scrub_interactions(scrubbed[:2] + token_flow("opaque-third-token-456"))
    assert again[1]["request"]["headers"]["Authorization"] == ["Bearer <ACCESS_TOKEN_1>"]
    assert again[3]["request"]["headers"]["Authorization"] == ["Bearer <ACCESS_TOKEN_2>"]


def test_scrubbing_is_idempotent():
    once, _ = scrub_interactions(token_flow())
    twice, _ = scrub_interactions(once)
    assert twice == once


@pytest.mark.parametrize("field", ["client_secret", "refresh_token", "code", "code_verifier", "client_assertion"])
def test_token_request_form_fields(field):
    body = f"grant_type=x&client_id=abc&{field}=s3cr3t-value-{field}&scope=https%3A%2F%2Forg%2F.default"
    scrubbed, _ = scrub_interactions([exchange("POST", "https://login.example/t/oauth2/v2.0/token",
                                               request_type="application/x-www-form-urlencoded",
                                               request_body=body)])
    form = scrubbed[0]["request"]["body"]["form"]
    assert form[field].startswith("<") and f"s3cr3t-value-{field}" not in dump(scrubbed)
    assert form["scope"] == "https://org/.default"


def test_cookies_and_secret_headers():
    interaction = exchange("GET", "https://org.example/x",
                           request_headers={"Cookie": "ARRAffinity=abc123def; ReqClientId=zz99yy88",
                                            "x-api-key": "k-123456", "Proxy-Authorization": "Basic dXNlcjpwYXNz"},
                           response_headers={"Set-Cookie": "ReqClientId=zz99yy88; path=/; secure; HttpOnly",
                                             "WWW-Authenticate": 'Bearer authorization_uri="https://login/x"'})
    scrubbed, _ = scrub_interactions([interaction])
    req, resp = scrubbed[0]["request"]["headers"], scrubbed[0]["response"]["headers"]
    assert req["Cookie"] == ["ARRAffinity=<COOKIE_1>; ReqClientId=<COOKIE_2>"]
    assert resp["Set-Cookie"] == ["ReqClientId=<COOKIE_2>; path=/; secure; HttpOnly"]
    assert req["x-api-key"] == ["<X_API_KEY_1>"]
    assert req["Proxy-Authorization"] == ["Basic <CREDENTIALS_1>"]
    assert resp["WWW-Authenticate"] == ['Bearer authorization_uri="https://login/x"']


def test_secret_like_keys_in_json_query_and_nested_bodies():
    interaction = exchange(
        "POST", "https://org.example/api?api_key=qk-1234&sig=sas-sig-999&$skiptoken=page2&state=st",
        request_body={"name": "visible", "settings": {"clientSecret": "cs-abcdef", "Password": "pw-123456",
                                                      "accessKey": "ak-123456", "PrimaryKey": "pk-123456"},
                      "items": [{"token": "t-in-list-1"}]},
        response_body={"error": {"code": "0x80040217", "message": "not found"}, "token_type": "Bearer",
                       "@odata.etag": 'W/"1"', "keyattributes": ["x"], "credentials": "cred-abcdef"})
    scrubbed, _ = scrub_interactions([interaction])
    request, response = scrubbed[0]["request"], scrubbed[0]["response"]
    settings = request["body"]["json"]["settings"]
    assert settings == {"clientSecret": "<CLIENTSECRET_1>", "Password": "<PASSWORD_1>",
                        "accessKey": "<ACCESSKEY_1>", "PrimaryKey": "<PRIMARYKEY_1>"}
    assert request["body"]["json"]["items"] == [{"token": "<TOKEN_1>"}]
    assert request["body"]["json"]["name"] == "visible"
    assert "api_key=%3CAPI_KEY_1%3E" in request["uri"] and "sig=%3CSIG_1%3E" in request["uri"]
    assert "$skiptoken=page2" in request["uri"] and "state=st" in request["uri"]
    body = response["body"]["json"]
    assert body["error"]["code"] == "0x80040217"  # an error code is not an OAuth code
    assert body["token_type"] == "Bearer" and body["@odata.etag"] == 'W/"1"' and body["keyattributes"] == ["x"]
    assert body["credentials"] == "<CREDENTIALS_1>"


def test_jwts_bearer_tokens_and_known_values_anywhere_in_text():
    interaction = exchange("GET", "https://org.example/x", response_type="text/plain",
                           response_body=f"debug: token {JWT} header Bearer abc.def-123456 and the "
                                         "password Known-Setting-Secret in plain text; Basic information stays")
    scrubbed, _ = scrub_interactions([interaction], known=[("Known-Setting-Secret", "PASSWORD")])
    text = scrubbed[0]["response"]["body"]["string"]
    assert text == ("debug: token <JWT_1> header Bearer <ACCESS_TOKEN_1> and the password <PASSWORD_1> "
                    "in plain text; Basic information stays")


def test_a_known_secret_echoed_under_another_key_is_replaced_too():
    interaction = exchange("POST", "https://org.example/x", request_body={"password": "echo-me-123"},
                           response_body={"message": "user typed echo-me-123 as password"})
    scrubbed, _ = scrub_interactions([interaction])
    assert scrubbed[0]["response"]["body"]["json"]["message"] == "user typed <PASSWORD_1> as password"


@pytest.mark.parametrize(("name", "secret"), [
    ("password", True), ("PASSWORD", True), ("client_secret", True), ("clientSecret", True), ("x-api-key", True),
    ("access_token", True), ("refresh_token", True), ("id_token", True), ("Credential", True),
    ("client_assertion", True), ("apikey", True), ("SharedAccessKey", True), ("sastoken", True),
    ("token_type", False), ("$skiptoken", False), ("$deltatoken", False), ("token_endpoint", False),
    ("jwks_uri", False), ("code", False), ("statecode", False), ("keyattributes", False), ("name", False),
    ("@odata.etag", False), ("monkey", False), ("keep-alive", False), ("expires_in", False),
])
def test_secret_key_names(name, secret):
    assert is_secret_key(name) is secret


def test_code_is_secret_in_forms_and_query_strings_only():
    assert is_secret_key("code", form=True) and is_secret_key("code_verifier", form=True)
    assert not is_secret_key("code") and not is_secret_key("countrycode", form=True)


def test_dataverse_key_value_collections_are_not_secrets():
    interaction = exchange(
        "GET", "https://org.example/api/data/v9.2/RetrieveTotalRecordCount(EntityNames=@p1)?@p1=[\"account\"]",
        response_body={"EntityRecordCountCollection": {"Count": 1, "IsReadOnly": False, "Keys": ["account"],
                                                       "Values": [3]}, "apiKeys": ["ak-123456"]})
    scrubbed, _ = scrub_interactions([interaction])
    body = scrubbed[0]["response"]["body"]["json"]
    assert body["EntityRecordCountCollection"]["Keys"] == ["account"]
    assert body["apiKeys"] == ["<APIKEYS_1>"]


def test_sas_signatures_in_bodies_get_the_placeholder_of_the_request_uri():
    """F&O's package API hands out blob URLs with a SAS inside a JSON string; the PUT then uses it."""
    sig = "1OLAJt45TSX8csgLrP5L5a/309Suk0TZVAzJAJIHkE0="
    url = f"https://blob.example/dmf/p.zip?sv=2018-03-28&sr=b&sp=rw&se=2030-01-01T00%3A00%3A00Z&sig={quote(sig, safe='')}"
    answer = exchange("POST", "https://fo.example/data/DataManagementDefinitionGroups/X.GetAzureWriteUrl",
                      response_body={"value": json.dumps({"BlobId": "{1}", "BlobUrl": url})})
    upload = exchange("PUT", url)
    scrubbed, _ = scrub_interactions([answer, upload])
    assert sig not in dump(scrubbed) and quote(sig, safe="") not in dump(scrubbed)
    body_url = json.loads(scrubbed[0]["response"]["body"]["json"]["value"])["BlobUrl"]
    assert body_url.endswith("sig=%3CSIG_1%3E") and scrubbed[1]["request"]["uri"].endswith("sig=%3CSIG_1%3E")
