"""OData-aware matching: equal meaning matches, different meaning does not, and the message says why."""

from __future__ import annotations

import pytest

from harness.recording.matching import differences, normalise_path, normalise_query
from tests.recording.helpers import vcr_request

ROOT = "http://127.0.0.1:4000/api/data/v9.2"
GUID = "7eb6f2a4-91c3-4d0e-b1a2-1234567890ab"


def same(r1, r2) -> bool:
    return not differences(r1, r2)


@pytest.mark.parametrize(("a", "b"), [
    (f"/accounts({GUID})", f"/accounts({GUID.upper()})"),
    (f"/accounts({GUID})", f"/accounts('{GUID}')"),
    (f"/accounts({GUID})", f"/accounts%28{GUID}%29"),
    ("/accounts(name='O''Brien')", "/accounts(name=%27O%27%27Brien%27)"),
    ("/Customers(dataAreaId='usmf',CustomerAccount='C1')", "/Customers(CustomerAccount='C1',dataAreaId='usmf')"),
    ("/accounts/", "/accounts"),
])
def test_equivalent_paths(a, b):
    assert normalise_path(a) == normalise_path(b)


@pytest.mark.parametrize(("a", "b"), [
    ("/accounts(name='A')", "/accounts(name='a')"),
    (f"/accounts({GUID})", "/accounts(7eb6f2a4-91c3-4d0e-b1a2-1234567890ac)"),
    ("/accounts", "/contacts"),
])
def test_different_paths(a, b):
    assert normalise_path(a) != normalise_path(b)


@pytest.mark.parametrize(("a", "b"), [
    ("$select=name,revenue&$top=2", "$top=2&$select=revenue,name"),
    ("%24filter=name%20eq%20%27x%27", "$filter=name eq 'x'"),
    ("$filter=name  eq 'x'", "$filter=name eq 'x'"),
    (f"$filter=accountid eq {GUID.upper()}", f"$filter=accountid eq {GUID}"),
    ("$expand=a($select=y,x),b", "$expand=b,a($select=x,y)"),
    ("$expand=a($top=1;$select=x)", "$expand=a($select=x;$top=1)"),
    ("$count=TRUE", "$count=true"),
    ("$SELECT=name", "$select=name"),
    ("state=abc&nonce=1", "state=xyz&nonce=2"),  # OAuth randomness
])
def test_equivalent_queries(a, b):
    assert normalise_query(a) == normalise_query(b)


@pytest.mark.parametrize(("a", "b"), [
    ("$orderby=name,revenue", "$orderby=revenue,name"),  # order of sort keys matters
    ("$filter=name eq 'x'", "$filter=name eq 'X'"),
    ("$top=2", "$top=3"),
    ("$select=name", "$select=name,revenue"),
])
def test_different_queries(a, b):
    assert normalise_query(a) != normalise_query(b)


def test_json_bodies_are_compared_as_json():
    a = vcr_request("POST", f"{ROOT}/accounts", {"name": "x", "revenue": 1.5, "tags": [1, 2]})
    b = vcr_request("POST", f"{ROOT}/accounts", {"revenue": 1.5, "tags": [1, 2], "name": "x"})
    c = vcr_request("POST", f"{ROOT}/accounts", {"revenue": 1.5, "tags": [2, 1], "name": "y"})
    assert same(a, b)
    failed = dict(differences(a, c))
    assert set(failed) == {"odata_body"}
    assert '$.name: request "x" ≠ recorded "y"' in failed["odata_body"]
    assert "$.tags[0]: request 1 ≠ recorded 2" in failed["odata_body"]


def token_request(body: str, url: str = "http://127.0.0.1:4001/tenant/oauth2/token"):
    return vcr_request("POST", url, body, {"Content-Type": "application/x-www-form-urlencoded"})


def test_form_bodies_ignore_order_secret_values_and_token_request_identity():
    recorded = token_request("grant_type=password&client_id=old&username=old%40old.com&password=%3CPASSWORD_1%3E"
                             "&resource=http%3A%2F%2F127.0.0.1%3A4000")
    live = token_request("resource=http%3A%2F%2F127.0.0.1%3A4000&password=real-password&username=new%40new.com"
                         "&client_id=new&grant_type=password")
    assert same(live, recorded)
    other_grant = token_request("grant_type=client_credentials&client_id=x&client_secret=s"
                                "&resource=http%3A%2F%2F127.0.0.1%3A4000")
    failed = dict(differences(other_grant, recorded))
    assert 'form field grant_type: request ["client_credentials"] ≠ recorded ["password"]' in failed["odata_body"]
    assert "real-password" not in str(failed) and "client_secret" in failed["odata_body"]


def test_identity_fields_matter_outside_the_token_endpoint():
    a = token_request("username=a", url=f"{ROOT}/form")
    b = token_request("username=b", url=f"{ROOT}/form")
    assert not same(a, b)


def test_batch_bodies_match_whatever_their_boundaries():
    def batch(boundary: str, changeset: str, name: str = "x"):
        body = (f"--{boundary}\r\nContent-Type: multipart/mixed; boundary={changeset}\r\n\r\n"
                f"--{changeset}\r\nContent-Type: application/http\r\nContent-ID: 1\r\n\r\n"
                f"POST {ROOT}/accounts HTTP/1.1\r\nContent-Type: application/json\r\n\r\n"
                f'{{"name": "{name}"}}\r\n--{changeset}--\r\n--{boundary}--\r\n')
        return vcr_request("POST", f"{ROOT}/$batch", body, {"Content-Type": f"multipart/mixed; boundary={boundary}"})

    assert same(batch("batch_aaa", "changeset_bbb"), batch("batch_123", "changeset_456"))
    assert not same(batch("batch_aaa", "changeset_bbb"), batch("batch_123", "changeset_456", name="y"))


def test_batch_bodies_match_part_by_part():
    def batch(boundary: str, eol: str, url: str, name: str = "x", if_match: str = "*"):
        body = (f"--{boundary}{eol}Content-Type: application/http{eol}{eol}GET {url}?$select=name,accountid HTTP/1.1"
                f"{eol}{eol}{eol}--{boundary}{eol}Content-Type: multipart/mixed; boundary=cs_{boundary}{eol}{eol}"
                f"--cs_{boundary}{eol}Content-Type: application/http{eol}Content-ID: 1{eol}{eol}"
                f"PATCH {url}({GUID.upper()}) HTTP/1.1{eol}If-Match: {if_match}{eol}Content-Type: application/json"
                f'{eol}{eol}{{"name": "{name}", "a": 1}}{eol}--cs_{boundary}--{eol}--{boundary}--{eol}')
        return vcr_request("POST", f"{ROOT}/$batch", body, {"Content-Type": f"multipart/mixed; boundary={boundary}"})

    relative = "/" + ROOT.split("/", 3)[3] + "/accounts"
    assert same(batch("b1", "\r\n", f"{ROOT}/accounts"), batch("zz", "\n", relative))
    failed = dict(differences(batch("b1", "\r\n", relative), batch("b2", "\r\n", relative, name="y")))
    assert failed == {"odata_body": 'batch part [1].body.name: request "x" ≠ recorded "y"'}
    failed = dict(differences(batch("b1", "\r\n", relative), batch("b2", "\r\n", relative, if_match='W/"1"')))
    assert list(failed) == ["odata_body"] and "batch part [1].headers.if-match" in failed["odata_body"]


def test_headers_that_change_the_answer_are_matched():
    url = f"{ROOT}/accounts({GUID})"
    stale = vcr_request("PATCH", url, {"name": "a"}, {"If-Match": 'W/"1"'})
    fresh = vcr_request("PATCH", url, {"name": "a"}, {"If-Match": 'W/"2"'})
    failed = dict(differences(stale, fresh))
    assert failed == {"odata_headers": 'header if-match: request "W/\\"1\\"" ≠ recorded "W/\\"2\\""'}
    a = vcr_request("GET", url, headers={"Prefer": 'odata.include-annotations="*",odata.maxpagesize=2'})
    b = vcr_request("GET", url, headers={"Prefer": 'odata.maxpagesize=2, odata.include-annotations="*"'})
    assert same(a, b)
    # headers that do not change the answer are ignored (tokens, user agent)
    assert same(vcr_request("GET", url, headers={"Authorization": "Bearer a", "User-Agent": "x"}),
                vcr_request("GET", url, headers={"Authorization": "Bearer <ACCESS_TOKEN_1>"}))


def test_method_and_origin_are_matched():
    assert dict(differences(vcr_request("GET", f"{ROOT}/accounts"), vcr_request("DELETE", f"{ROOT}/accounts"))) \
        == {"method": "request GET ≠ recorded DELETE"}
    failed = dict(differences(vcr_request("GET", f"{ROOT}/accounts"),
                              vcr_request("GET", "http://127.0.0.1:4002/api/data/v9.2/accounts")))
    assert set(failed) == {"origin"}
