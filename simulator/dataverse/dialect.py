"""Dataverse's wire details: headers, 401 challenge, error codes, annotations, paging cookies."""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from urllib.parse import quote, unquote

from starlette.responses import Response

from simulator.config import SimConfig
from simulator.dataverse import surface
from simulator.dataverse.query_functions import SCOPE, FilterScope, compare_hook, extract
from simulator.dataverse.states import settle_state
from simulator.identity.verify import TokenRejected, bearer_from_header, verify_access_token
from simulator.keys import SigningKey
from simulator.odata.dialect import Dialect
from simulator.odata.edm import format_datetime
from simulator.odata.errors import ODataProblem, syntax_error
from simulator.odata.model import EntitySet, Property
from simulator.odata.responses import request_id as new_request_id
from simulator.odata.store import VERSION_COLUMN

COUNT_CAP = 5000
GLOBAL_METADATA_VERSION = "81011296"
USER_NOT_MEMBER = "0x80072560"


class Unauthorized(ODataProblem):
    def __init__(self, reason: str):
        super().__init__(401, "", reason, "auth")


class DataverseDialect(Dialect):
    name = "dataverse"
    max_page_size = 5000
    supports_skip = False
    count_cap = COUNT_CAP
    top_with_maxpagesize = False  # "$top is ignored when odata.maxpagesize is also sent"
    filter_plans = True  # its compare hook only reads query-function placeholders, never strings

    def __init__(self, config: SimConfig, key: SigningKey):
        self.config = config
        self.key = key

    # ------------------------------------------------------------------ headers and auth
    def common_headers(self, ctx) -> dict[str, str]:
        request_id = ctx.extras.get("request_id")
        if request_id is None:
            request_id = ctx.extras["request_id"] = new_request_id()
        limits = ctx.extras.get("ratelimit", {})
        return {
            "OData-Version": "4.0",
            "REQ_ID": request_id,
            "x-ms-service-request-id": request_id,
            "Cache-Control": "no-cache",
            "x-ms-ratelimit-burst-remaining-xrm-requests": str(limits.get("burst", 5999)),
            "x-ms-ratelimit-time-remaining-xrm-requests": limits.get("time", "1,200.00"),
            "x-ms-dop-hint": "4",
        }

    def authenticate(self, ctx) -> dict:
        try:
            token = bearer_from_header(ctx.header("authorization"))
            return verify_access_token(token, self.config.crm_url, self.config, self.key)
        except TokenRejected as exc:
            raise Unauthorized(exc.reason) from None

    def error_response(self, problem: ODataProblem, ctx) -> Response:
        if problem.kind == "auth":
            challenge = (f"Bearer authorization_uri={self.config.login_url}/{self.config.tenant_id}"
                         f"/oauth2/authorize, resource_id={self.config.crm_url}/")
            headers = self.common_headers(ctx) | {"WWW-Authenticate": challenge}
            return Response(b"", status_code=401, headers=headers)
        return super().error_response(problem, ctx)

    def error_body(self, problem: ODataProblem, ctx) -> dict:
        error: dict = {"code": problem.code, "message": problem.message}
        include = self.requested_annotations(ctx)
        if include and include("Microsoft.PowerApps.CDS.HelpLink"):
            error["@Microsoft.PowerApps.CDS.ErrorDetails.OperationStatus"] = "0"
            error["@Microsoft.PowerApps.CDS.ErrorDetails.SubErrorCode"] = "-2146233088"
            error["@Microsoft.PowerApps.CDS.HelpLink"] = (
                "http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException%3a"
                f"{problem.code[2:] if problem.code.startswith('0x') else problem.code}&client=platform")
            error["@Microsoft.PowerApps.CDS.InnerError.Message"] = problem.message
        return {"error": error}

    # ------------------------------------------------------------------ query surface
    def intercept(self, service, ctx):
        return surface.intercept(service, ctx)

    def preprocess_filter(self, text: str) -> str:
        if "Microsoft.Dynamics.CRM." not in text:
            return text
        scope = SCOPE.get()
        if scope is None:
            scope = FilterScope()
            SCOPE.set(scope)
        return extract(text, scope)

    def compare_hook(self):
        return compare_hook

    # ------------------------------------------------------------------ problems
    def lookup_write(self, entity_set: EntitySet, prop: Property) -> ODataProblem:
        return syntax_error("CRM do not support direct update of Entity Reference properties, "
                            "Use Navigation properties instead.")

    def bad_value(self, entity_set, prop, value) -> ODataProblem:
        return syntax_error(f"Cannot convert a value to target type '{prop.type}' because of conflict between "
                            "input format string/number and parameter 'IEEE754Compatible' false/true.")

    # ------------------------------------------------------------------ versions
    def stamp_version(self, entity_set: EntitySet, values: dict) -> None:
        if entity_set.type.prop("versionnumber") is not None:
            values["versionnumber"] = values[VERSION_COLUMN]

    # ------------------------------------------------------------------ computed columns
    def caller_id(self, ctx, conn, service) -> str | None:
        cached = ctx.extras.get("caller_id")
        if cached:
            return cached
        table = service.table("systemusers")
        claims = ctx.claims
        row = None
        if claims.get("scp") and claims.get("oid"):
            row = conn.execute(table.select().where(
                table.c.azureactivedirectoryobjectid == claims["oid"].lower())).first()
        elif claims.get("appid"):
            row = conn.execute(table.select().where(table.c.applicationid == claims["appid"].lower())).first()
        if row is None:
            raise ODataProblem(403, USER_NOT_MEMBER, "The user is not a member of the organization.", "auth403")
        ctx.extras["caller_id"] = row.systemuserid
        return row.systemuserid

    def before_write(self, entity_set, values, existing, ctx, conn) -> None:
        service = ctx.extras["service"]
        now = format_datetime(dt.datetime.now(dt.UTC))
        caller = self.caller_id(ctx, conn, service)
        props = entity_set.type
        settle_state(entity_set, values, existing)
        if existing is None:
            for name, default in (("statecode", 0), ("statuscode", 1)):
                if props.prop(name) is not None and values.get(name) is None:
                    values[name] = default
            if props.prop("createdon") is not None:
                values["createdon"] = now
                values["_createdby_value"] = caller
                values.setdefault("_ownerid_value", caller)
        if props.prop("modifiedon") is not None:
            values["modifiedon"] = now
            values["_modifiedby_value"] = caller
        on_behalf = ctx.extras.get("on_behalf_of")  # the real caller while impersonating
        if props.prop("_modifiedonbehalfby_value") is not None:
            values["_modifiedonbehalfby_value"] = on_behalf
            if existing is None:
                values["_createdonbehalfby_value"] = on_behalf
        if props.prop("fullname") is not None and ("firstname" in values or "lastname" in values):
            first = values.get("firstname", (existing or {}).get("firstname")) or ""
            last = values.get("lastname", (existing or {}).get("lastname")) or ""
            values["fullname"] = f"{first} {last}".strip()
        if any(p.money and values.get(p.name) is not None for p in props.properties):
            values["_transactioncurrencyid_value"] = "9f6c0000-0000-4000-8000-00000000e0e0"

    def before_delete(self, entity_set, row, ctx, conn) -> None:
        from simulator.dataverse.change_tracking import remember_delete
        remember_delete(ctx.extras["service"], conn, entity_set, row)

    # ------------------------------------------------------------------ annotations
    def requested_annotations(self, ctx):
        if "include" in ctx.extras:
            return ctx.extras["include"]
        value = ctx.prefer.get("odata.include-annotations")
        include = None
        if value:
            patterns = [p.strip() for p in value.split(",") if p.strip()]
            def include(name: str, patterns=patterns) -> bool:  # noqa: E306
                return any(fnmatch.fnmatchcase(name, p) for p in patterns)
        ctx.extras["include"] = include
        return include

    def applied_annotations(self, ctx) -> str:
        value = ctx.prefer.get("odata.include-annotations")
        return f'odata.include-annotations="{value}"' if value else ""

    def annotations(self, entity_set, prop, value, row, conn, service) -> dict:
        if value is None:
            return {}
        formatted = "OData.Community.Display.V1.FormattedValue"
        if prop.lookup_of:
            nav = entity_set.type.nav(prop.lookup_of)
            out = {"Microsoft.Dynamics.CRM.associatednavigationproperty": prop.lookup_of}
            if nav is not None:
                target = service.model.entity_set(nav.target_set)
                found = service.find(conn, target, {target.type.key[0]: value})
                out["Microsoft.Dynamics.CRM.lookuplogicalname"] = target.logical_name
                if found is not None and target.type.primary_name:
                    out = {formatted: found.get(target.type.primary_name)} | out
            return out
        if prop.options is not None:
            return {formatted: prop.options.get(value, str(value))}
        if prop.money:
            return {formatted: f"${value:,.2f}"}
        if prop.type == "Edm.Boolean":
            return {formatted: "Yes" if value else "No"}
        if prop.type in ("Edm.Int32", "Edm.Int64") and prop.name != "versionnumber":
            return {formatted: f"{value:,}"}
        if prop.type == "Edm.DateTimeOffset":
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return {formatted: f"{moment.month}/{moment.day}/{moment.year} {moment.strftime('%I:%M %p').lstrip('0')}"}
        return {}

    def collection_annotations(self, ctx, total, include) -> dict:
        if not include:
            return {}
        out = {}
        if include("Microsoft.Dynamics.CRM.totalrecordcount"):
            out["@Microsoft.Dynamics.CRM.totalrecordcount"] = -1 if total is None else min(total, COUNT_CAP)
        if include("Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"):
            out["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] = bool(total and total > COUNT_CAP)
        if include("Microsoft.Dynamics.CRM.globalmetadataversion"):
            out["@Microsoft.Dynamics.CRM.globalmetadataversion"] = GLOBAL_METADATA_VERSION
        return out

    # ------------------------------------------------------------------ context URLs
    def context_url(self, ctx, entity_set, select, expand, collection: bool) -> str:
        parts = list(select or [])
        for item in expand or []:
            inner = ",".join(item.options.select or [])
            parts.append(f"{item.nav}({inner})" if not item.ref else f"{item.nav}/$ref()")
        projection = f"({','.join(parts)})" if parts else ""
        suffix = "" if collection else "/$entity"
        return f"{ctx.root_url}/$metadata#{entity_set.name}{projection}{suffix}"

    # ------------------------------------------------------------------ paging cookie
    def page_token(self, page_number: int, rows, entity_set) -> str:
        key = entity_set.type.key[0]
        first = "{" + str(rows[0][key]).upper() + "}" if rows else ""
        last = "{" + str(rows[-1][key]).upper() + "}" if rows else ""
        inner = f'<cookie page="{page_number - 1}"><{key} last="{last}" first="{first}" /></cookie>'
        return (f'<cookie pagenumber="{page_number}" pagingcookie="{quote(inner, safe="")}" '
                f'istracking="False" />')

    def page_from_token(self, token: str) -> int:
        match = re.search(r'pagenumber="(\d+)"', unquote(token) if "%3c" in token.lower() else token)
        if not match or not 2 <= int(match.group(1)) <= self.last_page():
            raise syntax_error("The $skiptoken value is not a valid paging cookie.")
        return int(match.group(1))

    # ------------------------------------------------------------------ write responses
    def wants_representation(self, ctx) -> bool:
        return ctx.prefer.get("return") == "representation"

    def created(self, service, ctx, entity_set, row, opts, conn) -> Response:
        url = service.entity_url(ctx, entity_set, row)
        if self.wants_representation(ctx):
            body = {"@odata.context": self.context_url(ctx, entity_set, opts.select, opts.expand, False)}
            body.update(service.render(conn, ctx, entity_set, row, opts.select, opts.expand, None))
            return self.json_response(ctx, body, 201, {"Preference-Applied": "return=representation",
                                                       "ETag": self.etag(row[VERSION_COLUMN])})
        return self.empty_response(ctx, 204, {"OData-EntityId": url, "Location": url})

    def upserted(self, service, ctx, entity_set, row, opts, conn) -> Response:
        return self.created(service, ctx, entity_set, row, opts, conn)

    def updated(self, service, ctx, entity_set, row, opts, conn) -> Response:
        etag = self.etag(row[VERSION_COLUMN])
        if self.wants_representation(ctx):
            body = {"@odata.context": self.context_url(ctx, entity_set, opts.select, [], False)}
            body.update(service.render(conn, ctx, entity_set, row, opts.select, [], None))
            return self.json_response(ctx, body, 200, {"Preference-Applied": "return=representation",
                                                       "ETag": etag})
        url = service.entity_url(ctx, entity_set, row)
        return self.empty_response(ctx, 204, {"OData-EntityId": url, "ETag": etag})


BUSINESS_UNIT_ID = "b0a10000-0000-4000-8000-0000000000b0"
