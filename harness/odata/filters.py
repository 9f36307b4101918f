"""Compose ``$filter`` expressions from Python values.

Each helper returns an :class:`Expr` (a ``str``) that remembers how tightly it binds, so
combining them adds parentheses exactly where OData's precedence rules need them
(``not`` binds tighter than ``eq``; ``and`` tighter than ``or``). Values go through
:func:`~harness.odata.literals.literal`; property paths are written as given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from harness.odata.dialects import Dialect
from harness.odata.literals import Raw, literal

PREC_OR = 1
PREC_AND = 2
PREC_COMPARISON = 3
PREC_UNARY = 4
PREC_PRIMARY = 5


class Expr(Raw):
    """A ``$filter`` expression plus its precedence (higher binds tighter)."""

    precedence: int = PREC_PRIMARY

    def __new__(cls, text: str, precedence: int = PREC_PRIMARY) -> Expr:
        obj = super().__new__(cls, text)
        obj.precedence = precedence
        return obj


def _operand(part: Any, minimum: int) -> str:
    """``part`` wrapped in parentheses unless it binds at least as tightly as ``minimum``."""
    if isinstance(part, Expr):
        return str(part) if part.precedence >= minimum else f"({part})"
    return f"({part})"  # a hand-written string: its precedence is unknown, so group it


def _compare(op: str) -> Callable[..., Expr]:
    def compare(path: str, value: Any, dialect: Dialect | None = None) -> Expr:
        return Expr(f"{path} {op} {literal(value, dialect)}", PREC_COMPARISON)

    compare.__name__ = op
    compare.__doc__ = f"``path {op} <literal(value)>``."
    return compare


eq = _compare("eq")
ne = _compare("ne")
gt = _compare("gt")
ge = _compare("ge")
lt = _compare("lt")
le = _compare("le")


def _join(op: str, precedence: int, parts: Iterable[Any]) -> Expr:
    present = [part for part in parts if part is not None and part != ""]
    if not present:
        raise ValueError(f"{op}_() needs at least one expression")
    if len(present) == 1:
        only = present[0]
        return only if isinstance(only, Expr) else Expr(f"({only})", PREC_PRIMARY)
    return Expr(f" {op} ".join(_operand(part, precedence) for part in present), precedence)


def and_(*parts: Any) -> Expr:
    """All of ``parts``; ``None`` parts are skipped so optional conditions compose easily."""
    return _join("and", PREC_AND, parts)


def or_(*parts: Any) -> Expr:
    """Any of ``parts``; ``None`` parts are skipped."""
    return _join("or", PREC_OR, parts)


def not_(part: Any) -> Expr:
    """``not contains(...)``, or ``not (<expr>)`` for anything that is not a primary expression."""
    return Expr(f"not {_operand(part, PREC_UNARY)}", PREC_UNARY)


def _string_function(name: str) -> Callable[..., Expr]:
    def function(path: str, value: Any, dialect: Dialect | None = None) -> Expr:
        return Expr(f"{name}({path},{literal(value, dialect)})", PREC_PRIMARY)

    function.__name__ = name
    function.__doc__ = f"``{name}(path,<literal(value)>)``."
    return function


contains = _string_function("contains")
startswith = _string_function("startswith")
endswith = _string_function("endswith")


def in_(path: str, values: Iterable[Any], dialect: Dialect | None = None) -> Expr:
    """``path in (v1,v2)`` (OData 4.01; BC needs ``$schemaversion=2.1``, Dataverse has ``CRM.In``)."""
    return Expr(f"{path} in ({','.join(literal(v, dialect) for v in values)})", PREC_COMPARISON)


def _lambda(name: str) -> Callable[..., Expr]:
    def lambda_operator(collection: str, condition: Any = None, var: str = "x") -> Expr:
        if condition is None:
            return Expr(f"{collection}/{name}()", PREC_PRIMARY)
        if callable(condition):
            condition = condition(var)
        return Expr(f"{collection}/{name}({var}:{condition})", PREC_PRIMARY)

    lambda_operator.__name__ = f"{name}_"
    lambda_operator.__doc__ = (
        f"``collection/{name}(var:condition)``; ``condition`` may be a callable taking the variable name."
    )
    return lambda_operator


any_ = _lambda("any")
all_ = _lambda("all")
