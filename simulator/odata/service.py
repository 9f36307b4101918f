"""The shared OData request flow: route a path, read or write rows, render JSON.

Every simulated Dynamics family runs through this one flow with its own
:class:`~simulator.odata.dialect.Dialect`; nothing here is Dataverse- or F&O-specific.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import sqlalchemy as sa
from starlette.responses import Response

from simulator.odata import json_body
from simulator.odata.csdl import build_csdl
from simulator.odata.dialect import Dialect
from simulator.odata.edm import CoercionError, coerce, to_json
from simulator.odata.errors import ODataProblem, syntax_error
from simulator.odata.filters import compile_filter
from simulator.odata.model import EntityModel, EntitySet, Operation
from simulator.odata.operations import (
    OperationCall,
    OperationRegistry,
    call_parameters,
    is_qualified,
    method_of,
)
from simulator.odata.options import ExpandItem, QueryOptions, count_expands, parse_options
from simulator.odata.paths import KeyPredicate, parse_key, split_path
from simulator.odata.store import VERSION_COLUMN, Store

QUERY_OPTIONS = {"$select", "$filter", "$orderby", "$top", "$skip", "$count", "$expand", "$skiptoken",
                 "$search", "$format", "$apply", "$levels", "$compute", "$id"}


@dataclass
class RequestContext:
    method: str
    root_url: str  # absolute service root, no trailing slash (…/api/data/v9.2, …/data)
    path: str  # below the root, no leading slash, percent-decoded
    params: dict[str, str]  # decoded query parameters (last value wins)
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    claims: dict = field(default_factory=dict)
    version: str = ""
    extras: dict = field(default_factory=dict)

    @property
    def prefer(self) -> dict[str, str]:
        return parse_prefer(self.headers.get("prefer", ""))

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def parse_prefer(value: str) -> dict[str, str]:
    prefs: dict[str, str] = {}
    for part in re.split(r",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", value):
        part = part.strip()
        if not part:
            continue
        name, _, val = part.partition("=")
        prefs[name.strip().lower()] = val.strip().strip('"')
    return prefs


class ODataService:
    """One OData service (an entity model over a store) speaking one dialect."""

    def __init__(self, model: EntityModel, store: Store, prefix: str, dialect: Dialect,
                 operations: OperationRegistry | None = None):
        self.model = model
        self.store = store
        self.prefix = prefix
        self.dialect = dialect
        self.operations = operations or OperationRegistry(model.namespace, model.alias)
        store.add_model(model, prefix)
        self._csdl = build_csdl(model)

    # ------------------------------------------------------------------ helpers
    def table(self, set_name: str) -> sa.Table:
        return self.store.table(self.prefix, set_name)

    def is_empty(self, set_name: str) -> bool:
        with self.store.transaction() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(self.table(set_name))).scalar_one() == 0

    def row_dict(self, row) -> dict:
        return dict(row._mapping)

    def entity_url(self, ctx: RequestContext, entity_set: EntitySet, row: dict) -> str:
        """Absolute URL of a row; key values are percent-encoded where a header could not carry them."""
        key = quote(self.dialect.format_key(entity_set, row), safe="'=,-_.~!$&*+:@")
        return f"{ctx.root_url}/{entity_set.name}({key})"

    @staticmethod
    def link_clauses(table, link: dict | tuple) -> list:
        """``column == value`` conditions that tie a navigation's targets to their source row."""
        pairs = link.items() if isinstance(link, dict) else [link]
        return [table.c[column] == value for column, value in pairs]

    def find(self, conn, entity_set: EntitySet, values: dict, ctx: RequestContext | None = None) -> dict | None:
        table = self.table(entity_set.name)
        clause = sa.and_(*[table.c[k] == v for k, v in values.items()])
        scope = self.dialect.scope_clause(entity_set, table, ctx) if ctx is not None else None
        if scope is not None:
            clause = sa.and_(clause, scope)
        row = conn.execute(sa.select(table).where(clause)).first()
        return self.row_dict(row) if row else None

    # ------------------------------------------------------------------ entry point
    def handle(self, ctx: RequestContext) -> Response:
        try:
            ctx.claims = self.dialect.authenticate(ctx)
            for name in ("$search", "$format", "$apply", "$levels", "$compute"):
                if name in ctx.params and not (name == "$search" and self.dialect.supports_search):
                    raise self.dialect.unsupported_option(name)
            if "$skip" in ctx.params and not self.dialect.supports_skip:
                raise self.dialect.unsupported_option("$skip")
            return self.route(ctx)
        except ODataProblem as problem:
            return self.dialect.error_response(problem, ctx)

    def route(self, ctx: RequestContext) -> Response:
        segments = split_path(ctx.path)
        if not segments:
            if ctx.method != "GET":
                raise self.dialect.method_not_allowed(ctx.method, "the service document")
            return self.service_document(ctx)
        first = segments[0]
        if first.name == "$metadata" and len(segments) == 1:
            return Response(self._csdl, media_type="application/xml",
                            headers=self.dialect.common_headers(ctx))
        operation = self.operations.unbound(first.name)
        if operation is not None:
            if len(segments) > 1:
                raise self.dialect.unknown_segment(segments[1].name)
            return self.call(ctx, operation, first, None, None)
        entity_set = self.model.entity_set(first.name)
        if entity_set is None:
            raise self.dialect.unknown_segment(first.name)
        rest = segments[1:]
        if not first.has_parens:
            if not rest:
                return self.collection(ctx, entity_set)
            if len(rest) == 1 and is_qualified(rest[0].name):
                bound = self.operations.bound(entity_set.name, rest[0].name, collection=True)
                if bound is None:
                    raise self.dialect.unknown_segment(rest[0].name)
                return self.call(ctx, bound, rest[0], entity_set, None)
            if len(rest) == 1 and rest[0].name == "$count" and ctx.method == "GET":
                return self.count_response(ctx, entity_set, None)
            raise self.dialect.unknown_segment(rest[0].name)
        key = parse_key(first.key or "")
        return self.entity(ctx, entity_set, key, rest)

    # ------------------------------------------------------------------ functions and actions
    def call(self, ctx: RequestContext, operation: Operation, segment, entity_set: EntitySet | None,
             row: dict | None) -> Response:
        """Run a registered function or action and turn its result into a response."""
        if ctx.method != method_of(operation):
            raise self.dialect.method_not_allowed(ctx.method, f"the {operation.kind.lower()} '{operation.name}'")
        params = call_parameters(operation, ctx, segment.key, segment.has_parens)
        with self.store.transaction() as conn:
            if row is not None:  # re-read the bound entity inside the unit of work
                row = self.find(conn, entity_set, {k: row[k] for k in entity_set.type.key}) or row
            result = operation.handler(OperationCall(self, ctx, conn, operation, params, entity_set, row))
        if isinstance(result, Response):
            return result
        if result is None:
            return self.dialect.empty_response(ctx, 204)
        context = f"{ctx.root_url}/$metadata#{self._result_context(operation)}"
        if isinstance(result, list):
            return self.dialect.json_response(ctx, {"@odata.context": context, "value": result})
        return self.dialect.json_response(ctx, {"@odata.context": context, **result}
                                          if "@odata.context" not in result else result)

    def _result_context(self, operation: Operation) -> str:
        returns = operation.return_type or "Edm.Untyped"
        name = returns if "." in returns else f"{self.model.namespace}.{returns}"
        return f"Collection({name})" if operation.returns_collection else name

    # ------------------------------------------------------------------ documents
    def service_document(self, ctx: RequestContext) -> Response:
        body = {"@odata.context": f"{ctx.root_url}/$metadata",
                "value": [{"name": s.name, "kind": "EntitySet", "url": s.name} for s in self.model.entity_sets]}
        return self.dialect.json_response(ctx, body)

    # ------------------------------------------------------------------ collections
    def collection(self, ctx: RequestContext, entity_set: EntitySet) -> Response:
        if ctx.method == "GET":
            return self.query(ctx, entity_set)
        if ctx.method == "POST":
            return self.create(ctx, entity_set)
        raise self.dialect.method_not_allowed(ctx.method, f"the entity set '{entity_set.name}'")

    def options(self, ctx: RequestContext, entity_set: EntitySet) -> QueryOptions:
        raw = {k: v for k, v in ctx.params.items() if k.startswith("$")}
        unknown = [k for k in raw if k not in QUERY_OPTIONS]
        if unknown:
            raise syntax_error(f"The query parameter '{unknown[0]}' is not supported.")
        opts = parse_options(raw, self.model, entity_set)
        if count_expands(opts.expand) > self.dialect.expand_limit:
            raise syntax_error(f"Number of expands exceeds the limit of {self.dialect.expand_limit}.")
        self._check_nested_expand(opts.expand)
        return opts

    def _check_nested_expand(self, items: list[ExpandItem]) -> None:
        for item in items:
            raw = getattr(item, "raw_options", {})
            for bad in ("$skip", "$count", "$search", "$levels"):
                if bad in raw:
                    raise syntax_error(f"The query option '{bad}' is not supported inside $expand.")
            if item.ref and self.model.entity_set(item.nav) is None:
                pass
            self._check_nested_expand(item.options.expand)

    def where_clause(self, ctx: RequestContext, entity_set: EntitySet, table, opts: QueryOptions):
        clauses = []
        scope = self.dialect.scope_clause(entity_set, table, ctx)
        if scope is not None:
            clauses.append(scope)
        if opts.filter:
            clauses.append(compile_filter(opts.filter, self.model, entity_set, table, self.table,
                                          self.dialect.compare_hook(),
                                          self.dialect.preprocess_filter))
        return sa.and_(*clauses) if clauses else None

    def ordered(self, select, table, entity_set: EntitySet, opts: QueryOptions):
        order = [table.c[name].desc() if desc else table.c[name].asc() for name, desc in opts.orderby]
        order += [table.c[k].asc() for k in entity_set.type.key]
        return select.order_by(*order)

    def query(self, ctx: RequestContext, entity_set: EntitySet, link: dict | tuple | None = None) -> Response:
        """GET on a collection (or a collection-valued navigation when ``link`` is given)."""
        opts = self.options(ctx, entity_set)
        prefer = ctx.prefer
        table = self.table(entity_set.name)
        where = self.where_clause(ctx, entity_set, table, opts)
        if link is not None:
            where = sa.and_(*self.link_clauses(table, link), *([where] if where is not None else []))
        page_size, applied = self.page_size(prefer)
        offset = 0
        if opts.skiptoken:
            offset = (self.dialect.page_from_token(opts.skiptoken) - 1) * page_size
        limit = page_size
        honour_top = opts.top is not None and (applied is None or self.dialect.top_with_maxpagesize)
        if honour_top:
            remaining = opts.top - offset
            limit = max(0, min(page_size, remaining))
        if opts.skip:
            offset += opts.skip
        with self.store.transaction() as conn:
            select = sa.select(table)
            if where is not None:
                select = select.where(where)
            rows = [self.row_dict(r) for r in conn.execute(
                self.ordered(select, table, entity_set, opts).limit(limit + 1).offset(offset))]
            total = None
            if opts.count:
                count_select = sa.select(sa.func.count()).select_from(table)
                if where is not None:
                    count_select = count_select.where(where)
                total = conn.execute(count_select).scalar_one()
            more = len(rows) > limit
            rows = rows[:limit]
            if honour_top and offset + len(rows) >= opts.top + (opts.skip or 0):
                more = False
            include = self.dialect.requested_annotations(ctx)
            values = [self.render(conn, ctx, entity_set, row, opts.select, opts.expand, include)
                      for row in rows]
        body: dict = {"@odata.context": self.dialect.context_url(ctx, entity_set, opts.select, opts.expand,
                                                                 collection=True)}
        body.update(self.dialect.collection_annotations(ctx, total, include))
        if total is not None:
            body["@odata.count"] = self.dialect.capped_count(total)
        body["value"] = values
        headers = {}
        if applied is not None or include:
            headers["Preference-Applied"] = ",".join(
                [p for p in (applied, self.dialect.applied_annotations(ctx)) if p])
        if more:
            paged_by_skip = opts.skip or self.dialect.paging_by_skip
            page_number = offset // max(page_size, 1) + 2 if not paged_by_skip else None
            body["@odata.nextLink"] = self.next_link(ctx, entity_set, page_number, offset + len(rows), rows)
        return self.dialect.json_response(ctx, body, headers=headers)

    def page_size(self, prefer: dict[str, str]) -> tuple[int, str | None]:
        if "odata.maxpagesize" in prefer:
            try:
                requested = int(prefer["odata.maxpagesize"])
            except ValueError:
                raise syntax_error("The value of odata.maxpagesize must be a positive integer.") from None
            if requested <= 0:
                raise syntax_error("The value of odata.maxpagesize must be a positive integer.")
            size = min(requested, self.dialect.max_page_size)
            return size, f"odata.maxpagesize={size}"
        return self.dialect.max_page_size, None

    def next_link(self, ctx: RequestContext, entity_set: EntitySet, page_number: int | None,
                  next_offset: int, rows: list[dict]) -> str:
        params = {k: v for k, v in ctx.params.items() if k not in ("$skiptoken", "$skip")}
        if page_number is None:
            params["$skip"] = str(next_offset)
            if "$top" in params:  # what is left of the caller's $top after this page
                params["$top"] = str(max(0, int(params["$top"]) - len(rows)))
        else:
            params["$skiptoken"] = self.dialect.page_token(page_number, rows, entity_set)
        path = quote(ctx.path, safe="/(),'=@$")
        return f"{ctx.root_url}/{path}?" + urlencode(params, quote_via=quote, safe="$,'()/:@=")

    def count_response(self, ctx: RequestContext, entity_set: EntitySet, link: dict | tuple | None,
                       bom: bool = False) -> Response:
        table = self.table(entity_set.name)
        opts = self.options(ctx, entity_set)
        where = self.where_clause(ctx, entity_set, table, opts)
        if link is not None:
            where = sa.and_(*self.link_clauses(table, link), *([where] if where is not None else []))
        with self.store.transaction() as conn:
            select = sa.select(sa.func.count()).select_from(table)
            if where is not None:
                select = select.where(where)
            total = conn.execute(select).scalar_one()
        text = ("\ufeff" if bom else "") + str(self.dialect.capped_count(total))
        return Response(text.encode("utf-8"), media_type="text/plain",
                        headers=self.dialect.common_headers(ctx))

    # ------------------------------------------------------------------ rendering
    def render(self, conn, ctx: RequestContext, entity_set: EntitySet, row: dict, select: list[str] | None,
               expand: list[ExpandItem], include, nested: bool = False) -> dict:
        et = entity_set.type
        out: dict = {"@odata.etag": self.dialect.row_etag(entity_set, row)}
        names = [p.name for p in et.properties]
        if select is not None:
            chosen = set(select) | set(et.key) | self.dialect.always_selected(entity_set, select)
            names = [n for n in names if n in chosen]
        for name in names:
            prop = et.prop(name)
            value = to_json(row.get(name), prop)
            if include:
                for ann, ann_value in self.dialect.annotations(entity_set, prop, value, row, conn, self).items():
                    if include(ann):
                        out[f"{name}@{ann}"] = ann_value
            out[name] = value
        for item in expand:
            out.update(self.render_expand(conn, ctx, entity_set, row, item, include))
        return out

    def render_expand(self, conn, ctx: RequestContext, entity_set: EntitySet, row: dict, item: ExpandItem,
                      include) -> dict:
        nav = entity_set.type.nav(item.nav)
        target = self.model.entity_set(nav.target_set)
        table = self.table(target.name)
        if not nav.collection:
            fk = row.get(nav.fk)
            found = self.find(conn, target, {target.type.key[0]: fk}) if fk else None
            if found is None:
                return {nav.name: None}
            if item.ref:
                return {nav.name: {"@odata.id": self.entity_url(ctx, target, found)}}
            return {nav.name: self.render(conn, ctx, target, found, item.options.select, item.options.expand,
                                          include, nested=True)}
        if item.ref:
            raise syntax_error("Expand with $ref is only supported on lookup type navigation property.")
        opts = item.options
        clause = sa.and_(*[table.c[fk] == row[pk] for fk, pk in nav.link_pairs(entity_set.type)])
        if opts.filter:
            clause = sa.and_(clause, compile_filter(opts.filter, self.model, target, table, self.table,
                                                    self.dialect.compare_hook(), self.dialect.preprocess_filter))
        select = self.ordered(sa.select(table).where(clause), table, target, opts)
        if opts.top is not None:
            select = select.limit(opts.top)
        children = [self.row_dict(r) for r in conn.execute(select)]
        return {nav.name: [self.render(conn, ctx, target, child, opts.select, opts.expand, include, nested=True)
                           for child in children]}

    # ------------------------------------------------------------------ single entities
    def entity(self, ctx: RequestContext, entity_set: EntitySet, key: KeyPredicate, rest) -> Response:
        values, alternate = self.dialect.resolve_key(entity_set, key)
        if not rest:
            if ctx.method == "GET":
                return self.retrieve(ctx, entity_set, key, values, alternate)
            if ctx.method == "PATCH":
                return self.update(ctx, entity_set, key, values, alternate)
            if ctx.method == "DELETE":
                return self.delete(ctx, entity_set, key, values, alternate)
            if ctx.method == "PUT" and self.dialect.put_replaces:
                return self.update(ctx, entity_set, key, values, alternate, replace=True)
            raise self.dialect.method_not_allowed(ctx.method, f"an entity of '{entity_set.name}'")
        with self.store.transaction() as conn:
            row = self.find(conn, entity_set, values, ctx)
        if row is None:
            raise self.dialect.not_found(entity_set, key, alternate)
        segment = rest[0]
        if len(rest) == 1 and is_qualified(segment.name):
            bound = self.operations.bound(entity_set.name, segment.name, collection=False)
            if bound is None:
                raise self.dialect.unknown_segment(segment.name)
            return self.call(ctx, bound, segment, entity_set, row)
        prop = entity_set.type.prop(segment.name)
        if prop is not None and not segment.has_parens:
            return self.property_value(ctx, entity_set, row, prop, rest[1:])
        nav = entity_set.type.nav(segment.name)
        if nav is None:
            raise self.dialect.unknown_segment(segment.name)
        return self.navigation(ctx, entity_set, row, nav, segment, rest[1:])

    def retrieve(self, ctx, entity_set, key, values, alternate) -> Response:
        opts = self.options(ctx, entity_set)
        include = self.dialect.requested_annotations(ctx)
        with self.store.transaction() as conn:
            row = self.find(conn, entity_set, values, ctx)
            if row is None:
                raise self.dialect.not_found(entity_set, key, alternate)
            etag = self.dialect.row_etag(entity_set, row)
            if_none_match = ctx.header("if-none-match")
            if if_none_match and if_none_match != "null" and not opts.expand and not include \
                    and if_none_match in (etag, "*"):
                return self.dialect.empty_response(ctx, 304, {"ETag": etag})
            body = {"@odata.context": self.dialect.context_url(ctx, entity_set, opts.select, opts.expand,
                                                               collection=False)}
            body.update(self.render(conn, ctx, entity_set, row, opts.select, opts.expand, include))
        headers = {"ETag": etag}
        if include:
            headers["Preference-Applied"] = self.dialect.applied_annotations(ctx)
        return self.dialect.json_response(ctx, body, headers=headers)

    # ------------------------------------------------------------------ writes
    def read_body(self, ctx: RequestContext) -> dict:
        if not ctx.body:
            raise syntax_error("The request body is empty; a JSON object was expected.")
        try:
            body = json_body.loads(ctx.body)
        except json_body.JSONBodyError as exc:
            raise syntax_error(f"The request body is not valid JSON: {exc}.") from None
        if not isinstance(body, dict):
            raise syntax_error("The request body must be a JSON object.")
        return body

    def apply_body(self, conn, ctx: RequestContext, entity_set: EntitySet, body: dict,
                   creating: bool) -> tuple[dict, list]:
        """Turn a request body into column values and post-insert actions (binds, deep inserts)."""
        et = entity_set.type
        values: dict = {}
        after: list = []
        for name, value in body.items():
            if name.endswith("@odata.bind"):
                nav = et.nav(name[: -len("@odata.bind")])
                if nav is None:
                    raise self.dialect.undeclared_property(entity_set, name[: -len("@odata.bind")], self.model)
                if nav.collection:
                    if not creating:
                        raise syntax_error("Collection-valued navigation properties can only be bound on create.")
                    if not isinstance(value, list):
                        raise syntax_error(f"The value of '{name}' must be an array of entity references.")
                    after.append(("bind_many", nav, [self.resolve_reference(conn, ctx, v) for v in value]))
                elif value is None:
                    values[nav.fk] = None
                else:
                    target_set, target_row = self.resolve_reference(conn, ctx, value)
                    values[nav.fk] = target_row[target_set.type.key[0]]
                continue
            if name.startswith("@") or "@" in name:
                continue  # instance annotations such as @odata.type
            nav = et.nav(name)
            if nav is not None:
                if value is None and not nav.collection:
                    values[nav.fk] = None
                elif isinstance(value, dict) and not nav.collection:
                    target = self.model.entity_set(nav.target_set)
                    child = self.insert(conn, ctx, target, value)
                    values[nav.fk] = child[target.type.key[0]]
                elif isinstance(value, list) and nav.collection and creating:
                    after.append(("deep_many", nav, value))
                else:
                    raise syntax_error(f"Invalid value for the navigation property '{name}'.")
                continue
            prop = et.prop(name)
            if prop is None:
                raise self.dialect.undeclared_property(entity_set, name, self.model)
            if prop.lookup_of:
                raise self.dialect.lookup_write(entity_set, prop)
            if prop.read_only:
                continue
            try:
                coerced = coerce(value, prop, self.model)
            except CoercionError:
                raise self.dialect.bad_value(entity_set, prop, value) from None
            if isinstance(coerced, str) and prop.max_length and len(coerced) > prop.max_length:
                raise self.dialect.validation(
                    f"A validation error occurred.  The length of the '{prop.name}' attribute of the "
                    f"'{entity_set.label}' entity exceeded the maximum allowed length of '{prop.max_length}'.")
            if coerced is None and not prop.nullable and name not in et.key:
                raise self.dialect.validation(
                    f"A validation error occurred.  The value of '{prop.name}' cannot be null.")
            values[name] = coerced
        return values, after

    def resolve_reference(self, conn, ctx: RequestContext, reference) -> tuple[EntitySet, dict]:
        if isinstance(reference, dict):
            reference = reference.get("@odata.id")
        if not isinstance(reference, str) or "(" not in reference:
            raise syntax_error(f"'{reference}' is not a valid entity reference.")
        text = reference
        if text.startswith(ctx.root_url):
            text = text[len(ctx.root_url):]
        elif "://" in text:
            text = text.split("/", 3)[-1]
            text = re.sub(r"^(api/data/v[0-9.]+/|data/)", "", text)
        text = text.lstrip("/")
        segments = split_path(text)
        if len(segments) != 1 or not segments[0].has_parens:
            raise syntax_error(f"'{reference}' is not a valid entity reference.")
        target = self.model.entity_set(segments[0].name)
        if target is None:
            raise self.dialect.unknown_segment(segments[0].name)
        key = parse_key(segments[0].key or "")
        values, alternate = self.dialect.resolve_key(target, key)
        row = self.find(conn, target, values, ctx)
        if row is None:
            raise self.dialect.not_found(target, key, alternate)
        return target, row

    def insert(self, conn, ctx: RequestContext, entity_set: EntitySet, body: dict,
               key_values: dict | None = None) -> dict:
        if not entity_set.writable:
            raise self.dialect.read_only_set(entity_set, "Create")
        values, after = self.apply_body(conn, ctx, entity_set, body, creating=True)
        values.update(key_values or {})
        values.update(self.dialect.new_key(entity_set, values, conn))
        key = {k: values[k] for k in entity_set.type.key}
        if self.find(conn, entity_set, key) is not None:
            raise self.dialect.duplicate(entity_set)
        for alternate in entity_set.type.alternate_keys:
            alt = {k: values.get(k) for k in alternate}
            if all(v is not None for v in alt.values()) and self.find(conn, entity_set, alt) is not None:
                raise self.dialect.duplicate(entity_set)
        self.dialect.before_write(entity_set, values, None, ctx, conn)
        values[VERSION_COLUMN] = self.store.next_version(conn)
        self.dialect.stamp_version(entity_set, values)
        conn.execute(self.table(entity_set.name).insert().values(**values))
        row = self.find(conn, entity_set, key)
        for action, nav, payload in after:
            target = self.model.entity_set(nav.target_set)
            if action == "bind_many":
                for target_set, target_row in payload:
                    self.set_link(conn, target_set, target_row, nav.fk, row[entity_set.type.key[0]])
            else:
                for child in payload:
                    if not isinstance(child, dict):
                        raise syntax_error(f"Invalid value in the navigation property '{nav.name}'.")
                    self.insert(conn, ctx, target, child,
                                {fk: row[pk] for fk, pk in nav.link_pairs(entity_set.type)})
        return row

    def set_link(self, conn, entity_set: EntitySet, row: dict, column: str, value) -> None:
        table = self.table(entity_set.name)
        key = {k: row[k] for k in entity_set.type.key}
        version = self.store.next_version(conn)
        changes = {column: value, VERSION_COLUMN: version}
        self.dialect.stamp_version(entity_set, changes)
        conn.execute(table.update().where(sa.and_(*[table.c[k] == v for k, v in key.items()])).values(**changes))

    def create(self, ctx: RequestContext, entity_set: EntitySet) -> Response:
        body = self.read_body(ctx)
        opts = self.options(ctx, entity_set)
        with self.store.transaction() as conn:
            row = self.insert(conn, ctx, entity_set, body)
            return self.dialect.created(self, ctx, entity_set, row, opts, conn)

    def check_if_match(self, ctx: RequestContext, entity_set: EntitySet, row: dict) -> None:
        if_match = ctx.header("if-match")
        if if_match is None and self.dialect.require_if_match:
            raise self.dialect.missing_if_match(entity_set)
        if if_match and if_match != "*":
            accepted = {t.strip() for t in if_match.split(",")}
            if self.dialect.row_etag(entity_set, row) not in accepted:
                raise self.dialect.etag_mismatch(entity_set)

    def update(self, ctx, entity_set, key, values, alternate, replace: bool = False) -> Response:
        body = self.read_body(ctx)
        opts = self.options(ctx, entity_set)
        with self.store.transaction() as conn:
            row = self.find(conn, entity_set, values, ctx)
            if row is None:
                if ctx.header("if-match") is not None or not self.dialect.upsert or not entity_set.writable:
                    raise self.dialect.not_found(entity_set, key, alternate)
                created = self.insert(conn, ctx, entity_set, body, values)
                return self.dialect.upserted(self, ctx, entity_set, created, opts, conn)
            if ctx.header("if-none-match") == "*":
                raise self.dialect.duplicate(entity_set)
            if not entity_set.writable:
                raise self.dialect.read_only_set(entity_set, "Update")
            self.check_if_match(ctx, entity_set, row)
            changes, after = self.apply_body(conn, ctx, entity_set, body, creating=False)
            for name in entity_set.type.key:
                if name in changes and changes[name] != row[name]:
                    raise self.dialect.key_change(entity_set, name)
            self.dialect.before_write(entity_set, changes, row, ctx, conn)
            changes[VERSION_COLUMN] = self.store.next_version(conn)
            self.dialect.stamp_version(entity_set, changes)
            table = self.table(entity_set.name)
            pk = {k: row[k] for k in entity_set.type.key}
            conn.execute(table.update().where(sa.and_(*[table.c[k] == v for k, v in pk.items()]))
                         .values(**changes))
            updated = self.find(conn, entity_set, pk)
            return self.dialect.updated(self, ctx, entity_set, updated, opts, conn)

    def delete(self, ctx, entity_set, key, values, alternate) -> Response:
        with self.store.transaction() as conn:
            row = self.find(conn, entity_set, values, ctx)
            if row is None:
                raise self.dialect.not_found(entity_set, key, alternate)
            if not entity_set.writable:
                raise self.dialect.read_only_set(entity_set, "Delete")
            self.check_if_match(ctx, entity_set, row)
            self.dialect.before_delete(entity_set, row, ctx, conn)
            self.remove(conn, entity_set, row)
        return self.dialect.empty_response(ctx, 204)

    def remove(self, conn, entity_set: EntitySet, row: dict) -> None:
        """Delete a row; lookups pointing at it are cleared ("remove link" cascade)."""
        key_value = row[entity_set.type.key[0]]
        for other in self.model.entity_sets:
            for nav in other.type.navigations:
                if not nav.collection and nav.target_set == entity_set.name:
                    table = self.table(other.name)
                    conn.execute(table.update().where(table.c[nav.fk] == key_value).values(**{nav.fk: None}))
        table = self.table(entity_set.name)
        conn.execute(table.delete().where(sa.and_(*[table.c[k] == row[k] for k in entity_set.type.key])))

    # ------------------------------------------------------------------ properties and navigation
    def property_value(self, ctx, entity_set, row, prop, rest) -> Response:
        key_url = f"{entity_set.name}({self.dialect.format_key(entity_set, row)})"
        if rest and not (len(rest) == 1 and rest[0].name == "$value"):
            raise self.dialect.unknown_segment(rest[0].name)
        if ctx.method == "GET":
            value = to_json(row.get(prop.name), prop)
            if rest:
                if value is None:
                    return self.dialect.empty_response(ctx, 204)
                return Response(str(value).encode(), media_type="text/plain",
                                headers=self.dialect.common_headers(ctx))
            if value is None:
                return self.dialect.empty_response(ctx, 204)
            body = {"@odata.context": f"{ctx.root_url}/$metadata#{key_url}/{prop.name}", "value": value}
            return self.dialect.json_response(ctx, body)
        if ctx.method in ("PUT", "DELETE"):
            if prop.name in entity_set.type.key or prop.read_only or prop.lookup_of:
                raise syntax_error(f"The property '{prop.name}' cannot be updated.")
            if ctx.method == "PUT":
                body = self.read_body(ctx)
                if "value" not in body:
                    raise syntax_error("The request body must contain a 'value' member.")
                payload = {prop.name: body["value"]}
            else:
                payload = {prop.name: None}
            with self.store.transaction() as conn:
                self.check_if_match(ctx, entity_set, row)
                changes, _ = self.apply_body(conn, ctx, entity_set, payload, creating=False)
                self.dialect.before_write(entity_set, changes, row, ctx, conn)
                changes[VERSION_COLUMN] = self.store.next_version(conn)
                self.dialect.stamp_version(entity_set, changes)
                table = self.table(entity_set.name)
                conn.execute(table.update().where(
                    sa.and_(*[table.c[k] == row[k] for k in entity_set.type.key])).values(**changes))
            return self.dialect.empty_response(ctx, 204)
        raise self.dialect.method_not_allowed(ctx.method, f"the property '{prop.name}'")

    def navigation(self, ctx, entity_set, row, nav, segment, rest) -> Response:
        target = self.model.entity_set(nav.target_set)
        link = {fk: row[pk] for fk, pk in nav.link_pairs(entity_set.type)}
        names = [s.name for s in rest]
        if names == ["$ref"] or (segment.has_parens and names == ["$ref"]):
            return self.reference(ctx, entity_set, row, nav, target, segment)
        if names == ["$count"] and nav.collection and ctx.method == "GET":
            return self.count_response(ctx, target, link, bom=True)
        if rest:
            raise self.dialect.unknown_segment(rest[0].name)
        if ctx.method != "GET":
            raise self.dialect.method_not_allowed(ctx.method, f"the navigation property '{nav.name}'")
        if nav.collection:
            return self.query(ctx, target, link=link)
        fk = row.get(nav.fk)
        if not fk:
            return self.dialect.empty_response(ctx, 204)
        opts = self.options(ctx, target)
        include = self.dialect.requested_annotations(ctx)
        with self.store.transaction() as conn:
            found = self.find(conn, target, {target.type.key[0]: fk})
            if found is None:
                return self.dialect.empty_response(ctx, 204)
            body = {"@odata.context": self.dialect.context_url(ctx, target, opts.select, opts.expand,
                                                               collection=False)}
            body.update(self.render(conn, ctx, target, found, opts.select, opts.expand, include))
        return self.dialect.json_response(ctx, body)

    def reference(self, ctx, entity_set, row, nav, target, segment) -> Response:
        """``$ref``: read, add, set or remove associations."""
        key_value = row[entity_set.type.key[0]]
        table = self.table(target.name)
        with self.store.transaction() as conn:
            if ctx.method == "GET":
                if nav.collection:
                    rows = [self.row_dict(r) for r in conn.execute(
                        sa.select(table).where(table.c[nav.fk] == key_value))]
                    body = {"@odata.context": f"{ctx.root_url}/$metadata#Collection($ref)",
                            "value": [{"@odata.id": self.entity_url(ctx, target, r)} for r in rows]}
                else:
                    found = self.find(conn, target, {target.type.key[0]: row.get(nav.fk)}) \
                        if row.get(nav.fk) else None
                    if found is None:
                        return self.dialect.empty_response(ctx, 204)
                    body = {"@odata.context": f"{ctx.root_url}/$metadata#$ref",
                            "@odata.id": self.entity_url(ctx, target, found)}
                return self.dialect.json_response(ctx, body)
            if ctx.method in ("POST", "PUT"):
                body = self.read_body(ctx)
                if "@odata.id" not in body:
                    raise syntax_error("The request body must contain an '@odata.id' member.")
                ref_set, ref_row = self.resolve_reference(conn, ctx, body["@odata.id"])
                if ref_set.name != target.name:
                    raise syntax_error(f"The entity reference must point at '{target.name}'.")
                if nav.collection and ctx.method == "POST":
                    self.set_link(conn, target, ref_row, nav.fk, key_value)
                elif not nav.collection and ctx.method == "PUT":
                    self.set_link(conn, entity_set, row, nav.fk, ref_row[target.type.key[0]])
                else:
                    raise self.dialect.method_not_allowed(ctx.method, f"'{nav.name}/$ref'")
                return self.dialect.empty_response(ctx, 204)
            if ctx.method == "DELETE":
                if not nav.collection:
                    self.set_link(conn, entity_set, row, nav.fk, None)
                    return self.dialect.empty_response(ctx, 204)
                if segment.has_parens:
                    ref_key = parse_key(segment.key or "")
                    values, alternate = self.dialect.resolve_key(target, ref_key)
                    ref_row = self.find(conn, target, values)
                    if ref_row is None:
                        raise self.dialect.not_found(target, ref_key, alternate)
                elif "$id" in ctx.params:
                    _, ref_row = self.resolve_reference(conn, ctx, ctx.params["$id"])
                else:
                    raise syntax_error("Removing a reference from a collection needs $id or a key.")
                if ref_row.get(nav.fk) != key_value:
                    raise ODataProblem(404, "0x80040217", "The association does not exist.", "not_found")
                self.set_link(conn, target, ref_row, nav.fk, None)
                return self.dialect.empty_response(ctx, 204)
        raise self.dialect.method_not_allowed(ctx.method, f"'{nav.name}/$ref'")
