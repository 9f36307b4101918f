"""Literal formatting/parsing and the ``$filter`` expression helpers."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from harness.errors import HarnessError
from harness.odata import (
    BUSINESS_CENTRAL,
    DATAVERSE,
    FNO,
    EnumValue,
    FnoEnum,
    ODataUrlError,
    Raw,
    all_,
    and_,
    any_,
    contains,
    endswith,
    eq,
    ge,
    gt,
    in_,
    le,
    literal,
    lt,
    ne,
    not_,
    or_,
    parse_literal,
    startswith,
)

GUID = "7eb682f1-ca75-e511-80d4-00155d2a68d1"


@pytest.mark.parametrize(("value", "expected"), [
    ("O'Bryan", "'O''Bryan'"),
    ("''", "''''''"),
    ("", "''"),
    (None, "null"),
    (True, "true"),
    (False, "false"),
    (0, "0"),
    (-42, "-42"),
    (2.5, "2.5"),
    (1e20, "1e+20"),
    (float("nan"), "NaN"),
    (float("-inf"), "-INF"),
    (Decimal("5000000.0000"), "5000000.0000"),
    (Decimal("1E+3"), "1000"),
    (uuid.UUID(GUID.upper()), GUID),
    (date(2024, 2, 29), "2024-02-29"),
    (time(13, 5, 0), "13:05:00"),
    (Raw("lastname"), "lastname"),
    (b"\xff\xfe", "binary'__4='"),
])
def test_literal_formats_each_type(value, expected):
    assert literal(value) == expected


def test_bool_is_not_formatted_as_int():
    assert literal(True) == "true"  # bool is an int subclass; order of checks matters


def test_datetime_with_offset_is_converted_to_utc_with_z():
    plus_two = timezone(timedelta(hours=2))
    assert literal(datetime(2024, 1, 1, 1, 30, tzinfo=plus_two)) == "2023-12-31T23:30:00Z"
    assert literal(datetime(2024, 1, 1, 12, 0, 0, 120000, tzinfo=UTC)) == "2024-01-01T12:00:00.12Z"


def test_naive_datetime_is_taken_as_utc():
    assert literal(datetime(2024, 1, 1, 12, 0)) == "2024-01-01T12:00:00Z"


def test_enum_literals_use_the_dialect_namespace():
    assert literal(FnoEnum("NoYes", "Yes")) == "Microsoft.Dynamics.DataEntities.NoYes'Yes'"
    assert literal(EnumValue("NoYes", "No"), FNO) == "Microsoft.Dynamics.DataEntities.NoYes'No'"
    assert literal(EnumValue("contactType", "Person"), BUSINESS_CENTRAL) == "Microsoft.NAV.contactType'Person'"
    assert (literal(EnumValue("TargetFieldType", "ValidForCreate"), DATAVERSE)
            == "Microsoft.Dynamics.CRM.TargetFieldType'ValidForCreate'")
    assert literal(EnumValue("Other.NS.Type", "A")) == "Other.NS.Type'A'"


def test_enum_without_namespace_or_dialect_is_refused():
    with pytest.raises(ValueError, match="namespace"):
        literal(EnumValue("NoYes", "Yes"))


def test_unsupported_values_are_refused():
    with pytest.raises(TypeError, match="list"):
        literal([1, 2])
    with pytest.raises(ODataUrlError):
        literal(Decimal("NaN"))


@pytest.mark.parametrize("value", [
    "O'Bryan", "a,b)(/", "", None, True, False, 17, -3, Decimal("12.50"), uuid.UUID(GUID),
    date(2024, 1, 31), datetime(2019, 10, 4, 12, 0, tzinfo=UTC), FnoEnum("NoYes", "Yes"), b"\x00\x01",
])
def test_parse_literal_reverses_literal(value):
    parsed = parse_literal(literal(value))
    if isinstance(value, EnumValue):
        assert (parsed.type, parsed.member) == (value.type, value.member)
        assert parsed.namespace == FNO.enum_namespace
    else:
        assert parsed == value
        assert type(parsed) is type(value)


def test_parse_literal_rejects_bad_text_with_a_position():
    with pytest.raises(ODataUrlError) as info:
        parse_literal("'O'Bryan'")
    assert info.value.position == 2
    assert "doubled" in str(info.value)
    with pytest.raises(ODataUrlError, match="unterminated"):
        parse_literal("'abc")
    with pytest.raises(ODataUrlError, match="braces"):
        parse_literal("{" + GUID + "}")
    with pytest.raises(ODataUrlError, match="not an OData literal"):
        parse_literal("anonymous")
    assert issubclass(ODataUrlError, HarnessError)


# ---------------------------------------------------------------------- filter helpers
def test_comparisons_escape_their_values():
    assert eq("lastname", "O'Bryan") == "lastname eq 'O''Bryan'"
    assert ne("revenue", None) == "revenue ne null"
    assert gt("createdon", datetime(2024, 1, 1, tzinfo=UTC)) == "createdon gt 2024-01-01T00:00:00Z"
    assert ge("numberofemployees", 5) == "numberofemployees ge 5"
    assert lt("_ownerid_value", uuid.UUID(GUID)) == f"_ownerid_value lt {GUID}"
    assert le("creditonhold", False) == "creditonhold le false"
    assert eq("firstname", Raw("lastname")) == "firstname eq lastname"
    assert eq("IsSalesTaxIncludedInPrice", FnoEnum("NoYes", "Yes")) == (
        "IsSalesTaxIncludedInPrice eq Microsoft.Dynamics.DataEntities.NoYes'Yes'")


def test_string_functions():
    assert contains("name", "a'b") == "contains(name,'a''b')"
    assert startswith("name", "Ad") == "startswith(name,'Ad')"
    assert endswith("primarycontactid/fullname", "x") == "endswith(primarycontactid/fullname,'x')"


def test_and_or_add_parentheses_only_where_precedence_needs_them():
    a, b, c = eq("a", 1), eq("b", 2), eq("c", 3)
    assert and_(a, or_(b, c)) == "a eq 1 and (b eq 2 or c eq 3)"
    assert or_(a, and_(b, c)) == "a eq 1 or b eq 2 and c eq 3"
    assert and_(and_(a, b), c) == "a eq 1 and b eq 2 and c eq 3"
    # A hand-written string has unknown precedence, so it is always grouped.
    assert and_(a, "x eq 1 or y eq 2") == "a eq 1 and (x eq 1 or y eq 2)"


def test_and_skips_none_and_unwraps_a_single_part():
    a = eq("a", 1)
    assert and_(None, a, None) == "a eq 1"
    with pytest.raises(ValueError):
        and_(None)


def test_not_wraps_non_primary_expressions():
    assert not_(contains("name", "x")) == "not contains(name,'x')"
    assert not_(eq("a", 1)) == "not (a eq 1)"
    assert not_(and_(eq("a", 1), eq("b", 2))) == "not (a eq 1 and b eq 2)"
    assert and_(not_(eq("a", 1)), eq("b", 2)) == "not (a eq 1) and b eq 2"


def test_lambda_operators():
    assert any_("Account_Tasks", lambda t: eq(f"{t}/statecode", 1), var="t") == (
        "Account_Tasks/any(t:t/statecode eq 1)")
    assert all_("Account_Tasks", "t/statecode eq 1", var="t") == (
        "Account_Tasks/all(t:t/statecode eq 1)")
    assert any_("Account_Emails") == "Account_Emails/any()"
    nested = any_("Account_Emails", lambda e: contains(f"{e}/subject", "x"), var="e")
    assert and_(nested, eq("statecode", 0)) == "Account_Emails/any(e:contains(e/subject,'x')) and statecode eq 0"


def test_in_operator():
    assert in_("name", ["a", "O'B"]) == "name in ('a','O''B')"
