"""Query semantics of the Dataverse Web API (dataverse.md §4): each option and operator family.

Each test creates its own tagged rows and filters on the tag, so it asserts exact results on a
shared org as well as on the simulator.
"""

from __future__ import annotations

import pytest

from harness.odata import (
    ODataError,
    Query,
    all_,
    and_,
    any_,
    contains,
    endswith,
    eq,
    ge,
    gt,
    le,
    lt,
    ne,
    not_,
    or_,
    startswith,
)

pytestmark = [pytest.mark.crm, pytest.mark.writes]


@pytest.fixture
def rows(crm, values):
    """Five tagged accounts with known values; returns (tag, names by index)."""
    tag = values.name("Q")  # unique per test: "Q <token> <run tag>"
    specs = [("Alpha", 10, True, 1), ("Beta", 20, False, 2), ("Gamma", 30, False, 1),
             ("O'Brien", 40, True, 2), ("Delta", 50, False, 1)]
    names = []
    for word, employees, hold, category in specs:
        name = f"{word} {tag}"
        crm.create("accounts", {"name": name, "numberofemployees": employees, "creditonhold": hold,
                                "accountcategorycode": category})
        names.append(name)
    return tag, names


def names_of(crm, tag, **query) -> list[str]:
    extra = query.pop("filter", None)
    query.setdefault("select", ["name"])
    query.setdefault("orderby", ["name"])
    page = crm.query("accounts", Query(filter=and_(contains("name", tag), extra), **query))
    return [row["name"] for row in page.value]


def test_select_returns_only_requested_columns_plus_key(crm, rows):
    tag, _ = rows
    page = crm.query("accounts", Query(select=["name"], filter=contains("name", tag)))
    assert page.value and all(set(r) == {"@odata.etag", "accountid", "name"} for r in page.value)


@pytest.mark.parametrize(("expr", "expected"), [
    (eq("numberofemployees", 20), [1]),
    (ne("numberofemployees", 20), [0, 2, 3, 4]),
    (gt("numberofemployees", 30), [3, 4]),
    (ge("numberofemployees", 30), [2, 3, 4]),
    (lt("numberofemployees", 30), [0, 1]),
    (le("numberofemployees", 30), [0, 1, 2]),
    (and_(eq("accountcategorycode", 1), gt("numberofemployees", 10)), [2, 4]),
    (or_(eq("creditonhold", True), eq("numberofemployees", 50)), [0, 3, 4]),
    (not_(eq("creditonhold", True)), [1, 2, 4]),
    (startswith("name", "Gam"), [2]),
    (ne("name", None), [0, 1, 2, 3, 4]),
    (endswith("name", "zz-never"), []),
    (contains("name", "O'Brien"), [3]),
    (eq("name", "BETA"), []),  # exact match on the full name only; case alone never matters
])
def test_filter_operator_families(crm, rows, expr, expected):
    tag, names = rows
    got = names_of(crm, tag, filter=expr)
    assert got == sorted(names[i] for i in expected)


def test_string_comparison_is_case_insensitive(crm, rows):
    tag, names = rows
    assert names_of(crm, tag, filter=eq("name", names[1].upper())) == [names[1]]


def test_orderby_descending_and_top(crm, rows):
    tag, names = rows
    page = crm.query("accounts", Query(select=["name", "numberofemployees"], filter=contains("name", tag),
                                       orderby=["numberofemployees desc"], top=2))
    assert [r["numberofemployees"] for r in page.value] == [50, 40]
    assert page.next_link is None


def test_skip_is_refused(crm, rows):
    with pytest.raises(ODataError) as raised:
        crm.get("accounts", {"$skip": "1", "$top": "1"})
    assert raised.value.status == 400
    assert raised.value.code == "0x80060888"


def test_count_comes_before_value(crm, rows):
    tag, _ = rows
    page = crm.query("accounts", Query(filter=contains("name", tag), count=True, top=1, select=["name"]))
    assert page.count == 5
    assert len(page.value) == 1
    body = page.response.json()
    assert list(body).index("@odata.count") < list(body).index("value")


def test_dollar_count_endpoint(crm, rows):
    assert crm.count("accounts") >= 5


def test_paging_through_several_pages(crm, rows):
    tag, names = rows
    pages = list(crm.iter_pages("accounts", Query(select=["name"], filter=contains("name", tag)), maxpagesize=2))
    assert [len(p.value) for p in pages] == [2, 2, 1]
    assert all(p.response.preference_applied.get("odata.maxpagesize") == "2" for p in pages)
    assert "$skiptoken=" in pages[0].next_link
    assert sorted(r["name"] for p in pages for r in p.value) == sorted(names)


def test_expand_lookup_and_collection(crm, values):
    contact = crm.create("contacts", {"firstname": "Expand", "lastname": values.name("Primary")}).created.key
    account = crm.create("accounts", {"name": values.name("Expand"), "primarycontactid@odata.bind":
                                      f"/contacts({contact})"}).created.key
    crm.create("tasks", {"subject": values.name("Task"),
                         "regardingobjectid_account_task@odata.bind": f"/accounts({account})"})
    body = crm.retrieve("accounts", account, select=["name"], expand={
        "primarycontactid": Query(select=["fullname"]), "Account_Tasks": Query(select=["subject"])}).json()
    assert body["primarycontactid"]["fullname"].startswith("Expand ")
    assert len(body["Account_Tasks"]) == 1


def test_lambda_any_and_all(crm, values):
    account = crm.create("accounts", {"name": values.name("Lambda")}).created.key
    subject = values.name("Lambda task")
    crm.create("tasks", {"subject": subject, "regardingobjectid_account_task@odata.bind": f"/accounts({account})"})
    found = crm.query("accounts", Query(select=["name"], filter=any_("Account_Tasks", eq("t/subject", subject), "t")))
    assert [r["accountid"] for r in found.value] == [str(account)]
    empty = crm.query("accounts", Query(select=["name"], filter=and_(
        eq("accountid", account), all_("Account_Tasks", ne("t/subject", subject), "t"))))
    assert empty.value == []


def test_annotations_are_opt_in(crm, rows):
    tag, _ = rows
    plain = crm.query("accounts", Query(select=["creditonhold"], filter=contains("name", tag)))
    assert not any("@OData.Community" in k for r in plain.value for k in r)
    annotated = crm.query("accounts", Query(select=["creditonhold"], filter=contains("name", tag)),
                          include_annotations="*")
    labels = {r["creditonhold@OData.Community.Display.V1.FormattedValue"] for r in annotated.value}
    assert labels == {"Yes", "No"}


def test_unknown_property_in_filter_is_400(crm):
    with pytest.raises(ODataError) as raised:
        crm.query("accounts", Query(filter=eq("not_a_column", 1)))
    assert raised.value.status == 400
    assert "Could not find a property named 'not_a_column'" in raised.value.message
