"""The HTTP layer of the OData core: route a request, call the unit-of-work layer, shape the response.

Every simulated Dynamics family runs through this one flow with its own
:class:`~simulator.odata.dialect.Dialect`; nothing here is Dataverse- or F&O-specific. Reads and
writes happen in :class:`~simulator.odata.work.EntityWork` on the connection of the unit of work
the request runs in: :meth:`ODataService.handle` opens one per request, or joins the one a
``$batch`` changeset passes in, so several requests can commit or roll back together.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import sqlalchemy as sa
from starlette.responses import Response

from simulator.odata import json_body
from simulator.odata.context import RequestContext, parse_prefer
from simulator.odata.csdl import build_csdl
from simulator.odata.dialect import Dialect
from simulator.odata.edm import to_json
from simulator.odata.errors import ODataProblem, syntax_error
from simulator.odata.model import EntityModel, EntitySet, Operation
from simulator.odata.operations import (
    OperationCall,
    OperationRegistry,
    call_parameters,
    is_qualified,
    method_of,
)
from simulator.odata.options import ExpandItem, QueryOptions, count_expands, parse_options
from simulator.odata.paths import KeyPredicate, parse_key
from simulator.odata.store import Store
from simulator.odata.work import EntityWork

__all__ = ["ODataService", "RequestContext", "parse_prefer", "QUERY_OPTIONS"]

QUERY_OPTIONS = {"$select", "$filter", "$orderby", "$top", "$skip", "$count", "$expand", "$skiptoken",
                 "$search", "$format", "$apply", "$levels", "$compute", "$id"}


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
        self.work = EntityWork(model, store, prefix, dialect)
        self._csdl = build_csdl(model)
        self.batch_handler = None  # set by a dialect package that serves ``$batch`` (see simulator.odata.batch)

    # ------------------------------------------------------------------ the unit-of-work layer, for dialect hooks
    def table(self, set_name: str) -> sa.Table:
        return self.work.table(set_name)

    def is_empty(self, set_name: str) -> bool:
        return self.work.is_empty(set_name)

    def row_dict(self, row) -> dict:
        return self.work.row_dict(row)

    def entity_url(self, ctx: RequestContext, entity_set: EntitySet, row: dict) -> str:
        return self.work.entity_url(ctx, entity_set, row)

    def find(self, conn, entity_set: EntitySet, values: dict, ctx: RequestContext | None = None) -> dict | None:
        return self.work.find(conn, entity_set, values, ctx)

    def render(self, conn, ctx: RequestContext, entity_set: EntitySet, row: dict, select: list[str] | None,
               expand: list[ExpandItem], include, nested: bool = False) -> dict:
        return self.work.render(conn, ctx, entity_set, row, select, expand, include, nested)

    def insert(self, conn, ctx: RequestContext, entity_set: EntitySet, body: dict,
               key_values: dict | None = None) -> dict:
        return self.work.insert(conn, ctx, entity_set, body, key_values)

    # ------------------------------------------------------------------ entry point
    def handle(self, ctx: RequestContext, conn: sa.Connection | None = None) -> Response:
        """Answer one request, in the unit of work ``conn`` when given (a changeset's), else in its own."""
        try:
            verified = ctx.extras.get("verified")  # a batch part carrying the batch's own, checked token
            if verified is not None and verified[0] == ctx.header("authorization"):
                ctx.claims = verified[1]
            else:
                ctx.claims = self.dialect.authenticate(ctx)
            if ctx.path.split("?", 1)[0].rstrip("/") == "$batch" and self.batch_handler is not None:
                if conn is not None or ctx.extras.get("in_batch"):
                    raise syntax_error("Batch requests cannot be nested.")
                return self.batch_handler(self, ctx)
            handled = self.dialect.intercept(self, ctx)  # dialect-only query surface (FetchXML, $apply…)
            if handled is not None:
                return handled
            for name in ("$search", "$format", "$apply", "$levels", "$compute"):
                if name in ctx.params and not (name == "$search" and self.dialect.supports_search):
                    raise self.dialect.unsupported_option(name)
            if "$skip" in ctx.params and not self.dialect.supports_skip:
                raise self.dialect.unsupported_option("$skip")
            with self.work.unit(conn) as unit:
                return self.route(ctx, unit)
        except ODataProblem as problem:
            return self.dialect.error_response(problem, ctx)

    def route(self, ctx: RequestContext, conn) -> Response:
        segments = ctx.segments()
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
            return self.call(ctx, conn, operation, first, None, None)
        entity_set = self.model.entity_set(first.name)
        if entity_set is None:
            raise self.dialect.unknown_segment(first.name)
        rest = segments[1:]
        if not first.has_parens:
            if not rest:
                return self.collection(ctx, conn, entity_set)
            if len(rest) == 1 and is_qualified(rest[0].name):
                bound = self.operations.bound(entity_set.name, rest[0].name, collection=True)
                if bound is None:
                    raise self.dialect.unknown_segment(rest[0].name)
                return self.call(ctx, conn, bound, rest[0], entity_set, None)
            if len(rest) == 1 and rest[0].name == "$count" and ctx.method == "GET":
                return self.count_response(ctx, conn, entity_set, None)
            raise self.dialect.unknown_segment(rest[0].name)
        key = parse_key(first.key or "")
        return self.entity(ctx, conn, entity_set, key, rest)

    # ------------------------------------------------------------------ functions and actions
    def call(self, ctx: RequestContext, conn, operation: Operation, segment, entity_set: EntitySet | None,
             row: dict | None) -> Response:
        """Run a registered function or action in the unit of work and turn its result into a response."""
        if ctx.method != method_of(operation):
            raise self.dialect.method_not_allowed(ctx.method, f"the {operation.kind.lower()} '{operation.name}'")
        params = call_parameters(operation, ctx, segment.key, segment.has_parens)
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
    def collection(self, ctx: RequestContext, conn, entity_set: EntitySet) -> Response:
        if ctx.method == "GET":
            return self.query(ctx, conn, entity_set)
        if ctx.method == "POST":
            return self.create(ctx, conn, entity_set)
        raise self.dialect.method_not_allowed(ctx.method, f"the entity set '{entity_set.name}'")

    def options(self, ctx: RequestContext, entity_set: EntitySet) -> QueryOptions:
        raw = {k: v for k, v in ctx.params.items() if k.startswith("$")}
        unknown = [k for k in raw if k not in QUERY_OPTIONS]
        if unknown:
            raise syntax_error(f"The query parameter '{unknown[0]}' is not supported.")
        opts = parse_options(raw, self.model, entity_set)
        if opts.expand:
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
            self._check_nested_expand(item.options.expand)

    def query(self, ctx: RequestContext, conn, entity_set: EntitySet,
              link: dict | tuple | None = None) -> Response:
        """GET on a collection (or a collection-valued navigation when ``link`` is given)."""
        opts = self.options(ctx, entity_set)
        prefer = ctx.prefer
        table = self.table(entity_set.name)
        where = self.work.where_clause(ctx, entity_set, table, opts, link)
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
        rows = self.work.select_rows(conn, entity_set, where, opts, limit + 1, offset)
        total = self.work.count_rows(conn, entity_set, where) if opts.count else None
        more = len(rows) > limit
        rows = rows[:limit]
        if honour_top and offset + len(rows) >= opts.top + (opts.skip or 0):
            more = False
        include = self.dialect.requested_annotations(ctx)
        values = [self.work.render(conn, ctx, entity_set, row, opts.select, opts.expand, include) for row in rows]
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

    def count_response(self, ctx: RequestContext, conn, entity_set: EntitySet, link: dict | tuple | None,
                       bom: bool = False) -> Response:
        opts = self.options(ctx, entity_set)
        where = self.work.where_clause(ctx, entity_set, self.table(entity_set.name), opts, link)
        total = self.work.count_rows(conn, entity_set, where)
        text = ("\ufeff" if bom else "") + str(self.dialect.capped_count(total))
        return Response(text.encode("utf-8"), media_type="text/plain",
                        headers=self.dialect.common_headers(ctx))

    # ------------------------------------------------------------------ single entities
    def entity(self, ctx: RequestContext, conn, entity_set: EntitySet, key: KeyPredicate, rest) -> Response:
        values, alternate = self.dialect.resolve_key(entity_set, key)
        if not rest:
            if ctx.method == "GET":
                return self.retrieve(ctx, conn, entity_set, key, values, alternate)
            if ctx.method == "PATCH":
                return self.update(ctx, conn, entity_set, key, values, alternate)
            if ctx.method == "DELETE":
                return self.delete(ctx, conn, entity_set, key, values, alternate)
            if ctx.method == "PUT" and self.dialect.put_replaces:
                return self.update(ctx, conn, entity_set, key, values, alternate, replace=True)
            raise self.dialect.method_not_allowed(ctx.method, f"an entity of '{entity_set.name}'")
        row = self.work.find(conn, entity_set, values, ctx)
        if row is None:
            raise self.dialect.not_found(entity_set, key, alternate)
        segment = rest[0]
        if len(rest) == 1 and is_qualified(segment.name):
            bound = self.operations.bound(entity_set.name, segment.name, collection=False)
            if bound is None:
                raise self.dialect.unknown_segment(segment.name)
            return self.call(ctx, conn, bound, segment, entity_set, row)
        prop = entity_set.type.prop(segment.name)
        if prop is not None and not segment.has_parens:
            return self.property_value(ctx, conn, entity_set, row, prop, rest[1:])
        nav = entity_set.type.nav(segment.name)
        if nav is None:
            raise self.dialect.unknown_segment(segment.name)
        return self.navigation(ctx, conn, entity_set, row, nav, segment, rest[1:])

    def retrieve(self, ctx, conn, entity_set, key, values, alternate) -> Response:
        opts = self.options(ctx, entity_set)
        include = self.dialect.requested_annotations(ctx)
        row = self.work.find(conn, entity_set, values, ctx)
        if row is None:
            raise self.dialect.not_found(entity_set, key, alternate)
        etag = self.dialect.row_etag(entity_set, row)
        if_none_match = ctx.header("if-none-match")
        if if_none_match and if_none_match != "null" and not opts.expand and not include \
                and if_none_match in (etag, "*"):
            return self.dialect.empty_response(ctx, 304, {"ETag": etag})
        body = {"@odata.context": self.dialect.context_url(ctx, entity_set, opts.select, opts.expand,
                                                           collection=False)}
        body.update(self.work.render(conn, ctx, entity_set, row, opts.select, opts.expand, include))
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

    def create(self, ctx: RequestContext, conn, entity_set: EntitySet) -> Response:
        body = self.read_body(ctx)
        opts = self.options(ctx, entity_set)
        row = self.work.insert(conn, ctx, entity_set, body)
        ctx.extras["entity_url"] = self.work.entity_url(ctx, entity_set, row)  # what a batch's $n stands for
        return self.dialect.created(self, ctx, entity_set, row, opts, conn)

    def check_if_match(self, ctx: RequestContext, entity_set: EntitySet, row: dict) -> None:
        if_match = ctx.header("if-match")
        if if_match is None and self.dialect.require_if_match:
            raise self.dialect.missing_if_match(entity_set)
        if if_match and if_match != "*":
            accepted = {t.strip() for t in if_match.split(",")}
            if self.dialect.row_etag(entity_set, row) not in accepted:
                raise self.dialect.etag_mismatch(entity_set)

    def update(self, ctx, conn, entity_set, key, values, alternate, replace: bool = False) -> Response:
        body = self.read_body(ctx)
        opts = self.options(ctx, entity_set)
        row = self.work.find(conn, entity_set, values, ctx)
        if row is None:
            if ctx.header("if-match") is not None or not self.dialect.upsert or not entity_set.writable:
                raise self.dialect.not_found(entity_set, key, alternate)
            created = self.work.insert(conn, ctx, entity_set, body, values)
            ctx.extras["entity_url"] = self.work.entity_url(ctx, entity_set, created)
            return self.dialect.upserted(self, ctx, entity_set, created, opts, conn)
        if ctx.header("if-none-match") == "*":
            raise self.dialect.duplicate(entity_set)
        if not entity_set.writable:
            raise self.dialect.read_only_set(entity_set, "Update")
        self.check_if_match(ctx, entity_set, row)
        updated = self.work.modify(conn, ctx, entity_set, row, body)
        ctx.extras["entity_url"] = self.work.entity_url(ctx, entity_set, updated)
        return self.dialect.updated(self, ctx, entity_set, updated, opts, conn)

    def delete(self, ctx, conn, entity_set, key, values, alternate) -> Response:
        row = self.work.find(conn, entity_set, values, ctx)
        if row is None:
            raise self.dialect.not_found(entity_set, key, alternate)
        if not entity_set.writable:
            raise self.dialect.read_only_set(entity_set, "Delete")
        self.check_if_match(ctx, entity_set, row)
        self.work.delete(conn, ctx, entity_set, row)
        return self.dialect.empty_response(ctx, 204)

    # ------------------------------------------------------------------ properties and navigation
    def property_value(self, ctx, conn, entity_set, row, prop, rest) -> Response:
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
            self.check_if_match(ctx, entity_set, row)
            self.work.write_property(conn, ctx, entity_set, row, payload)
            return self.dialect.empty_response(ctx, 204)
        raise self.dialect.method_not_allowed(ctx.method, f"the property '{prop.name}'")

    def navigation(self, ctx, conn, entity_set, row, nav, segment, rest) -> Response:
        target = self.model.entity_set(nav.target_set)
        link = {fk: row[pk] for fk, pk in nav.link_pairs(entity_set.type)}
        names = [s.name for s in rest]
        if names == ["$ref"]:
            return self.reference(ctx, conn, entity_set, row, nav, target, segment)
        if names == ["$count"] and nav.collection and ctx.method == "GET":
            return self.count_response(ctx, conn, target, link, bom=True)
        if rest:
            raise self.dialect.unknown_segment(rest[0].name)
        if ctx.method != "GET":
            raise self.dialect.method_not_allowed(ctx.method, f"the navigation property '{nav.name}'")
        if nav.collection:
            return self.query(ctx, conn, target, link=link)
        fk = row.get(nav.fk)
        if not fk:
            return self.dialect.empty_response(ctx, 204)
        opts = self.options(ctx, target)
        include = self.dialect.requested_annotations(ctx)
        found = self.work.find(conn, target, {target.type.key[0]: fk})
        if found is None:
            return self.dialect.empty_response(ctx, 204)
        body = {"@odata.context": self.dialect.context_url(ctx, target, opts.select, opts.expand,
                                                           collection=False)}
        body.update(self.work.render(conn, ctx, target, found, opts.select, opts.expand, include))
        return self.dialect.json_response(ctx, body)

    def reference(self, ctx, conn, entity_set, row, nav, target, segment) -> Response:
        """``$ref``: read, add, set or remove associations."""
        key_value = row[entity_set.type.key[0]]
        work = self.work
        if ctx.method == "GET":
            if nav.collection:
                rows = work.linked_rows(conn, target, nav.fk, key_value)
                body = {"@odata.context": f"{ctx.root_url}/$metadata#Collection($ref)",
                        "value": [{"@odata.id": work.entity_url(ctx, target, r)} for r in rows]}
            else:
                found = work.find(conn, target, {target.type.key[0]: row.get(nav.fk)}) \
                    if row.get(nav.fk) else None
                if found is None:
                    return self.dialect.empty_response(ctx, 204)
                body = {"@odata.context": f"{ctx.root_url}/$metadata#$ref",
                        "@odata.id": work.entity_url(ctx, target, found)}
            return self.dialect.json_response(ctx, body)
        if ctx.method in ("POST", "PUT"):
            body = self.read_body(ctx)
            if "@odata.id" not in body:
                raise syntax_error("The request body must contain an '@odata.id' member.")
            ref_set, ref_row = work.resolve_reference(conn, ctx, body["@odata.id"])
            if ref_set.name != target.name:
                raise syntax_error(f"The entity reference must point at '{target.name}'.")
            if nav.collection and ctx.method == "POST":
                work.set_link(conn, target, ref_row, nav.fk, key_value)
            elif not nav.collection and ctx.method == "PUT":
                work.set_link(conn, entity_set, row, nav.fk, ref_row[target.type.key[0]])
            else:
                raise self.dialect.method_not_allowed(ctx.method, f"'{nav.name}/$ref'")
            return self.dialect.empty_response(ctx, 204)
        if ctx.method == "DELETE":
            if not nav.collection:
                work.set_link(conn, entity_set, row, nav.fk, None)
                return self.dialect.empty_response(ctx, 204)
            if segment.has_parens:
                ref_key = parse_key(segment.key or "")
                values, alternate = self.dialect.resolve_key(target, ref_key)
                ref_row = work.find(conn, target, values)
                if ref_row is None:
                    raise self.dialect.not_found(target, ref_key, alternate)
            elif "$id" in ctx.params:
                _, ref_row = work.resolve_reference(conn, ctx, ctx.params["$id"])
            else:
                raise syntax_error("Removing a reference from a collection needs $id or a key.")
            if ref_row.get(nav.fk) != key_value:
                raise ODataProblem(404, "0x80040217", "The association does not exist.", "not_found")
            work.set_link(conn, target, ref_row, nav.fk, None)
            return self.dialect.empty_response(ctx, 204)
        raise self.dialect.method_not_allowed(ctx.method, f"'{nav.name}/$ref'")
