"""Which tenant a ``/{tenant}/...`` path segment names, and which grants it allows.

Entra accepts the tenant GUID, a verified domain, or the shared ``common`` / ``organizations`` /
``consumers`` authorities; ROPC and client credentials need a real tenant (AADSTS9001023).
"""

from __future__ import annotations

from simulator.config import SimConfig
from simulator.identity.errors import entra_error

SHARED_AUTHORITIES = ("common", "organizations", "consumers")


def tenant_kind(config: SimConfig, segment: str) -> str:
    """``"tenant"`` or the shared authority's name; AADSTS90002 for anything unknown."""
    lowered = segment.lower()
    if lowered in SHARED_AUTHORITIES:
        return lowered
    if config.knows_tenant(segment):
        return "tenant"
    raise entra_error(90002, tenant=segment)


def check_grant_allowed(kind: str, grant_type: str) -> None:
    if grant_type == "password" and kind in ("common", "consumers"):
        raise entra_error(9001023)
    if grant_type == "client_credentials" and kind != "tenant":
        raise entra_error(9001023)


def is_discoverable(config: SimConfig, segment: str) -> bool:
    """Tenants that have OpenID metadata (not ``consumers``: the simulator has no personal accounts)."""
    return segment.lower() in ("common", "organizations") or config.knows_tenant(segment)
