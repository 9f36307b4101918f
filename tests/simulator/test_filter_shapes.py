"""``$filter`` trees cached by shape give exactly what a fresh parse gives, errors included.

The simulator parses a filter's shape (its text with plain string literals as placeholders) once and
puts each request's strings back into the cached tree (simulator/odata/filters.py). These tests
compare that against odata-query's parser run on the caller's text, for hand-picked and generated
filters, so a placeholder that leaked, a string put back in the wrong place or an error that names
the placeholder text would fail them.
"""

from __future__ import annotations

import pytest
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
