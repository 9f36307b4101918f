"""Finance and Operations' wire details over the shared OData flow (reference part A).

What differs from Dataverse: composite keys with ``dataAreaId`` and a default company, number-sequence
keys, F&O values (enum names, ``""`` for empty strings, ``1900-01-01T12:00:00Z`` for empty dates),
POST 201 / PATCH 204, optional If-Match with base64 ``RecVersion,RecId`` ETags, ``$skip`` nextLinks
after 10,000 rows, ``eq '*x*'`` wildcards and enum literals in ``$filter``, Web API error shapes.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import uuid
import zlib

import sqlalchemy as sa
from starlette.responses import Response

from simulator.config import SimConfig
from simulator.fno import documents, errors, filters
from simulator.fno.model import EMPTY_DATE, EMPTY_DATETIME, EMPTY_GUID, TABLES, TableInfo
from simulator.fno.numbering import NumberSequences
from simulator.identity.verify import TokenRejected, bearer_from_header, verify_access_token
from simulator.keys import SigningKey
from simulator.odata.dialect import Dialect
from simulator.odata.edm import blank_value
from simulator.odata.errors import ODataProblem
from simulator.odata.model import EntityModel, EntitySet, Property
from simulator.odata.store import VERSION_COLUMN

COMPANY = "dataAreaId"
FIRST_RECID = 5637144576  # RecIds in real captures start around here


class FnoDialect(Dialect):
    name = "fno"
    max_page_size = 10000
    supports_skip = True
    update_status = 204
    upsert = False  # PATCH of a missing key is a 404, not an insert
    put_replaces = True  # PUT is accepted and, like the real service, merges the sent fields
    paging_by_skip = True  # nextLink: ...?$skip=10000 (reference A4)
    expand_limit = 10

    def __init__(self, config: SimConfig, key: SigningKey, model: EntityModel):
        self.config = config
        self.key = key
        self.model = model
        self.sequences = NumberSequences()
        self.service = None  # set by build_fno_app once the service exists
        self.dmf = None  # the package API state (simulator.fno.executions), set by build_fno_app

    # ------------------------------------------------------------------ headers, auth, errors
    def common_headers(self, ctx) -> dict[str, str]:
        activity = ctx.extras.setdefault("activity_id", str(uuid.uuid4()))
        return {"OData-Version": "4.0", "ms-dyn-aid": activity, "Cache-Control": "no-cache"}

    def authenticate(self, ctx) -> dict:
        try:
            token = bearer_from_header(ctx.header("authorization"))
            return verify_access_token(token, self.config.fno_url, self.config, self.key)
        except TokenRejected as exc:
            raise ODataProblem(401, "", exc.reason, "auth") from None

    def error_response(self, problem: ODataProblem, ctx) -> Response:
        if problem.kind == "auth":
            challenge = (f"Bearer authorization_uri={self.config.login_url}/{self.config.tenant_id}"
                         f"/oauth2/authorize, resource_id={self.config.fno_url}")
            return Response(b"", status_code=401, headers=self.common_headers(ctx) | {"WWW-Authenticate": challenge})
        if problem.kind == "segment":
            uri = ctx.extras.get("request_uri", f"{ctx.root_url}/{ctx.path}")
            return self.json_response(ctx, errors.routing_body(uri), 404)
        if problem.kind == "method":
            return self.json_response(ctx, errors.method_body(ctx.method), 405,
                                      dict(problem.details.get("headers", {})))
        status = 400 if problem.kind in ("syntax", "unknown_property", "unsupported") else problem.status
        return self.json_response(ctx, errors.error_body(problem), status)

    # ------------------------------------------------------------------ problems
    def not_found(self, entity_set, key, by_alternate) -> ODataProblem:
        return errors.fno_problem(404, f"No resource was found for '{entity_set.name}({key.raw})'.",
                                  errors.NOT_FOUND_EXCEPTION, "not_found")

    def duplicate(self, entity_set) -> ODataProblem:
        info = TABLES[entity_set.name]
        return errors.write_failed(
            info, f"Error: Cannot create a record in {info.caption} ({info.table}). The record already exists.")

    def etag_mismatch(self, entity_set) -> ODataProblem:
        return errors.fno_problem(
            412, f"The ETag in the If-Match header does not match the current version of the "
                 f"'{entity_set.type.name}' record; another process changed or deleted it.",
            errors.ODATA_EXCEPTION, "etag_mismatch")

    def unknown_segment(self, name: str) -> ODataProblem:
        return ODataProblem(404, "", f"No route for '{name}'.", "segment")

    def method_not_allowed(self, method: str, what: str) -> ODataProblem:
        return ODataProblem(405, "", f"The HTTP method '{method}' is not allowed on {what}.", "method")

    def validation(self, message: str) -> ODataProblem:
        named = re.search(r"of the '(\w+)' entity", message)
        info = next((t for t in TABLES.values() if named and t.aot_name == named.group(1)), None)
        if info is None:
            return errors.fno_problem(400, message, errors.WRITE_EXCEPTION, "validation")
        return errors.write_failed(info, f"Error: {message}")

    def undeclared_property(self, entity_set, name, model) -> ODataProblem:
        return errors.fno_problem(
            400, f"The property '{name}' does not exist on type '{model.qualified(entity_set.type.name)}'. "
                 "Make sure to only use property names that are defined by the type.",
            errors.ODATA_EXCEPTION, "unknown_property")

    def bad_value(self, entity_set, prop, value) -> ODataProblem:
        if self.model.enum(prop.type) is not None:
            message = f"The string '{value}' is not a valid enumeration type constant."
        else:
            message = f"Cannot convert the literal '{value}' to the expected type '{prop.type}'."
        return errors.fno_problem(400, message, errors.ODATA_EXCEPTION, "validation")

    def read_only_set(self, entity_set, operation) -> ODataProblem:
        return errors.fno_problem(400, f"The operation '{operation}' is not allowed on the read-only entity "
                                  f"'{entity_set.type.name}'.", "System.InvalidOperationException", "read_only")

    def key_change(self, entity_set, name) -> ODataProblem:
        info = TABLES[entity_set.name]
        return errors.write_failed(info, f"Error: The key field '{info.label(name)}' cannot be changed; "
                                         "delete the record and create a new one.")

    # ------------------------------------------------------------------ keys, companies, etags
    def key_value(self, entity_set, name, value):
        value = super().key_value(entity_set, name, value)
        return value.lower() if name == COMPANY and isinstance(value, str) else value

    def scope_clause(self, entity_set, table, ctx):
        """Rows of the caller's default company unless ``cross-company=true`` (reference A2)."""
        if COMPANY not in table.c or ctx.params.get("cross-company", "").lower() == "true":
            return None
        return table.c[COMPANY] == self.config.fno_default_company

    def new_key(self, entity_set, values, conn) -> dict:
        info = TABLES[entity_set.name]
        filled: dict = {}
        company = (values.get(COMPANY) or self.config.fno_default_company).lower()
        if COMPANY in entity_set.type.key:
            filled[COMPANY] = company
        for name in entity_set.type.key:
            if name == COMPANY or values.get(name) not in (None, ""):
                continue
            if name not in info.numbered:
                raise errors.write_failed(info, f"Error: Field '{info.label(name)}' must be filled in.")
            filled[name] = self.sequences.next_value(info, name, company, self.service.table(entity_set.name),
                                                     conn)
        return filled

    def row_etag(self, entity_set: EntitySet, row: dict) -> str:
        """``W/"base64('RecVersion,RecId;0,0;...')"``: RecVersion changes per write, RecId never."""
        info = TABLES[entity_set.name]
        key = "|".join(str(row[k]) for k in entity_set.type.key)
        recid = FIRST_RECID + zlib.crc32(f"{entity_set.name}|{key}".encode()) % 10_000_000
        recversion = (row[VERSION_COLUMN] * 2654435761) % 2_147_483_647
        pairs = [f"{recversion},{recid}"] + ["0,0"] * (info.datasources - 1)
        return 'W/"' + base64.b64encode(("'" + ";".join(pairs) + "'").encode()).decode() + '"'

    # ------------------------------------------------------------------ filters
    def preprocess_filter(self, text: str) -> str:
        return filters.rewrite_enum_literals(text, self.model)

    def compare_hook(self):
        return filters.compare

    # ------------------------------------------------------------------ values
    def empty_value(self, prop: Property, info: TableInfo):
        """What F&O stores for a field nobody set: never null, but "", 0, "No", 1900-01-01."""
        if prop.name in info.defaults:
            return info.defaults[prop.name]
        if prop.name in info.nullable:
            return None
        return blank_value(prop, self.model, {
            "Edm.Boolean": False, "Edm.Guid": EMPTY_GUID, "Edm.Date": "1900-01-01",
            "Edm.DateTimeOffset": EMPTY_DATE if prop.name in info.date_only else EMPTY_DATETIME})

    def fill_defaults(self, entity_set: EntitySet, values: dict) -> None:
        info = TABLES[entity_set.name]
        for prop in entity_set.type.properties:
            if values.get(prop.name) is None and prop.name not in entity_set.type.key:
                values[prop.name] = self.empty_value(prop, info)

    def normalise(self, entity_set: EntitySet, values: dict) -> None:
        """Strings are never null; date-only fields carry F&O's 12:00 time."""
        info = TABLES[entity_set.name]
        for name, value in list(values.items()):
            prop = entity_set.type.prop(name)
            if prop is None:
                continue
            if value is None and prop.type == "Edm.String":
                values[name] = ""
            elif name in info.date_only and isinstance(value, str) and value:
                values[name] = value[:10] + "T12:00:00Z"

    # ------------------------------------------------------------------ writes
    def companies(self, conn) -> set[str]:
        table = self.service.table("LegalEntities")
        return {c.lower() for c in conn.execute(sa.select(table.c.LegalEntityId)).scalars()}

    def before_write(self, entity_set, values, existing, ctx, conn) -> None:
        info = TABLES[entity_set.name]
        self.normalise(entity_set, values)
        if existing is None:
            company = values.get(COMPANY)
            if company is not None and company not in self.companies(conn):
                raise errors.write_failed(info, f"Error: Company '{company}' does not exist.")
            self.fill_defaults(entity_set, values)
        merged = (existing or {}) | values
        for name in info.mandatory:
            if merged.get(name) in (None, ""):
                raise errors.write_failed(
                    info, f"Error: Field '{info.label(name)}' must be filled in.",
                    f"Warning: validateWrite failed on data source '{info.table} ({info.table})'.")
        for relation in info.relations:
            value = values.get(relation.field)
            if value and self.lookup(conn, relation.target_set, merged.get(COMPANY),
                                     relation.target_field, value) is None:
                raise errors.write_failed(
                    info, f"Warning: The value '{value}' in field '{info.label(relation.field)}' is not found "
                          f"in the related table '{relation.table_caption}'.",
                    f"Warning: validateField failed on field '{info.aot_name}.{relation.field}'.")
        now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        documents.before_write(self, entity_set.name, values, existing, merged, conn, now)

    def before_delete(self, entity_set, row, ctx, conn) -> None:
        documents.before_delete(self, entity_set.name, row, conn)
        if entity_set.name == "DataManagementDefinitionGroups":  # a data project takes its entity list along
            details = self.service.table("DataManagementDefinitionGroupDetails")
            conn.execute(details.delete().where(details.c.DefinitionGroupId == row["Name"]))

    def lookup(self, conn, set_name: str, company: str | None, field: str, value) -> dict | None:
        """A row of ``set_name`` in ``company`` (shared entities have no company) with ``field == value``."""
        table = self.service.table(set_name)
        clause = table.c[field] == value
        if COMPANY in table.c:
            clause = sa.and_(clause, table.c[COMPANY] == company)
        found = conn.execute(sa.select(table).where(clause)).first()
        return dict(found._mapping) if found else None

    def touch(self, conn, set_name: str, row: dict, changes: dict) -> None:
        """Update another row as a side effect (header totals), with a new RecVersion."""
        entity_set = self.model.entity_set(set_name)
        table = self.service.table(set_name)
        changes = changes | {VERSION_COLUMN: self.service.store.next_version(conn)}
        conn.execute(table.update().where(*[table.c[k] == row[k] for k in entity_set.type.key]).values(**changes))

    # ------------------------------------------------------------------ responses
    def context_url(self, ctx, entity_set, select, expand, collection: bool) -> str:
        parts = list(select or [])
        for item in expand or []:
            inner = ",".join(item.options.select or [])
            if select:
                parts.append(item.nav)
                if inner:
                    parts.append(f"{item.nav}({inner})")
            else:
                parts.append(f"{item.nav}({inner})")
        projection = f"({','.join(parts)})" if parts else ""
        return f"{ctx.root_url}/$metadata#{entity_set.name}{projection}{'' if collection else '/$entity'}"
