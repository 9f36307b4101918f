"""``$apply`` aggregation on the Dataverse Web API, asserted as documented.

Source: learn.microsoft.com/power-apps/developer/data-platform/webapi/query/aggregate-data.
"""

from __future__ import annotations

import pytest

from harness.odata import ODataError, Query, contains
from harness.odata.apply import aggregate, apply, count_as, filter_, groupby, with_

pytestmark = [pytest.mark.crm, pytest.mark.writes]


@pytest.fixture
def tag(crm, values):
    tag = values.name("AP")
    for word, employees, category in [("Alpha", 10, 1), ("Beta", 20, 2), ("Gamma", 30, 1), ("Delta", 40, 2)]:
        crm.create("accounts", {"name": f"{word} {tag}", "numberofemployees": employees,
                                "accountcategorycode": category})
    return tag


def test_aggregate_over_filtered_rows(crm, tag):
    text = apply(filter_(contains("name", tag)),
                 aggregate(with_("numberofemployees", "sum", "total"), with_("numberofemployees", "average", "mean"),
                           with_("numberofemployees", "min", "least"), with_("numberofemployees", "max", "most"),
                           count_as("n")))
    page = crm.query("accounts", Query(apply=text))
    assert page.value == [{"total": 100, "mean": 25, "least": 10, "most": 40, "n": 4}]


def test_groupby_with_nested_aggregate(crm, tag):
    text = apply(filter_(contains("name", tag)),
                 groupby(["accountcategorycode"], aggregate(count_as("n"), with_("numberofemployees", "sum", "s"))))
    page = crm.query("accounts", Query(apply=text, orderby="accountcategorycode"))
    assert page.value == [{"accountcategorycode": 1, "n": 2, "s": 40}, {"accountcategorycode": 2, "n": 2, "s": 60}]


def test_groupby_lists_unique_values_with_formatted_labels(crm, tag):
    text = apply(filter_(contains("name", tag)), groupby(["accountcategorycode"]))
    page = crm.query("accounts", Query(apply=text), include_annotations="OData.Community.Display.V1.FormattedValue")
    labels = {r["accountcategorycode"]: r["accountcategorycode@OData.Community.Display.V1.FormattedValue"]
              for r in page.value}
    assert set(labels) == {1, 2} and all(isinstance(v, str) and v for v in labels.values())


def test_orderby_aggregated_value_is_refused(crm, tag):
    text = apply(filter_(contains("name", tag)), groupby(["accountcategorycode"], aggregate(count_as("n"))))
    with pytest.raises(ODataError) as raised:
        crm.query("accounts", Query(apply=text, orderby="n desc"))
    assert raised.value.status == 400
    assert "SingleValueOpenPropertyAccess" in raised.value.message
