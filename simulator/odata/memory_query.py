"""``$select``, ``$filter`` and ``$expand`` over in-memory items (plain dicts, not SQL rows).

Used by the metadata services, whose items are generated definitions rather than table rows
(Dataverse ``EntityDefinitions``, the F&O ``/Metadata`` service). Metadata queries in Dataverse support ``$select``, ``$filter`` (comparison, ``and``/``or``/``not``,
``contains``/``startswith``/``endswith``, paths into complex values such as
``DisplayName/UserLocalizedLabel/Label``, enum literals such as
``Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'``) and ``$expand`` of the definitions'
navigation properties with nested options; they do not support ``$top``, ``$skip``, ``$orderby``,
``$count`` or ``$search`` [doc: "Query table definitions using the Web API" lists the limits].
Anything else is refused with Dataverse's syntax error instead of being ignored.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from odata_query import ast

from simulator.odata.errors import ODataProblem, syntax_error
from simulator.odata.filters import parse_filter
from simulator.odata.options import split_top_level

_ENUM_LITERAL = re.compile(r"Microsoft\.Dynamics\.[\w.]+'([^']*)'")
_CASE_FUNCTIONS: dict[str, Callable[[str], str]] = {"tolower": str.lower, "toupper": str.upper}
_STRING_FUNCTIONS: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda a, b: b.lower() in a.lower(),
    "startswith": lambda a, b: a.lower().startswith(b.lower()),
    "endswith": lambda a, b: a.lower().endswith(b.lower()),
}


def unknown_property(name: str, type_name: str, namespace: str = "Microsoft.Dynamics.CRM") -> ODataProblem:
    return ODataProblem(400, "0x80060888", f"Could not find a property named '{name}' on type "
                                           f"'{namespace}.{type_name}'.", "unknown_property", property=name)


def check_options(params: dict[str, str], supported: tuple[str, ...] = ("$select", "$filter", "$expand")) -> None:
    """Refuse every ``$`` option but ``supported`` (a metadata service that ignored one would mislead)."""
    for name in params:
        if name.startswith("$") and name not in supported:
            raise syntax_error(f"The query parameter {name} is not supported")


# ----------------------------------------------------------------------------- $filter
class FilterEvaluator:
    """Evaluate a parsed ``$filter`` against one definition dict."""

    def __init__(self, text: str, type_name: str, namespace: str = "Microsoft.Dynamics.CRM"):
        self.text = text
        self.type_name = type_name
        self.namespace = namespace
        self.tree = parse_filter(_ENUM_LITERAL.sub(lambda m: "'" + m.group(1) + "'", text))

    def matches(self, item: dict) -> bool:
        return bool(self._eval(self.tree, item))

    def _path(self, node) -> list[str]:
        if isinstance(node, ast.Identifier):
            return [node.name]
        if isinstance(node, ast.Attribute):
            return [*self._path(node.owner), node.attr]
        raise syntax_error(f"The expression in '{self.text}' is not supported in a metadata query.")

    def _value(self, node, item: dict):
        if isinstance(node, (ast.Identifier, ast.Attribute)):
            path = self._path(node)
            value = item
            for depth, name in enumerate(path):
                if not isinstance(value, dict) or name not in value:
                    if depth == 0:
                        raise unknown_property(name, self.type_name, self.namespace)
                    return None
                value = value[name]
            if isinstance(value, dict) and "Value" in value:  # BooleanManagedProperty compares by its Value
                value = value["Value"]
            return value
        if isinstance(node, ast.Null):
            return None
        if isinstance(node, ast.Boolean):
            return node.val.lower() == "true" if isinstance(node.val, str) else bool(node.val)
        if isinstance(node, ast.Integer):
            return int(node.val)
        if isinstance(node, ast.Float):
            return float(node.val)
        if isinstance(node, ast.GUID):
            return str(uuid.UUID(str(node.val)))
        if isinstance(node, ast.String):
            return node.val
        if isinstance(node, ast.List):
            return [self._value(v, item) for v in node.val]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Identifier) and node.func.name in _CASE_FUNCTIONS:
            if len(node.args) != 1:
                raise syntax_error(f"The function '{node.func.name}' takes one argument in '{self.text}'.")
            value = self._value(node.args[0], item)
            return _CASE_FUNCTIONS[node.func.name](value) if isinstance(value, str) else value
        return self._eval(node, item)

    def _eval(self, node, item: dict):
        if isinstance(node, ast.BoolOp):
            left = self._eval(node.left, item)
            if isinstance(node.op, ast.And):
                return bool(left) and bool(self._eval(node.right, item))
            return bool(left) or bool(self._eval(node.right, item))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return not self._eval(node.operand, item)
        if isinstance(node, ast.Compare):
            return self._compare(node, item)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Identifier) and node.func.name in _STRING_FUNCTIONS:
            if len(node.args) != 2:
                raise syntax_error(f"The function '{node.func.name}' takes two arguments in '{self.text}'.")
            subject, needle = (self._value(arg, item) for arg in node.args)
            if not isinstance(subject, str) or not isinstance(needle, str):
                return False
            return _STRING_FUNCTIONS[node.func.name](subject, needle)
        if isinstance(node, (ast.Identifier, ast.Attribute)):
            return bool(self._value(node, item))
        raise syntax_error(f"The expression in '{self.text}' is not supported in a metadata query.")

    def _compare(self, node: ast.Compare, item: dict) -> bool:
        left = self._value(node.left, item)
        right = self._value(node.right, item)
        if isinstance(left, str) and isinstance(right, str) and _looks_like_guid(left) and _looks_like_guid(right):
            left, right = left.lower(), right.lower()
        op = node.comparator
        if isinstance(op, ast.Eq):
            return _eq(left, right)
        if isinstance(op, ast.NotEq):
            return not _eq(left, right)
        if isinstance(op, ast.In):
            return any(_eq(left, value) for value in (right or []))
        if left is None or right is None:
            return False
        try:
            if isinstance(op, ast.Lt):
                return left < right
            if isinstance(op, ast.LtE):
                return left <= right
            if isinstance(op, ast.Gt):
                return left > right
            if isinstance(op, ast.GtE):
                return left >= right
        except TypeError:
            raise syntax_error(f"The operands of a comparison in '{self.text}' have different types.") from None
        raise syntax_error(f"The operator in '{self.text}' is not supported in a metadata query.")


def _eq(left, right) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    return left == right


def _looks_like_guid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) >= 32


# ----------------------------------------------------------------------------- $select / $expand
def parse_select(text: str | None) -> list[str] | None:
    if not text:
        return None
    return [name.strip() for name in text.split(",") if name.strip()]


def parse_expand(text: str | None) -> list[tuple[str, dict[str, str]]]:
    """``Attributes($select=LogicalName;$filter=...),Keys`` → [(name, {option: value})]."""
    items: list[tuple[str, dict[str, str]]] = []
    if not text:
        return items
    for part in split_top_level(text, ","):
        part = part.strip()
        if not part:
            continue
        name, _, rest = part.partition("(")
        options: dict[str, str] = {}
        if rest:
            if not rest.endswith(")"):
                raise syntax_error(f"Syntax error in the $expand option '{text}'.")
            for option in split_top_level(rest[:-1], ";"):
                key, sep, value = option.partition("=")
                if not sep:
                    raise syntax_error(f"Syntax error in the $expand option '{text}'.")
                options[key.strip()] = value.strip()
        items.append((name.strip(), options))
    return items


def project(item: dict, select: list[str] | None, type_name: str, navigations: set[str],
            namespace: str = "Microsoft.Dynamics.CRM", always: tuple[str, ...] = ("MetadataId",)) -> dict:
    """The item with only the selected properties (plus ``@odata.type`` and the key, as Dataverse does)."""
    visible = {k: v for k, v in item.items() if not k.startswith("_")}
    if select is None:
        return visible
    out: dict = {}
    if "@odata.type" in visible:
        out["@odata.type"] = visible["@odata.type"]
    for name in select:
        if name in navigations:
            raise syntax_error(f"The navigation property '{name}' cannot be selected; use $expand.")
        if name not in visible:
            raise unknown_property(name, type_name, namespace)
        out[name] = visible[name]
    for name in always:
        if name in visible:
            out[name] = visible[name]
    return out
