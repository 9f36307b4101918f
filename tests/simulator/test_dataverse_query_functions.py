"""Dataverse query functions, parameter aliases and the no-silent-ignore rule, over real HTTP."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from simulator.dataverse.query_functions import date_range


def rows(reply) -> list[dict]:
    assert reply.status_code == 200, reply.text
    return reply.json()["value"]


def get(http, root, **params):
    return http.get(f"{root}/accounts", params=params)


def test_parameter_the_service_acts_on_is_refused_not_ignored(crm_http, crm_root):
    reply = get(crm_http, crm_root, sql="SELECT TOP 1 name FROM account")
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == "0x80060888" and "'sql'" in error["message"]


def test_unknown_dollar_option_is_refused(crm_http, crm_root):
    reply = get(crm_http, crm_root, **{"$compute": "revenue mul 2 as double"})
    assert reply.status_code == 400
    reply = get(crm_http, crm_root, **{"$nosuch": "1"})
    assert reply.status_code == 400 and "$nosuch" in reply.json()["error"]["message"]


def test_alias_in_filter_and_orderby(crm_http, crm_root):
    got = rows(get(crm_http, crm_root, **{"$filter": "accountnumber eq @p1", "@p1": "'ACC-0003'",
                                          "$select": "name"}))
    assert [r["name"] for r in got] == ["Alpine Ski House (sample)"]
    ordered = rows(get(crm_http, crm_root, **{"$orderby": "@o desc", "@o": "numberofemployees",
                                              "$select": "numberofemployees", "$top": "5"}))
    counts = [r["numberofemployees"] for r in ordered]
    assert counts == sorted(counts, reverse=True)


def test_alias_without_value_is_null(crm_http, crm_root):
    got = rows(get(crm_http, crm_root, **{"$filter": "description eq @missing", "$select": "name"}))
    everything = rows(get(crm_http, crm_root, **{"$select": "name"}))
    assert len(got) == len(everything)


def test_in_and_not_in(crm_http, crm_root):
    got = rows(get(crm_http, crm_root, **{
        "$filter": "Microsoft.Dynamics.CRM.In(PropertyName='accountnumber',PropertyValues=[\"ACC-0001\",\"ACC-0002\"])",
        "$select": "accountnumber"}))
    assert sorted(r["accountnumber"] for r in got) == ["ACC-0001", "ACC-0002"]
    total = len(rows(get(crm_http, crm_root, **{"$select": "name"})))
    rest = rows(get(crm_http, crm_root, **{
        "$filter": "Microsoft.Dynamics.CRM.NotIn(PropertyName=@p1,PropertyValues=@p2)",
        "@p1": "'accountnumber'", "@p2": '["ACC-0001","ACC-0002"]', "$select": "name"}))
    assert len(rest) == total - 2


def test_in_with_quote_inside_json_value(crm_http, crm_root):
    got = rows(crm_http.get(f"{crm_root}/contacts", params={
        "$filter": "Microsoft.Dynamics.CRM.In(PropertyName='lastname',PropertyValues=[\"O'Bryan\",\"Higa\"])",
        "$select": "lastname"}))
    assert got and {r["lastname"] for r in got} == {"O'Bryan", "Higa"}


def test_between_and_not_between_on_numbers(crm_http, crm_root):
    inside = rows(get(crm_http, crm_root, **{
        "$filter": "Microsoft.Dynamics.CRM.Between(PropertyName='numberofemployees',PropertyValues=[\"100\",\"2000\"])",
        "$select": "numberofemployees"}))
    assert inside and all(100 <= r["numberofemployees"] <= 2000 for r in inside)
    outside = rows(get(crm_http, crm_root, **{
        "$filter": "Microsoft.Dynamics.CRM.NotBetween(PropertyName='numberofemployees',"
                   "PropertyValues=[\"100\",\"2000\"]) and statecode eq 0",
        "$select": "numberofemployees"}))
    # a null count is outside the range (rows other tests created may have none)
    assert outside and all(r["numberofemployees"] is None or not 100 <= r["numberofemployees"] <= 2000
                           for r in outside)


def test_date_functions_on_rows_created_now(crm_http, crm_root):
    probe = f"QF date probe {uuid.uuid4().hex[:8]}"  # other tests create rows today too: look at this one
    created = crm_http.post(f"{crm_root}/accounts", json={"name": probe},
                            headers={"Prefer": "return=representation"})
    assert created.status_code == 201
    account_id = created.json()["accountid"]
    try:
        for function in ("Today", "ThisWeek", "ThisMonth", "ThisYear", "Last7Days"):
            got = rows(get(crm_http, crm_root, **{
                "$filter": f"Microsoft.Dynamics.CRM.{function}(PropertyName='createdon') and name eq '{probe}'",
                "$select": "name"}))
            assert [r["name"] for r in got] == [probe], function
            everyone = rows(get(crm_http, crm_root, **{
                "$filter": f"Microsoft.Dynamics.CRM.{function}(PropertyName='createdon')", "$select": "createdon"}))
            assert everyone and all(r["createdon"][:4] == created.json()["createdon"][:4] for r in everyone)
        for function in ("Yesterday", "Tomorrow", "LastWeek", "NextMonth", "LastYear"):
            got = rows(get(crm_http, crm_root, **{
                "$filter": f"Microsoft.Dynamics.CRM.{function}(PropertyName='createdon') and name eq '{probe}'",
                "$select": "name"}))
            assert got == [], function
        got = rows(get(crm_http, crm_root, **{
            "$filter": f"Microsoft.Dynamics.CRM.LastXHours(PropertyName=@p1,PropertyValue=@p2) and name eq '{probe}'",
            "@p1": "'createdon'", "@p2": "12", "$select": "name"}))
        assert [r["name"] for r in got] == [probe]
        seeded = rows(get(crm_http, crm_root, **{
            "$filter": "Microsoft.Dynamics.CRM.OlderThanXDays(PropertyName='createdon',PropertyValue=1)",
            "$select": "name"}))
        assert probe not in {r["name"] for r in seeded} and len(seeded) >= 30
        on = rows(get(crm_http, crm_root, **{
            "$filter": "Microsoft.Dynamics.CRM.On(PropertyName='createdon',PropertyValue='2024-01-15')",
            "$select": "name"}))
        assert len(on) >= 30
        after = rows(get(crm_http, crm_root, **{
            "$filter": "Microsoft.Dynamics.CRM.OnOrAfter(PropertyName='createdon',PropertyValue='2024-01-16')",
            "$select": "name"}))
        assert probe in [r["name"] for r in after] and len(after) < len(seeded) + 1
    finally:
        crm_http.delete(f"{crm_root}/accounts({account_id})")


def test_equal_user_id_and_business_id(crm_http, crm_root):
    me = crm_http.get(f"{crm_root}/WhoAmI").json()
    mine = rows(get(crm_http, crm_root, **{"$filter": "Microsoft.Dynamics.CRM.EqualUserId(PropertyName='ownerid')",
                                           "$select": "_ownerid_value"}))
    assert mine and all(r["_ownerid_value"] == me["UserId"] for r in mine)
    others = rows(get(crm_http, crm_root, **{
        "$filter": "Microsoft.Dynamics.CRM.NotEqualUserId(PropertyName='ownerid')", "$select": "name"}))
    assert others == []
    users = rows(crm_http.get(f"{crm_root}/systemusers", params={
        "$filter": "Microsoft.Dynamics.CRM.EqualBusinessId(PropertyName='businessunitid')"}))
    assert users and all(u["_businessunitid_value"] == me["BusinessUnitId"] for u in users)


def test_under_follows_the_account_hierarchy(crm_http, crm_root):
    parent = crm_http.post(f"{crm_root}/accounts", json={"name": "QF parent"},
                           headers={"Prefer": "return=representation"}).json()["accountid"]
    child = crm_http.post(f"{crm_root}/accounts", json={
        "name": "QF child", "parentaccountid@odata.bind": f"/accounts({parent})"},
        headers={"Prefer": "return=representation"}).json()["accountid"]
    grandchild = crm_http.post(f"{crm_root}/accounts", json={
        "name": "QF grandchild", "parentaccountid@odata.bind": f"/accounts({child})"},
        headers={"Prefer": "return=representation"}).json()["accountid"]
    try:
        under = rows(get(crm_http, crm_root, **{
            "$filter": f"Microsoft.Dynamics.CRM.Under(PropertyName='accountid',PropertyValue={parent})",
            "$select": "name"}))
        assert sorted(r["name"] for r in under) == ["QF child", "QF grandchild"]
        above = rows(get(crm_http, crm_root, **{
            "$filter": f"Microsoft.Dynamics.CRM.AboveOrEqual(PropertyName='accountid',PropertyValue={grandchild})",
            "$select": "name"}))
        assert sorted(r["name"] for r in above) == ["QF child", "QF grandchild", "QF parent"]
    finally:
        for key in (grandchild, child, parent):
            crm_http.delete(f"{crm_root}/accounts({key})")


@pytest.mark.parametrize(("expr", "status", "fragment"), [
    ("not Microsoft.Dynamics.CRM.Today(PropertyName='createdon')", 400, "Not operator"),
    ("Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['a','O'Brian'])", 400, ""),
    ("Microsoft.Dynamics.CRM.NoSuchThing(PropertyName='name')", 400, "unknown function"),
    ("Microsoft.Dynamics.CRM.ThisFiscalYear(PropertyName='createdon')", 501, "ThisFiscalYear"),
    ("Microsoft.Dynamics.CRM.Today(PropertyName='nosuch')", 400, "nosuch"),
    ("Microsoft.Dynamics.CRM.Today(PropertyName='name')", 400, "date"),
    ("Microsoft.Dynamics.CRM.Between(PropertyName='numberofemployees',PropertyValues=[\"1\"])", 400, "two"),
    ("Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon')", 400, "PropertyValue"),
    ("Microsoft.Dynamics.CRM.LastXDays(PropertyName='createdon',PropertyValue='x')", 400, "whole number"),
    ("Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=[\"a\"]", 400, ""),
])
def test_query_function_errors(crm_http, crm_root, expr, status, fragment):
    reply = get(crm_http, crm_root, **{"$filter": expr})
    assert reply.status_code == status, reply.text
    assert fragment in reply.json()["error"]["message"]


def test_query_function_inside_lambda(crm_http, crm_root):
    got = rows(get(crm_http, crm_root, **{
        "$filter": "Account_Tasks/any(t:Microsoft.Dynamics.CRM.In(PropertyName='prioritycode',PropertyValues=[\"2\"]))",
        "$select": "name"}))
    assert got


def test_date_ranges_are_half_open_days():
    now = dt.datetime(2024, 3, 13, 15, 30, tzinfo=dt.UTC)  # a Wednesday
    assert date_range("Today", None, now) == (dt.datetime(2024, 3, 13, tzinfo=dt.UTC),
                                              dt.datetime(2024, 3, 14, tzinfo=dt.UTC))
    assert date_range("ThisWeek", None, now)[0] == dt.datetime(2024, 3, 10, tzinfo=dt.UTC)  # Sunday
    assert date_range("LastMonth", None, now) == (dt.datetime(2024, 2, 1, tzinfo=dt.UTC),
                                                  dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    assert date_range("NextXDays", 2, now) == (now, dt.datetime(2024, 3, 16, tzinfo=dt.UTC))
    assert date_range("LastXHours", 3, now) == (dt.datetime(2024, 3, 13, 12, 30, tzinfo=dt.UTC), now)

