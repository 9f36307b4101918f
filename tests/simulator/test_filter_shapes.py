"""``$filter`` trees cached by shape give exactly what a fresh parse gives, errors included.

The simulator parses a filter's shape (its text with plain string literals as placeholders) once and
puts each request's strings back into the cached tree (simulator/odata/filters.py). These tests
compare that against odata-query's parser run on the caller's text, for hand-picked and generated
filters, so a placeholder that leaked, a string put back in the wrong place or an error that names
the placeholder text would fail them.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.odata import filters
from simulator.odata.errors import ODataProblem
from simulator.odata.filter_limits import flat_chain

SETTINGS = settings(max_examples=300, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

TEXTS = [
    "accountnumber eq 'B-000123' and numberofemployees ge 0",
    "name eq 'it''s' or name eq ''",
    "name in ('a','b','c') and contains(name,'((( and )))')",
    "startswith(name,'x') and not endswith(name,' or y')",
    "duration'P1D' eq duration'P1D' and name eq 'd'",
    "primarycontactid/fullname eq 'Yvonne'",
    "contact_customer_accounts/any(c:c/fullname eq 'a' and c/firstname ne 'b')",
    "name eq'glued'",
    "name eq 'x' eq",  # a syntax error: the message names the caller's text, not the shape
    "name eq 'x' and (",
    "name eq 'unterminated",
    "'a' eq 'a'",
]


def _fresh(text: str):
    """What the simulator answered before shapes were cached: one parse of the text itself."""
    try:
        return "tree", filters._parse(text)
    except ODataProblem as problem:
        return "problem", problem.status, problem.message


def _cached(text: str):
    try:
        return "tree", filters.parse_filter(text)
    except ODataProblem as problem:
        return "problem", problem.status, problem.message


@pytest.mark.parametrize("text", TEXTS)
def test_a_cached_shape_parses_like_the_text_itself(text):
    expected = _fresh(text)
    assert _cached(text) == expected  # first use of the shape
    assert _cached(text) == expected  # from the cache


def test_other_values_reuse_the_shape_and_get_their_own_strings():
    first = filters.parse_filter("accountnumber eq 'A-1' and name in ('p','q')")
    second = filters.parse_filter("accountnumber eq 'Z''9' and name in ('r','s')")
    shape, values = filters.filter_shape("accountnumber eq 'Z''9' and name in ('r','s')")
    assert shape in filters._shapes
    assert list(values.values()) == ["Z'9", "r", "s"]
    assert first == filters._parse("accountnumber eq 'A-1' and name in ('p','q')")
    assert second == filters._parse("accountnumber eq 'Z''9' and name in ('r','s')")


def test_errors_name_the_callers_text():
    with pytest.raises(ODataProblem) as caught:
        filters.parse_filter("name eq 'secret-looking value' eq")
    assert "secret-looking value" in caught.value.message
    assert "\x00" not in caught.value.message


_literal = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
_template = st.sampled_from([
    "name eq {0}", "name eq {0} and accountnumber ne {1}", "contains(name,{0}) or startswith(name,{1})",
    "name in ({0},{1},{0})", "not (name eq {0}) and ({1} eq name)", "name eq {0} eq",
])


@SETTINGS
@given(_template, _literal, _literal)
def test_any_string_values_give_the_fresh_parse(template, first, second):
    def quoted(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    text = template.format(quoted(first), quoted(second))
    assert _cached(text) == _fresh(text)


def test_a_thousand_term_chain_gets_its_strings_back():
    """An ``or`` chain parses to a tree as deep as it is long: putting strings back must not recurse."""
    text = " or ".join(f"name eq 'n{i}'" for i in range(1500))
    terms = flat_chain(filters.parse_filter(text))  # (== on the trees themselves would recurse)
    assert terms == flat_chain(filters._parse(text)) and len(terms) == 1500
    again = text.replace("'n7'", "'other'")
    assert flat_chain(filters.parse_filter(again)) == flat_chain(filters._parse(again))
    assert flat_chain(filters.parse_filter(again))[7].right.val == "other"


# ---------------------------------------------------------------- SQL kept per shape (unit of work)
@pytest.fixture(scope="module")
def dataverse():
    from simulator.config import SimConfig
    from simulator.dataverse.app import build_dataverse_app
    from simulator.keys import SigningKey

    app, store = build_dataverse_app(SimConfig(), SigningKey())
    yield app.state.service
    store.close()


def _sql(service, clause, params: dict) -> tuple[str, list]:
    """The SQL text and positional values SQLite would get for ``SELECT … WHERE clause``."""
    compiled = sa.select(service.table("accounts")).where(clause).compile(service.store.engine)
    values = compiled.construct_params(params)
    return compiled.string, [values[name] for name in compiled.positiontup]


PLAIN = [
    "accountnumber eq 'B-000123' and numberofemployees ge 0",
    "name eq 'it''s' or contains(name,'50%_off*') or startswith(name,'A')",
    "name in ('a','B','c') and not endswith(name,' x')",
    "primarycontactid/fullname eq 'Yvonne McKay (sample)'",
    "contact_customer_accounts/any(c:c/fullname eq 'Susanna Stubberod (sample)')",
]


@pytest.mark.parametrize("text", PLAIN)
def test_a_kept_plan_binds_the_same_sql_and_values_as_compiling_the_text(dataverse, text):
    work, accounts = dataverse.work, dataverse.model.entity_set("accounts")
    table = dataverse.table("accounts")
    fresh = filters.compile_filter(text, dataverse.model, accounts, table, work.table)
    for _ in range(2):  # planned, then from the cache
        clause, params, kept = work.filter_clause(accounts, table, text)
        assert kept and params
        assert _sql(dataverse, clause, params) == _sql(dataverse, fresh, {})
    other = text.replace("'", "'Z", 1)  # same shape, another first string
    clause, params, _ = work.filter_clause(accounts, table, other)
    assert _sql(dataverse, clause, params) == _sql(dataverse, filters.compile_filter(
        other, dataverse.model, accounts, table, work.table), {})


@pytest.mark.parametrize("text", [
    "accountid eq 'ABCDEF00-0000-0000-0000-000000000000'",  # GUIDs are lower-cased: the string is rewritten
    "Microsoft.Dynamics.CRM.On(PropertyName='createdon',PropertyValue='2024-01-01')",  # query functions
])
def test_filters_that_read_their_strings_are_compiled_per_request(dataverse, text):
    work, accounts = dataverse.work, dataverse.model.entity_set("accounts")
    table = dataverse.table("accounts")
    clause, params, kept = work.filter_clause(accounts, table, text)
    assert params == {} and not kept
    if "accountid" in text:
        assert _sql(dataverse, clause, {})[1] == ["abcdef00-0000-0000-0000-000000000000"]


def test_a_bad_filter_shape_still_names_the_callers_text(dataverse):
    work, accounts = dataverse.work, dataverse.model.entity_set("accounts")
    with pytest.raises(ODataProblem) as caught:
        work.filter_clause(accounts, dataverse.table("accounts"), "nosuchcolumn eq 'visible-value'")
    assert "\x00" not in caught.value.message
    with pytest.raises(ODataProblem) as again:  # the failed plan is remembered, the answer is the same
        work.filter_clause(accounts, dataverse.table("accounts"), "nosuchcolumn eq 'visible-value'")
    assert again.value.message == caught.value.message


def test_one_shape_many_values_over_http(crm_http, crm_root):
    """The same shape with other strings finds other rows (the kept plan is not stuck on the first)."""
    names = [f"zz-shape-{i}" for i in range(3)]
    for name in names:
        assert crm_http.post(f"{crm_root}/accounts", json={"name": name}).status_code == 204
    try:
        for name in names:
            reply = crm_http.get(f"{crm_root}/accounts?$select=name&$filter=name eq '{name}'")
            assert [row["name"] for row in reply.json()["value"]] == [name]
    finally:
        for name in names:
            for row in crm_http.get(f"{crm_root}/accounts?$select=accountid&$filter=name eq '{name}'").json()["value"]:
                crm_http.delete(f"{crm_root}/accounts({row['accountid']})")


def test_paging_a_kept_shape_follows_next_links(crm_http, crm_root):
    """A kept statement binds each page's limit and offset: every row once, in order, page after page."""
    names = [f"zz-pages-{i:02d}" for i in range(7)]
    for name in names:
        assert crm_http.post(f"{crm_root}/accounts", json={"name": name}).status_code == 204
    try:
        for text in ("startswith(name,'zz-pages-')", "startswith(name,'zz-pages-') and statecode eq 0"):
            seen, url = [], f"{crm_root}/accounts?$select=name&$orderby=name desc&$filter={text}"
            while url:
                body = crm_http.get(url, headers={"Prefer": "odata.maxpagesize=3"}).json()
                assert len(body["value"]) <= 3
                seen += [row["name"] for row in body["value"]]
                url = body.get("@odata.nextLink")
            assert seen == sorted(names, reverse=True)
    finally:
        for row in crm_http.get(f"{crm_root}/accounts?$select=accountid&$filter=startswith(name,'zz-pages-')"
                                ).json()["value"]:
            crm_http.delete(f"{crm_root}/accounts({row['accountid']})")
