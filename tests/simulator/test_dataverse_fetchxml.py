"""FetchXML (``?fetchXml=``) and saved/user views on the simulated Dataverse root, over real HTTP."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from lxml import etree

ALL = {"Prefer": 'odata.include-annotations="*"'}
PAGING = {"Prefer": 'odata.include-annotations="Microsoft.Dynamics.CRM.fetchxmlpagingcookie,'
                    'Microsoft.Dynamics.CRM.morerecords"'}


def fetch(http, root, xml: str, set_name: str = "accounts", **headers):
    return http.get(f"{root}/{set_name}", params={"fetchXml": xml}, headers=headers)


def rows(reply) -> list[dict]:
    assert reply.status_code == 200, reply.text
    return reply.json()["value"]


def test_attributes_order_top_and_key(crm_http, crm_root):
    reply = fetch(crm_http, crm_root, '<fetch top="3"><entity name="account"><attribute name="name"/>'
                                      '<attribute name="numberofemployees"/>'
                                      '<order attribute="numberofemployees" descending="true"/></entity></fetch>')
    got = rows(reply)
    assert len(got) == 3
    assert [r["numberofemployees"] for r in got] == sorted((r["numberofemployees"] for r in got), reverse=True)
    assert all(set(r) == {"@odata.etag", "name", "numberofemployees", "accountid"} for r in got)
    assert reply.json()["@odata.context"] == f"{crm_root}/$metadata#accounts(name,numberofemployees)"
    odata = crm_http.get(f"{crm_root}/accounts", params={"$select": "numberofemployees",
                                                         "$orderby": "numberofemployees desc", "$top": "3"})
    assert [r["numberofemployees"] for r in got] == [r["numberofemployees"] for r in odata.json()["value"]]


def test_null_columns_are_left_out(crm_http, crm_root):
    got = rows(fetch(crm_http, crm_root, '<fetch top="2"><entity name="account"><attribute name="name"/>'
                                         '<attribute name="description"/></entity></fetch>'))
    assert got and all("description" not in r for r in got)


def test_lookup_attribute_comes_back_as_value_property(crm_http, crm_root):
    got = rows(fetch(crm_http, crm_root, '<fetch top="1"><entity name="account"><attribute name="ownerid"/>'
                                         '</entity></fetch>'))
    assert "_ownerid_value" in got[0]


@pytest.mark.parametrize(("condition", "check"), [
    ('<condition attribute="numberofemployees" operator="gt" value="4000"/>', lambda r: r["numberofemployees"] > 4000),
    ('<condition attribute="numberofemployees" operator="le" value="500"/>', lambda r: r["numberofemployees"] <= 500),
    ('<condition attribute="name" operator="like" value="%ski%"/>', lambda r: "ski" in r["name"].lower()),
    ('<condition attribute="name" operator="begins-with" value="a"/>', lambda r: r["name"].lower().startswith("a")),
    ('<condition attribute="name" operator="ends-with" value="(sample)"/>', lambda r: r["name"].endswith("(sample)")),
    ('<condition attribute="name" operator="not-like" value="%(sample)"/>', lambda r: "(sample)" not in r["name"]),
    ('<condition attribute="accountnumber" operator="in"><value>ACC-0001</value><value>ACC-0004</value></condition>',
     lambda r: r["accountnumber"] in ("ACC-0001", "ACC-0004")),
    ('<condition attribute="numberofemployees" operator="between"><value>100</value><value>900</value></condition>',
     lambda r: 100 <= r["numberofemployees"] <= 900),
    ('<condition attribute="description" operator="null"/>', lambda r: "description" not in r),
    ('<condition attribute="telephone1" operator="not-null"/>', lambda r: "telephone1" in r),
    ('<condition attribute="createdon" operator="on-or-before" value="2024-01-15"/>', lambda r: True),
    ('<condition attribute="ownerid" operator="eq-userid"/>', lambda r: True),
    ('<condition attribute="numberofemployees" operator="gt" valueof="accountcategorycode"/>',
     lambda r: r["numberofemployees"] > r["accountcategorycode"]),
])
def test_condition_operators(crm_http, crm_root, condition, check):
    xml = ('<fetch><entity name="account"><all-attributes/>'
           f'<filter>{condition}</filter></entity></fetch>')
    got = rows(fetch(crm_http, crm_root, xml))
    assert got and all(check(r) for r in got)


def test_nested_or_filter(crm_http, crm_root):
    xml = ('<fetch><entity name="account"><attribute name="accountnumber"/><filter type="and">'
           '<condition attribute="statecode" operator="eq" value="0"/><filter type="or">'
           '<condition attribute="accountnumber" operator="eq" value="ACC-0001"/>'
           '<condition attribute="accountnumber" operator="eq" value="ACC-0002"/></filter></filter>'
           '<order attribute="accountnumber"/></entity></fetch>')
    assert [r["accountnumber"] for r in rows(fetch(crm_http, crm_root, xml))] == ["ACC-0001", "ACC-0002"]


def test_link_entity_inner_and_outer_with_alias(crm_http, crm_root):
    inner = ('<fetch><entity name="account"><attribute name="name"/>'
             '<link-entity name="contact" from="contactid" to="primarycontactid" alias="pc" link-type="inner">'
             '<attribute name="fullname"/></link-entity></entity></fetch>')
    got = rows(fetch(crm_http, crm_root, inner))
    assert len(got) == 10 and all("pc.fullname" in r for r in got)
    outer = inner.replace('link-type="inner"', 'link-type="outer"')
    everything = rows(fetch(crm_http, crm_root, outer))
    assert len(everything) > len(got)
    annotated = rows(fetch(crm_http, crm_root, inner, **ALL))
    assert annotated[0]["pc.fullname@OData.Community.Display.V1.AttributeName"] == "fullname"
    unaliased = rows(fetch(crm_http, crm_root, inner.replace(' alias="pc"', "")))
    assert all("contact1.fullname" in r for r in unaliased)


def test_condition_on_link_entity_by_entityname(crm_http, crm_root):
    xml = ('<fetch><entity name="account"><attribute name="name"/>'
           '<link-entity name="contact" from="contactid" to="primarycontactid" alias="pc" link-type="outer">'
           '<attribute name="lastname"/></link-entity>'
           '<filter><condition entityname="pc" attribute="lastname" operator="eq" value="Higa"/></filter>'
           '</entity></fetch>')
    got = rows(fetch(crm_http, crm_root, xml))
    assert got and all(r["pc.lastname"] == "Higa" for r in got)


def test_link_type_any_and_not_any(crm_http, crm_root):
    xml = ('<fetch><entity name="account"><attribute name="name"/><filter>'
           '<link-entity name="task" from="regardingobjectid" to="accountid" link-type="{}"/>'
           '</filter></entity></fetch>')
    with_tasks = rows(fetch(crm_http, crm_root, xml.format("any")))
    without = rows(fetch(crm_http, crm_root, xml.format("not any")))
    total = rows(fetch(crm_http, crm_root, '<fetch><entity name="account"><attribute name="name"/></entity></fetch>'))
    assert len(with_tasks) == 10 and len(with_tasks) + len(without) == len(total)


def test_paging_with_cookie_and_morerecords(crm_http, crm_root):
    seen, page, cookie = [], 1, None
    while True:
        paging = ""
        if cookie:
            paging = ' paging-cookie="' + cookie.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;") \
                .replace(">", "&gt;") + '"'
        xml = (f'<fetch count="7" page="{page}"{paging}><entity name="account"><attribute name="name"/>'
               '<order attribute="name"/></entity></fetch>')
        body = fetch(crm_http, crm_root, xml, **PAGING).json()
        seen += [r["accountid"] for r in body["value"]]
        if not body.get("@Microsoft.Dynamics.CRM.morerecords"):
            assert "@Microsoft.Dynamics.CRM.fetchxmlpagingcookie" not in body
            break
        annotation = etree.XML(body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"].encode())
        assert annotation.get("pagenumber") == str(page + 1) and annotation.get("istracking") == "False"
        cookie = unquote(unquote(annotation.get("pagingcookie")))
        assert cookie.startswith(f'<cookie page="{page}"><name last=') and "accountid last=\"{" in cookie
        page += 1
    everything = rows(fetch(crm_http, crm_root, '<fetch><entity name="account"><attribute name="name"/>'
                                                '<order attribute="name"/></entity></fetch>'))
    assert seen == [r["accountid"] for r in everything] and page >= 3


def test_paging_annotations_need_the_prefer_header(crm_http, crm_root):
    body = fetch(crm_http, crm_root, '<fetch count="2"><entity name="account"><attribute name="name"/>'
                                     '</entity></fetch>').json()
    assert len(body["value"]) == 2 and "@Microsoft.Dynamics.CRM.morerecords" not in body


def test_distinct(crm_http, crm_root):
    got = rows(fetch(crm_http, crm_root, '<fetch distinct="true"><entity name="account">'
                                         '<attribute name="address1_city"/><order attribute="address1_city"/>'
                                         '</entity></fetch>'))
    cities = [r.get("address1_city") for r in got]  # a null city is left out of its row, as Dataverse does
    present = [c for c in cities if c is not None]
    assert present == sorted(set(present)) and cities.count(None) <= 1
    assert all("accountid" not in r for r in got)


def test_aggregates(crm_http, crm_root):
    xml = ('<fetch aggregate="true"><entity name="account">'
           '<attribute name="accountid" alias="n" aggregate="count"/>'
           '<attribute name="numberofemployees" alias="total" aggregate="sum"/>'
           '<attribute name="numberofemployees" alias="average" aggregate="avg"/>'
           '<attribute name="numberofemployees" alias="least" aggregate="min"/>'
           '<attribute name="numberofemployees" alias="most" aggregate="max"/>'
           '<attribute name="address1_city" alias="cities" aggregate="countcolumn" distinct="true"/>'
           '</entity></fetch>')
    (row,) = rows(fetch(crm_http, crm_root, xml))
    everything = crm_http.get(f"{crm_root}/accounts", params={"$select": "numberofemployees,address1_city"}).json()
    # rows other tests created may hold nulls: count counts rows, the other aggregates skip nulls
    counts = [r["numberofemployees"] for r in everything["value"] if r["numberofemployees"] is not None]
    assert row["n"] == len(everything["value"]) and row["total"] == sum(counts)
    assert row["least"] == min(counts) and row["most"] == max(counts)
    assert abs(row["average"] - sum(counts) / len(counts)) < 1e-6
    assert row["cities"] == len({r["address1_city"] for r in everything["value"]} - {None})


def test_groupby_with_order_by_alias_and_dategrouping(crm_http, crm_root):
    xml = ('<fetch aggregate="true"><entity name="account">'
           '<attribute name="statecode" alias="state" groupby="true"/>'
           '<attribute name="accountid" alias="n" aggregate="count"/>'
           '<order alias="n" descending="true"/></entity></fetch>')
    got = rows(fetch(crm_http, crm_root, xml, **ALL))
    assert [r["state"] for r in got] == [0, 1] and got[0]["n"] > got[1]["n"]
    assert got[0]["state@OData.Community.Display.V1.FormattedValue"] == "Active"
    by_year = rows(fetch(crm_http, crm_root, '<fetch aggregate="true"><entity name="task">'
                                             '<attribute name="scheduledstart" alias="year" groupby="true" '
                                             'dategrouping="year"/><attribute name="activityid" alias="n" '
                                             'aggregate="count"/></entity></fetch>', "tasks"))
    in_2024 = crm_http.get(f"{crm_root}/tasks/$count", params={
        "$filter": "scheduledstart ge 2024-01-01T00:00:00Z and scheduledstart lt 2025-01-01T00:00:00Z"})
    assert {"year": 2024, "n": int(in_2024.text.lstrip("\ufeff"))} in by_year
    assert all(set(r) <= {"year", "n"} for r in by_year)


@pytest.mark.parametrize(("xml", "status", "fragment"), [
    ("<fetch><entity name='account'>", 400, "Invalid XML"),
    ("<fetch><entity name='contact'><attribute name='fullname'/></entity></fetch>", 400, "does not match"),
    ("<fetch><entity name='nosuch'/></fetch>", 400, "MetadataCache"),
    ("<fetch><entity name='account'><attribute name='nosuch'/></entity></fetch>", 400, "doesn't contain attribute"),
    ("<fetch top='2' count='2'><entity name='account'/></fetch>", 400, "top attribute"),
    ("<fetch><entity name='account'><filter><condition attribute='name' operator='nosuch' value='x'/>"
     "</filter></entity></fetch>", 400, "not a valid condition operator"),
    ("<fetch><entity name='account'><filter><condition attribute='createdon' operator='this-fiscal-year'/>"
     "</filter></entity></fetch>", 501, "this-fiscal-year"),
    ("<fetch frobnicate='1'><entity name='account'/></fetch>", 400, "frobnicate"),
    ("<fetch><entity name='account'><unknown/></entity></fetch>", 400, "unknown"),
    ("<fetch aggregate='true'><entity name='account'><attribute name='name' aggregate='count'/></entity></fetch>",
     400, "alias"),
    ('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><fetch><entity name="account"/></fetch>', 400, "DOCTYPE"),
    ("<fetch><entity name='account'><link-entity name='contact' from='contactid' to='primarycontactid' "
     "link-type='matchfirstrowusingcrossapply'/></entity></fetch>", 501, "link-type"),
])
def test_documented_errors(crm_http, crm_root, xml, status, fragment):
    reply = fetch(crm_http, crm_root, xml)
    assert reply.status_code == status, reply.text
    assert fragment in reply.json()["error"]["message"]


def test_fetch_cannot_be_mixed_with_odata_options(crm_http, crm_root):
    reply = crm_http.get(f"{crm_root}/accounts", params={
        "fetchXml": '<fetch><entity name="account"/></fetch>', "$filter": "statecode eq 0"})
    assert reply.status_code == 400


def test_saved_query_runs_its_fetch(crm_http, crm_root):
    views = rows(crm_http.get(f"{crm_root}/savedqueries", params={"$filter": "name eq 'Active Accounts'"}))
    view_id = views[0]["savedqueryid"]
    got = rows(crm_http.get(f"{crm_root}/accounts", params={"savedQuery": view_id}))
    active = rows(crm_http.get(f"{crm_root}/accounts", params={"$filter": "statecode eq 0", "$select": "name"}))
    assert sorted(r["name"] for r in got) == sorted(r["name"] for r in active)
    assert crm_http.get(f"{crm_root}/contacts", params={"savedQuery": view_id}).status_code == 400
    missing = crm_http.get(f"{crm_root}/accounts", params={"savedQuery": "00000000-0000-0000-0000-00000000beef"})
    assert missing.status_code == 404


def test_user_query_created_then_run(crm_http, crm_root):
    created = crm_http.post(f"{crm_root}/userqueries", json={
        "name": "My big accounts", "returnedtypecode": "account", "querytype": 0,
        "fetchxml": '<fetch><entity name="account"><attribute name="name"/><filter>'
                    '<condition attribute="numberofemployees" operator="ge" value="2500"/></filter></entity></fetch>'},
        headers={"Prefer": "return=representation"})
    assert created.status_code == 201, created.text
    query_id = created.json()["userqueryid"]
    try:
        got = rows(crm_http.get(f"{crm_root}/accounts", params={"userQuery": query_id}))
        big = rows(crm_http.get(f"{crm_root}/accounts", params={"$filter": "numberofemployees ge 2500"}))
        assert len(got) == len(big) > 0
    finally:
        crm_http.delete(f"{crm_root}/userqueries({query_id})")


def test_choice_columns_sort_by_label_unless_raw(crm_http, crm_root):
    body = '<entity name="task"><attribute name="statecode"/><order attribute="statecode"/></entity></fetch>'
    by_label = [r["statecode"] for r in rows(fetch(crm_http, crm_root, "<fetch>" + body, "tasks"))]
    assert by_label[0] == 1 and by_label[-1] == 0  # "Completed" < "Open"
    raw = [r["statecode"] for r in rows(fetch(crm_http, crm_root, '<fetch useraworderby="true">' + body, "tasks"))]
    assert raw == sorted(raw) and raw[0] == 0
