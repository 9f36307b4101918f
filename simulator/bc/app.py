"""Business Central's API v2.0 as an ASGI app.

URLs: ``{bc_url}/v2.0/{tenant}/{environment}/api/v2.0/...`` (the tenant segment is optional, as
online). Each company's rows live in their own tables, as BC keeps per-company tables: one
:class:`ODataService` per company serves ``companies(<id>)/<set>``, and a company-less service
serves the service document, ``$metadata`` and ``companies``. This module only routes: it checks
the token, tenant and environment, picks the service and rewrites nested line paths.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator.bc import errors
from simulator.bc.batch import JsonBatch
from simulator.bc.dialect import BcDialect
from simulator.bc.model import COMPANY_SCOPED, build_model
from simulator.bc.operations import REGISTRY
from simulator.bc.seed import companies, seed_companies, seed_company
from simulator.config import SimConfig
from simulator.keys import SigningKey
from simulator.odata import json_body
from simulator.odata.context import RequestContext
from simulator.odata.errors import ODataProblem
from simulator.odata.paths import split_path
from simulator.odata.routing import METHODS, request_context
from simulator.odata.service import ODataService
from simulator.odata.store import Store

DEFAULT_ENVIRONMENTS = ("production", "sandbox")
SCHEMA_VERSIONS = ("1.0", "2.0", "2.1")
API_PATH = re.compile(r"^/v2\.0/(?:(?P<tenant>[^/]+)/)?(?P<env>[^/]+)/api/v2\.0(?:/(?P<rest>.*))?$")
IN_COMPANY = re.compile(r"^companies\((?P<id>[^)/]*)\)/(?P<rest>.+)$", re.DOTALL)


class BcRouter:
    """Chooses the service (company-less or one company's) for a request and prepares its context."""

    def __init__(self, config: SimConfig, dialect: BcDialect, root: ODataService,
                 by_company: dict[str, ODataService], names: dict[str, str], environments: tuple[str, ...]):
        self.config = config
        self.dialect = dialect
        self.root = root
        self.by_company = by_company
        self.names = names  # lower-case company name -> id
        self.environments = {e.lower() for e in environments}

    def check_location(self, tenant: str | None, environment: str) -> None:
        if tenant is not None and tenant.lower() not in {self.config.tenant_id.lower(),
                                                         self.config.tenant_domain.lower()}:
            raise errors.bc_problem(401, "Authentication_InvalidCredentials", errors.BAD_CREDENTIALS, "auth")
        if environment.lower() not in self.environments:
            raise errors.bc_problem(404, "Internal_TenantUnavailable",
                                    f"The environment '{environment}' does not exist or is not accessible.")

    def company_for(self, ref: str) -> str | None:
        ref = ref.strip().strip("'").lower()
        return ref if ref in self.by_company else self.names.get(ref)

    def dispatch(self, ctx: RequestContext) -> ODataService:
        """Pick the service; rewrite ``ctx`` for a company's service."""
        inside = IN_COMPANY.match(ctx.path)
        if inside and inside.group("id").lower() in self.by_company:
            company = inside.group("id").lower()
            ctx.root_url = f"{ctx.root_url}/companies({company})"
            ctx.path = inside.group("rest")
        else:
            segments = split_path(ctx.path)
            if not segments or segments[0].name not in COMPANY_SCOPED:
                return self.root  # service document, $metadata, companies, unknown sets, unknown company
            company = self.company_for(ctx.params.get("company", ""))
            if company is None:
                raise errors.bc_problem(400, "Internal_CompanyNotFound", errors.COMPANY_NOT_FOUND)
        ctx.extras["company_id"] = company
        service = self.by_company[company]
        self.flatten_nested(ctx, service)
        return service

    @staticmethod
    def flatten_nested(ctx: RequestContext, service: ODataService) -> None:
        """``salesOrders(X)/salesOrderLines(Y)`` → ``salesOrderLines(Y)``; POST ``salesOrders(X)/salesOrderLines``
        → POST ``salesOrderLines`` with ``documentId`` = X. The core serves collection navigations read-only."""
        segments = split_path(ctx.path)
        if len(segments) < 2 or not segments[0].has_parens:
            return
        entity_set = service.model.entity_set(segments[0].name)
        nav = entity_set.type.nav(segments[1].name) if entity_set else None
        if nav is None or not nav.collection:
            return
        tail = ctx.path.split("/", 2)[2] if len(segments) > 2 else ""
        if segments[1].has_parens:
            ctx.path = f"{nav.target_set}({segments[1].key})" + (f"/{tail}" if tail else "")
        elif ctx.method == "POST" and len(segments) == 2:
            ctx.path = nav.target_set
            try:
                body = json_body.loads(ctx.body)
            except ValueError:
                return  # the service reports the malformed body
            if isinstance(body, dict):
                ctx.body = json.dumps(body | {nav.fk: segments[0].key}).encode()

    @staticmethod
    def schema_version(ctx: RequestContext) -> None:
        """``$schemaversion`` (1.0, 2.0, 2.1): taken off the query so the shared core sees standard options."""
        version = ctx.params.pop("$schemaversion", None)
        if version is not None and version not in SCHEMA_VERSIONS:
            raise errors.bc_problem(400, "BadRequest_NotFound", f"The schema version '{version}' is not supported; "
                                    f"use one of {', '.join(SCHEMA_VERSIONS)}.")
        ctx.extras["schema_version"] = version or "2.0"

    def handle(self, ctx: RequestContext, tenant: str | None, environment: str, conn=None) -> Response:
        """Answer one request (in the unit of work ``conn`` when a batch passes one)."""
        try:
            self.dialect.authenticate(ctx)
            self.check_location(tenant, environment)
            if ctx.path.rstrip("/") == "$batch":
                if conn is not None or ctx.extras.get("in_batch"):
                    raise errors.bc_problem(400, "BadRequest", "Batch requests cannot be nested.")
                batch = JsonBatch(lambda inner, unit: self.handle(inner, tenant, environment, unit),
                                  self.root.work.unit, self.dialect)
                return batch.handle(ctx)
            self.schema_version(ctx)
            service = self.dispatch(ctx)
        except ODataProblem as problem:
            return self.dialect.error_response(problem, ctx)
        ctx.extras["service"] = service
        return service.handle(ctx, conn)


def build_bc_app(config: SimConfig, key: SigningKey, store: Store | None = None,
                 environments: tuple[str, ...] = DEFAULT_ENVIRONMENTS):
    """Return ``(asgi_app, store)``; the caller closes the store."""
    store = store or Store(config.database_url)
    model = build_model(REGISTRY.declarations())
    dialect = BcDialect(config, key, model)
    root = ODataService(model, store, "bc", dialect, REGISTRY)
    fresh = root.is_empty("companies")  # a file database keeps its rows across restarts
    if fresh:
        seed_companies(root, config)
    by_company, names = {}, {}
    for number, company in enumerate(companies(config)):
        service = ODataService(model, store, f"bc{number}", dialect, REGISTRY)
        if fresh:
            seed_company(service, company, config)
        by_company[company.id] = service
        names[company.name.lower()] = company.id
    router = BcRouter(config, dialect, root, by_company, names, environments)

    async def api(request: Request) -> Response:
        raw_path = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
        match = API_PATH.match(raw_path)
        body = await request.body()
        if match is None:
            ctx = request_context(request, str(request.base_url).rstrip("/"), "", body, "v2.0")
            problem = errors.bc_problem(404, "BadRequest_NotFound", "No HTTP resource was found that matches the "
                                        f"request URI '{request.url}'.")
            return dialect.error_response(problem, ctx)
        tenant = unquote(match.group("tenant")) if match.group("tenant") else None
        environment = unquote(match.group("env"))
        location = f"{tenant}/{environment}" if tenant else environment
        api_root = f"{str(request.base_url).rstrip('/')}/v2.0/{location}/api/v2.0"
        ctx = request_context(request, api_root, match.group("rest") or "", body, "v2.0")
        ctx.extras["api_root"] = api_root
        return await run_in_threadpool(router.handle, ctx, tenant, environment)

    app = Starlette(routes=[Route("/{path:anypath}", api, methods=METHODS)])
    app.state.router = router
    return app, store
