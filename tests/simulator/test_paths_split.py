"""``split_path`` (one walk over quotes, parentheses and slashes) splits exactly as the character walk does."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.odata.errors import ODataProblem
from simulator.odata.paths import split_path


def _walk(path: str) -> list[str]:
    """The character walk split_path used for every path (kept here as the oracle)."""
    segments, current, quoted, depth = [], [], False, 0
    for char in path:
        if char == "'":
            quoted = not quoted
        if not quoted:
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
        if char == "/" and not quoted and depth == 0:
            segments.append("".join(current))
            current = []
        else:
            current.append(char)
    segments.append("".join(current))
    if quoted or depth:
        return ["unbalanced"]
    return segments


def _expected(path: str):
    walked = _walk(path)
    if walked == ["unbalanced"]:
        return "unbalanced"
    result = []
    for raw in walked:
        if raw == "":
            continue
        if "(" in raw and raw.endswith(")"):
            name, _, rest = raw.partition("(")
            result.append((name, rest[:-1], True))
        elif "(" in raw or ")" in raw:
            return "bad"
        else:
            result.append((raw, None, False))
    return result


def _actual(path: str):
    try:
        return [(s.name, s.key, s.has_parens) for s in split_path(path)]
    except ODataProblem as problem:
        return "unbalanced" if "Unbalanced" in problem.message else "bad"


@pytest.mark.parametrize("path", [
    "accounts(00000000-0000-0000-0000-000000000001)", "accounts(1)/contact_customer_accounts/$ref",
    "a((b)/c)/d", "a)/(b", "a/(/)", "/accounts//x/", "f(x='a/b')/g", "", "$metadata", "a(b)c",
])
def test_known_paths(path):
    assert _actual(path) == _expected(path)


@settings(max_examples=500, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="ab()/'$-1=,", max_size=24))
def test_any_path_splits_as_the_walk_does(path):
    assert _actual(path) == _expected(path)
