"""Change tracking and impersonation on the simulated Dataverse root, over real HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import requests

from simulator.config import SimConfig, SimUser, default_users
from simulator.server import SimulatorServer
from tests.tokens import ropc_token

TRACK = {"Prefer": "odata.track-changes"}
ADMIN_OBJECT_ID = "7a9d0000-0000-4000-8000-000000000001"


def test_track_changes_returns_delta_link_then_changes(crm_http, crm_root):
    first = crm_http.get(f"{crm_root}/contacts", params={"$select": "fullname"}, headers=TRACK)
    assert first.status_code == 200, first.text
    assert first.headers["Preference-Applied"] == "odata.track-changes"
    body = first.json()
    assert list(body)[-1] == "@odata.deltaLink" and body["value"]
    link = body["@odata.deltaLink"]
    token = parse_qs(urlparse(link).query)["$deltatoken"][0]
    assert parse_qs(urlparse(link).query)["$select"] == ["fullname"]
    assert token.split("!")[0].isdigit()
    created = crm_http.post(f"{crm_root}/contacts", json={"lastname": "Tracked new"},
                            headers={"Prefer": "return=representation"}).json()["contactid"]
    victim = body["value"][0]["contactid"]
    changed = body["value"][1]["contactid"]
    assert crm_http.patch(f"{crm_root}/contacts({changed})", json={"jobtitle": "Changed"}).status_code == 204
    assert crm_http.delete(f"{crm_root}/contacts({victim})").status_code == 204
    delta = crm_http.get(link)
    assert delta.status_code == 200, delta.text
    payload = delta.json()
    assert payload["@odata.context"] == f"{crm_root}/$metadata#contacts(fullname)/$delta"
    rows = [r for r in payload["value"] if "reason" not in r]
    deleted = [r for r in payload["value"] if r.get("reason") == "deleted"]
    assert {r["contactid"] for r in rows} == {created, changed}
    assert deleted == [{"@odata.context": f"{crm_root}/$metadata#contacts/$deletedEntity", "id": victim,
                        "reason": "deleted"}]
    again = crm_http.get(payload["@odata.deltaLink"]).json()
    assert again["value"] == []
    crm_http.delete(f"{crm_root}/contacts({created})")


@pytest.mark.parametrize(("token", "status", "code"), [
    ("1!01/01/2020 00:00:00", 400, "0x80044352"),  # older than the retention period
    ("999999999999!01/01/2020 00:00:00", 400, "0x80044352"),  # a version the org never had
    ("garbage", 400, "0x80060888"),
])
def test_expired_or_unknown_token_is_refused(crm_http, crm_root, token, status, code):
    reply = crm_http.get(f"{crm_root}/accounts", params={"$select": "name", "$deltatoken": token})
    assert reply.status_code == status
    assert reply.json()["error"]["code"] == code


@pytest.mark.parametrize("option", ["$filter", "$orderby", "$top", "$expand"])
def test_change_tracking_does_not_combine_with(crm_http, crm_root, option):
    values = {"$filter": "statecode eq 0", "$orderby": "name", "$top": "1", "$expand": "primarycontactid"}
    reply = crm_http.get(f"{crm_root}/accounts", params={option: values[option]}, headers=TRACK)
    assert reply.status_code == 400 and option in reply.json()["error"]["message"]


def test_paged_change_tracking_is_refused_not_ignored(crm_http, crm_root):
    reply = crm_http.get(f"{crm_root}/accounts", headers={"Prefer": "odata.track-changes,odata.maxpagesize=2"})
    assert reply.status_code == 501


def test_untracked_table_is_refused(crm_http, crm_root):
    reply = crm_http.get(f"{crm_root}/systemusers", headers=TRACK)
    assert reply.status_code == 400 and "change tracking" in reply.json()["error"]["message"]


# ---------------------------------------------------------------------- impersonation
@pytest.fixture(scope="module")
def org():
    """A private org with a second, ordinary user (no prvActOnBehalfOfAnotherUser)."""
    users = default_users() + [SimUser("plain@contoso.onmicrosoft.com", given_name="Pat", family_name="Plain",
                                       object_id="7a9d0000-0000-4000-8000-0000000000aa")]
    with SimulatorServer(SimConfig(users=users)) as server:
        yield server


def _session(server, username):
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {ropc_token(server, server.config.crm_url, username)}",
                            "Accept": "application/json"})
    return session, f"{server.config.crm_url}/api/data/v9.2"


def test_impersonation_acts_as_the_user(org):
    admin, root = _session(org, "admin@contoso.onmicrosoft.com")
    plain_id = admin.get(f"{root}/systemusers", params={
        "$filter": "domainname eq 'plain@contoso.onmicrosoft.com'"}).json()["value"][0]["systemuserid"]
    me = admin.get(f"{root}/WhoAmI").json()["UserId"]
    for header, value in (("MSCRMCallerID", plain_id), ("CallerObjectId", "7a9d0000-0000-4000-8000-0000000000aa")):
        assert admin.get(f"{root}/WhoAmI", headers={header: value}).json()["UserId"] == plain_id
        created = admin.post(f"{root}/accounts?$select=name,_ownerid_value,_createdby_value,"
                             "_createdonbehalfby_value,_modifiedonbehalfby_value",
                             json={"name": f"On behalf via {header}"},
                             headers={header: value, "Prefer": "return=representation"})
        assert created.status_code == 201, created.text
        row = created.json()
        assert row["_ownerid_value"] == row["_createdby_value"] == plain_id
        assert row["_createdonbehalfby_value"] == row["_modifiedonbehalfby_value"] == me
        plain_update = admin.patch(f"{root}/accounts({row['accountid']})", json={"name": "Updated directly"})
        assert plain_update.status_code == 204
        after = admin.get(f"{root}/accounts({row['accountid']})").json()
        assert after["_modifiedby_value"] == me and after["_modifiedonbehalfby_value"] is None


@pytest.mark.parametrize(("headers", "status"), [
    ({"MSCRMCallerID": "not-a-guid"}, 400),
    ({"CallerObjectId": "{zz}"}, 400),
    ({"MSCRMCallerID": "00000000-0000-0000-0000-00000000dead"}, 404),
    ({"CallerObjectId": "00000000-0000-0000-0000-00000000dead"}, 404),
    ({"MSCRMCallerID": "00000000-0000-0000-0000-00000000dead", "CallerObjectId": ADMIN_OBJECT_ID}, 400),
])
def test_impersonation_errors(org, headers, status):
    admin, root = _session(org, "admin@contoso.onmicrosoft.com")
    reply = admin.get(f"{root}/WhoAmI", headers=headers)
    assert reply.status_code == status, reply.text
    assert reply.json()["error"]["message"]


def test_caller_without_the_privilege_is_refused(org):
    plain, root = _session(org, "plain@contoso.onmicrosoft.com")
    reply = plain.get(f"{root}/WhoAmI", headers={"CallerObjectId": ADMIN_OBJECT_ID})
    assert reply.status_code == 403
    error = reply.json()["error"]
    assert error["code"] == "0x80040220" and "prvActOnBehalfOfAnotherUser" in error["message"]


def test_client_caller_id_sends_the_header(org):
    from harness.odata import DATAVERSE, ODataClient

    admin, root = _session(org, "admin@contoso.onmicrosoft.com")
    plain_id = admin.get(f"{root}/systemusers", params={
        "$filter": "domainname eq 'plain@contoso.onmicrosoft.com'"}).json()["value"][0]["systemuserid"]
    with ODataClient(root, DATAVERSE, session=admin, caller_id=plain_id) as client:
        assert client.whoami()["UserId"] == plain_id
