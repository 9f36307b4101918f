"""Builders for Dataverse query functions in ``$filter`` (``Microsoft.Dynamics.CRM.In(...)`` …).

Each returns an :class:`~harness.odata.filters.Expr` that combines with ``and_``/``or_`` like any
other comparison. Values go into ``PropertyValues`` as a JSON array of strings (what the service
documents: ``["a","O'Brian"]``); single values are written as OData literals. ``not_`` must not be
put in front of one: the service refuses ``not`` with these functions, so :func:`crm` says so.

    from harness.odata import crm_functions as crm
    Query(filter=and_(crm.in_("lastname", ["Higa", "O'Bryan"]), crm.last_x_days("createdon", 7)))
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from harness.odata.filters import PREC_PRIMARY, Expr
from harness.odata.literals import literal

NAMESPACE = "Microsoft.Dynamics.CRM"


def crm(function: str, property_name: str, value: Any = None, values: Iterable[Any] | None = None) -> Expr:
    """``Microsoft.Dynamics.CRM.<function>(PropertyName='p'[,PropertyValue=v][,PropertyValues=[...]])``."""
    args = [f"PropertyName={literal(property_name)}"]
    if value is not None:
        args.append(f"PropertyValue={literal(value)}")
    if values is not None:
        items = [str(v) for v in values]
        if not items:
            raise ValueError(f"{function} needs at least one value")
        args.append("PropertyValues=" + json.dumps(items, ensure_ascii=False, separators=(",", ":")))
    return Expr(f"{NAMESPACE}.{function}({','.join(args)})", PREC_PRIMARY)


def in_(name: str, values: Iterable[Any]) -> Expr:
    return crm("In", name, values=values)


def not_in(name: str, values: Iterable[Any]) -> Expr:
    return crm("NotIn", name, values=values)


def between(name: str, low: Any, high: Any) -> Expr:
    return crm("Between", name, values=[low, high])


def not_between(name: str, low: Any, high: Any) -> Expr:
    return crm("NotBetween", name, values=[low, high])


def contain_values(name: str, values: Iterable[Any]) -> Expr:
    return crm("ContainValues", name, values=values)


def does_not_contain_values(name: str, values: Iterable[Any]) -> Expr:
    return crm("DoesNotContainValues", name, values=values)


def _no_value(function: str):
    def build(name: str) -> Expr:
        return crm(function, name)
    build.__name__ = function
    build.__doc__ = f"``{NAMESPACE}.{function}(PropertyName=name)``."
    return build


def _one_value(function: str):
    def build(name: str, value: Any) -> Expr:
        return crm(function, name, value)
    build.__name__ = function
    build.__doc__ = f"``{NAMESPACE}.{function}(PropertyName=name,PropertyValue=value)``."
    return build


today = _no_value("Today")
yesterday = _no_value("Yesterday")
tomorrow = _no_value("Tomorrow")
last_7_days = _no_value("Last7Days")
next_7_days = _no_value("Next7Days")
this_week, last_week, next_week = _no_value("ThisWeek"), _no_value("LastWeek"), _no_value("NextWeek")
this_month, last_month, next_month = _no_value("ThisMonth"), _no_value("LastMonth"), _no_value("NextMonth")
this_year, last_year, next_year = _no_value("ThisYear"), _no_value("LastYear"), _no_value("NextYear")
equal_user_id, not_equal_user_id = _no_value("EqualUserId"), _no_value("NotEqualUserId")
equal_business_id, not_equal_business_id = _no_value("EqualBusinessId"), _no_value("NotEqualBusinessId")
last_x_hours, last_x_days, last_x_weeks = _one_value("LastXHours"), _one_value("LastXDays"), _one_value("LastXWeeks")
last_x_months, last_x_years = _one_value("LastXMonths"), _one_value("LastXYears")
next_x_hours, next_x_days, next_x_weeks = _one_value("NextXHours"), _one_value("NextXDays"), _one_value("NextXWeeks")
next_x_months, next_x_years = _one_value("NextXMonths"), _one_value("NextXYears")
older_than_x_days, older_than_x_months = _one_value("OlderThanXDays"), _one_value("OlderThanXMonths")
on, on_or_after, on_or_before = _one_value("On"), _one_value("OnOrAfter"), _one_value("OnOrBefore")
under, under_or_equal, not_under = _one_value("Under"), _one_value("UnderOrEqual"), _one_value("NotUnder")
above, above_or_equal = _one_value("Above"), _one_value("AboveOrEqual")
