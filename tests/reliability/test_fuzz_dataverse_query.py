"""Hypothesis fuzzing of Dataverse FetchXML (``?fetchXml=``) and ``$apply`` over real HTTP.

Documents are built from the FetchXML grammar (entities, attributes, orders, nested filters, every
condition operator, link-entities, paging and aggregate attributes) with names and values drawn from
the model plus junk, then sometimes broken (cut, spliced with markup). ``$apply`` texts mix the
documented transformations with broken ones. Every answer must be a success or an error in
Dataverse's shape, never a server error other than a deliberate 501. ``FUZZ_EXAMPLES`` cases each
(1,000 by default, derandomized).
"""

from __future__ import annotations

import os
from xml.sax.saxutils import quoteattr

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.dataverse.fetchxml import FUNCTION_OPERATORS, UNSERVED_OPERATORS
from tests.reliability.conftest import bearer, user_token

pytestmark = [pytest.mark.sim_only, pytest.mark.fuzz]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1000"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])

ATTRIBUTES = ["name", "accountid", "numberofemployees", "revenue", "createdon", "statecode", "ownerid",
              "primarycontactid", "description", "address1_city", "fullname", "contactid", "nosuch", "",
              "_ownerid_value", "versionnumber", "creditonhold"]
OPERATORS = ["eq", "ne", "neq", "gt", "ge", "lt", "le", "like", "not-like", "begins-with", "ends-with", "null",
             "not-null", *FUNCTION_OPERATORS, *sorted(UNSERVED_OPERATORS)[:5], "bogus", ""]
VALUES = st.one_of(st.sampled_from(["0", "1", "-5", "2024-01-15", "2024-01-15T08:00:00Z", "%a%", "x", "",
                                    "7a9d0000-0000-4000-8000-000000000001", "99999999999999999999", "1e308",
                                    "true", "<", "'\""]),
                   st.text(max_size=12))
COOKIES = [None, '<cookie page="1"/>', "junk"]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)


def attr(name: str, value: str | None) -> str:
    return "" if value is None else f" {name}={quoteattr(value)}"


@st.composite
def condition(draw) -> str:
    values = draw(st.lists(VALUES, max_size=3))
    inner = "".join(f"<value>{v.replace('&', '&amp;').replace('<', '&lt;')}</value>" for v in values)
    return (f"<condition{attr('attribute', draw(st.sampled_from(ATTRIBUTES)))}"
            f"{attr('operator', draw(st.sampled_from(OPERATORS)))}"
            f"{attr('value', draw(st.one_of(st.none(), VALUES)))}"
            f"{attr('entityname', draw(st.sampled_from([None, 'pc', 'zz'])))}"
            f"{attr('valueof', draw(st.sampled_from([None, 'numberofemployees', 'name', 'nosuch'])))}>"
            f"{inner}</condition>")


filters = st.recursive(
    condition(),
    lambda children: st.builds(lambda kind, parts: f"<filter{attr('type', kind)}>{''.join(parts)}</filter>",
                               st.sampled_from([None, "and", "or", "xor"]), st.lists(children, max_size=3)),
    max_leaves=6)


@st.composite
def entity_body(draw, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        parts.append(f"<attribute{attr('name', draw(st.sampled_from(ATTRIBUTES)))}"
                     f"{attr('alias', draw(st.sampled_from([None, 'a', 'n', 'a b', ''])))}"
                     f"{attr('aggregate', draw(st.sampled_from([None, 'count', 'countcolumn', 'sum', 'avg', 'min', 'max', 'median'])))}"
                     f"{attr('groupby', draw(st.sampled_from([None, 'true', 'false', 'maybe'])))}"
                     f"{attr('dategrouping', draw(st.sampled_from([None, 'year', 'month', 'quarter', 'fiscal-year', 'x'])))}/>")
    if draw(st.booleans()):
        parts.append("<all-attributes/>")
    for _ in range(draw(st.integers(0, 2))):
        parts.append(f"<order{attr('attribute', draw(st.sampled_from([None, *ATTRIBUTES])))}"
                     f"{attr('alias', draw(st.sampled_from([None, 'a', 'n'])))}"
                     f"{attr('descending', draw(st.sampled_from([None, 'true', 'false', 'x'])))}/>")
    if draw(st.booleans()):
        parts.append(draw(filters))
    if depth < 2 and draw(st.booleans()):
        parts.append(f"<link-entity{attr('name', draw(st.sampled_from(['contact', 'account', 'task', 'nosuch'])))}"
                     f"{attr('from', draw(st.sampled_from(ATTRIBUTES)))}{attr('to', draw(st.sampled_from(ATTRIBUTES)))}"
                     f"{attr('alias', draw(st.sampled_from([None, 'pc', 'x.y'])))}"
                     f"{attr('link-type', draw(st.sampled_from([None, 'inner', 'outer', 'any', 'not any', 'all'])))}>"
                     f"{draw(entity_body(depth + 1))}</link-entity>")
    return "".join(parts)


@st.composite
def fetch_documents(draw) -> str:
    numbers = st.sampled_from([None, "1", "3", "0", "-1", "5001", "x", "99999999999"])
    head = (f"<fetch{attr('top', draw(numbers))}{attr('count', draw(numbers))}{attr('page', draw(numbers))}"
            f"{attr('aggregate', draw(st.sampled_from([None, 'true', 'false'])))}"
            f"{attr('distinct', draw(st.sampled_from([None, 'true', 'false'])))}"
            f"{attr('paging-cookie', draw(st.sampled_from(COOKIES)))}>")
    name = draw(st.sampled_from(["account", "account", "contact", "nosuch", ""]))
    document = f"{head}<entity{attr('name', name)}>{draw(entity_body())}</entity></fetch>"
    mutation = draw(st.integers(0, 5))
    if mutation == 0:
        document = document[: draw(st.integers(0, len(document)))]
    elif mutation == 1:
        at = draw(st.integers(0, len(document)))
        document = document[:at] + draw(st.sampled_from(["<", "&", "<x>", "]]>", "\x00", "<!--", draw(TEXT)])) + \
            document[at:]
    return document


APPLY_STEPS = st.sampled_from([
    "filter(statecode eq 0)", "filter(numberofemployees gt 10 and contains(name,'a'))", "filter(nosuch eq 1)",
    "filter(Microsoft.Dynamics.CRM.Today(PropertyName='createdon'))", "groupby((statecode))",
    "groupby((statecode,address1_city),aggregate($count as n))", "groupby((createdon))", "groupby(statecode)",
    "aggregate(numberofemployees with sum as s,$count as c)", "aggregate(revenue with average as a)",
    "aggregate(name with countdistinct as d)", "aggregate(name with sum as s)", "aggregate(", "topcount(1,x)",
    "groupby((statecode),filter(x))", "aggregate($count with sum as x)", "", "()", "filter()"])


@st.composite
def apply_texts(draw) -> str:
    text = "/".join(draw(st.lists(APPLY_STEPS, min_size=1, max_size=3)))
    if draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(TEXT) + text[at:]
    return text


@pytest.fixture(scope="module")
def crm(sim):
    session = requests.Session()
    session.headers.update(bearer(user_token(sim, sim.config.crm_url)))
    session.headers["Prefer"] = 'odata.include-annotations="*"'
    yield session, f"{sim.config.crm_url}/api/data/v9.2"
    session.close()


def check(reply: requests.Response) -> None:
    assert reply.status_code < 500 or reply.status_code == 501, reply.text[:500]
    if reply.status_code >= 400:
        error = reply.json()["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str) and error["message"]


@FUZZ
@given(document=fetch_documents(), set_name=st.sampled_from(["accounts", "accounts", "contacts"]))
def test_fetchxml_never_fails_the_server(crm, document, set_name):
    session, root = crm
    check(session.get(f"{root}/{set_name}", params={"fetchXml": document}))


@FUZZ
@given(text=apply_texts(), orderby=st.sampled_from([None, "statecode", "s desc", "nosuch", "statecode asc,x"]))
def test_apply_never_fails_the_server(crm, text, orderby):
    session, root = crm
    params = {"$apply": text} | ({"$orderby": orderby} if orderby else {})
    check(session.get(f"{root}/accounts", params=params))
