"""Query semantics of the simulated Dataverse root: $select/$filter/$orderby/$top/$expand/$count, paging."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, unquote, urlparse

import pytest
import requests

from simulator.config import SimConfig
from simulator.odata.store import VERSION_COLUMN
from simulator.server import SimulatorServer
from tests.tokens import ropc_token


def names(reply) -> list[str]:
    assert reply.status_code == 200, reply.text
    return [row["name"] for row in reply.json()["value"]]


def q(http, root, query: str, **headers):
    return http.get(f"{root}/accounts?{query}", headers=headers)


def test_select_limits_properties_and_keeps_key(crm_http, crm_root):
    body = q(crm_http, crm_root, "$select=name&$top=3").json()
    assert body["@odata.context"] == f"{crm_root}/$metadata#accounts(name)"
    assert all(set(row) == {"@odata.etag", "accountid", "name"} for row in body["value"])


@pytest.mark.parametrize("select", ["primarycontactid", "nosuch", "primarycontactidname"])
def test_select_of_navigation_or_unknown_is_400(crm_http, crm_root, select):
    reply = q(crm_http, crm_root, f"$select={select}")
    assert reply.status_code == 400
    assert reply.json()["error"] == {"code": "0x80060888", "message":
                                     f"Could not find a property named '{select}' on type 'Microsoft.Dynamics.CRM.account'."}


@pytest.mark.parametrize(("expr", "check"), [
    ("numberofemployees gt 4000", lambda r: r["numberofemployees"] > 4000),
    ("numberofemployees ge 4000 and numberofemployees le 4500", lambda r: 4000 <= r["numberofemployees"] <= 4500),
    ("numberofemployees lt 500", lambda r: r["numberofemployees"] < 500),
    ("accountcategorycode eq 1", lambda r: r["accountcategorycode"] == 1),
    ("accountcategorycode ne 1", lambda r: r["accountcategorycode"] != 1),
    ("creditonhold eq true", lambda r: r["creditonhold"] is True),
    ("not creditonhold eq true", lambda r: r["creditonhold"] is False),
    ("accountcategorycode eq 1 or creditonhold eq true", lambda r: r["accountcategorycode"] == 1 or r["creditonhold"]),
    ("(accountcategorycode eq 1 or creditonhold eq true) and numberofemployees gt 100",
     lambda r: (r["accountcategorycode"] == 1 or r["creditonhold"]) and r["numberofemployees"] > 100),
    ("description eq null", lambda r: r["description"] is None),
    ("contains(name,'sample')", lambda r: "sample" in r["name"].lower()),
    ("startswith(name,'A')", lambda r: r["name"].lower().startswith("a")),
    ("endswith(name,'(sample)')", lambda r: r["name"].endswith("(sample)")),
    ("not contains(name,'(sample)')", lambda r: "(sample)" not in r["name"].lower()),
    ("name eq 'ADVENTURE WORKS (SAMPLE)'", lambda r: r["name"] == "Adventure Works (sample)"),  # case-insensitive
    ("createdon gt 2024-01-01T00:00:00Z", lambda r: r["createdon"] > "2024-01-01"),
    ("numberofemployees gt accountcategorycode", lambda r: r["numberofemployees"] > r["accountcategorycode"]),
])
def test_filter_operator_families(crm_http, crm_root, expr, check):
    seeded = "startswith(accountnumber,'ACC-')"  # other tests add rows; compare on the seed only
    reply = crm_http.get(f"{crm_root}/accounts", params={"$filter": f"({expr}) and {seeded}"})
    assert reply.status_code == 200, reply.text
    rows = reply.json()["value"]
    everything = crm_http.get(f"{crm_root}/accounts", params={"$filter": seeded}).json()["value"]
    expected = {r["accountid"] for r in everything if check(r)}
    assert {r["accountid"] for r in rows} == expected
    assert expected, f"the seed should have rows matching {expr}"


def test_filter_string_with_doubled_quote(crm_http, crm_root):
    reply = crm_http.get(f"{crm_root}/contacts", params={"$filter": "lastname eq 'O''Bryan'", "$select": "lastname"})
    rows = reply.json()["value"]
    assert rows and all(r["lastname"] == "O'Bryan" for r in rows)


def test_filter_unterminated_literal_error(crm_http, crm_root):
    reply = crm_http.get(f"{crm_root}/contacts", params={"$filter": "lastname eq 'O'Bryan'"})
    assert reply.status_code == 400
    assert reply.json()["error"]["message"] == \
        "There is an unterminated literal at position 20 in 'lastname eq 'O'Bryan''."


@pytest.mark.parametrize("expr", ["name eq", "name eq 'x' and", "(name eq 'x'", "name eqq 'x'"])
def test_malformed_filter_is_400(crm_http, crm_root, expr):
    reply = crm_http.get(f"{crm_root}/accounts", params={"$filter": expr})
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "0x80060888"


def test_filter_guid_literals_bare_and_quoted(crm_http, crm_root):
    owner = crm_http.get(f"{crm_root}/accounts?$top=1&$select=_ownerid_value").json()["value"][0]["_ownerid_value"]
    for literal in (owner, owner.upper(), f"'{owner}'"):
        rows = crm_http.get(f"{crm_root}/accounts", params={"$filter": f"_ownerid_value eq {literal}"}).json()["value"]
        assert len(rows) >= 30


def test_filter_through_lookup_and_lambda(crm_http, crm_root):
    contacts = crm_http.get(f"{crm_root}/contacts", params={
        "$filter": "parentcustomerid_account/name eq 'Adventure Works (sample)'", "$select": "fullname",
        "$expand": "parentcustomerid_account($select=name)"}).json()["value"]
    assert contacts and all(c["parentcustomerid_account"]["name"] == "Adventure Works (sample)" for c in contacts)
    any_rows = names(crm_http.get(f"{crm_root}/accounts", params={
        "$filter": "Account_Tasks/any(t:t/subject eq 'Follow up 2')", "$select": "name"}))
    assert any_rows == ["Adventure Works (sample)"]
    with_tasks = names(crm_http.get(f"{crm_root}/accounts", params={"$filter": "Account_Tasks/any()"}))
    assert len(with_tasks) == 10
    all_rows = crm_http.get(f"{crm_root}/accounts", params={
        "$filter": "Account_Tasks/all(t:t/statecode eq 0)", "$expand": "Account_Tasks($select=statecode)"}).json()
    assert all(all(t["statecode"] == 0 for t in row["Account_Tasks"]) for row in all_rows["value"])
    nested = names(crm_http.get(f"{crm_root}/accounts", params={
        "$filter": "Account_Tasks/any(t:contains(t/subject,'up 1'))"}))
    assert nested


def test_unsupported_function_is_refused(crm_http, crm_root):
    reply = crm_http.get(f"{crm_root}/accounts", params={"$filter": "tolower(name) eq 'x'"})
    assert reply.status_code in (400, 501)
    assert "tolower" in reply.json()["error"]["message"]


def test_orderby_and_top(crm_http, crm_root):
    rows = crm_http.get(f"{crm_root}/accounts", params={
        "$select": "name,numberofemployees", "$orderby": "numberofemployees desc,name asc", "$top": "5"}).json()["value"]
    assert len(rows) == 5
    counts = [r["numberofemployees"] for r in rows]
    assert counts == sorted(counts, reverse=True)
    assert "@odata.nextLink" not in crm_http.get(f"{crm_root}/accounts?$top=5").json()
    assert q(crm_http, crm_root, "$orderby=nosuch").status_code == 400


@pytest.mark.parametrize("option", ["$skip=2", "$search=contoso", "$format=json"])
def test_unsupported_query_options_are_refused(crm_http, crm_root, option):
    reply = q(crm_http, crm_root, option)
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "0x80060888"


def test_count_and_dollar_count(crm_http, crm_root):
    body = q(crm_http, crm_root, "$count=true&$top=2&$filter=contains(name,'(sample)')").json()
    assert body["@odata.count"] == 10
    assert list(body)[:2] == ["@odata.context", "@odata.count"]
    assert len(body["value"]) == 2
    total = crm_http.get(f"{crm_root}/accounts/$count")
    assert total.headers["Content-Type"].startswith("text/plain")
    assert int(total.text) == len(crm_http.get(f"{crm_root}/accounts").json()["value"])


def test_paging_with_maxpagesize_follows_next_links(crm_http, crm_root):
    prefer = {"Prefer": "odata.maxpagesize=7"}
    reply = crm_http.get(f"{crm_root}/accounts?$select=name&$top=2", headers=prefer)
    assert reply.headers["Preference-Applied"] == "odata.maxpagesize=7"
    assert len(reply.json()["value"]) == 7  # $top is ignored together with maxpagesize
    seen, url, pages = [], f"{crm_root}/accounts?$select=name&$filter=statecode eq 0", 0
    while url:
        body = crm_http.get(url, headers=prefer).json()
        seen += [r["accountid"] for r in body["value"]]
        url = body.get("@odata.nextLink")
        keys = list(body)
        if url:
            assert keys[-1] == "@odata.nextLink"
            query = parse_qs(urlparse(url).query)
            assert query["$select"] == ["name"] and query["$filter"] == ["statecode eq 0"]
            cookie = query["$skiptoken"][0]
            assert cookie.startswith("<cookie pagenumber=") and 'istracking="False"' in cookie
            assert "accountid last=\"{" in unquote(cookie)
        pages += 1
    everything = [r["accountid"] for r in crm_http.get(f"{crm_root}/accounts?$filter=statecode eq 0").json()["value"]]
    assert pages >= 3
    assert seen == everything and len(set(seen)) == len(seen)


def test_tampered_skiptoken_is_400(crm_http, crm_root):
    reply = crm_http.get(f"{crm_root}/accounts", params={"$skiptoken": "garbage"}, headers={"Prefer": "odata.maxpagesize=5"})
    assert reply.status_code == 400


def test_collection_annotations_with_star(crm_http, crm_root):
    body = crm_http.get(f"{crm_root}/accounts?$select=name&$top=1",
                        headers={"Prefer": 'odata.include-annotations="*"'}).json()
    assert body["@Microsoft.Dynamics.CRM.totalrecordcount"] == -1
    assert body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] is False
    assert isinstance(body["@Microsoft.Dynamics.CRM.globalmetadataversion"], str)
    keys = list(body)
    assert keys.index("@Microsoft.Dynamics.CRM.totalrecordcount") < keys.index("value")


def test_expand_collection_in_collection_query(crm_http, crm_root):
    body = crm_http.get(f"{crm_root}/accounts", params={
        "$select": "name", "$filter": "startswith(name,'A')",
        "$expand": "Account_Tasks($select=subject),primarycontactid($select=fullname)"}).json()
    assert body["@odata.context"] == f"{crm_root}/$metadata#accounts(name,Account_Tasks(subject),primarycontactid(fullname))"
    assert all(isinstance(row["Account_Tasks"], list) for row in body["value"])


def test_too_many_expands_is_400(crm_http, crm_root):
    expand = ",".join(["primarycontactid($expand=parentcustomerid_account($expand=primarycontactid))"] * 6)
    assert q(crm_http, crm_root, f"$expand={expand}").status_code == 400


# ---------------------------------------------------------------- the 5,000 count cap on a big table
@pytest.fixture(scope="module")
def big_org():
    """A separate simulator with 5,100 extra accounts inserted straight into its store."""
    with SimulatorServer(SimConfig(seed=7)) as server:
        service = server.apps.crm.state.service
        with service.store.transaction() as conn:
            rows = [{"accountid": str(uuid.UUID(int=i + 1)), "name": f"Bulk {i:05d}", VERSION_COLUMN: 1,
                     "versionnumber": 1, "statecode": 0} for i in range(5100)]
            conn.execute(service.table("accounts").insert(), rows)
        yield server


def test_count_is_capped_at_5000(big_org):
    token = ropc_token(big_org, big_org.config.crm_url)
    root = f"{big_org.config.crm_url}/api/data/v9.2"
    headers = {"Authorization": f"Bearer {token}",
               "Prefer": 'odata.maxpagesize=10,odata.include-annotations="Microsoft.Dynamics.CRM.totalrecordcount,'
                         'Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"'}
    body = requests.get(f"{root}/accounts?$count=true&$select=name", headers=headers, timeout=30).json()
    assert body["@odata.count"] == 5000
    assert body["@Microsoft.Dynamics.CRM.totalrecordcount"] == 5000
    assert body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] is True
    default_page = requests.get(f"{root}/accounts?$select=name", headers={"Authorization": f"Bearer {token}"},
                                timeout=30).json()
    assert len(default_page["value"]) == 5000 and "@odata.nextLink" in default_page
    too_big = requests.get(f"{root}/accounts?$select=name", timeout=30,
                           headers={"Authorization": f"Bearer {token}", "Prefer": "odata.maxpagesize=9000"})
    assert too_big.headers["Preference-Applied"] == "odata.maxpagesize=5000"
