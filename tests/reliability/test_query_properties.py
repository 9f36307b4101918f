"""Property tests of the harness's query builder: literals escape, and ``Query`` → URL → parse gives back
exactly the expression that was built.

The parse side is independent code: odata-query's grammar (what the simulator uses through
``simulator.odata.filters.parse_filter``) and the URL decoding the server applies (``parse_qsl``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from odata_query import ast

from harness.odata import (
    Query,
    and_,
    contains,
    endswith,
    eq,
    ge,
    gt,
    le,
    literal,
    lt,
    ne,
    not_,
    or_,
    parse_literal,
    startswith,
)
from simulator.odata.filters import parse_filter

PROPERTY_SETTINGS = settings(max_examples=300, derandomize=True, deadline=None, database=None,
                             suppress_health_check=[HealthCheck.too_slow])

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
NAMES = st.sampled_from(["name", "accountnumber", "revenue", "statecode", "createdon", "_parentaccountid_value",
                         "primarycontactid/fullname"])
VALUES = st.one_of(
    TEXT,
    st.integers(-(2**53), 2**53),
    st.booleans(),
    st.none(),
    st.uuids(),
    st.datetimes(min_value=dt.datetime(1753, 1, 1), max_value=dt.datetime(9999, 12, 31),
                 timezones=st.just(dt.UTC)),
    st.dates(min_value=dt.date(1753, 1, 1)),
    st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=4),
    st.floats(allow_nan=False, allow_infinity=False, width=64).filter(lambda f: f != 0 or str(f) == "0.0"),
)
COMPARISONS = {"eq": (eq, ast.Eq), "ne": (ne, ast.NotEq), "gt": (gt, ast.Gt), "ge": (ge, ast.GtE),
               "lt": (lt, ast.Lt), "le": (le, ast.LtE)}
FUNCTIONS = {"contains": contains, "startswith": startswith, "endswith": endswith}


# ---------------------------------------------------------------------- literals
@PROPERTY_SETTINGS
@given(TEXT)
def test_string_literals_round_trip(text):
    written = literal(text)
    assert written.startswith("'") and written.endswith("'")
    assert written[1:-1].replace("''", "") .count("'") == 0  # every quote inside is doubled
    assert parse_literal(written) == text


@PROPERTY_SETTINGS
@given(st.one_of(st.integers(), st.booleans(), st.none(), st.uuids(), st.dates()))
def test_other_literals_round_trip(value):
    assert parse_literal(literal(value)) == value


# ---------------------------------------------------------------------- expressions
def _expected_literal(value) -> ast._Node:
    text = literal(value)
    if value is None:
        return ast.Null()
    if isinstance(value, bool):
        return ast.Boolean(text)
    if isinstance(value, str):
        return ast.String(value)
    if isinstance(value, uuid.UUID):
        return ast.GUID(text)
    if isinstance(value, dt.datetime):
        return ast.DateTime(text)
    if isinstance(value, dt.date):
        return ast.Date(text)
    return ("number", Decimal(text))


def _normal(node) -> object:
    """A comparable form: nested and/or flattened (they associate), numbers by value."""
    if isinstance(node, ast.BoolOp):
        kind = type(node.op)
        parts = []
        for side in (node.left, node.right):
            normal = _normal(side)
            parts.extend(normal[1] if isinstance(normal, tuple) and normal[0] is kind else [normal])
        return (kind, parts)
    if isinstance(node, ast.UnaryOp):
        return ("not", _normal(node.operand))
    if isinstance(node, ast.Compare):
        return ("cmp", type(node.comparator), _normal(node.left), _normal(node.right))
    if isinstance(node, ast.Call):
        return ("call", node.func.name, [_normal(a) for a in node.args])
    if isinstance(node, ast.Integer | ast.Float):
        return ("number", Decimal(node.val))
    if isinstance(node, ast.Attribute):
        return ("path", _normal(node.owner), node.attr)
    if isinstance(node, ast.Identifier):
        return ("id", node.name)
    return node


def _path(name: str):
    parts = name.split("/")
    node: object = ("id", parts[0])
    for attr in parts[1:]:
        node = ("path", node, attr)
    return node


def _leaves():
    comparison = st.builds(lambda op, name, value: (COMPARISONS[op][0](name, value),
                                                    ("cmp", COMPARISONS[op][1], _path(name),
                                                     _normal(_expected_literal(value)))),
                           st.sampled_from(sorted(COMPARISONS)), NAMES, VALUES)
    function = st.builds(lambda fn, name, text: (FUNCTIONS[fn](name, text),
                                                 ("call", fn, [_path(name), ast.String(text)])),
                         st.sampled_from(sorted(FUNCTIONS)), NAMES, TEXT)
    return comparison | function


def _combine(children):
    def build(kind, items):
        exprs = [expr for expr, _ in items]
        expected = [want for _, want in items]
        if kind == "not":
            return not_(exprs[0]), ("not", expected[0])
        op, tag = (and_, ast.And) if kind == "and" else (or_, ast.Or)
        flat = []
        for want in expected:
            flat.extend(want[1] if isinstance(want, tuple) and want[0] is tag else [want])
        return op(*exprs), (tag, flat)

    return st.one_of(
        st.builds(lambda items: build("not", items), st.lists(children, min_size=1, max_size=1)),
        st.builds(lambda items: build("and", items), st.lists(children, min_size=2, max_size=3)),
        st.builds(lambda items: build("or", items), st.lists(children, min_size=2, max_size=3)),
    )


EXPRESSIONS = st.recursive(_leaves(), _combine, max_leaves=6)


@PROPERTY_SETTINGS
@given(EXPRESSIONS)
def test_query_to_url_to_parser_round_trip(built):
    expression, expected = built
    url = "https://org.crm.dynamics.com/api/data/v9.2/accounts?" + Query(filter=expression, top=5).to_query_string()
    params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))  # as the server decodes it
    assert params == {"$filter": str(expression), "$top": "5"}
    assert _normal(parse_filter(params["$filter"])) == expected


# ---------------------------------------------------------------------- over HTTP
@pytest.mark.sim_only
@settings(max_examples=60, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=TEXT)
def test_any_string_filter_is_accepted_by_the_service(crm, text):
    page = crm.query("accounts", Query(filter=or_(eq("name", text), startswith("accountnumber", text)),
                                       select=["name", "accountnumber"], top=3))
    assert page.response.status == 200
    if text.isascii():  # Dataverse compares case-insensitively
        assert all(row["name"].lower() == text.lower()
                   or (row["accountnumber"] or "").lower().startswith(text.lower()) for row in page.value)


@pytest.mark.sim_only
@settings(max_examples=15, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=TEXT)
def test_a_stored_name_is_found_by_its_exact_filter(crm, values, text):
    name = f"{values.tag} {text}"[:160]
    key = crm.create("accounts", {"name": name}).created.key
    try:
        rows = crm.query("accounts", Query(filter=eq("name", name), select=["name"])).value
        assert [row["name"] for row in rows] == [name]
    finally:
        crm.delete("accounts", key)
