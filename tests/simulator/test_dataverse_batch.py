"""Dataverse ``$batch`` over real HTTP: change sets, Content-ID references, continue-on-error, limits, bad input."""

from __future__ import annotations

import uuid

import pytest

from tests import batchwire as bw


def names_like(crm_http, crm_root, marker: str) -> list[str]:
    reply = crm_http.get(f"{crm_root}/accounts", params={"$select": "name", "$filter": f"contains(name,'{marker}')"})
    assert reply.status_code == 200, reply.text
    return sorted(r["name"] for r in reply.json()["value"])


def post_batch(crm_http, crm_root, parts, prefer: str | None = None, eol: str = "\r\n"):
    content_type, body = bw.batch(parts, eol=eol)
    headers = {"Content-Type": content_type}
    if prefer:
        headers["Prefer"] = prefer
    return crm_http.post(f"{crm_root}/$batch", data=body, headers=headers)


def parts_of(reply) -> list[bw.Part]:
    assert reply.headers["Content-Type"].startswith("multipart/mixed; boundary=batchresponse_"), reply.headers
    return bw.read(reply.headers["Content-Type"], reply.content)


@pytest.mark.parametrize("eol", ["\r\n", "\n"])
def test_changeset_with_references_then_a_get(crm_http, crm_root, eol):
    marker = uuid.uuid4().hex[:10]
    changeset = bw.changeset([
        bw.request("POST", "/api/data/v9.2/accounts", {"name": f"{marker} parent"}, content_id="1", eol=eol),
        bw.request("POST", "contacts", {"lastname": marker, "parentcustomerid_account@odata.bind": "$1"},
                   content_id="2", eol=eol),
        bw.request("PATCH", "$1", {"name": f"{marker} renamed"}, content_id="3", eol=eol),
    ], eol=eol)
    get = bw.request("GET", f"{crm_root}/accounts?$select=name&$filter=contains(name,'{marker}')", eol=eol)
    reply = post_batch(crm_http, crm_root, [changeset, get], eol=eol)
    assert reply.status_code == 200, reply.text
    parts = parts_of(reply)
    assert [(p.status, p.content_id, p.in_changeset) for p in parts] == \
        [(204, "1", True), (204, "2", True), (204, "3", True), (200, None, False)]
    assert b"\r\nOData-EntityId: " in reply.content and b"\r\nOData-Version: 4.0" in reply.content  # as spelled
    assert parts[3].headers["content-type"] == "application/json; odata.metadata=minimal; odata.streaming=true"
    account_url = parts[0].headers["odata-entityid"]
    assert account_url.startswith(f"{crm_root}/accounts(") and parts[0].headers["location"] == account_url
    assert parts[3].json()["value"] == [{"@odata.etag": parts[3].json()["value"][0]["@odata.etag"],
                                         "name": f"{marker} renamed",
                                         "accountid": account_url.rsplit("(", 1)[1].rstrip(")")}]
    contact = crm_http.get(parts[1].headers["odata-entityid"], params={"$select": "_parentcustomerid_value"}).json()
    assert contact["_parentcustomerid_value"] == account_url.rsplit("(", 1)[1].rstrip(")")


def test_a_changeset_failing_in_its_third_part_leaves_no_row_from_the_first_two(crm_http, crm_root):
    marker = uuid.uuid4().hex[:10]
    changeset = bw.changeset([
        bw.request("POST", "accounts", {"name": f"{marker} one"}, content_id="1"),
        bw.request("POST", "accounts", {"name": f"{marker} two"}, content_id="2"),
        bw.request("POST", "accounts", {"name": f"{marker} three", "nosuchcolumn": 1}, content_id="3"),
    ])
    reply = post_batch(crm_http, crm_root, [changeset])
    assert reply.status_code == 400, reply.text
    parts = parts_of(reply)
    assert len(parts) == 1 and parts[0].status == 400 and parts[0].content_id == "3"
    assert "nosuchcolumn" in parts[0].json()["error"]["message"]
    assert names_like(crm_http, crm_root, marker) == []


def test_without_continue_on_error_the_first_failure_stops_the_batch(crm_http, crm_root):
    marker = uuid.uuid4().hex[:10]
    reply = post_batch(crm_http, crm_root, [
        bw.request("POST", "accounts", {"name": f"{marker} before"}),
        bw.request("GET", "accounts(00000000-0000-0000-0000-00000000dead)"),
        bw.request("POST", "accounts", {"name": f"{marker} after"}),
    ])
    assert reply.status_code == 404, reply.text
    parts = parts_of(reply)
    assert [p.status for p in parts] == [404]
    assert parts[0].json()["error"]["code"] == "0x80040217"
    assert names_like(crm_http, crm_root, marker) == [f"{marker} before"]  # outside a change set: committed


def test_continue_on_error_runs_every_part(crm_http, crm_root):
    marker = uuid.uuid4().hex[:10]
    reply = post_batch(crm_http, crm_root, [
        bw.request("GET", "accounts(00000000-0000-0000-0000-00000000dead)"),
        bw.changeset([bw.request("POST", "accounts", {"name": f"{marker} x"}),
                      bw.request("POST", "accounts", {"bad": 1})]),
        bw.request("POST", "accounts", {"name": f"{marker} after"}),
        bw.request("GET", "WhoAmI"),
    ], prefer="odata.continue-on-error")
    assert reply.status_code == 200, reply.text
    assert reply.headers["Preference-Applied"] == "odata.continue-on-error"
    assert [p.status for p in parts_of(reply)] == [404, 400, 204, 200]
    assert names_like(crm_http, crm_root, marker) == [f"{marker} after"]


def test_representation_and_etag_headers_pass_through(crm_http, crm_root):
    marker = uuid.uuid4().hex[:10]
    reply = post_batch(crm_http, crm_root, [bw.changeset([
        bw.request("POST", "accounts?$select=name", {"name": marker}, {"Prefer": "return=representation"}, "a"),
        bw.request("PATCH", "$a", {"name": f"{marker}-2"}, {"If-Match": "W/\"1\""}, "b"),
    ])])
    assert reply.status_code == 412, reply.text  # the stale ETag fails the change set
    assert names_like(crm_http, crm_root, marker) == []
    reply = post_batch(crm_http, crm_root, [bw.changeset([
        bw.request("POST", "accounts?$select=name", {"name": marker}, {"Prefer": "return=representation"}, "a"),
    ])])
    part = parts_of(reply)[0]
    assert part.status == 201 and part.json()["name"] == marker and part.headers["etag"].startswith('W/"')


def test_unknown_reference_fails_its_changeset(crm_http, crm_root):
    marker = uuid.uuid4().hex[:10]
    reply = post_batch(crm_http, crm_root, [bw.changeset([
        bw.request("POST", "accounts", {"name": marker}, content_id="1"),
        bw.request("POST", "contacts", {"lastname": marker, "parentcustomerid_account@odata.bind": "$7"}),
    ])])
    assert reply.status_code == 400
    error = parts_of(reply)[0].json()["error"]
    assert error == {"code": "0x80060888",
                     "message": "Content-ID Reference: '$7' does not exist in the batch context."}
    assert names_like(crm_http, crm_root, marker) == []


def _bad(crm_http, crm_root, content_type: str, body: bytes) -> str:
    reply = crm_http.post(f"{crm_root}/$batch", data=body, headers={"Content-Type": content_type})
    assert reply.status_code == 400, reply.text
    assert reply.headers["Content-Type"].startswith("application/json")
    error = reply.json()["error"]
    assert error["code"] == "0x80060888"
    return error["message"]


def test_malformed_multipart_gets_400_naming_the_part(crm_http, crm_root):
    get = bw.request("GET", "accounts")
    assert "boundary" in _bad(crm_http, crm_root, "multipart/mixed", bw.batch([get])[1])
    assert "closing boundary" in _bad(crm_http, crm_root, "multipart/mixed; boundary=b",
                                      b"--b\r\nContent-Type: application/http\r\n\r\nGET accounts HTTP/1.1\r\n")
    assert "part 2" in _bad(crm_http, crm_root, *bw.batch([get, get.replace("GET accounts", "FETCH accounts")]))
    assert "part 1, change set part 2" in _bad(crm_http, crm_root, *bw.batch([bw.changeset([
        bw.request("POST", "accounts", {"name": "x"}), get])]))
    nested = bw.changeset([bw.changeset([bw.request("POST", "accounts", {"name": "x"})], "changeset_in")])
    assert "nested" in _bad(crm_http, crm_root, *bw.batch([nested]))
    assert "application/http" in _bad(crm_http, crm_root, *bw.batch(["Content-Type: text/plain\r\n\r\nhi"]))
    assert "1001" in _bad(crm_http, crm_root, *bw.batch([get] * 1001))


def test_non_json_inner_body_is_the_parts_400(crm_http, crm_root):
    reply = post_batch(crm_http, crm_root, [bw.changeset([bw.request("POST", "accounts", "{not json")])])
    assert reply.status_code == 400
    assert "JSON" in parts_of(reply)[0].json()["error"]["message"]


def test_a_batch_inside_a_batch_is_refused(crm_http, crm_root):
    reply = post_batch(crm_http, crm_root, [bw.request("POST", "$batch", "x")])
    assert reply.status_code == 400
    assert "nested" in parts_of(reply)[0].json()["error"]["message"]


def test_batch_takes_only_post(crm_http, crm_root):
    assert crm_http.get(f"{crm_root}/$batch").status_code == 405


def test_a_part_with_its_own_bad_token_is_refused(crm_http, crm_root):
    reply = post_batch(crm_http, crm_root, [bw.request("GET", "WhoAmI"),
                                            bw.request("GET", "WhoAmI", headers={"Authorization": "Bearer nope"})],
                       prefer="odata.continue-on-error")
    assert [p.status for p in parts_of(reply)] == [200, 401]


def test_request_lines_with_unencoded_spaces_and_bad_versions(crm_http, crm_root):
    marker = uuid.uuid4().hex[:10]
    crm_http.post(f"{crm_root}/accounts", json={"name": f"{marker} spaced"})
    reply = post_batch(crm_http, crm_root, [bw.request("GET", f"accounts?$select=name&$filter=name eq '{marker} spaced'")])
    assert reply.status_code == 200, reply.text
    assert [r["name"] for r in parts_of(reply)[0].json()["value"]] == [f"{marker} spaced"]
    content_type, body = bw.batch([bw.request("GET", "accounts").replace("HTTP/1.1", "HTTP/2")])
    assert "HTTP version" in _bad(crm_http, crm_root, content_type, body)
