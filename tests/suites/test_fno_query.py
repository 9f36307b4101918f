"""Query semantics of the Finance and Operations ``/data`` root (fno_bc.md A4)."""

from __future__ import annotations

import pytest

from harness.odata import FnoEnum, ODataError, Query, and_, contains, eq, gt, ne

pytestmark = [pytest.mark.fno, pytest.mark.writes]


@pytest.fixture
def customers(fno, values):
    """Four tagged usmf customers with known credit limits; returns (tag, accounts)."""
    tag = values.name("FQ")
    accounts = []
    for i, (limit, group) in enumerate([(100, "10"), (200, "20"), (300, "10"), (400, "30")]):
        body = fno.create("CustomersV3", {"dataAreaId": "usmf", "OrganizationName": f"C{i} {tag}",
                                          "CustomerGroupId": group, "CreditLimit": limit}).json()
        accounts.append(body["CustomerAccount"])
    return tag, accounts


def test_select_filter_orderby_top(fno, customers):
    tag, accounts = customers
    page = fno.query("CustomersV3", Query(select=["CustomerAccount", "CreditLimit"],
                                          filter=and_(contains("OrganizationName", tag), gt("CreditLimit", 150)),
                                          orderby=["CreditLimit desc"], top=2))
    assert [row["CreditLimit"] for row in page.value] == [400, 300]
    assert set(page.value[0]) >= {"CustomerAccount", "CreditLimit", "dataAreaId"}


def test_wildcard_equality_is_fno_semantics(fno, customers):
    tag, accounts = customers
    page = fno.query("CustomersV3", Query(select=["OrganizationName"], filter=eq("OrganizationName", f"*{tag}*")))
    assert len(page.value) == 4


def test_enum_literal_with_eq_and_ne(fno, customers):
    tag, _ = customers
    yes = fno.query("CustomersV3", Query(filter=and_(contains("OrganizationName", tag),
                                                     eq("IsOneTimeCustomer", FnoEnum("NoYes", "Yes")))))
    no = fno.query("CustomersV3", Query(filter=and_(contains("OrganizationName", tag),
                                                    ne("IsOneTimeCustomer", FnoEnum("NoYes", "Yes")))))
    assert len(yes.value) == 0 and len(no.value) == 4


def test_enum_literal_with_gt_is_refused(fno):
    with pytest.raises(ODataError) as raised:
        fno.query("CustomersV3", Query(filter=gt("IsOneTimeCustomer", FnoEnum("NoYes", "No"))))
    assert raised.value.status == 400


def test_skip_and_count(fno, customers):
    tag, _ = customers
    page = fno.query("CustomersV3", Query(filter=contains("OrganizationName", tag), orderby=["CreditLimit"],
                                          skip=1, top=2, count=True, select=["CreditLimit"]))
    assert [row["CreditLimit"] for row in page.value] == [200, 300]
    assert page.count == 4


def test_reads_are_scoped_to_the_default_company_unless_cross_company(fno):
    default = fno.query("CustomersV3", Query(select=["dataAreaId"], top=50))
    assert {row["dataAreaId"] for row in default.value} == {"usmf"}
    every = list(fno.iter_all("CustomersV3", Query(select=["dataAreaId"], extra={"cross-company": "true"})))
    assert {"usmf", "usrt"} <= {row["dataAreaId"] for row in every}


def test_expand_sales_order_lines(fno):
    page = fno.query("SalesOrderHeadersV2", Query(select=["SalesOrderNumber"], top=3,
                                                  expand={"SalesOrderLines": Query(select=["ItemNumber"])}))
    assert page.value and all(isinstance(row["SalesOrderLines"], list) for row in page.value)


def test_legal_entities_list_the_companies(fno):
    ids = {row["LegalEntityId"] for row in fno.iter_all("LegalEntities", Query(select=["LegalEntityId"]))}
    assert {"usmf", "usrt"} <= ids


def test_paging_follows_next_link(fno, customers):
    tag, accounts = customers
    pages = list(fno.iter_pages("CustomersV3", Query(filter=contains("OrganizationName", tag),
                                                     select=["CustomerAccount"]), maxpagesize=3))
    assert [len(p.value) for p in pages] == [3, 1]
    assert sorted(r["CustomerAccount"] for p in pages for r in p.value) == sorted(accounts)
