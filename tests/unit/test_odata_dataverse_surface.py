"""Harness builders for the Dataverse query surface: query functions, $apply, FetchXML paging, impersonation."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from lxml import etree

from harness.odata import and_, eq
from harness.odata import crm_functions as crm
from harness.odata.apply import aggregate, apply, count_as, filter_, groupby, with_
from harness.odata.fetchxml import decode_paging_cookie, with_paging
from harness.odata.impersonation import caller_headers


def test_query_function_texts():
    assert crm.in_("lastname", ["a", "O'Brian"]) == \
        "Microsoft.Dynamics.CRM.In(PropertyName='lastname',PropertyValues=[\"a\",\"O'Brian\"])"
    assert crm.between("numberofemployees", 5, 2000) == \
        "Microsoft.Dynamics.CRM.Between(PropertyName='numberofemployees',PropertyValues=[\"5\",\"2000\"])"
    assert crm.last_x_hours("modifiedon", 12) == \
        "Microsoft.Dynamics.CRM.LastXHours(PropertyName='modifiedon',PropertyValue=12)"
    assert crm.today("createdon") == "Microsoft.Dynamics.CRM.Today(PropertyName='createdon')"
    assert and_(eq("statecode", 0), crm.today("createdon")) == \
        "statecode eq 0 and Microsoft.Dynamics.CRM.Today(PropertyName='createdon')"
    with pytest.raises(ValueError):
        crm.in_("name", [])


def test_apply_texts():
    text = apply(filter_("statecode eq 0"),
                 groupby(["address1_city"], aggregate(with_("revenue", "sum", "total"), count_as("n"))))
    assert text == "filter(statecode eq 0)/groupby((address1_city),aggregate(revenue with sum as total,$count as n))"
    with pytest.raises(ValueError):
        with_("revenue", "median", "m")
    with pytest.raises(ValueError):
        groupby("statecode")


def test_with_paging_sets_page_count_and_cookie():
    edited = with_paging("<fetch><entity name='account'/></fetch>", 2, 50, '<cookie page="1"><x last="a&b"/></cookie>')
    root = etree.fromstring(edited.encode())
    assert (root.get("page"), root.get("count")) == ("2", "50")
    assert root.get("paging-cookie") == '<cookie page="1"><x last="a&b"/></cookie>'
    with pytest.raises(ValueError):
        with_paging("<fetch>", 1)
    with pytest.raises(ValueError):
        with_paging("<query/>", 1)


def test_paging_cookie_is_decoded_twice():
    inner = '<cookie page="1"><accountid last="{A}" first="{B}" /></cookie>'
    annotation = f'<cookie pagenumber="2" pagingcookie="{quote(quote(inner, safe=""), safe="")}" istracking="False" />'
    assert decode_paging_cookie(annotation) == inner


def test_caller_headers():
    assert caller_headers("7A9D0000-0000-4000-8000-000000000001") == {
        "MSCRMCallerID": "7a9d0000-0000-4000-8000-000000000001"}
    assert caller_headers(caller_object_id="7a9d0000-0000-4000-8000-000000000001") == {
        "CallerObjectId": "7a9d0000-0000-4000-8000-000000000001"}
    assert caller_headers() == {}
    with pytest.raises(ValueError):
        caller_headers("not-a-guid")
    with pytest.raises(ValueError):
        caller_headers("7a9d0000-0000-4000-8000-000000000001", "7a9d0000-0000-4000-8000-000000000001")
