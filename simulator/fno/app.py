"""The Finance and Operations OData root (``{fno_url}/data``) as an ASGI app."""

from __future__ import annotations

import re

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.config import SimConfig
from simulator.fno import errors
from simulator.fno.blobs import PREFIX, serve
from simulator.fno.dialect import FnoDialect
from simulator.fno.executions import DataManagement
from simulator.fno.metadata_service import FnoMetadataService
from simulator.fno.model import build_model
from simulator.fno.operations import REGISTRY
from simulator.fno.seed import seed_data_management, seed_fno
from simulator.keys import SigningKey
from simulator.odata.batch import BatchRules, MultipartBatch
from simulator.odata.routing import METHODS, request_context
from simulator.odata.service import ODataService
from simulator.odata.store import Store

# F&O answers a batch 200 whatever its parts did; up to 5,000 operations (throttling guidance).
BATCH = MultipartBatch(BatchRules(max_requests=5000, failure_sets_outer_status=False))


def build_fno_app(config: SimConfig, key: SigningKey, store: Store | None = None):
    """Return ``(asgi_app, store)``; the caller closes the store."""
    store = store or Store(config.database_url)
    model = build_model(REGISTRY.declarations())
    dialect = FnoDialect(config, key, model)
    service = ODataService(model, store, "fno", dialect, REGISTRY)
    dialect.service = service
    dialect.dmf = DataManagement(service)
    service.batch_handler = BATCH
    if service.is_empty("LegalEntities"):  # a file database keeps its rows across restarts
        seed_fno(service, config)
    if service.is_empty("DataManagementEntities"):
        seed_data_management(service)

    async def data(request: Request) -> Response:
        raw_path = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
        match = re.match(r"^/data/?(.*)$", raw_path)
        path = match.group(1) if match else ""
        root = str(request.base_url).rstrip("/") + "/data"
        ctx = request_context(request, root, path, await request.body(), "")
        ctx.extras["service"] = service
        ctx.extras["request_uri"] = str(request.url)
        return await run_in_threadpool(service.handle, ctx)

    metadata_service = FnoMetadataService(model)

    async def metadata(request: Request) -> Response:
        """``/Metadata/...``: the REST metadata service (simulator/fno/metadata_service.py)."""
        raw_path = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
        path = re.sub(r"^/Metadata/?", "", raw_path)
        root = str(request.base_url).rstrip("/") + "/data"
        ctx = request_context(request, root, path, await request.body(), "")
        ctx.extras["request_uri"] = str(request.url)
        return await run_in_threadpool(metadata_service.handle, service, ctx)

    async def blob(request: Request) -> Response:
        return await serve(dialect.dmf.blobs, request)

    async def unrouted(request: Request) -> Response:
        return JSONResponse(errors.routing_body(str(request.url)), status_code=404)

    routes = [Route("/data", data, methods=METHODS), Route("/data/{path:anypath}", data, methods=METHODS),
              Route("/Metadata/{path:anypath}", metadata, methods=METHODS),
              Route(PREFIX + "{name:path}", blob, methods=["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"]),
              Route("/{path:anypath}", unrouted, methods=METHODS)]
    app = Starlette(routes=routes)
    app.state.service = service
    return app, store
