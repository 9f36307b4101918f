"""The Dataverse Web API as an ASGI app: ``/api/data/v8.x`` and ``/api/data/v9.x``."""

from __future__ import annotations

import re

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.config import SimConfig
from simulator.dataverse import metadata_api
from simulator.dataverse.change_tracking import tombstones
from simulator.dataverse.dialect import DataverseDialect
from simulator.dataverse.model import build_model
from simulator.dataverse.operations import REGISTRY
from simulator.dataverse.seed import seed_dataverse
from simulator.dataverse.unsimulated import UNSIMULATED_PARAMETERS, refuse_unsimulated
from simulator.keys import SigningKey
from simulator.odata.batch import BatchRules, MultipartBatch
from simulator.odata.errors import ODataProblem
from simulator.odata.routing import METHODS, AsgiEndpoint, base_url, read_body, request_context, serve_read
from simulator.odata.service import ODataService
from simulator.odata.store import Store

_BELOW_VERSION = re.compile(r"^/api/data/[^/]+/?(.*)$")
VERSIONS = {"v8.0", "v8.1", "v8.2", "v9.0", "v9.1", "v9.2"}
# "Execute batch operations using the Web API": up to 1,000 requests; without odata.continue-on-error
# the first failure stops the batch and is its status; inner URLs may name any API version.
BATCH = MultipartBatch(BatchRules(max_requests=1000, failure_sets_outer_status=True,
                                  root_pattern=r"^/api/data/v[0-9]+\.[0-9]+/", streaming_gets=True))


def _guarded(service, ctx) -> Response:
    """Authenticate, refuse unsimulated parameters in Dataverse's error shape, else serve normally."""
    try:
        service.dialect.authenticate(ctx)
        refuse_unsimulated(ctx.params)
    except ODataProblem as problem:
        return service.dialect.error_response(problem, ctx)
    return service.handle(ctx)


def dataverse_routes(service: ODataService) -> list[Route]:
    """The ``/api/data/{version}`` routes of one Dataverse org (built-in or twin): one endpoint for both."""
    service.batch_handler = BATCH
    definitions = metadata_api.MetadataApi(service)  # EntityDefinitions & co., start-up system tables

    async def endpoint(request: Request) -> Response:
        version = request.scope["path_params"]["version"]
        if version not in VERSIONS:
            return JSONResponse({"error": {"code": "0x8006088a",
                                           "message": f"Resource not found for the segment '{version}'."}},
                                status_code=404, headers={"OData-Version": "4.0"})
        raw_path = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
        match = _BELOW_VERSION.match(raw_path)
        path = match.group(1) if match else request.scope["path_params"].get("path", "")
        root = f"{base_url(request).rstrip('/')}/api/data/{version}"
        ctx = request_context(request, root, path, await read_body(request.receive), version)
        ctx.extras["service"] = service
        if UNSIMULATED_PARAMETERS.keys() & ctx.params.keys():  # acted on by Dataverse, not simulated
            return await run_in_threadpool(_guarded, service, ctx)
        if definitions.handles(path):  # simulator/dataverse/metadata_api.py
            return await run_in_threadpool(definitions.handle, service, ctx)
        if ctx.method == "GET":  # simulator/odata/routing.py: no thread hand-off when the store is free
            return await serve_read(service.store, service.handle, ctx)
        return await run_in_threadpool(service.handle, ctx)

    # The two patterns never match the same path (a slash after the version or not): the one every
    # entity request takes is tried first.
    asgi = AsgiEndpoint(endpoint)
    return [Route("/api/data/{version}/{path:anypath}", asgi, methods=METHODS),
            Route("/api/data/{version}", asgi, methods=METHODS)]


def build_dataverse_app(config: SimConfig, key: SigningKey, store: Store | None = None):
    """Return ``(asgi_app, store)``; the store is closed by the caller."""
    store = store or Store(config.database_url)
    dialect = DataverseDialect(config, key)
    service = ODataService(build_model(), store, "crm", dialect, REGISTRY)
    tombstones(service)  # change tracking remembers deletions here
    if service.is_empty("accounts"):  # a file database keeps its rows across restarts
        seed_dataverse(service, config)

    app = Starlette(routes=dataverse_routes(service))
    app.state.service = service
    return app, store
