"""FetchXML through the Dataverse Web API (``?fetchXml=``), asserted as documented.

Sources: learn.microsoft.com/power-apps/developer/data-platform/fetchxml/ (overview, select-columns,
filter-rows, join-tables, order-rows, page-results, aggregate-data). Each test filters on rows it
created itself, so it asserts exact results on a shared org too.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

import pytest

from harness.odata import ODataError

pytestmark = [pytest.mark.crm, pytest.mark.writes]


@pytest.fixture
def rows(crm, values):
    """Five tagged accounts; returns (tag, names) with names in creation order."""
    tag = values.name("FX")
    specs = [("Alpha", 10, 1), ("Beta", 20, 2), ("Gamma", 30, 1), ("Delta", 40, 2), ("Epsilon", 50, 1)]
    names = []
    for word, employees, category in specs:
        name = f"{word} {tag}"
        crm.create("accounts", {"name": name, "numberofemployees": employees, "accountcategorycode": category})
        names.append(name)
    return tag, names


def tagged(tag: str, body: str = "", fetch: str = "<fetch>", entity: str = "account") -> str:
    return (f"{fetch}<entity name='{entity}'>{body}<filter>"
            f"<condition attribute='name' operator='like' value={quoteattr('%' + tag + '%')}/>"
            f"</filter></entity></fetch>")


def test_attributes_order_and_key(crm, rows):
    tag, names = rows
    got = crm.fetch_xml("accounts", tagged(tag, "<attribute name='name'/><attribute name='numberofemployees'/>"
                                                "<order attribute='numberofemployees' descending='true'/>"))
    assert [r["name"] for r in got] == names[::-1]
    assert all({"@odata.etag", "accountid", "name", "numberofemployees"} <= set(r) for r in got)


def test_null_columns_are_left_out(crm, rows):
    tag, _ = rows
    got = crm.fetch_xml("accounts", tagged(tag, "<attribute name='name'/><attribute name='description'/>"))
    assert len(got) == 5 and all("description" not in r for r in got)


@pytest.mark.parametrize(("condition", "expected"), [
    ("<condition attribute='numberofemployees' operator='gt' value='30'/>", [3, 4]),
    ("<condition attribute='numberofemployees' operator='in'><value>10</value><value>50</value></condition>", [0, 4]),
    ("<condition attribute='numberofemployees' operator='between'><value>20</value><value>40</value></condition>",
     [1, 2, 3]),
    ("<condition attribute='name' operator='begins-with' value='Gam'/>", [2]),
    ("<filter type='or'><condition attribute='accountcategorycode' operator='eq' value='2'/>"
     "<condition attribute='numberofemployees' operator='eq' value='10'/></filter>", [0, 1, 3]),
])
def test_conditions(crm, rows, condition, expected):
    tag, names = rows
    fetch = tagged(tag, f"<attribute name='name'/><order attribute='name'/><filter>{condition}</filter>")
    assert [r["name"] for r in crm.fetch_xml("accounts", fetch)] == sorted(names[i] for i in expected)


def test_paging_cookie_iterates_every_page(crm, rows):
    tag, names = rows
    pages = list(crm.iter_fetch_pages("accounts", tagged(tag, "<attribute name='name'/><order attribute='name'/>"),
                                      page_size=2))
    assert [len(p.value) for p in pages] == [2, 2, 1]
    assert [p.more_records for p in pages] == [True, True, False]
    assert pages[0].paging_cookie and pages[0].paging_cookie.startswith("<cookie page=\"1\">")
    assert [r["name"] for p in pages for r in p.value] == sorted(names)


def test_top(crm, rows):
    tag, names = rows
    got = crm.fetch_xml("accounts", tagged(tag, "<attribute name='name'/><order attribute='name'/>",
                                           "<fetch top='2'>"))
    assert [r["name"] for r in got] == sorted(names)[:2]


def test_link_entity_with_alias(crm, rows, values):
    tag, names = rows
    last = values.name("Primary")
    contact = crm.create("contacts", {"lastname": last}).created.key
    first = crm.fetch_xml("accounts", tagged(tag, "<attribute name='name'/><order attribute='name'/>"))[0]
    crm.update("accounts", first["accountid"], {"primarycontactid@odata.bind": f"/contacts({contact})"})
    fetch = tagged(tag, "<attribute name='name'/><link-entity name='contact' from='contactid' "
                        "to='primarycontactid' alias='pc' link-type='inner'><attribute name='lastname'/>"
                        "</link-entity>")
    got = crm.fetch_xml("accounts", fetch)
    assert got == [{**{k: got[0][k] for k in ("@odata.etag", "accountid")}, "name": first["name"], "pc.lastname": last}]
    outer = crm.fetch_xml("accounts", fetch.replace("link-type='inner'", "link-type='outer'"))
    assert len(outer) == 5


def test_aggregate_groupby(crm, rows):
    tag, _ = rows
    fetch = tagged(tag, "<attribute name='accountcategorycode' alias='category' groupby='true'/>"
                        "<attribute name='accountid' alias='n' aggregate='count'/>"
                        "<attribute name='numberofemployees' alias='total' aggregate='sum'/>"
                        "<order alias='category'/>", "<fetch aggregate='true'>")
    got = crm.fetch_xml("accounts", fetch)
    assert got == [{"category": 1, "n": 3, "total": 90}, {"category": 2, "n": 2, "total": 60}]


def test_invalid_fetch_is_400(crm):
    with pytest.raises(ODataError) as raised:
        crm.get("accounts", {"fetchXml": "<fetch><entity name='account'>"})
    assert raised.value.status == 400


def test_entity_must_match_the_entity_set(crm):
    with pytest.raises(ODataError) as raised:
        crm.get("accounts", {"fetchXml": "<fetch><entity name='contact'><attribute name='fullname'/></entity></fetch>"})
    assert raised.value.status == 400
