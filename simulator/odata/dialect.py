"""What differs between Dynamics OData families, as overridable hooks with neutral defaults.

The request flow in :mod:`simulator.odata.service` is shared; a dialect decides status codes,
headers, error bodies, ETag format, key rules, paging and computed columns.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING

from starlette.responses import Response

from simulator.odata.errors import ODataProblem, syntax_error
from simulator.odata.model import EntitySet, Property
from simulator.odata.paths import KeyPredicate
from simulator.odata.responses import make_response
from simulator.odata.store import VERSION_COLUMN

if TYPE_CHECKING:
    from simulator.odata.context import RequestContext

# One encoder for every JSON answer: json.dumps with these options builds a new encoder per call.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class Dialect:
    name = "odata"
    json_content_type = "application/json; odata.metadata=minimal"
    max_page_size = 5000
    supports_skip = True
    supports_search = False
    count_cap: int | None = None
    create_status_minimal = 204  # without Prefer: return=representation
    update_status = 204
    upsert = True
    require_if_match = False
    expand_limit = 15
    paging_by_skip = False  # nextLink carries $skip (F&O) instead of a $skiptoken
    # Keep each $filter shape's SQL with its strings as parameters (simulator/odata/work.py); only for a
    # dialect whose compare hook and preprocessing never look inside string literals.
    filter_plans = False

    # ------------------------------------------------------------------ responses
    def common_headers(self, ctx: RequestContext) -> dict[str, str]:
        return {"OData-Version": "4.0"}

    def json_response(self, ctx: RequestContext, body: dict, status: int = 200,
                      headers: dict[str, str] | None = None) -> Response:
        all_headers = self.common_headers(ctx) | headers if headers else self.common_headers(ctx)
        return make_response(_JSON.encode(body).encode(), status, all_headers, self.json_content_type)

    def empty_response(self, ctx: RequestContext, status: int = 204,
                       headers: dict[str, str] | None = None) -> Response:
        return make_response(b"", status, self.common_headers(ctx) | headers if headers else self.common_headers(ctx))

    def error_body(self, problem: ODataProblem, ctx: RequestContext) -> dict:
        return {"error": {"code": problem.code, "message": problem.message}}

    def error_response(self, problem: ODataProblem, ctx: RequestContext) -> Response:
        headers = dict(problem.details.get("headers", {}))
        return self.json_response(ctx, self.error_body(problem, ctx), problem.status, headers)

    # ------------------------------------------------------------------ problems
    def not_found(self, entity_set: EntitySet, key: KeyPredicate, by_alternate: bool) -> ODataProblem:
        if by_alternate:
            return ODataProblem(404, "0x80040217", "A record with the specified key values does not exist "
                                f"in {entity_set.label} entity", "not_found")
        return ODataProblem(404, "0x80040217",
                            f"Entity '{entity_set.label}' With Id = {key.positional} Does Not Exist", "not_found")

    def duplicate(self, entity_set: EntitySet) -> ODataProblem:
        return ODataProblem(412, "0x80040237", "A record with matching key values already exists.", "duplicate")

    def etag_mismatch(self, entity_set: EntitySet) -> ODataProblem:
        return ODataProblem(412, "0x80060882", "The version of the existing record doesn't match the "
                            "RowVersion property provided.", "etag_mismatch")

    def unknown_segment(self, name: str) -> ODataProblem:
        return ODataProblem(404, "0x8006088a", f"Resource not found for the segment '{name}'.", "segment")

    def method_not_allowed(self, method: str, what: str) -> ODataProblem:
        return ODataProblem(405, "0x80060888", f"The HTTP method '{method}' is not allowed on {what}.", "method",
                            headers={"Allow": "GET, POST"})

    def unsupported_option(self, option: str) -> ODataProblem:
        return syntax_error(f"The query parameter {option} is not supported")

    def validation(self, message: str) -> ODataProblem:
        return ODataProblem(400, "0x80044331", message, "validation")

    # ------------------------------------------------------------------ keys and etags
    def etag(self, version: int) -> str:
        return f'W/"{version}"'

    def row_etag(self, entity_set: EntitySet, row: dict) -> str:
        """The ETag of a stored row; families whose ETags carry more than the version override it."""
        return self.etag(row[VERSION_COLUMN])

    def resolve_key(self, entity_set: EntitySet, key: KeyPredicate) -> tuple[dict, bool]:
        """Map a key predicate to column values; returns (values, is_alternate_key)."""
        et = entity_set.type
        if key.positional is not None:
            if len(et.key) != 1:
                raise syntax_error("Bad Request - Error in query syntax.")
            return {et.key[0]: self.key_value(entity_set, et.key[0], key.positional)}, False
        names = set(key.named)
        if names == set(et.key):
            return {n: self.key_value(entity_set, n, v) for n, v in key.named.items()}, False
        for alternate in et.alternate_keys:
            if names == set(alternate):
                return {n: self.key_value(entity_set, n, v) for n, v in key.named.items()}, True
        raise syntax_error("Bad Request - Error in query syntax. The key properties "
                           f"({', '.join(sorted(names))}) do not form a key of '{entity_set.label}'.")

    def key_value(self, entity_set: EntitySet, name: str, value):
        prop = entity_set.type.prop(name)
        if prop is not None and prop.type == "Edm.Guid":
            if not isinstance(value, uuid.UUID):
                raise syntax_error("Bad Request - Error in query syntax.")
            return str(value).lower()
        if isinstance(value, uuid.UUID):
            return str(value)
        return value

    def format_key(self, entity_set: EntitySet, row: dict) -> str:
        et = entity_set.type
        if len(et.key) == 1:
            value = row[et.key[0]]
            return str(value) if et.prop(et.key[0]).type in ("Edm.Guid",) or isinstance(value, int) \
                else "'" + str(value).replace("'", "''") + "'"
        parts = []
        for name in et.key:
            value = row[name]
            rendered = str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"
            parts.append(f"{name}={rendered}")
        return ",".join(parts)

    def new_key(self, entity_set: EntitySet, values: dict, conn) -> dict:
        et = entity_set.type
        return {name: str(uuid.uuid4()) for name in et.key if values.get(name) is None}

    # ------------------------------------------------------------------ hooks with neutral defaults
    def authenticate(self, ctx: RequestContext) -> dict:
        return {}

    def intercept(self, service, ctx: RequestContext) -> Response | None:
        """Serve (or refuse) a request before the shared flow: a service's own query parameters.

        Returns a response, raises an :class:`ODataProblem`, or returns None to go on (``ctx.params``
        may have been rewritten, e.g. parameter aliases substituted).
        """
        return None

    def before_write(self, entity_set: EntitySet, values: dict, existing: dict | None,
                     ctx: RequestContext, conn) -> None:
        """Fill computed columns (timestamps, owners, full names) before insert/update."""

    def before_delete(self, entity_set: EntitySet, row: dict, ctx: RequestContext, conn) -> None:
        """Cascade or recompute before a row is deleted (F&O/BC delete a document's lines)."""

    def scope_clause(self, entity_set: EntitySet, table, ctx: RequestContext):
        """An implicit filter (F&O's current company); None = all rows."""
        return None

    def annotations(self, entity_set: EntitySet, prop: Property, value, row: dict, conn, service) -> dict:
        return {}

    def preprocess_filter(self, text: str) -> str:
        return text

    def compare_hook(self):
        return None

    def page_token(self, page_number: int, rows: list[dict], entity_set: EntitySet) -> str:
        return str(page_number)

    def page_from_token(self, token: str) -> int:
        try:
            number = int(token)
        except ValueError:
            raise syntax_error("The $skiptoken is not valid.") from None
        if number < 2 or number > self.last_page():
            raise syntax_error("The $skiptoken is not valid.")
        return number

    def last_page(self) -> int:
        """The highest page number whose row offset still fits a 64-bit integer."""
        return (2**63 - 1) // max(self.max_page_size, 1)

    # ------------------------------------------------------------------ more problems
    def undeclared_property(self, entity_set: EntitySet, name: str, model) -> ODataProblem:
        return ODataProblem(400, "0x80060888",
                            f"The property '{name}' does not exist on type "
                            f"'{model.qualified(entity_set.type.name)}'. Make sure to only use property names "
                            "that are defined by the type.", "unknown_property", property=name)

    def lookup_write(self, entity_set: EntitySet, prop: Property) -> ODataProblem:
        return syntax_error(f"The property '{prop.name}' is read-only.")

    def bad_value(self, entity_set: EntitySet, prop: Property, value) -> ODataProblem:
        return syntax_error(f"Cannot convert the literal '{value}' to the expected type '{prop.type}'.")

    def read_only_set(self, entity_set: EntitySet, operation: str) -> ODataProblem:
        return ODataProblem(405, "0x80040800", f"The '{operation}' method does not support entities of type "
                            f"'{entity_set.label}'.", "method")

    def missing_if_match(self, entity_set: EntitySet) -> ODataProblem:
        return ODataProblem(428, "", "An If-Match header is required.", "precondition")

    def key_change(self, entity_set: EntitySet, name: str) -> ODataProblem:
        return syntax_error(f"The key property '{name}' cannot be changed.")

    # ------------------------------------------------------------------ shapes
    top_with_maxpagesize = True
    put_replaces = False

    def capped_count(self, total: int) -> int:
        return min(total, self.count_cap) if self.count_cap else total

    def always_selected(self, entity_set: EntitySet, select: list[str]) -> set[str]:
        return set()

    def stamp_version(self, entity_set: EntitySet, values: dict) -> None:
        """Copy the row version into a visible column where the service has one."""

    def context_url(self, ctx: RequestContext, entity_set: EntitySet, select, expand, collection: bool) -> str:
        projection = f"({','.join(select)})" if select else ""
        suffix = "" if collection else "/$entity"
        return f"{ctx.root_url}/$metadata#{entity_set.name}{projection}{suffix}"

    def requested_annotations(self, ctx: RequestContext):
        """A predicate over annotation names, or None when none were asked for."""
        return None

    def applied_annotations(self, ctx: RequestContext) -> str:
        return ""

    def collection_annotations(self, ctx: RequestContext, total, include) -> dict:
        return {}

    # ------------------------------------------------------------------ write responses
    def entity_body(self, service, ctx, entity_set, row, opts, conn) -> dict:
        body = {"@odata.context": self.context_url(ctx, entity_set, opts.select, [], collection=False)}
        body.update(service.render(conn, ctx, entity_set, row, opts.select, [], None))
        return body

    def created(self, service, ctx: RequestContext, entity_set: EntitySet, row: dict, opts, conn) -> Response:
        url = service.entity_url(ctx, entity_set, row)
        headers = {"Location": url, "ETag": self.row_etag(entity_set, row)}
        return self.json_response(ctx, self.entity_body(service, ctx, entity_set, row, opts, conn), 201, headers)

    def upserted(self, service, ctx, entity_set, row, opts, conn) -> Response:
        return self.created(service, ctx, entity_set, row, opts, conn)

    def updated(self, service, ctx, entity_set, row, opts, conn) -> Response:
        headers = {"ETag": self.row_etag(entity_set, row)}
        if self.update_status == 200:
            return self.json_response(ctx, self.entity_body(service, ctx, entity_set, row, opts, conn), 200,
                                      headers)
        return self.empty_response(ctx, 204, headers)
