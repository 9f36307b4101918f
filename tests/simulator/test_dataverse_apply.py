"""``$apply`` (aggregate, groupby, filter, composition) on the simulated Dataverse root, over real HTTP."""

from __future__ import annotations

import pytest


def apply(http, root, text: str, set_name: str = "accounts", **extra):
    return http.get(f"{root}/{set_name}", params={"$apply": text, **extra},
                    headers={"Prefer": 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"'})


def everything(http, root) -> list[dict]:
    return http.get(f"{root}/accounts", params={"$select": "numberofemployees,statecode,address1_city"}).json()["value"]


def test_aggregate_methods_and_count(crm_http, crm_root):
    reply = apply(crm_http, crm_root, "aggregate(numberofemployees with sum as total,numberofemployees with average "
                                      "as mean,numberofemployees with min as least,numberofemployees with max as "
                                      "most,address1_city with countdistinct as cities,$count as n)")
    assert reply.status_code == 200, reply.text
    (row,) = [{k: v for k, v in r.items() if "@" not in k} for r in reply.json()["value"]]
    rows = everything(crm_http, crm_root)
    # rows other tests created may hold nulls: aggregates skip them, $count counts every row
    counts = [r["numberofemployees"] for r in rows if r["numberofemployees"] is not None]
    assert row["total"] == sum(counts) and row["least"] == min(counts) and row["most"] == max(counts)
    assert abs(row["mean"] - sum(counts) / len(counts)) < 1e-6
    assert row["n"] == len(rows) and row["cities"] == len({r["address1_city"] for r in rows} - {None})
    assert reply.json()["@odata.context"].endswith("$metadata#accounts(total,mean,least,most,cities,n)")


def test_groupby_lists_unique_values_with_labels(crm_http, crm_root):
    body = apply(crm_http, crm_root, "groupby((statuscode))").json()
    assert body["value"] == [
        {"statuscode@OData.Community.Display.V1.FormattedValue": "Active", "statuscode": 1},
        {"statuscode@OData.Community.Display.V1.FormattedValue": "Inactive", "statuscode": 2}]


def test_groupby_with_nested_aggregate(crm_http, crm_root):
    body = apply(crm_http, crm_root, "groupby((statecode),aggregate($count as count))").json()
    rows = everything(crm_http, crm_root)
    assert {r["statecode"]: r["count"] for r in body["value"]} == {
        s: sum(1 for r in rows if r["statecode"] == s) for s in {r["statecode"] for r in rows}}


def test_filter_then_groupby(crm_http, crm_root):
    body = apply(crm_http, crm_root, "filter(numberofemployees gt 1000)/groupby((address1_city),"
                                     "aggregate(numberofemployees with sum as total))").json()
    rows = [r for r in everything(crm_http, crm_root) if (r["numberofemployees"] or 0) > 1000]
    expected = {}
    for r in rows:
        expected[r["address1_city"]] = expected.get(r["address1_city"], 0) + r["numberofemployees"]
    assert {r["address1_city"]: r["total"] for r in body["value"]} == expected


def test_filter_with_query_function(crm_http, crm_root):
    body = apply(crm_http, crm_root, "filter(Microsoft.Dynamics.CRM.In(PropertyName='accountnumber',"
                                     "PropertyValues=[\"ACC-0001\",\"ACC-0002\"]))/aggregate($count as n)").json()
    assert body["value"][0]["n"] == 2


def test_groupby_orders_by_group_property(crm_http, crm_root):
    body = apply(crm_http, crm_root, "groupby((address1_city))", **{"$orderby": "address1_city desc"}).json()
    cities = [r.get("address1_city") for r in body["value"]]
    present = [c for c in cities if c is not None]  # a null group (rows other tests created) sorts last
    assert present == sorted(present, reverse=True) and None not in cities[:len(present)]


@pytest.mark.parametrize(("text", "extra", "status", "fragment"), [
    ("groupby((createdon))", {}, 400, "datetime"),
    ("groupby((statecode),aggregate($count as n))", {"$orderby": "n desc"}, 400, "SingleValueOpenPropertyAccess"),
    ("aggregate(name with sum as s)", {}, 400, "numeric"),
    ("aggregate(nosuch with sum as s)", {}, 400, "nosuch"),
    ("topcount(2,numberofemployees)", {}, 501, "topcount"),
    ("aggregate(numberofemployees with median as m)", {}, 400, "median"),
    ("groupby(statecode)", {}, 400, "parentheses"),
    ("aggregate($count as n)/filter(n gt 1)", {}, 501, "filter"),
    ("groupby((statecode))", {"$top": "1"}, 501, "$top"),
    ("filter(nosuch eq 1)", {}, 400, "nosuch"),
    ("aggregate(", {}, 400, ""),
])
def test_apply_errors(crm_http, crm_root, text, extra, status, fragment):
    reply = apply(crm_http, crm_root, text, **extra)
    assert reply.status_code == status, reply.text
    assert fragment in reply.json()["error"]["message"]
