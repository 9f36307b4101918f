"""Dataverse query functions and parameter aliases in ``$filter``, asserted as documented.

Sources: learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows (query
functions, aliases) and webapi/reference/queryfunctions.
"""

from __future__ import annotations

import pytest

from harness.odata import ODataError, Query, and_, contains
from harness.odata import crm_functions as crm_fn

pytestmark = [pytest.mark.crm, pytest.mark.writes]


@pytest.fixture
def rows(crm, values):
    tag = values.name("QF")
    names = []
    for word, employees in [("Alpha", 10), ("Beta", 20), ("O'Brien", 30), ("Delta", 40)]:
        name = f"{word} {tag}"
        crm.create("accounts", {"name": name, "numberofemployees": employees})
        names.append(name)
    return tag, names


def names_of(crm, tag, expr) -> list[str]:
    page = crm.query("accounts", Query(select=["name"], filter=and_(contains("name", tag), expr), orderby="name"))
    return [r["name"] for r in page.value]


def test_in_and_not_in(crm, rows):
    tag, names = rows
    assert names_of(crm, tag, crm_fn.in_("name", [names[0], names[2]])) == sorted([names[0], names[2]])
    assert names_of(crm, tag, crm_fn.not_in("name", [names[0], names[2]])) == sorted([names[1], names[3]])


def test_between_and_not_between(crm, rows):
    tag, names = rows
    assert names_of(crm, tag, crm_fn.between("numberofemployees", 15, 35)) == sorted(names[1:3])
    assert names_of(crm, tag, crm_fn.not_between("numberofemployees", 15, 35)) == sorted([names[0], names[3]])


def test_date_functions_on_new_rows(crm, rows):
    tag, names = rows
    assert names_of(crm, tag, crm_fn.today("createdon")) == sorted(names)
    assert names_of(crm, tag, crm_fn.last_x_hours("createdon", 2)) == sorted(names)
    assert names_of(crm, tag, crm_fn.yesterday("createdon")) == []
    assert names_of(crm, tag, crm_fn.equal_user_id("ownerid")) == sorted(names)


def test_parameter_aliases_in_filter_orderby_and_functions(crm, rows):
    tag, names = rows
    page = crm.get("accounts", {"$select": "name", "$filter": "contains(name,@tag) and numberofemployees ge @low",
                                "$orderby": "@order desc", "@tag": f"'{tag}'", "@low": "20",
                                "@order": "numberofemployees"})
    assert [r["name"] for r in page.value] == [names[3], names[2], names[1]]
    page = crm.get("accounts", {"$select": "name", "$filter": f"contains(name,'{tag}') and "
                                "Microsoft.Dynamics.CRM.Between(PropertyName=@p1,PropertyValues=@p2)",
                                "@p1": "'numberofemployees'", "@p2": '["15","25"]'})
    assert [r["name"] for r in page.value] == [names[1]]


def test_not_before_a_query_function_is_refused(crm, rows):
    tag, _ = rows
    with pytest.raises(ODataError) as raised:
        crm.query("accounts", Query(filter=f"not {crm_fn.today('createdon')}"))
    assert raised.value.status == 400
    assert "Not operator along with the Custom Named Condition operators is not allowed" in raised.value.message
