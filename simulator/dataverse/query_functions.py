"""Dataverse query functions in ``$filter`` (``Microsoft.Dynamics.CRM.In(PropertyName=…,…)``), in SQL.

odata-query's grammar cannot read named arguments or JSON arrays, so :func:`extract` cuts every
``Microsoft.Dynamics.CRM.<Name>(…)`` call out of the filter text before it is parsed and puts a
placeholder comparison (``qf__0 eq 1``) in its place; :func:`compare_hook` turns the placeholder
back into a SQL condition on whichever table the filter compiler is working on (so the functions
also work inside lambdas and lookup traversals). Date ranges are computed here in UTC (the
simulated users' time zone) and compared in SQL against the stored ISO text.

The condition operators are shared with FetchXML (:mod:`simulator.dataverse.fetchxml`), whose
``operator="last-x-days"`` names map onto the same :func:`condition` implementation.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from simulator.odata.edm import format_datetime
from simulator.odata.errors import ODataProblem, syntax_error, unknown_property
from simulator.odata.model import EntitySet
from simulator.odata.paths import parse_literal

NAMESPACE = "Microsoft.Dynamics.CRM."
PLACEHOLDER = "qf__"


@dataclass
class FilterScope:
    """What query functions need of the request: aliases, the caller, the service."""

    aliases: dict[str, str] = field(default_factory=dict)
    caller: Any = None  # () -> the caller's systemuserid
    business_unit: str = ""
    service: Any = None
    calls: list[tuple[str, dict]] = field(default_factory=list)
    now: Any = None  # () -> aware UTC datetime (tests may pin it)


SCOPE: ContextVar[FilterScope | None] = ContextVar("dataverse_filter_scope", default=None)

# Documented functions that take no value, one value or a list of values.
NO_VALUE = {"Today", "Yesterday", "Tomorrow", "Last7Days", "Next7Days", "LastWeek", "ThisWeek", "NextWeek",
            "LastMonth", "ThisMonth", "NextMonth", "LastYear", "ThisYear", "NextYear", "EqualUserId",
            "NotEqualUserId", "EqualBusinessId", "NotEqualBusinessId"}
ONE_VALUE = {"LastXHours", "LastXDays", "LastXWeeks", "LastXMonths", "LastXYears", "NextXHours", "NextXDays",
             "NextXWeeks", "NextXMonths", "NextXYears", "OlderThanXMinutes", "OlderThanXHours", "OlderThanXDays",
             "OlderThanXWeeks", "OlderThanXMonths", "OlderThanXYears", "On", "OnOrAfter", "OnOrBefore",
             "Under", "UnderOrEqual", "NotUnder", "Above", "AboveOrEqual"}
MANY_VALUES = {"In", "NotIn", "Between", "NotBetween", "ContainValues", "DoesNotContainValues"}
# Documented, but the simulator has no fiscal calendar, user languages, teams or full-text index.
NOT_IMPLEMENTED = {"LastXFiscalPeriods", "LastXFiscalYears", "NextXFiscalPeriods", "NextXFiscalYears",
                   "ThisFiscalYear", "ThisFiscalPeriod", "LastFiscalYear", "LastFiscalPeriod", "NextFiscalYear",
                   "NextFiscalPeriod", "InFiscalYear", "InFiscalPeriod", "InFiscalPeriodAndYear",
                   "InOrBeforeFiscalPeriodAndYear", "InOrAfterFiscalPeriodAndYear", "EqualUserLanguage",
                   "EqualUserOrUserTeams", "EqualUserTeams", "EqualUserOrUserHierarchy",
                   "EqualUserOrUserHierarchyAndTeams", "EqualRoleBusinessId", "Contains", "DoesNotContain",
                   "AboveOrEqualOrNull", "UnderOrEqualOrNull", "NotEqualUserOrUserHierarchy"}
KNOWN = NO_VALUE | ONE_VALUE | MANY_VALUES


# ---------------------------------------------------------------------- scanning
def _scan_call(text: str, start: int) -> int:
    """Index just past the ``)`` closing the argument list that opens at ``text[start] == '('``."""
    depth, i, quote = 0, start, None
    while i < len(text):
        char = text[i]
        if quote == "'":
            if char == "'":
                if text[i + 1:i + 2] == "'":
                    i += 1
                else:
                    quote = None
        elif quote == '"':
            if char == "\\":
                i += 1
            elif char == '"':
                quote = None
        elif char == "'":
            quote = "'"
        elif char == '"':
            quote = '"'
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise syntax_error(f"Syntax error: the query function starting at position {start} in '{text}' "
                       "is not closed.")


def split_arguments(text: str) -> list[str]:
    """``A='x',B=["1","2"]`` → ``["A='x'", 'B=["1","2"]']`` (quotes of both kinds, brackets respected)."""
    parts, depth, quote, start, i = [], 0, None, 0, 0
    while i < len(text):
        char = text[i]
        if quote == "'":
            if char == "'" and text[i + 1:i + 2] == "'":
                i += 1
            elif char == "'":
                quote = None
        elif quote == '"':
            if char == "\\":
                i += 1
            elif char == '"':
                quote = None
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def substitute_aliases(text: str, aliases: dict[str, str]) -> str:
    """Replace ``@p1`` outside string literals by its value's text; an alias with no value is ``null``."""
    out, i, quote = [], 0, None
    while i < len(text):
        char = text[i]
        if quote is None and char == "@":
            match = re.match(r"@[A-Za-z_][A-Za-z0-9_]*", text[i:])
            if match:
                name = match.group(0)
                out.append(aliases[name].strip() if name in aliases else "null")
                i += len(name)
                continue
        if quote == "'" and char == "'" and text[i + 1:i + 2] == "'":
            out.append("''")
            i += 2
            continue
        if quote is None and char in "'\"":
            quote = char
        elif quote == char:
            quote = None
        elif quote == '"' and char == "\\":
            out.append(text[i:i + 2])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def extract(text: str, scope: FilterScope) -> str:
    """Replace each ``Microsoft.Dynamics.CRM.X(…)`` outside literals by a placeholder comparison."""
    out, i, quote = [], 0, False
    while i < len(text):
        char = text[i]
        if char == "'":
            quote = not quote
        if not quote and text.startswith(NAMESPACE, i):
            match = re.match(r"Microsoft\.Dynamics\.CRM\.([A-Za-z0-9_]+)\s*\(", text[i:])
            if match:
                name = match.group(1)
                open_at = i + match.end() - 1
                end = _scan_call(text, open_at)
                if re.search(r"\bnot\s*\(?\s*$", text[:i]):
                    raise syntax_error("Not operator along with the Custom Named Condition operators is not allowed")
                arguments = parse_arguments(name, text[open_at + 1:end - 1], scope.aliases)
                scope.calls.append((name, arguments))
                out.append(f"{PLACEHOLDER}{len(scope.calls) - 1} eq 1")
                i = end
                continue
        out.append(char)
        i += 1
    return "".join(out)


def parse_arguments(name: str, text: str, aliases: dict[str, str]) -> dict:
    """Named arguments of one query function, checked against what the function takes."""
    if name in NOT_IMPLEMENTED:
        raise ODataProblem(501, "0x8006088a", f"The query function 'Microsoft.Dynamics.CRM.{name}' is not "
                           "implemented by the simulator.", "unsupported")
    if name not in KNOWN:
        raise syntax_error(f"An unknown function with name 'Microsoft.Dynamics.CRM.{name}' was found. This may "
                           "also be a function import or a key lookup on a navigation property, which is not "
                           "allowed.")
    values: dict[str, Any] = {}
    for part in split_arguments(text):
        key, eq, raw = part.partition("=")
        if not eq:
            raise syntax_error(f"Syntax error: '{part}' is not 'Name=value' in the query function '{name}'.")
        raw = raw.strip()
        if raw.startswith("@"):
            raw = aliases.get(raw, "null").strip()
        values[key.strip()] = _argument_value(raw, name)
    expected = {"PropertyName"} | ({"PropertyValue"} if name in ONE_VALUE else set()) | \
        ({"PropertyValues"} if name in MANY_VALUES else set())
    unexpected = set(values) - expected
    missing = expected - set(values)
    if unexpected or missing:
        which = sorted(unexpected or missing)[0]
        raise syntax_error(f"The query function 'Microsoft.Dynamics.CRM.{name}' "
                           f"{'has no parameter' if unexpected else 'requires the parameter'} '{which}'.")
    if not isinstance(values["PropertyName"], str):
        raise syntax_error(f"PropertyName of 'Microsoft.Dynamics.CRM.{name}' must be a string literal.")
    if name in MANY_VALUES:
        items = values["PropertyValues"]
        if not isinstance(items, list) or not items:
            raise syntax_error(f"PropertyValues of 'Microsoft.Dynamics.CRM.{name}' must be a non-empty array.")
        if name in ("Between", "NotBetween") and len(items) != 2:
            raise syntax_error(f"'Microsoft.Dynamics.CRM.{name}' needs exactly two values.")
    return values


def _argument_value(raw: str, name: str):
    if raw[:1] == "[":
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise syntax_error(f"Invalid JSON. {exc.msg} at position {exc.pos} in '{raw}'.") from None
    try:
        value = parse_literal(raw)
    except ODataProblem:
        raise syntax_error(f"Syntax error: '{raw}' is not a valid value in the query function '{name}'.") from None
    return str(value) if isinstance(value, uuid.UUID) else value


# ---------------------------------------------------------------------- SQL
def compare_hook(compiler, node):
    """Compile a placeholder comparison back into its query function's condition."""
    from odata_query import ast

    left = getattr(node, "left", None)
    if not (isinstance(left, ast.Identifier) and left.name.startswith(PLACEHOLDER)):
        return None
    scope = SCOPE.get()
    if scope is None:
        return None
    name, arguments = scope.calls[int(left.name[len(PLACEHOLDER):])]
    values = arguments.get("PropertyValues", arguments.get("PropertyValue"))
    return condition(compiler.model, compiler.entity_set, compiler.table, arguments["PropertyName"],
                     name, values, scope)


def _now(scope: FilterScope | None) -> dt.datetime:
    if scope is not None and scope.now is not None:
        return scope.now()
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _midnight(moment: dt.datetime) -> dt.datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    month = moment.month - 1 + months
    year = moment.year + month // 12
    month = month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _week_start(moment: dt.datetime) -> dt.datetime:
    """Weeks start on Sunday (the default org's en-US calendar)."""
    return _midnight(moment) - dt.timedelta(days=(moment.weekday() + 1) % 7)


def date_range(name: str, value, now: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``[start, end)`` of a date query function; ``None`` leaves that side open."""
    today = _midnight(now)
    day = dt.timedelta(days=1)
    if name in ("Today", "Yesterday", "Tomorrow"):
        start = today + {"Today": 0, "Yesterday": -1, "Tomorrow": 1}[name] * day
        return start, start + day
    if name == "Last7Days":
        return today - 7 * day, now
    if name == "Next7Days":
        return now, today + 8 * day
    if name.endswith("Week"):
        start = _week_start(now) + {"Last": -7, "This": 0, "Next": 7}[name[:-4]] * day
        return start, start + 7 * day
    if name.endswith("Month"):
        start = add_months(today.replace(day=1), {"Last": -1, "This": 0, "Next": 1}[name[:-5]])
        return start, add_months(start, 1)
    if name.endswith("Year"):
        start = today.replace(month=1, day=1)
        start = start.replace(year=start.year + {"Last": -1, "This": 0, "Next": 1}[name[:-4]])
        return start, start.replace(year=start.year + 1)
    if name in ("On", "OnOrAfter", "OnOrBefore"):
        moment = _parse_date(value, name)
        if name == "On":
            return moment, moment + day
        return (moment, None) if name == "OnOrAfter" else (None, moment + day)
    count = _count(value, name)
    unit = re.match(r"(?:LastX|NextX|OlderThanX)(\w+)", name).group(1)
    if name.startswith("OlderThanX"):
        return None, _shift(now, unit, -count)
    if name.startswith("LastX"):
        return (_shift(now, unit, -count) if unit == "Hours" else _shift(today, unit, -count)), now
    return now, (_shift(now, unit, count) if unit == "Hours" else _shift(today, unit, count) + day)


def _shift(moment: dt.datetime, unit: str, count: int) -> dt.datetime:
    if unit == "Minutes":
        return moment + dt.timedelta(minutes=count)
    if unit == "Hours":
        return moment + dt.timedelta(hours=count)
    if unit == "Days":
        return moment + dt.timedelta(days=count)
    if unit == "Weeks":
        return moment + dt.timedelta(weeks=count)
    if unit == "Months":
        return add_months(moment, count)
    if unit == "Years":
        return add_months(moment, 12 * count)
    raise syntax_error(f"Unknown unit '{unit}'.")


def _count(value, name: str) -> int:
    try:
        number = int(str(value))
    except ValueError:
        raise syntax_error(f"PropertyValue of 'Microsoft.Dynamics.CRM.{name}' must be a whole number.") from None
    if not 0 <= number <= 100000:
        raise syntax_error(f"PropertyValue of 'Microsoft.Dynamics.CRM.{name}' is out of range.")
    return number


def _parse_date(value, name: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise syntax_error(f"PropertyValue of 'Microsoft.Dynamics.CRM.{name}' must be a date.") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return _midnight(moment.replace(tzinfo=dt.UTC))


def typed(prop, value, name: str):
    """A JSON or literal argument converted to the column's stored form."""
    if value is None:
        return None
    text = str(value)
    try:
        if prop.type in ("Edm.Int32", "Edm.Int64", "Edm.Int16", "Edm.Byte"):
            return int(text)
        if prop.type in ("Edm.Decimal", "Edm.Double", "Edm.Single"):
            return float(text)
        if prop.type == "Edm.Guid":
            return str(uuid.UUID(text.strip("{}"))).lower()
        if prop.type == "Edm.Boolean":
            return text.lower() in ("true", "1")
        if prop.type == "Edm.DateTimeOffset":
            return format_datetime(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise syntax_error(f"The value '{text}' of '{name}' cannot be converted to '{prop.type}'.") from None
    return text


def attribute_column(entity_set: EntitySet, name: str) -> str | None:
    """The column of a logical attribute name: ``name`` itself, or ``_name_value`` for a lookup."""
    et = entity_set.type
    if et.prop(name) is not None:
        return name
    lookup = f"_{name}_value"
    return lookup if et.prop(lookup) is not None else None


def condition(model, entity_set: EntitySet, table, property_name: str, name: str, values,
              scope: FilterScope | None) -> sa.ColumnElement:
    """The SQL condition of query function ``name`` on ``property_name`` of ``table``."""
    column_name = attribute_column(entity_set, property_name)
    if column_name is None:
        raise unknown_property(property_name, model.qualified(entity_set.type.name))
    prop = entity_set.type.prop(column_name)
    column = table.c[column_name]
    if name in ("In", "NotIn"):
        items = [typed(prop, v, name) for v in values]
        return column.in_(items) if name == "In" else sa.or_(column.not_in(items), column.is_(None))
    if name in ("Between", "NotBetween"):
        low, high = (typed(prop, v, name) for v in values)
        return column.between(low, high) if name == "Between" else sa.or_(
            sa.not_(column.between(low, high)), column.is_(None))
    if name in ("ContainValues", "DoesNotContainValues"):
        wrapped = sa.literal(",") + sa.func.replace(sa.func.coalesce(column, ""), " ", "") + sa.literal(",")
        hits = sa.or_(*[wrapped.like(f"%,{v},%") for v in values])
        return hits if name == "ContainValues" else sa.not_(hits)
    if name in ("EqualUserId", "NotEqualUserId", "EqualBusinessId", "NotEqualBusinessId"):
        if scope is None:
            raise syntax_error(f"'{name}' needs a signed-in caller.")
        target = scope.caller() if "User" in name else scope.business_unit
        return column == target if name.startswith("Equal") else sa.or_(column != target, column.is_(None))
    if name in ("Under", "UnderOrEqual", "NotUnder", "Above", "AboveOrEqual"):
        return hierarchy(entity_set, table, scope.service if scope else None, column_name, name,
                         typed(prop, values, name))
    if prop.type not in ("Edm.DateTimeOffset", "Edm.Date"):
        raise syntax_error(f"The query function 'Microsoft.Dynamics.CRM.{name}' needs a date and time column; "
                           f"'{property_name}' is '{prop.type}'.")
    start, end = date_range(name, values, _now(scope))
    as_text = (lambda m: m.date().isoformat()) if prop.type == "Edm.Date" else format_datetime
    clauses = []
    if start is not None:
        clauses.append(column >= as_text(start))
    if end is not None:
        inclusive = name.startswith("LastX") or name == "Last7Days"  # up to and including now
        clauses.append(column <= as_text(end) if inclusive else column < as_text(end))
    return sa.and_(*clauses)


def hierarchy(entity_set: EntitySet, table, service, property_name: str, name: str, root) -> sa.ColumnElement:
    """Rows under/above ``root`` along the table's self-referencing lookup (a recursive CTE)."""
    et = entity_set.type
    parent = next((n for n in et.navigations if not n.collection and n.target_set == entity_set.name), None)
    if parent is None or property_name != et.key[0] or service is None:
        raise syntax_error(f"The '{name}' operator needs the primary key of a table with a hierarchical "
                           "relationship.")
    base = service.table(entity_set.name)
    key, fk = base.c[et.key[0]], base.c[parent.fk]
    down = name in ("Under", "UnderOrEqual", "NotUnder")
    seed = sa.select(key.label("id"), fk.label("parent")).where(key == root)
    tree = seed.cte("hierarchy", recursive=True)
    step = base.alias()
    if down:
        tree = tree.union(sa.select(step.c[et.key[0]], step.c[parent.fk])
                          .where(step.c[parent.fk] == tree.c.id))
    else:
        tree = tree.union(sa.select(step.c[et.key[0]], step.c[parent.fk])
                          .where(step.c[et.key[0]] == tree.c.parent))
    members = sa.select(tree.c.id)
    column = table.c[property_name]
    if name in ("UnderOrEqual", "AboveOrEqual"):
        return column.in_(members)
    if name == "NotUnder":
        return column.not_in(members)
    return sa.and_(column.in_(members), column != root)
