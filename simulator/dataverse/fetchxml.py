"""FetchXML over the Web API (``GET {set}?fetchXml=…``), parsed with lxml and compiled to SQLAlchemy.

What is served follows the FetchXML reference (learn.microsoft.com ``/power-apps/developer/
data-platform/fetchxml/``): ``attribute``/``all-attributes``, ``order``, nested ``filter``s with the
documented condition operators (shared with the ``$filter`` query functions), ``link-entity``
(inner/outer; columns named ``alias.attribute``), ``top``, ``count``+``page`` with the double-URL-
encoded paging cookie and ``morerecords`` annotations, ``distinct`` and ``aggregate``. Rows leave
null columns out, as the service does. Anything else in the document (an unknown element,
attribute or operator) is refused by name: a fetch the simulator cannot honour must not return
rows it was meant to exclude.

Saved and user views (``?savedQuery=``/``?userQuery=``) run the FetchXML stored in their rows.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote

import sqlalchemy as sa
from lxml import etree
from starlette.responses import Response

from simulator.dataverse.query_functions import SCOPE, attribute_column, condition, typed
from simulator.odata.edm import to_json
from simulator.odata.errors import ODataProblem, syntax_error
from simulator.odata.model import EntitySet
from simulator.odata.store import VERSION_COLUMN

INVALID_ARGUMENT = "0x80040203"
NO_ENTITY = "0x80041102"
NO_ATTRIBUTE = "0x80041103"
MAX_FETCH_CHARS = 32_768
PAGE_SIZE = 5000
AGGREGATE_LIMIT = 50_000

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                         huge_tree=False, remove_comments=True, remove_pis=True)

# FetchXML condition operator -> the query function implementing it (simulator.dataverse.query_functions)
FUNCTION_OPERATORS = {
    "in": "In", "not-in": "NotIn", "between": "Between", "not-between": "NotBetween",
    "today": "Today", "yesterday": "Yesterday", "tomorrow": "Tomorrow", "last-seven-days": "Last7Days",
    "next-seven-days": "Next7Days", "last-week": "LastWeek", "this-week": "ThisWeek", "next-week": "NextWeek",
    "last-month": "LastMonth", "this-month": "ThisMonth", "next-month": "NextMonth", "last-year": "LastYear",
    "this-year": "ThisYear", "next-year": "NextYear", "on": "On", "on-or-after": "OnOrAfter",
    "on-or-before": "OnOrBefore", "eq-userid": "EqualUserId", "ne-userid": "NotEqualUserId",
    "eq-businessid": "EqualBusinessId", "ne-businessid": "NotEqualBusinessId", "under": "Under",
    "eq-or-under": "UnderOrEqual", "not-under": "NotUnder", "above": "Above", "eq-or-above": "AboveOrEqual",
    "contain-values": "ContainValues", "not-contain-values": "DoesNotContainValues",
    **{f"{side}-x-{unit}": f"{side.capitalize()}X{unit.capitalize()}"
       for side in ("last", "next") for unit in ("hours", "days", "weeks", "months", "years")},
    **{f"olderthan-x-{unit}": f"OlderThanX{unit.capitalize()}"
       for unit in ("minutes", "hours", "days", "weeks", "months", "years")},
}
COMPARISONS = {"eq", "ne", "neq", "gt", "ge", "lt", "le", "like", "not-like", "begins-with", "not-begin-with",
               "ends-with", "not-end-with", "null", "not-null"}
NO_VALUE_OPERATORS = {"null", "not-null", "today", "yesterday", "tomorrow", "last-seven-days", "next-seven-days",
                      "last-week", "this-week", "next-week", "last-month", "this-month", "next-month",
                      "last-year", "this-year", "next-year", "eq-userid", "ne-userid", "eq-businessid",
                      "ne-businessid"}
MANY_VALUE_OPERATORS = {"in", "not-in", "between", "not-between", "contain-values", "not-contain-values"}
# Documented operators the simulator cannot evaluate (fiscal calendars, teams, languages, full text).
UNSERVED_OPERATORS = {"last-fiscal-year", "this-fiscal-year", "next-fiscal-year", "last-fiscal-period",
                      "this-fiscal-period", "next-fiscal-period", "last-x-fiscal-years", "next-x-fiscal-years",
                      "last-x-fiscal-periods", "next-x-fiscal-periods", "in-fiscal-year", "in-fiscal-period",
                      "in-fiscal-period-and-year", "in-or-before-fiscal-period-and-year",
                      "in-or-after-fiscal-period-and-year", "eq-useroruserteams", "eq-useroruserhierarchy",
                      "eq-useroruserhierarchyandteams", "eq-userteams", "eq-userlanguage", "eq-or-above-or-null",
                      "eq-or-under-or-null", "not-null-or-empty", "olderthan-x-days-or-null"}
AGGREGATES = {"count", "countcolumn", "sum", "avg", "min", "max"}
DATE_GROUPINGS = {"day": "%d", "week": "%W", "month": "%m", "year": "%Y", "quarter": None}
# Attributes each element may carry that change nothing the simulator computes differently.
ALLOWED = {
    "fetch": {"version", "count", "page", "paging-cookie", "top", "distinct", "aggregate", "mapping", "no-lock",
              "output-format", "returntotalrecordcount", "latematerialize", "useraworderby", "options",
              "aggregatelimit", "datasource"},
    "entity": {"name", "enableprefiltering", "prefilterparametername"},
    "all-attributes": set(),
    "value": set(),
    "link-entity": {"name", "from", "to", "alias", "link-type", "visible", "intersect",
                    "enableprefiltering", "prefilterparametername"},
    "attribute": {"name", "alias", "aggregate", "groupby", "dategrouping", "distinct", "usertimezone",
                  "build", "addedby"},
    "order": {"attribute", "alias", "descending", "entityname"},
    "filter": {"type", "isquickfindfields", "overridequickfindrecordlimitenabled",
               "overridequickfindrecordlimitdisabled", "hint"},
    "condition": {"attribute", "operator", "value", "valueof", "entityname", "column", "alias", "uiname",
                  "uitype", "uihidden"},
}


def fetch_error(message: str, code: str = INVALID_ARGUMENT) -> ODataProblem:
    return ODataProblem(400, code, message, "validation")


def unserved(what: str) -> ODataProblem:
    return ODataProblem(501, "0x8006088a", f"{what} is not implemented by the simulator; the fetch was refused "
                        "instead of being answered without it.", "unsupported")


def parse_fetch(text: str) -> etree._Element:
    """Parse a FetchXML document safely (no DTDs, entities or network); errors name the problem."""
    if len(text) > MAX_FETCH_CHARS:
        raise fetch_error(f"The FetchXML is longer than {MAX_FETCH_CHARS} characters.")
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise fetch_error("Invalid XML: a DOCTYPE or ENTITY declaration is not allowed in FetchXML.")
    try:
        root = etree.fromstring(text.encode("utf-8"), PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise fetch_error(f"Invalid XML: {exc}") from None
    if root.tag != "fetch":
        raise fetch_error(f"Invalid FetchXML: the root element must be 'fetch', not '{root.tag}'.")
    return root


def _check_attributes(element) -> None:
    allowed = ALLOWED.get(element.tag)
    if allowed is None:
        raise fetch_error(f"The element '{element.tag}' is not allowed in FetchXML here.")
    for name in element.attrib:
        if name not in allowed:
            raise fetch_error(f"The '{name}' attribute is not declared on the '{element.tag}' element.")


def _bool(element, name: str) -> bool:
    value = element.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise fetch_error(f"The value '{element.get(name)}' of '{name}' is not a boolean.")
    return value in ("true", "1")


def _int(element, name: str, low: int, high: int) -> int | None:
    raw = element.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise fetch_error(f"The value '{raw}' of '{name}' is not an integer.") from None
    if not low <= value <= high:
        raise fetch_error(f"The value {value} of '{name}' must be between {low} and {high}.")
    return value


@dataclass
class Node:
    """The root entity or one link-entity: its table alias and the columns it returns."""

    entity_set: EntitySet
    table: sa.FromClause
    alias: str | None  # None for the root entity
    columns: list[tuple[str, str]] = field(default_factory=list)  # (column, output name)
    all_attributes: bool = False


@dataclass
class Aggregate:
    output: str
    function: str | None  # None = groupby
    column: sa.ColumnElement
    node: Node
    column_name: str
    distinct: bool = False
    dategrouping: str | None = None


class FetchCompiler:
    """Compile one ``<fetch>`` for ``entity_set`` into SQL and render its rows."""

    def __init__(self, service, ctx, entity_set: EntitySet, root: etree._Element):
        self.service = service
        self.ctx = ctx
        self.model = service.model
        self.root = root
        _check_attributes(root)
        self.aggregate = _bool(root, "aggregate")
        self.distinct = _bool(root, "distinct")
        self.top = _int(root, "top", 1, PAGE_SIZE)
        self.count = _int(root, "count", 1, PAGE_SIZE)
        self.page = _int(root, "page", 1, 2**31 - 1)
        self.total_count = _bool(root, "returntotalrecordcount")
        if self.top is not None and (self.count is not None or self.page is not None):
            raise fetch_error("The top attribute can't be specified with paging attribute page or count.")
        entities = [child for child in root if child.tag == "entity"]
        if len(entities) != 1 or len(root) != 1:
            raise fetch_error("Invalid FetchXML: a fetch holds exactly one 'entity' element.")
        entity = entities[0]
        _check_attributes(entity)
        name = entity.get("name")
        if name != entity_set.label:
            if self._set_by_label(name) is None:
                raise fetch_error(f"The entity with a name = '{name}' with namemapping = 'Logical' was not "
                                  "found in the MetadataCache.", NO_ENTITY)
            raise fetch_error(f"The entity name '{name}' in the FetchXML does not match the entity set "
                              f"'{entity_set.name}' of the request.")
        self.entity_set = entity_set
        self.base = Node(entity_set, service.table(entity_set.name), None)
        self.nodes: list[Node] = [self.base]
        self.by_alias: dict[str, Node] = {}
        self.joins: list[tuple[Node, sa.ColumnElement, bool]] = []
        self.wheres: list[sa.ColumnElement] = []
        self.orders: list[tuple[Node | None, str, bool]] = []  # (node, column or alias, descending)
        self.aggregates: list[Aggregate] = []
        self.link_counter: dict[str, int] = {}
        self._walk(entity, self.base)

    # ------------------------------------------------------------------ model helpers
    def _set_by_label(self, name: str | None) -> EntitySet | None:
        return next((s for s in self.model.entity_sets if s.label == name), None) if name else None

    def _column(self, node: Node, attribute: str | None) -> str:
        if not attribute:
            raise fetch_error("An attribute name is missing.")
        column = attribute_column(node.entity_set, attribute)
        if column is None or column.startswith("_") and attribute.startswith("_"):
            raise fetch_error(f"'{node.entity_set.label}' entity doesn't contain attribute with Name = "
                              f"'{attribute}' and NameMapping = 'Logical'.", NO_ATTRIBUTE)
        return column

    # ------------------------------------------------------------------ tree walk
    def _walk(self, element, node: Node) -> None:
        for child in element:
            if not isinstance(child.tag, str):
                continue
            _check_attributes(child)
            if child.tag == "attribute":
                self._attribute(child, node)
            elif child.tag == "all-attributes":
                node.all_attributes = True
            elif child.tag == "order":
                self._order(child, node)
            elif child.tag == "filter":
                self.wheres.append(self._filter(child, node))
            elif child.tag == "link-entity":
                self._link(child, node)
            else:
                raise fetch_error(f"The element '{child.tag}' is not allowed inside '{element.tag}'.")

    def _attribute(self, element, node: Node) -> None:
        column = self._column(node, element.get("name"))
        alias = element.get("alias")
        if self.aggregate:
            if not alias:
                raise fetch_error("An alias is required for an attribute in an aggregate query.")
            function = element.get("aggregate")
            groupby = _bool(element, "groupby")
            if function is None and not groupby:
                raise fetch_error(f"The attribute '{element.get('name')}' needs 'aggregate' or 'groupby' in an "
                                  "aggregate query.")
            if function is not None and function not in AGGREGATES:
                raise fetch_error(f"'{function}' is not a valid aggregate function.")
            grouping = element.get("dategrouping")
            if grouping is not None and grouping not in DATE_GROUPINGS:
                if grouping in ("fiscal-period", "fiscal-year"):
                    raise unserved(f"dategrouping '{grouping}'")
                raise fetch_error(f"'{grouping}' is not a valid dategrouping.")
            if any(a.output == alias for a in self.aggregates):
                raise fetch_error(f"The alias '{alias}' is used twice.")
            self.aggregates.append(Aggregate(alias, function, node.table.c[column], node, column,
                                             _bool(element, "distinct"), grouping))
            return
        for name in ("aggregate", "groupby", "dategrouping"):
            if element.get(name) is not None:
                raise fetch_error(f"'{name}' is only allowed when the fetch has aggregate='true'.")
        output = alias or column
        if node.alias is not None:
            output = f"{node.alias}.{alias or column}"
        node.columns.append((column, output))

    def _order(self, element, node: Node) -> None:
        descending = _bool(element, "descending")
        if element.get("alias"):
            if not self.aggregate:
                raise fetch_error("An order by alias is only allowed in an aggregate query.")
            self.orders.append((None, element.get("alias"), descending))
            return
        if self.aggregate:
            raise fetch_error("An aggregate query orders by alias, not by attribute.")
        target = node
        if element.get("entityname"):
            target = self.by_alias.get(element.get("entityname"))
            if target is None:
                raise fetch_error(f"No link-entity has the alias '{element.get('entityname')}'.")
        self.orders.append((target, self._column(target, element.get("attribute")), descending))

    def _link(self, element, parent: Node) -> None:
        name = element.get("name")
        target = self._set_by_label(name)
        if target is None:
            raise fetch_error(f"The entity with a name = '{name}' with namemapping = 'Logical' was not found in "
                              "the MetadataCache.", NO_ENTITY)
        link_type = element.get("link-type", "inner")
        if link_type not in ("inner", "outer", "any", "not any", "exists", "in"):
            raise unserved(f"link-type '{link_type}'")
        alias = element.get("alias")
        if not alias:
            self.link_counter[name] = self.link_counter.get(name, 0) + 1
            alias = f"{name}{self.link_counter[name]}"
        if alias in self.by_alias:
            raise fetch_error(f"The alias '{alias}' is used by two link-entities.")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", alias):
            raise fetch_error(f"The alias '{alias}' is not valid.")
        node = Node(target, self.service.table(target.name).alias(f"l_{len(self.nodes)}"), alias)
        on = node.table.c[self._column(node, element.get("from"))] == \
            parent.table.c[self._column(parent, element.get("to"))]
        if link_type in ("any", "not any", "exists", "in"):
            inner = FetchCompiler.__new__(FetchCompiler)
            inner.__dict__.update(self.__dict__)
            inner.wheres, inner.orders, inner.joins, inner.aggregates = [], [], [], []
            inner._walk_conditions_only(element, node)
            exists = sa.exists(sa.select(sa.literal(1)).select_from(node.table).where(on, *inner.wheres))
            self.wheres.append(~exists if link_type == "not any" else exists)
            return
        self.nodes.append(node)
        self.by_alias[alias] = node
        self.joins.append((node, on, link_type == "outer"))
        self._walk(element, node)

    def _walk_conditions_only(self, element, node: Node) -> None:
        for child in element:
            if not isinstance(child.tag, str):
                continue
            _check_attributes(child)
            if child.tag == "filter":
                self.wheres.append(self._filter(child, node))
            elif child.tag not in ("attribute", "all-attributes", "order"):
                raise fetch_error(f"The element '{child.tag}' is not allowed in a link-entity of this link-type.")

    # ------------------------------------------------------------------ filters
    def _filter(self, element, node: Node) -> sa.ColumnElement:
        kind = element.get("type", "and")
        if kind not in ("and", "or"):
            raise fetch_error(f"'{kind}' is not a valid filter type.")
        parts = []
        for child in element:
            if not isinstance(child.tag, str):
                continue
            _check_attributes(child)
            if child.tag == "condition":
                parts.append(self._condition(child, node))
            elif child.tag == "filter":
                parts.append(self._filter(child, node))
            elif child.tag == "link-entity":
                self._link(child, node)  # a link inside a filter: any / not any
            else:
                raise fetch_error(f"The element '{child.tag}' is not allowed inside 'filter'.")
        if not parts:
            return sa.true()
        return sa.and_(*parts) if kind == "and" else sa.or_(*parts)

    def _condition(self, element, node: Node) -> sa.ColumnElement:
        target = node
        if element.get("entityname"):
            target = self.by_alias.get(element.get("entityname"))
            if target is None:
                raise fetch_error(f"No link-entity has the alias '{element.get('entityname')}'.")
        operator = element.get("operator")
        if not operator:
            raise fetch_error("A condition needs an operator.")
        attribute = element.get("attribute")
        column_name = self._column(target, attribute)
        column = target.table.c[column_name]
        prop = target.entity_set.type.prop(column_name)
        values = [v.text or "" for v in element if isinstance(v.tag, str) and v.tag == "value"]
        if any(isinstance(v.tag, str) and v.tag != "value" for v in element):
            raise fetch_error("Only 'value' elements are allowed inside a condition.")
        single = element.get("value")
        if operator in UNSERVED_OPERATORS:
            raise unserved(f"The condition operator '{operator}'")
        if element.get("valueof"):
            if operator not in ("eq", "ne", "neq", "gt", "ge", "lt", "le"):
                raise fetch_error(f"valueof cannot be used with the operator '{operator}'.")
            other = target.table.c[self._column(target, element.get("valueof"))]
            return _compare(operator, column, other)
        if operator in NO_VALUE_OPERATORS:
            if single is not None or values:
                raise fetch_error(f"The condition operator '{operator}' takes no value.")
        elif operator in MANY_VALUE_OPERATORS:
            if single is not None and not values:
                values = [single]
            if not values:
                raise fetch_error(f"The condition operator '{operator}' needs value elements.")
        elif single is None:
            if len(values) != 1:
                raise fetch_error(f"The condition operator '{operator}' needs one value.")
            single = values[0]
        if operator == "null":
            return column.is_(None)
        if operator == "not-null":
            return column.is_not(None)
        if operator in COMPARISONS:
            return self._comparison(operator, column, prop, single)
        function = FUNCTION_OPERATORS.get(operator)
        if function is None:
            raise fetch_error(f"'{operator}' is not a valid condition operator.")
        argument = values if operator in MANY_VALUE_OPERATORS else single
        return condition(self.model, target.entity_set, target.table, column_name, function, argument,
                         SCOPE.get())

    def _comparison(self, operator: str, column, prop, value: str) -> sa.ColumnElement:
        if operator in ("like", "not-like", "begins-with", "not-begin-with", "ends-with", "not-end-with"):
            pattern = {"like": "{}", "not-like": "{}", "begins-with": "{}%", "not-begin-with": "{}%",
                       "ends-with": "%{}", "not-end-with": "%{}"}[operator].format(value)
            hit = column.like(pattern)
            return ~hit if operator.startswith("not") else hit
        return _compare(operator, column, sa.literal(typed(prop, value, operator)))

    # ------------------------------------------------------------------ SQL
    def from_clause(self):
        joined = self.base.table
        for node, on, outer in self.joins:
            joined = joined.join(node.table, on, isouter=outer)
        return joined

    def where(self):
        scope = self.service.dialect.scope_clause(self.entity_set, self.base.table, self.ctx)
        clauses = [c for c in [scope, *self.wheres] if c is not None]
        return sa.and_(*clauses) if clauses else None


def _compare(operator: str, left, right) -> sa.ColumnElement:
    return {"eq": left == right, "ne": left != right, "neq": left != right, "gt": left > right,
            "ge": left >= right, "lt": left < right, "le": left <= right}[operator]


# ---------------------------------------------------------------------- running a fetch
def run_fetch(service, ctx, entity_set: EntitySet, text: str) -> Response:
    """Execute a FetchXML document against ``entity_set`` and answer like the Web API does."""
    compiler = FetchCompiler(service, ctx, entity_set, parse_fetch(text))
    include = service.dialect.requested_annotations(ctx)
    if compiler.aggregate:
        body = _aggregate(service, ctx, compiler, include)
    else:
        body = _rows(service, ctx, compiler, include)
    headers = {}
    if include:
        headers["Preference-Applied"] = service.dialect.applied_annotations(ctx)
    return service.dialect.json_response(ctx, body, headers=headers)


def _context(ctx, compiler: FetchCompiler) -> str:
    names = [out for column, out in compiler.base.columns]
    if compiler.aggregate:
        names = [a.output for a in compiler.aggregates]
    projection = f"({','.join(names)})" if names else ""
    return f"{ctx.root_url}/$metadata#{compiler.entity_set.name}{projection}"


def _rows(service, ctx, compiler: FetchCompiler, include) -> dict:
    base = compiler.base
    key = base.entity_set.type.key[0]
    selected: list[tuple[Node, str, str]] = []
    for node in compiler.nodes:
        if node.all_attributes or (node is base and not node.columns):
            names = [p.name for p in node.entity_set.type.properties]
            selected += [(node, n, n if node.alias is None else f"{node.alias}.{n}") for n in names]
        else:
            selected += [(node, column, out) for column, out in node.columns]
    if not any(node is base and column == key for node, column, _ in selected) and not compiler.distinct:
        selected.append((base, key, key))
    labels = [f"c{i}" for i in range(len(selected))]
    columns = [node.table.c[column].label(label) for (node, column, _), label in zip(selected, labels, strict=True)]
    if not compiler.distinct:
        columns.append(base.table.c[VERSION_COLUMN].label("_version"))
    select = sa.select(*columns).select_from(compiler.from_clause())
    where = compiler.where()
    if where is not None:
        select = select.where(where)
    if compiler.distinct:
        select = select.distinct()
    order = []
    raw_order = _bool(compiler.root, "useraworderby")
    for node, column, descending in compiler.orders:
        expression = node.table.c[column]
        prop = node.entity_set.type.prop(column)
        if prop is not None and prop.options and not raw_order:
            # Choice columns sort by their label unless useraworderby="true" (fetchxml/order-rows).
            expression = sa.case({value: label for value, label in prop.options.items()}, value=expression,
                                 else_=sa.cast(expression, sa.String))
        order.append(expression.desc() if descending else expression.asc())
    if not compiler.distinct:
        order.append(base.table.c[key].asc())
    select = select.order_by(*order)
    size = compiler.top or compiler.count or PAGE_SIZE
    page = compiler.page or 1
    with service.store.transaction() as conn:
        total = None
        if compiler.total_count:
            total = conn.execute(sa.select(sa.func.count()).select_from(select.order_by(None).subquery())).scalar_one()
        raw = conn.execute(select.limit(size + 1).offset((page - 1) * size)).fetchall()
        more = compiler.top is None and len(raw) > size
        raw = raw[:size]
        values = []
        for record in raw:
            values.append(_render(service, conn, record, selected, labels, include, compiler.distinct))
    body: dict = {"@odata.context": _context(ctx, compiler)}
    if total is not None:
        body["@Microsoft.Dynamics.CRM.totalrecordcount"] = min(total, PAGE_SIZE)
        body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] = total > PAGE_SIZE
    if more and include:
        if include("Microsoft.Dynamics.CRM.fetchxmlpagingcookie"):
            body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"] = paging_cookie(page, raw, selected, labels,
                                                                                  compiler, key)
        if include("Microsoft.Dynamics.CRM.morerecords"):
            body["@Microsoft.Dynamics.CRM.morerecords"] = True
    body["value"] = values
    return body


def _render(service, conn, record, selected, labels, include, distinct: bool) -> dict:
    mapping = record._mapping
    row: dict = {} if distinct else {"@odata.etag": service.dialect.etag(mapping["_version"])}
    for (node, column, output), label in zip(selected, labels, strict=True):
        value = mapping[label]
        if value is None:
            continue  # FetchXML results leave null columns out
        prop = node.entity_set.type.prop(column)
        value = to_json(value, prop)
        if include:
            source = {column: value}
            for name, annotation in service.dialect.annotations(node.entity_set, prop, value, source, conn,
                                                                service).items():
                if include(name):
                    row[f"{output}@{name}"] = annotation
            if node.alias is not None and include("OData.Community.Display.V1.AttributeName"):
                row[f"{output}@OData.Community.Display.V1.AttributeName"] = column
        row[output] = value
    return row


def paging_cookie(page: int, rows, selected, labels, compiler: FetchCompiler, key: str) -> str:
    """The annotation value: a ``<cookie>`` whose ``pagingcookie`` is URL-encoded twice."""
    parts = []
    for node, column, _ in compiler.orders:
        if node is compiler.base:
            label = next((lab for (n, c, _), lab in zip(selected, labels, strict=True)
                          if n is node and c == column), None)
            if label is not None and rows:
                parts.append(f'<{column} last="{_xml(rows[-1]._mapping[label])}" '
                             f'first="{_xml(rows[0]._mapping[label])}" />')
    key_label = next((lab for (n, c, _), lab in zip(selected, labels, strict=True)
                      if n is compiler.base and c == key), None)
    if key_label is not None and rows:
        parts.append(f'<{key} last="{{{str(rows[-1]._mapping[key_label]).upper()}}}" '
                     f'first="{{{str(rows[0]._mapping[key_label]).upper()}}}" />')
    inner = f'<cookie page="{page}">{"".join(parts)}</cookie>'
    twice = quote(quote(inner, safe=""), safe="")
    return f'<cookie pagenumber="{page + 1}" pagingcookie="{twice}" istracking="False" />'


def _xml(value) -> str:
    return str(value).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _aggregate(service, ctx, compiler: FetchCompiler, include) -> dict:
    if not compiler.aggregates:
        raise fetch_error("An aggregate query needs at least one attribute with an aggregate or groupby.")
    outputs, groups = [], []
    for agg in compiler.aggregates:
        if agg.function is None:
            expression = agg.column
            if agg.dategrouping:
                expression = _date_group(agg.column, agg.dategrouping)
            groups.append(expression)
            outputs.append(expression.label(agg.output))
            continue
        column = agg.column
        if agg.function == "count":
            key = agg.node.table.c[agg.node.entity_set.type.key[0]]
            expression = sa.func.count(sa.distinct(key)) if agg.distinct else sa.func.count(key)
        elif agg.function == "countcolumn":
            expression = sa.func.count(sa.distinct(column)) if agg.distinct else sa.func.count(column)
        else:
            prop = agg.node.entity_set.type.prop(agg.column_name)
            if prop.type not in ("Edm.Int32", "Edm.Int64", "Edm.Decimal", "Edm.Double") and \
                    agg.function in ("sum", "avg"):
                raise fetch_error(f"The aggregate '{agg.function}' needs a number column; "
                                  f"'{agg.column_name}' is '{prop.type}'.")
            target = sa.distinct(column) if agg.distinct else column
            expression = {"sum": sa.func.sum, "avg": sa.func.avg, "min": sa.func.min,
                          "max": sa.func.max}[agg.function](target)
        outputs.append(expression.label(agg.output))
    select = sa.select(*outputs).select_from(compiler.from_clause())
    where = compiler.where()
    if where is not None:
        select = select.where(where)
    if groups:
        select = select.group_by(*groups)
    known = {a.output for a in compiler.aggregates}
    order = []
    for _, alias, descending in compiler.orders:
        if alias not in known:
            raise fetch_error(f"The order alias '{alias}' is not an attribute alias of the query.")
        order.append(sa.desc(sa.literal_column(f'"{alias}"')) if descending
                     else sa.asc(sa.literal_column(f'"{alias}"')))
    if order:
        select = select.order_by(*order)
    size = compiler.top or compiler.count or PAGE_SIZE
    with service.store.transaction() as conn:
        matched = conn.execute(sa.select(sa.func.count()).select_from(compiler.from_clause())
                               .where(where if where is not None else sa.true())).scalar_one()
        if matched > AGGREGATE_LIMIT:
            raise ODataProblem(400, "0x8004e023", "AggregateQueryRecordLimit exceeded. Cannot perform this "
                               "operation.", "validation")
        records = conn.execute(select.limit(size).offset(((compiler.page or 1) - 1) * size)).fetchall()
        values = []
        for record in records:
            row: dict = {}
            for agg in compiler.aggregates:
                value = record._mapping[agg.output]
                if value is None:
                    continue
                prop = agg.node.entity_set.type.prop(agg.column_name)
                if agg.function in ("count", "countcolumn") or agg.dategrouping:
                    value = int(value)
                elif agg.function == "avg" or prop is not None and prop.type == "Edm.Decimal":
                    value = float(value)
                if include and agg.function is None and not agg.dategrouping and prop is not None:
                    for name, annotation in service.dialect.annotations(agg.node.entity_set, prop, value,
                                                                        {agg.column_name: value}, conn,
                                                                        service).items():
                        if include(name):
                            row[f"{agg.output}@{name}"] = annotation
                row[agg.output] = value
            values.append(row)
    return {"@odata.context": _context(ctx, compiler), "value": values}


def _date_group(column, grouping: str):
    if grouping == "quarter":
        return (sa.cast(sa.func.strftime("%m", column), sa.Integer) + 2) / 3
    return sa.cast(sa.func.strftime(DATE_GROUPINGS[grouping], column), sa.Integer)


# ---------------------------------------------------------------------- entry point
def serve_custom_query(service, ctx, names: list[str]) -> Response:
    """``?fetchXml=``, ``?savedQuery=``, ``?userQuery=`` on an entity set (GET only)."""
    from simulator.odata.paths import split_path

    if len(names) > 1:
        raise syntax_error(f"Only one of fetchXml, savedQuery and userQuery may be given, not {', '.join(names)}.")
    name = names[0]
    segments = split_path(ctx.path)
    entity_set = service.model.entity_set(segments[0].name) if len(segments) == 1 else None
    if entity_set is None or segments[0].has_parens or ctx.method != "GET":
        raise syntax_error(f"The query parameter '{name}' is only allowed on a GET of an entity set.")
    # The documented FetchXML paging sample sends $count=true next to fetchXml and gets no count back.
    others = [k for k in ctx.params if k.startswith("$") and k != "$count"]
    if others:
        raise syntax_error(f"The query option '{others[0]}' cannot be combined with '{name}'.")
    value = ctx.params[name]
    if name.lower() == "fetchxml":
        return run_fetch(service, ctx, entity_set, value)
    return run_view(service, ctx, entity_set, name, value)


def run_view(service, ctx, entity_set: EntitySet, name: str, value: str) -> Response:
    """Run the FetchXML of a saved (organization) or user view by its id."""
    view_set = "savedqueries" if name.lower() == "savedquery" else "userqueries"
    key = "savedqueryid" if view_set == "savedqueries" else "userqueryid"
    views = service.model.entity_set(view_set)
    if views is None:
        raise syntax_error(f"The query parameter '{name}' is not available.")
    try:
        view_id = str(uuid.UUID(value.strip().strip("{}"))).lower()
    except ValueError:
        raise syntax_error(f"The value of '{name}' must be a GUID.") from None
    with service.store.transaction() as conn:
        row = service.find(conn, views, {key: view_id})
    if row is None:
        raise ODataProblem(404, "0x80040217", f"Entity '{views.label}' With Id = {view_id} Does Not Exist",
                           "not_found")
    if row.get("returnedtypecode") != entity_set.label:
        raise fetch_error(f"The {views.label} '{view_id}' returns '{row.get('returnedtypecode')}' rows, not "
                          f"'{entity_set.label}'.")
    return run_fetch(service, ctx, entity_set, row.get("fetchxml") or "")


__all__ = ["FetchCompiler", "parse_fetch", "run_fetch", "serve_custom_query"]
