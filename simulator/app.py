"""Assemble the simulated services that share one configuration, key and database."""

from __future__ import annotations

from dataclasses import dataclass

from simulator.bc import build_bc_app
from simulator.config import SimConfig
from simulator.control import wrap_service
from simulator.dataverse import build_dataverse_app
from simulator.faults import FaultInjector
from simulator.fno import build_fno_app
from simulator.identity.app import build_identity_app
from simulator.keys import SigningKey
from simulator.throttling import ServiceProtection
from simulator.twin import build_twin_app


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
    login = build_identity_app(config, key)
    if config.crm_metadata_path:  # a twin of a real org's schema instead of the built-in Dataverse model
        crm, crm_store = build_twin_app(config, key)
    else:
        crm, crm_store = build_dataverse_app(config, key)
    fno, fno_store = build_fno_app(config, key)
    bc, bc_store = build_bc_app(config, key)
    resources = [crm_store, fno_store, bc_store]
    login, crm, fno, bc = (wrap_service(app, name, faults, protection)
                           for name, app in (("login", login), ("crm", crm), ("fno", fno), ("bc", bc)))
    return SimApps(config, key, login, crm, fno, bc, resources, faults, protection)
