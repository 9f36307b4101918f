"""Bounds on ``$filter`` size and nesting, so no expression can exhaust Python's stack or SQLite's.

The real services parse ``$filter`` with Microsoft.OData's ``UriQueryExpressionParser``: chains of
``and``/``or`` and of arithmetic operators are parsed in a loop (any length the URL limit lets through),
nesting (parentheses, ``not``, operands of operators) counts against a recursion limit of 800 calls
(``QueryParserSettings.DefaultFilterLimit``), and going past it is an ``ODataException``
"Recursion depth exceeded allowed limit." answered with 400.

The simulator compiles a filter by recursion (odata-query's visitor, SQLAlchemy's compiler), and SQLite
refuses expression trees deeper than 1,000. So here:

* long ``and``/``or`` chains are flattened and regrouped into a balanced tree of parenthesised chunks
  (:func:`flat_chain`, :func:`balanced`): 2,000 ``or`` terms answer like the real service does;
* runs of ``not`` collapse by parity (``not not x`` is ``x`` in SQL's three-valued logic too);
* anything nested deeper than :data:`MAX_DEPTH` levels after that (parentheses, arithmetic operands,
  function arguments) gets the service's 400 with ODL's wording. ODL spends about eight recursive calls
  per level, so its 800 calls allow about 100 levels; the simulator uses the same 100.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from odata_query import ast
from sqlalchemy.ext.compiler import compiles

from simulator.odata.errors import ODataProblem, syntax_error

MAX_DEPTH = 100
CHUNK = 32  # terms per parenthesised group: SQLite sees depth CHUNK x log_CHUNK(n), far below 1,000
TOO_DEEP = "Recursion depth exceeded allowed limit."


def too_deep() -> ODataProblem:
    return syntax_error(TOO_DEEP)


def check_parentheses(text: str) -> None:
    """Refuse parentheses nested deeper than :data:`MAX_DEPTH` (outside string literals)."""
    depth = deepest = 0
    quoted = False
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif not quoted and char == ")":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise too_deep()


def _children(node) -> list:
    if isinstance(node, list):
        return node
    if isinstance(node, ast._Node) and not isinstance(node, ast._Literal):
        return [value for name in getattr(node, "__dataclass_fields__", {})
                if isinstance(value := getattr(node, name), ast._Node | list)]
    return []


def check_depth(tree: ast._Node) -> None:
    """Refuse a parsed filter nested deeper than :data:`MAX_DEPTH` levels, without recursing.

    A chain of one boolean operator counts as one level, and so does a run of ``not``, because the
    compiler flattens both.
    """
    stack: list[tuple[object, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise too_deep()
        if isinstance(node, ast.BoolOp):
            stack.extend((child, depth + 1) for child in flat_chain(node))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            stack.append((strip_nots(node)[0], depth + 1))
        else:
            stack.extend((child, depth + (not isinstance(child, list))) for child in _children(node))


def flat_chain(node: ast.BoolOp) -> list:
    """The operands of a chain of one boolean operator (``a or b or c``), in order, without recursion."""
    kind = type(node.op)
    operands, pending = [], [node]
    while pending:
        current = pending.pop()
        if isinstance(current, ast.BoolOp) and type(current.op) is kind:
            pending.extend((current.right, current.left))
        else:
            operands.append(current)
    return operands


def strip_nots(node: ast.UnaryOp) -> tuple[object, bool]:
    """``(operand, negated)`` for a run of ``not``: an even number of them cancels out."""
    negated = False
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        negated = not negated
        node = node.operand
    return node, negated


class _Parenthesised(sa.sql.expression.ColumnElement):
    """A boolean clause always written in parentheses, which SQLAlchemy does not merge into its parent."""

    inherit_cache = False
    type = sa.Boolean()

    def __init__(self, clause: sa.ColumnElement):
        self.clause = clause


@compiles(_Parenthesised)
def _compile_parenthesised(element: _Parenthesised, compiler, **kw) -> str:
    return f"({compiler.process(element.clause, **kw)})"


def balanced(combine: Callable[..., sa.ColumnElement], clauses: list[sa.ColumnElement]) -> sa.ColumnElement:
    """``combine(*clauses)`` (``sa.and_``/``sa.or_``) as a shallow tree of parenthesised chunks."""
    while len(clauses) > CHUNK:
        clauses = [_Parenthesised(combine(*clauses[i:i + CHUNK])) for i in range(0, len(clauses), CHUNK)]
    return combine(*clauses)
