"""Business Central API v2.0 wire details over the shared OData flow (reference part B).

What differs: GUID ``id`` keys, company-scoped paths (``companies(<id>)/customers``), POST 201,
PATCH 200 with the entity, If-Match required on PATCH/DELETE, 409 on a stale ETag, 20,000-row
pages, opaque ``'<len>;<digits>1;00;'`` ETags, error codes like ``BadRequest_InvalidToken`` with a
``CorrelationId`` suffix, and ``request-id``/``ms-correlation-x`` headers.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import uuid

import sqlalchemy as sa
from starlette.responses import Response

from simulator.bc import documents, errors
from simulator.bc.model import CAPTIONS, EMPTY_GUID, NUMBER_SERIES
from simulator.config import BC_AUDIENCE, SimConfig
from simulator.identity.verify import TokenRejected, bearer_from_header, verify_access_token
from simulator.keys import SigningKey
from simulator.odata.dialect import Dialect
from simulator.odata.edm import blank_value, format_datetime
from simulator.odata.errors import ODataProblem
from simulator.odata.model import EntityModel, EntitySet, Property

BLANK_DATE = "0001-01-01"
BLANK_DATETIME = "0001-01-01T00:00:00Z"
OPERATION_METHODS = {"Create": "POST", "Update": "PATCH", "Delete": "DELETE"}
DOCUMENT_DATES = {"salesOrders": ("orderDate", "postingDate"), "salesQuotes": ("documentDate", "postingDate"),
                  "salesInvoices": ("invoiceDate", "postingDate"), "salesCreditMemos": ("creditMemoDate", "postingDate"),
                  "purchaseInvoices": ("invoiceDate", "postingDate"), "purchaseOrders": ("orderDate", "postingDate")}


class BcDialect(Dialect):
    name = "bc"
    max_page_size = 20000
    update_status = 200  # PATCH answers with the updated entity
    upsert = False
    require_if_match = True
    put_replaces = False

    def __init__(self, config: SimConfig, key: SigningKey, model: EntityModel):
        self.config = config
        self.key = key
        self.model = model
        self._next_number: dict[str, int] = {}

    # ------------------------------------------------------------------ headers, auth, errors
    def correlation_id(self, ctx) -> str:
        return ctx.extras.setdefault("correlation_id", str(uuid.uuid4()))

    def common_headers(self, ctx) -> dict[str, str]:
        correlation = self.correlation_id(ctx)
        return {"OData-Version": "4.0", "request-id": ctx.extras.setdefault("request_id", str(uuid.uuid4())),
                "ms-correlation-x": correlation}

    def authenticate(self, ctx) -> dict:
        if "claims" in ctx.extras:
            return ctx.extras["claims"]
        try:
            token = bearer_from_header(ctx.header("authorization"))
            claims = verify_access_token(token, BC_AUDIENCE, self.config, self.key)
        except TokenRejected:
            raise errors.bc_problem(401, "Authentication_InvalidCredentials", errors.BAD_CREDENTIALS,
                                    "auth") from None
        ctx.extras["claims"] = claims
        return claims

    def error_body(self, problem: ODataProblem, ctx) -> dict:
        _, code = errors.status_and_code(problem)
        return {"error": {"code": code, "message": errors.with_correlation(problem.message,
                                                                           self.correlation_id(ctx))}}

    def error_response(self, problem: ODataProblem, ctx) -> Response:
        status, _ = errors.status_and_code(problem)
        headers = dict(problem.details.get("headers", {}))
        if status == 401:
            headers["WWW-Authenticate"] = (f'Bearer authorization_uri="{self.config.login_url}/'
                                           f'{self.config.tenant_id}/oauth2/authorize", resource_id="{BC_AUDIENCE}"')
        return self.json_response(ctx, self.error_body(problem, ctx), status, headers)

    # ------------------------------------------------------------------ problems
    def not_found(self, entity_set, key, by_alternate) -> ODataProblem:
        return errors.bc_problem(404, "Internal_RecordNotFound",
                                 f"The {CAPTIONS[entity_set.name]} does not exist. Identification fields and "
                                 f"values: Id='{{{str(key.positional or key.raw).upper()}}}'")

    def duplicate(self, entity_set) -> ODataProblem:
        return errors.bc_problem(409, "Internal_EntityWithSameKeyExists",
                                 f"The {CAPTIONS[entity_set.name]} already exists.")

    def etag_mismatch(self, entity_set) -> ODataProblem:
        return errors.bc_problem(409, "Request_EntityChanged", errors.ENTITY_CHANGED)

    def missing_if_match(self, entity_set) -> ODataProblem:
        return errors.bc_problem(400, "BadRequest_InvalidToken", errors.INVALID_TOKEN)

    def unknown_segment(self, name: str) -> ODataProblem:
        return errors.bc_problem(404, "BadRequest_NotFound", f"Resource not found for the segment '{name}'.")

    def method_not_allowed(self, method: str, what: str) -> ODataProblem:
        quoted = re.search(r"'([^']+)'", what)
        target = quoted.group(1) if quoted else what
        return errors.bc_problem(405, "BadRequest_MethodNotAllowed",
                                 f"'{method}' requests for '{target}' of EdmType 'Entity' are not allowed within "
                                 "Microsoft Dynamics 365 Business Central OData web services.")

    def read_only_set(self, entity_set, operation) -> ODataProblem:
        return self.method_not_allowed(OPERATION_METHODS.get(operation, operation), f"'{entity_set.name}'")

    def validation(self, message: str) -> ODataProblem:
        code = "Application_StringExceededLength" if "maximum allowed length" in message \
            else "Application_FieldValidationException"
        return errors.bc_problem(400, code, message)

    def undeclared_property(self, entity_set, name, model) -> ODataProblem:
        return errors.bc_problem(400, "BadRequest",
                                 f"The property '{name}' does not exist on type "
                                 f"'{model.qualified(entity_set.type.name)}'. Make sure to only use property names "
                                 "that are defined by the type.")

    def bad_value(self, entity_set, prop, value) -> ODataProblem:
        if self.model.enum(prop.type) is not None:
            return errors.bc_problem(400, "Application_EvaluateException",
                                     f"The value \"{value}\" can't be evaluated into type Option.")
        return errors.bc_problem(400, "BadRequest", f"Cannot convert the literal '{value}' to the expected type "
                                                    f"'{prop.type}'.")

    def key_change(self, entity_set, name) -> ODataProblem:
        return errors.bc_problem(400, "BadRequest_InvalidOperation", f"Control '{name}' is read-only.")

    # ------------------------------------------------------------------ etags and context
    def etag(self, version: int) -> str:
        digits = str(int(hashlib.sha256(str(version).encode()).hexdigest()[:16], 16))
        return 'W/"' + base64.b64encode(f"'{len(digits)};{digits}1;00;'".encode()).decode() + '"'

    def context_url(self, ctx, entity_set, select, expand, collection: bool) -> str:
        api_root = ctx.extras.get("api_root", ctx.root_url)
        company = ctx.extras.get("company_id")
        path = entity_set.name if company is None or entity_set.name == "companies" \
            else f"companies({company})/{entity_set.name}"
        parts = list(select or [])
        parts += [f"{item.nav}({','.join(item.options.select or [])})" for item in expand or []]
        projection = f"({','.join(parts)})" if parts else ""
        return f"{api_root}/$metadata#{path}{projection}{'' if collection else '/$entity'}"

    def created(self, service, ctx, entity_set, row, opts, conn) -> Response:
        fresh = service.find(conn, entity_set, {"id": row["id"]}) or row  # deep-inserted lines change totals
        return super().created(service, ctx, entity_set, fresh, opts, conn)

    # ------------------------------------------------------------------ writes
    def empty_value(self, prop: Property):
        """BC's blanks: "", 0, false, the first option, the empty GUID and 0001-01-01."""
        return blank_value(prop, self.model, {"Edm.Boolean": False, "Edm.Guid": EMPTY_GUID,
                                              "Edm.Date": BLANK_DATE, "Edm.DateTimeOffset": BLANK_DATETIME})

    def fill_defaults(self, entity_set: EntitySet, values: dict) -> None:
        for prop in entity_set.type.properties:
            if values.get(prop.name) is None:
                values[prop.name] = self.empty_value(prop)

    def next_number(self, service, conn, set_name: str) -> str:
        series = NUMBER_SERIES[set_name]
        table = service.table(set_name)
        slot = table.name
        if slot not in self._next_number:
            used = [series.parse(v) for v in conn.execute(sa.select(table.c.number)).scalars() if v]
            self._next_number[slot] = max([n for n in used if n is not None], default=series.first - series.step)
        while True:
            self._next_number[slot] += series.step
            value = series.format(self._next_number[slot])
            if documents.lookup(service, conn, set_name, "number", value) is None:
                return value

    def check_write(self, entity_set, operation: str) -> None:
        """API pages that allow only some writes (``companyInformation``: modify only) refuse the others."""
        if operation[0] not in entity_set.writes:
            raise self.read_only_set(entity_set, operation)

    def stamp_modified(self, entity_set, values: dict) -> None:
        if entity_set.type.prop("lastModifiedDateTime") is not None:
            values["lastModifiedDateTime"] = format_datetime(dt.datetime.now(dt.UTC))

    def before_write(self, entity_set, values, existing, ctx, conn) -> None:
        service = ctx.extras["service"]
        self.check_write(entity_set, "Create" if existing is None else "Update")
        today = dt.date.today().isoformat()
        if existing is None:
            for name in DOCUMENT_DATES.get(entity_set.name, ()):
                values.setdefault(name, today)
            if entity_set.name in documents.DOCUMENTS:
                values.setdefault("status", "Draft")
            if entity_set.name in documents.HEADER_OF:
                values.setdefault("lineType", "Item")
            self.fill_defaults(entity_set, values)
        if entity_set.name in NUMBER_SERIES and "number" in values:
            number = values["number"]
            if not number and existing is None:
                values["number"] = self.next_number(service, conn, entity_set.name)
            elif number and (existing is None or number != existing.get("number")):
                clash = documents.lookup(service, conn, entity_set.name, "number", number)
                if clash is not None:
                    raise errors.bc_problem(409, "Internal_EntityWithSameKeyExists",
                                            f"The {CAPTIONS[entity_set.name]} already exists. Identification "
                                            f"fields and values: No.='{number}'")
        documents.before_write(service, conn, entity_set.name, values, existing)
        self.stamp_modified(entity_set, values)

    def before_delete(self, entity_set, row, ctx, conn) -> None:
        self.check_write(entity_set, "Delete")
        documents.before_delete(ctx.extras["service"], conn, entity_set.name, row)
