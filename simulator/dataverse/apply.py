"""``$apply`` on Dataverse collections: the subset of OData data aggregation the service documents.

Served (learn.microsoft.com ``/power-apps/developer/data-platform/webapi/query/aggregate-data``):
``aggregate(p with sum|average|min|max|countdistinct as a, $count as c)``, ``groupby((p1,p2))``
with an optional nested ``aggregate(...)``, ``filter(expr)``, and their composition with ``/``
(``filter(...)/groupby(...)``). Grouping on date and time columns and ``$orderby`` on aggregated
values are refused with the service's own messages; any other transformation is refused by name.
Results are one row per group (or one row for a plain aggregate) with the aliases as properties.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from starlette.responses import Response

from simulator.odata.errors import ODataProblem, syntax_error, unknown_property
from simulator.odata.filters import compile_filter
from simulator.odata.model import EntitySet
from simulator.odata.options import split_top_level

METHODS = {"sum": sa.func.sum, "average": sa.func.avg, "min": sa.func.min, "max": sa.func.max}
NUMERIC = {"Edm.Int32", "Edm.Int64", "Edm.Int16", "Edm.Decimal", "Edm.Double", "Edm.Single"}
AGGREGATE_LIMIT = 50_000
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class Aggregation:
    alias: str
    method: str  # sum | average | min | max | countdistinct | $count
    property: str | None = None


@dataclass
class Plan:
    filters: list[str] = field(default_factory=list)
    groupby: list[str] | None = None
    aggregates: list[Aggregation] = field(default_factory=list)


def _call(text: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z]+)\s*\((.*)\)\s*$", text, re.S)
    if not match:
        raise syntax_error(f"Syntax error in $apply at '{text}'.")
    return match.group(1), match.group(2)


def parse_apply(text: str) -> Plan:
    """Parse the ``$apply`` text into a plan: filters first, then one groupby and/or aggregate."""
    plan = Plan()
    steps = split_top_level(text, "/")
    if not steps:
        raise syntax_error("The $apply query option is empty.")
    for step in steps:
        name, body = _call(step)
        if plan.groupby is not None or plan.aggregates:
            raise ODataProblem(501, "0x8006088a", f"The transformation '{name}' after an aggregation is not "
                               "implemented by the simulator.", "unsupported")
        if name == "filter":
            plan.filters.append(body)
        elif name == "aggregate":
            plan.aggregates = parse_aggregates(body)
        elif name == "groupby":
            parts = split_top_level(body, ",")
            if not parts or not (parts[0].startswith("(") and parts[0].endswith(")")):
                raise syntax_error(f"Syntax error in $apply groupby '{body}': the properties go in parentheses.")
            names = split_top_level(parts[0][1:-1], ",")
            if not names:
                raise syntax_error("groupby needs at least one property.")
            plan.groupby = names
            for extra in parts[1:]:
                inner, args = _call(extra)
                if inner != "aggregate":
                    raise syntax_error(f"Only aggregate(...) may follow the properties of groupby, not '{inner}'.")
                plan.aggregates = parse_aggregates(args)
        else:
            raise ODataProblem(501, "0x8006088a", f"The $apply transformation '{name}' is not supported.",
                               "unsupported")
    return plan


def parse_aggregates(text: str) -> list[Aggregation]:
    items = []
    for part in split_top_level(text, ","):
        match = re.match(r"^(\$count|[A-Za-z_][A-Za-z0-9_]*)(?:\s+with\s+([A-Za-z]+))?\s+as\s+([A-Za-z_]\w*)$",
                         part.strip())
        if not match:
            raise syntax_error(f"Syntax error in $apply aggregate expression '{part}'.")
        subject, method, alias = match.groups()
        if subject == "$count":
            if method:
                raise syntax_error("$count takes no 'with' method.")
            items.append(Aggregation(alias, "$count"))
            continue
        if method is None:
            raise syntax_error(f"The aggregate expression '{part}' needs 'with <method>'.")
        if method not in METHODS and method != "countdistinct":
            raise syntax_error(f"'{method}' is not a supported aggregation method.")
        items.append(Aggregation(alias, method, subject))
    if len({a.alias for a in items}) != len(items):
        raise syntax_error("Aggregate aliases must be unique.")
    return items


def serve_apply(service, ctx) -> Response:
    """GET ``{set}?$apply=…``: compile the plan to one SQL statement and render the groups."""
    from simulator.odata.paths import split_path

    segments = split_path(ctx.path)
    entity_set = service.model.entity_set(segments[0].name) if len(segments) == 1 else None
    if entity_set is None or segments[0].has_parens or ctx.method != "GET":
        raise syntax_error("The query option $apply is only supported on a GET of an entity set.")
    others = [k for k in ctx.params if k.startswith("$") and k not in ("$apply", "$orderby")]
    if others:
        raise ODataProblem(501, "0x8006088a", f"The query option '{others[0]}' together with $apply is not "
                           "implemented by the simulator.", "unsupported")
    plan = parse_apply(ctx.params["$apply"])
    return service.dialect.json_response(ctx, run_plan(service, ctx, entity_set, plan),
                                         headers=_applied(service, ctx))


def _applied(service, ctx) -> dict:
    include = service.dialect.requested_annotations(ctx)
    return {"Preference-Applied": service.dialect.applied_annotations(ctx)} if include else {}


def _property(entity_set: EntitySet, model, name: str):
    from simulator.dataverse.query_functions import attribute_column
    column = attribute_column(entity_set, name) if IDENTIFIER.match(name) else None
    if column is None:
        raise unknown_property(name, model.qualified(entity_set.type.name))
    return column, entity_set.type.prop(column)


def run_plan(service, ctx, entity_set: EntitySet, plan: Plan) -> dict:
    model = service.model
    table = service.table(entity_set.name)
    clauses = []
    scope = service.dialect.scope_clause(entity_set, table, ctx)
    if scope is not None:
        clauses.append(scope)
    for text in plan.filters:
        clauses.append(compile_filter(text, model, entity_set, table, service.table,
                                      service.dialect.compare_hook(), service.dialect.preprocess_filter))
    where = sa.and_(*clauses) if clauses else sa.true()
    outputs, groups, names = [], [], []
    for name in plan.groupby or []:
        column, prop = _property(entity_set, model, name)
        if prop.type in ("Edm.DateTimeOffset", "Edm.Date"):
            raise syntax_error("groupby with datetime values is not supported.")
        groups.append(table.c[column])
        outputs.append(table.c[column].label(column))
        names.append((column, prop, None))
    for agg in plan.aggregates:
        if agg.method == "$count":
            outputs.append(sa.func.count().label(agg.alias))
            names.append((agg.alias, None, agg))
            continue
        column, prop = _property(entity_set, model, agg.property)
        if agg.method in ("sum", "average") and prop.type not in NUMERIC:
            raise syntax_error(f"The aggregation method '{agg.method}' needs a numeric property; "
                               f"'{agg.property}' is '{prop.type}'.")
        expression = sa.func.count(sa.distinct(table.c[column])) if agg.method == "countdistinct" \
            else METHODS[agg.method](table.c[column])
        outputs.append(expression.label(agg.alias))
        names.append((agg.alias, prop, agg))
    if not outputs:
        raise syntax_error("The $apply query option needs a groupby or an aggregate.")
    select = sa.select(*outputs).select_from(table).where(where)
    if groups:
        select = select.group_by(*groups)
    order = _order(ctx, entity_set, model, plan, table)
    select = select.order_by(*order) if order else select.order_by(*groups)
    include = service.dialect.requested_annotations(ctx)
    with service.store.transaction() as conn:
        matched = conn.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar_one()
        if matched > AGGREGATE_LIMIT:
            raise ODataProblem(400, "0x8004e023", "AggregateQueryRecordLimit exceeded. Cannot perform this "
                               "operation.", "validation")
        values = []
        for record in conn.execute(select):
            row: dict = {}
            for name, prop, agg in names:
                value = record._mapping[name]
                if agg is not None and agg.method in ("$count", "countdistinct"):
                    value = int(value or 0)
                elif value is not None and (agg is not None and agg.method == "average"
                                            or prop is not None and prop.type == "Edm.Decimal"):
                    value = float(value)
                if include and prop is not None and value is not None:
                    for ann, ann_value in service.dialect.annotations(entity_set, prop, value, {name: value},
                                                                      conn, service).items():
                        if include(ann):
                            row[f"{name}@{ann}"] = ann_value
                row[name] = value
            values.append(row)
    projection = ",".join(n for n, _, _ in names)
    return {"@odata.context": f"{ctx.root_url}/$metadata#{entity_set.name}({projection})", "value": values}


def _order(ctx, entity_set: EntitySet, model, plan: Plan, table) -> list:
    text = ctx.params.get("$orderby")
    if not text:
        return []
    aliases = {a.alias for a in plan.aggregates}
    order = []
    for part in split_top_level(text, ","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise syntax_error(f"Syntax error in $orderby '{text}'.")
        if words[0] in aliases:
            raise syntax_error("The query node SingleValueOpenPropertyAccess is not supported.")
        column, _ = _property(entity_set, model, words[0])
        if column not in [c for c in (_property(entity_set, model, g)[0] for g in plan.groupby or [])]:
            raise syntax_error(f"$orderby '{words[0]}' must be one of the groupby properties.")
        order.append(table.c[column].desc() if len(words) == 2 and words[1] == "desc" else table.c[column].asc())
    return order
