"""F&O ``$filter`` semantics on top of the shared filter compiler.

* Enum literals (``Microsoft.Dynamics.DataEntities.NoYes'Yes'``) are not understood by odata-query's
  parser, so :func:`rewrite_enum_literals` turns each one into a marked string literal before parsing;
  :func:`compare` then checks that it meets an enum property of the same type through ``eq``/``ne``.
* ``eq '*x*'`` is F&O's "contains": ``*`` inside a compared string is a wildcard (SQL ``LIKE``).
* ``in`` and ``has`` are not supported (reference A4).
"""

from __future__ import annotations

import re

from odata_query import ast

from simulator.odata.errors import syntax_error
from simulator.odata.model import EntityModel

ENUM_MARK = "\x1f"  # cannot come from a URL-decoded filter without a literal control character
_LITERALS = re.compile(r"'(?:[^']|'')*'|(?P<type>[A-Za-z_][\w.]*)'(?P<member>(?:[^']|'')*)'")
_HAS = re.compile(r"'(?:[^']|'')*'|(?P<has>\bhas\b)")
_OPERATORS = {ast.Eq: "Equal", ast.NotEq: "NotEqual", ast.Lt: "LessThan", ast.LtE: "LessThanOrEqual",
              ast.Gt: "GreaterThan", ast.GtE: "GreaterThanOrEqual"}


def rewrite_enum_literals(text: str, model: EntityModel) -> str:
    """Replace ``Namespace.Enum'Member'`` with a marked string ``'<mark>Enum<mark>Member'``."""
    if any(m.group("has") for m in _HAS.finditer(text)):
        raise syntax_error("The 'has' operator is not supported.")

    def replace(match: re.Match) -> str:
        qualified = match.group("type")
        if qualified is None:
            return match.group(0)  # an ordinary string literal
        namespace, _, name = qualified.rpartition(".")
        if namespace != model.namespace:
            return match.group(0)  # duration'...', binary'...': left to the parser
        enum = model.enum(name)
        if enum is None:
            raise syntax_error(f"The type '{qualified}' is not an enumeration type defined in the model.")
        member = match.group("member").replace("''", "'")
        if member not in enum.members:
            raise syntax_error(f"The string '{member}' is not a valid enumeration type constant.")
        return f"'{ENUM_MARK}{enum.name}{ENUM_MARK}{member}'"

    return _LITERALS.sub(replace, text)


def _enum_literal(node) -> tuple[str, str] | None:
    if isinstance(node, ast.String) and node.val.startswith(ENUM_MARK):
        _, enum_name, member = node.val.split(ENUM_MARK)
        return enum_name, member
    return None


def _type_name(compiler, node) -> str:
    if isinstance(node, ast.Identifier):
        prop = compiler.entity_set.type.prop(node.name)
        if prop is not None:
            return prop.type if prop.type.startswith("Edm.") else compiler.model.qualified(prop.type)
    literal = _enum_literal(node)
    if literal is not None:
        return compiler.model.qualified(literal[0])
    return {ast.String: "Edm.String", ast.Integer: "Edm.Int32", ast.Float: "Edm.Double",
            ast.Boolean: "Edm.Boolean"}.get(type(node), "Edm.Untyped")


def _incompatible(compiler, node: ast.Compare):
    operator = _OPERATORS.get(type(node.comparator), type(node.comparator).__name__)
    return syntax_error("A binary operator with incompatible types was detected. Found operand types "
                        f"'{_type_name(compiler, node.left)}' and '{_type_name(compiler, node.right)}' "
                        f"for operator kind '{operator}'.")


def _wildcard(column, value: str, negate: bool):
    pattern = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace("*", "%")
    clause = column.like(pattern, escape="\\")
    return ~clause if negate else clause


def compare(compiler, node: ast.Compare):
    """The dialect's compare hook; returns SQL or ``None`` to let the default compile the node."""
    if isinstance(node.comparator, ast.In):
        raise syntax_error("The 'in' operator is not supported; combine 'eq' comparisons with 'or'.")
    left, right = node.left, node.right
    if not isinstance(left, ast.Identifier) and isinstance(right, ast.Identifier):
        left, right = right, left  # 'x' eq Field
    if isinstance(right, ast.Null):
        return None
    prop = compiler.entity_set.type.prop(left.name) if isinstance(left, ast.Identifier) else None
    enum = compiler.model.enum(prop.type) if prop is not None and not prop.type.startswith("Edm.") else None
    literal = _enum_literal(right)
    if enum is not None or literal is not None:
        if enum is None or literal is None or literal[0] != enum.name:
            raise _incompatible(compiler, node)
        if not isinstance(node.comparator, ast.Eq | ast.NotEq):
            raise syntax_error(f"The operator '{_OPERATORS.get(type(node.comparator))}' is not supported on "
                               "enumeration values; use 'eq' or 'ne'.")
        column = compiler.visit(left)
        return column == literal[1] if isinstance(node.comparator, ast.Eq) else column != literal[1]
    if prop is not None and prop.type == "Edm.String" and isinstance(right, ast.String) and "*" in right.val \
            and isinstance(node.comparator, ast.Eq | ast.NotEq):
        return _wildcard(compiler.visit(left), right.val, isinstance(node.comparator, ast.NotEq))
    return None
