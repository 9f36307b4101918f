"""Assemble the simulated services that share one configuration, key and database."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.responses import JSONResponse

from simulator.config import SimConfig
from simulator.control import wrap_service
from simulator.faults import FaultInjector
from simulator.keys import SigningKey
from simulator.throttling import ServiceProtection


def _not_built(name: str) -> Starlette:
    async def missing(request):
        return JSONResponse({"Message": f"The {name} service is not simulated yet."}, status_code=404)

    app = Starlette()
    app.add_route("/{path:path}", missing, methods=["GET", "POST", "PATCH", "PUT", "DELETE"])
    return app


@dataclass
class SimApps:
    config: SimConfig
    key: SigningKey
    login: object
    crm: object
    fno: object
    bc: object
    resources: list
    faults: FaultInjector | None = None  # sim.faults: injected failures (simulator/faults.py)
    protection: ServiceProtection | None = None  # sim.throttling: service-protection limits

    def close(self) -> None:
        for resource in self.resources:
            resource.close()


def build_apps(config: SimConfig, key: SigningKey | None = None, faults: FaultInjector | None = None,
               protection: ServiceProtection | None = None) -> SimApps:
    """Build the ASGI apps for every simulated host (URLs in ``config`` must already be set).

    Each app is wrapped with the ``/_sim/`` control API, fault injection and service protection
    (simulator/control.py); attribute access such as ``apps.crm.state`` reaches the service app.
    """
    key = key or SigningKey()
    faults = faults or FaultInjector()
    protection = protection or ServiceProtection(config.service_limits, config.service_protection)
    resources: list = []
    try:
        from simulator.identity.app import build_identity_app
        login = build_identity_app(config, key)
    except ImportError:  # pragma: no cover - during bring-up only
        login = _not_built("identity")
    try:
        if config.crm_metadata_path:
            from simulator.twin import build_twin_app
            crm, crm_resource = build_twin_app(config, key)
        else:
            from simulator.dataverse import build_dataverse_app
            crm, crm_resource = build_dataverse_app(config, key)
        resources.append(crm_resource)
    except ImportError:  # pragma: no cover
        crm = _not_built("Dataverse")
    try:
        from simulator.fno import build_fno_app
        fno, fno_resource = build_fno_app(config, key)
        resources.append(fno_resource)
    except ImportError:  # pragma: no cover
        fno = _not_built("Finance and Operations")
    try:
        from simulator.bc import build_bc_app
        bc, bc_resource = build_bc_app(config, key)
        resources.append(bc_resource)
    except ImportError:  # pragma: no cover
        bc = _not_built("Business Central")
    login, crm, fno, bc = (wrap_service(app, name, faults, protection)
                           for name, app in (("login", login), ("crm", crm), ("fno", fno), ("bc", bc)))
    return SimApps(config, key, login, crm, fno, bc, resources, faults, protection)
