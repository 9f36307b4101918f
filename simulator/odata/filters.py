"""``$filter`` → SQL, through odata-query's parser and SQLAlchemy Core visitor.

The visitor is extended with what Dynamics needs and odata-query's Core visitor lacks:
validation of property names against the model (with the service's error), lookup traversal
(``primarycontactid/fullname eq 'x'``) as ``IN`` sub-queries, lambda ``any``/``all`` over
collection navigation as ``EXISTS``, GUIDs stored in lower case, date-times in ISO text.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable

import sqlalchemy as sa
from odata_query import ast
from odata_query import exceptions as oq_exc
from odata_query.grammar import ODataLexer, ODataParser
from odata_query.sqlalchemy.core import AstToSqlAlchemyCoreVisitor
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter

from simulator.odata import filter_limits
from simulator.odata.edm import format_datetime
from simulator.odata.errors import ODataProblem, syntax_error, unknown_property
from simulator.odata.model import EntityModel, EntitySet

# odata-query warns on every untyped identifier; the simulator validates names itself.
logging.getLogger("odata_query").setLevel(logging.ERROR)

_lexer = ODataLexer()
_parser = ODataParser()

ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
SUPPORTED_FUNCTIONS = {"contains", "startswith", "endswith"}


# ---------------------------------------------------------------------- parse once per shape
# Clients send the same filter with other values (``accountnumber eq 'B-000123'``, then 'B-000124'),
# and sly's lexer and LALR parser were a third of such a request's time. A filter's *shape* is its
# text with every plain string literal replaced by a numbered placeholder; the tree of a shape is
# parsed once, and a request's tree is that tree with its own strings put back. A string literal
# cannot change how the rest of the text is tokenised or parsed (sly sees one STRING token whatever
# is between the quotes), so the result is the tree a fresh parse would give. Prefixed literals
# (``duration'P1D'``, ``geography'…'``) stay in the shape as they are. A shape that fails to parse
# is never cached: the original text is parsed again so the error names the caller's own text.
_QUOTED = re.compile(r"'((?:[^']|'')*)'")  # starts at a quote only: linear in the text's length
_PREFIX_CHAR = re.compile(r"[\w.]")
_SHAPES_MAX = 1024
_shapes: OrderedDict[str, ast._Node] = OrderedDict()
_shapes_lock = threading.Lock()


def _placeholder(index: int) -> str:
    return f"\x00{index}\x00"  # NUL never reaches a parsed filter from a URL's text unescaped as a string


def filter_shape(text: str) -> tuple[str, dict[str, str]]:
    """The text with plain string literals as placeholders, and each placeholder's value (unescaped)."""
    values: dict[str, str] = {}

    def swap(match: re.Match) -> str:
        start = match.start()
        if start and _PREFIX_CHAR.match(text, start - 1):  # duration'…', or a name glued to a quote: keep
            return match.group(0)
        marker = _placeholder(len(values))
        values[marker] = match.group(1).replace("''", "'")
        return f"'{marker}'"

    return _QUOTED.sub(swap, text), values


def _put_back(tree, values: dict[str, str]):
    """``tree`` with placeholder strings replaced by their values (unchanged subtrees are shared).

    Iterative: an ``or`` chain of a thousand terms is a tree a thousand levels deep.
    """
    done: dict[int, object] = {}
    stack: list[tuple[object, bool]] = [(tree, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in done:
            continue
        if isinstance(node, ast.String):
            done[id(node)] = ast.String(values[node.val]) if node.val in values else node
        elif isinstance(node, list):
            if not children_done:
                stack.append((node, True))
                stack.extend((child, False) for child in node)
                continue
            items = [done[id(child)] for child in node]
            done[id(node)] = items if any(a is not b for a, b in zip(items, node, strict=True)) else node
        elif isinstance(node, ast._Node):  # literals too: ast.List holds the strings of ``in (…)``
            fields = [(name, value) for name in node.__dataclass_fields__
                      if isinstance(value := getattr(node, name), ast._Node | list)]
            if not children_done:
                stack.append((node, True))
                stack.extend((value, False) for _, value in fields)
                continue
            changes = {name: done[id(value)] for name, value in fields if done[id(value)] is not value}
            done[id(node)] = dataclasses.replace(node, **changes) if changes else node
        else:
            done[id(node)] = node
    return done[id(tree)]


def parse_filter(text: str) -> ast._Node:
    """Parse ``$filter`` text, turning parser failures into the service's syntax errors.

    Trees are cached by the filter's shape (see :func:`filter_shape`), bounded, shared by threads.
    """
    if text.count("'") % 2 or "\x00" in text:
        return _parse(text)
    shape, values = filter_shape(text)
    with _shapes_lock:
        tree = _shapes.get(shape)
        if tree is not None:
            _shapes.move_to_end(shape)
    if tree is None:
        try:
            tree = _parse(shape)
        except ODataProblem:
            return _parse(text)  # the caller's own text in the message (and its own error, if any)
        with _shapes_lock:
            _shapes[shape] = tree
            if len(_shapes) > _SHAPES_MAX:
                _shapes.popitem(last=False)
    return _put_back(tree, values) if values else tree


def _parse(text: str) -> ast._Node:
    if text.count("'") % 2:
        position = text.rfind("'")
        raise syntax_error(f"There is an unterminated literal at position {position} in '{text}'.")
    filter_limits.check_parentheses(text)
    try:
        tree = _parser.parse(_lexer.tokenize(text))
    except oq_exc.ParsingException as exc:
        token = getattr(exc, "token", None)
        position = getattr(token, "index", len(text)) if token is not None else len(text)
        raise syntax_error(f"Syntax error at position {position} in '{text}'.") from None
    except oq_exc.ODataException as exc:
        raise syntax_error(f"Syntax error in '{text}': {exc}.") from None
    filter_limits.check_depth(tree)
    return tree


def _replace_root(node, root: str, keep_attr: bool = False):
    """Rewrite paths that start at ``root`` (a lambda variable or a lookup) one level shorter."""
    if isinstance(node, ast.Attribute):
        if isinstance(node.owner, ast.Identifier) and node.owner.name == root:
            return ast.Identifier(node.attr)
        return dataclasses.replace(node, owner=_replace_root(node.owner, root))
    if isinstance(node, ast.CollectionLambda):
        return dataclasses.replace(node, owner=_replace_root(node.owner, root))
    if isinstance(node, list):
        return [_replace_root(n, root) for n in node]
    if dataclasses.is_dataclass(node) and not isinstance(node, ast._Literal):
        changes = {f.name: _replace_root(getattr(node, f.name), root) for f in dataclasses.fields(node)
                   if isinstance(getattr(node, f.name), ast._Node | list)}
        return dataclasses.replace(node, **changes) if changes else node
    return node


def _path_root(node) -> str | None:
    while isinstance(node, ast.Attribute):
        if isinstance(node.owner, ast.Identifier):
            return node.owner.name
        node = node.owner
    return None


class FilterCompiler(AstToSqlAlchemyCoreVisitor):
    """Compile a parsed filter for one entity set's table.

    ``table_for(set_name)`` returns the SQL table of another entity set, for sub-queries.
    ``literal_hook`` lets a dialect rewrite literals (e.g. F&O wildcards) before comparison.

    Dialects with ``filter_plans`` keep a compiled shape for other string values (:func:`plan_filter`):
    a rewrite of a string is detected there, but a branch taken only for some string *contents* (one
    that leaves the probe strings alone) would not be. Such a branch here needs ``filter_plans`` off.
    """

    def __init__(self, model: EntityModel, entity_set: EntitySet, table: sa.FromClause,
                 table_for: Callable[[str], sa.Table],
                 compare_hook: Callable | None = None):
        super().__init__(table)
        self.model = model
        self.entity_set = entity_set
        self.table_for = table_for
        self.compare_hook = compare_hook

    # ------------------------------------------------------------------ names
    def _qualified(self) -> str:
        return self.model.qualified(self.entity_set.type.name)

    def visit_Identifier(self, node: ast.Identifier):
        prop = self.entity_set.type.prop(node.name)
        if prop is None:
            raise unknown_property(node.name, self._qualified())
        return self.table.c[node.name]

    def visit_Attribute(self, node: ast.Attribute):
        raise unknown_property(_path_root(node) or str(node), self._qualified())

    # ------------------------------------------------------------------ literals
    def visit_DateTime(self, node: ast.DateTime):
        try:
            return sa.literal(format_datetime(node.py_val))
        except ValueError:
            raise syntax_error(f"Invalid date-time literal '{node.val}'.") from None

    def visit_Date(self, node: ast.Date):
        return sa.literal(node.val)

    def visit_Integer(self, node: ast.Integer):
        if abs(int(node.val)) > 2**63 - 1:
            raise syntax_error(f"The integer literal '{node.val}' is out of range.")
        return sa.literal(int(node.val))

    def visit_GUID(self, node: ast.GUID):
        return sa.literal(node.val.lower())

    # ------------------------------------------------------------------ operators (flat, see filter_limits)
    def visit_BoolOp(self, node: ast.BoolOp):
        combine = sa.and_ if isinstance(node.op, ast.And) else sa.or_
        return filter_limits.balanced(combine, [self.visit(n) for n in filter_limits.flat_chain(node)])

    def visit_UnaryOp(self, node: ast.UnaryOp):
        if not isinstance(node.op, ast.Not):
            return super().visit_UnaryOp(node)
        operand, negated = filter_limits.strip_nots(node)
        if not negated:
            return self.visit(operand)
        return super().visit_UnaryOp(ast.UnaryOp(ast.Not(), operand))

    # ------------------------------------------------------------------ traversal
    def _through_lookup(self, node) -> sa.ColumnElement | None:
        """If ``node`` uses ``lookup/prop`` paths, compile it as ``fk IN (SELECT key ...)``."""
        roots = {_path_root(child) for child in _operands(node)} - {None}
        if not roots:
            return None
        root = roots.pop()
        nav = self.entity_set.type.nav(root)
        if nav is None:
            raise unknown_property(root, self._qualified())
        if nav.collection:
            raise syntax_error(
                f"The navigation property '{root}' is a collection; use any() or all() to filter on it.")
        target = self.model.entity_set(nav.target_set)
        target_table = self.table_for(nav.target_set).alias()
        inner = FilterCompiler(self.model, target, target_table, self.table_for, self.compare_hook)
        condition = inner.visit(_replace_root(node, root))
        key = target_table.c[target.type.key[0]]
        return self.table.c[nav.fk].in_(sa.select(key).where(condition))

    def visit_Compare(self, node: ast.Compare):
        via = self._through_lookup(node)
        if via is not None:
            return via
        if self.compare_hook is not None:
            hooked = self.compare_hook(self, node)
            if hooked is not None:
                return hooked
        left, right = node.left, node.right
        if isinstance(node.comparator, ORDERING) and any(isinstance(side, ast.Boolean | ast.Null)
                                                          for side in (left, right)):
            kind = type(node.comparator).__name__
            raise syntax_error(f"A binary operator with incompatible types was detected. The operator kind "
                               f"'{kind}' cannot compare a boolean or null literal.")
        if isinstance(left, ast.Identifier) and isinstance(right, ast.String):
            prop = self.entity_set.type.prop(left.name)
            if prop is not None and prop.type == "Edm.Guid":
                right = ast.String(right.val.lower())
        return super().visit_Compare(dataclasses.replace(node, left=left, right=right))

    def visit_Call(self, node: ast.Call):
        via = self._through_lookup(node)
        if via is not None:
            return via
        name = node.func.name.lower()
        if node.func.namespace or name not in SUPPORTED_FUNCTIONS:
            full = ".".join((*node.func.namespace, node.func.name))
            raise ODataProblem(501, "0x8006088a", f"The function '{full}' is not supported.", "unsupported")
        for arg in node.args[:1]:
            if isinstance(arg, ast.Identifier):
                self.visit_Identifier(arg)
        try:
            return super().visit_Call(node)
        except oq_exc.ODataException as exc:
            raise syntax_error(f"Invalid arguments for '{node.func.name}': {exc}.") from None

    def visit_CollectionLambda(self, node: ast.CollectionLambda):
        if not isinstance(node.owner, ast.Identifier):
            raise syntax_error("Lambda operators are only supported on a collection navigation property "
                               "of the filtered entity.")
        nav = self.entity_set.type.nav(node.owner.name)
        if nav is None:
            raise unknown_property(node.owner.name, self._qualified())
        if not nav.collection:
            raise syntax_error(f"The navigation property '{nav.name}' is not a collection.")
        target = self.model.entity_set(nav.target_set)
        target_table = self.table_for(nav.target_set).alias()
        link = sa.and_(*[target_table.c[fk] == self.table.c[pk]
                         for fk, pk in nav.link_pairs(self.entity_set.type)])
        query = sa.select(sa.literal(1)).select_from(target_table).where(link)
        if node.lambda_ is None:
            return sa.exists(query)
        inner = FilterCompiler(self.model, target, target_table, self.table_for, self.compare_hook)
        condition = inner.visit(_replace_root(node.lambda_.expression, node.lambda_.identifier.name))
        if isinstance(node.operator, ast.All):
            return ~sa.exists(query.where(~condition))
        return sa.exists(query.where(condition))


def _operands(node) -> list:
    if isinstance(node, ast.Compare):
        return [node.left, node.right]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def compile_filter(text: str, model: EntityModel, entity_set: EntitySet, table: sa.FromClause,
                   table_for: Callable[[str], sa.Table], compare_hook: Callable | None = None,
                   preprocess: Callable[[str], str] | None = None) -> sa.ColumnElement:
    if preprocess is not None:
        text = preprocess(text)
    return compile_tree(parse_filter(text), model, entity_set, table, table_for, compare_hook)


def compile_tree(tree, model: EntityModel, entity_set: EntitySet, table: sa.FromClause,
                 table_for: Callable[[str], sa.Table], compare_hook: Callable | None = None) -> sa.ColumnElement:
    compiler = FilterCompiler(model, entity_set, table, table_for, compare_hook)
    try:
        return compiler.visit(tree)
    except ODataProblem:
        raise
    except oq_exc.ODataException as exc:
        raise syntax_error(f"The query specified in the URI is not valid: {exc}.") from None
    except (TypeError, NotImplementedError) as exc:
        raise syntax_error(f"The query specified in the URI is not valid: {exc}.") from None
    except RecursionError:  # a shape check_depth does not foresee; never a 500
        raise filter_limits.too_deep() from None


# ---------------------------------------------------------------------- SQL once per shape
# A shape's SQL with its strings as bound parameters, when compiling does not look at the strings.
# The shape is compiled with probe strings that any rewriting would change (capitals, wildcards, LIKE
# characters, spaces): if every probe comes out as exactly one bound value, untouched, the strings
# only ever travel as parameters and the clause is kept with named parameters for them. Anything
# else (a GUID column lower-cases its value, a LIKE pattern built around it, a dialect hook reading
# it) answers None and such filters are compiled per request as before.
_PROBE = "\x00Pr *%_-[{0}]\x00"
_plans = itertools.count()


class _NotPlain(Exception):
    pass


def plan_filter(shape: str, strings: int, model: EntityModel, entity_set: EntitySet, table: sa.FromClause,
                table_for: Callable[[str], sa.Table], compare_hook: Callable | None = None):
    """``(clause, names)`` for a filter shape (see :func:`filter_shape`), or None when it cannot be kept.

    ``names[i]`` is the bound parameter that carries the shape's i-th string. Raises the service's
    problem when the shape itself is invalid (the caller re-compiles the real text for the message).
    """
    probes = {_PROBE.format(i): i for i in range(strings)}
    tree = _put_back(parse_filter(shape), {_placeholder(i): probe for probe, i in probes.items()})
    clause = compile_tree(tree, model, entity_set, table, table_for, compare_hook)
    plan = next(_plans)
    names = [f"filter_{plan}_{i}" for i in range(strings)]
    seen: set[int] = set()

    def swap(element):
        if isinstance(element, BindParameter) and isinstance(element.value, str) and "\x00" in element.value:
            index = probes.get(element.value)
            if index is None:
                raise _NotPlain
            seen.add(index)
            return sa.bindparam(names[index], type_=element.type)
        return None

    try:
        kept = visitors.replacement_traverse(clause, {}, swap)
    except _NotPlain:
        return None
    if seen != set(range(strings)):
        return None
    for element in visitors.iterate(kept):
        if isinstance(element, BindParameter) and isinstance(element.value, str) and "\x00" in element.value:
            return None
    if "\x00" in str(kept.compile()):
        return None
    return kept, names
