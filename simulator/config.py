"""Simulator configuration: tenant, users, clients and the services' public URLs.

Tests build a :class:`SimConfig` (or take the defaults) to describe the identities the fake
Entra ID knows about. Nothing here talks to the network; the server fills in the URLs once
its sockets are bound.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from simulator.service_limits import ServiceLimits, default_service_limits

# Microsoft's public first-party client id that real Dataverse Postman collections use for ROPC.
PUBLIC_CLIENT_ID = "51f81489-12ee-4a9e-aaae-a2591f45987d"
CONFIDENTIAL_CLIENT_ID = "5a1e0c1d-0000-4000-8000-00000000c11e"
EXPIRED_SECRET_CLIENT_ID = "5a1e0c1d-0000-4000-8000-0000000e0001"
# Well-known default secrets of the simulator. They only open the local simulator.
DEFAULT_PASSWORD = "Sim-Passw0rd!"
DEFAULT_CLIENT_SECRET = "sim-client-secret-value"
BC_AUDIENCE = "https://api.businesscentral.dynamics.com"


@dataclass
class SimUser:
    """A user the identity provider can authenticate (ROPC / authorization code)."""

    upn: str
    password: str = DEFAULT_PASSWORD
    object_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    given_name: str = "Sim"
    family_name: str = "User"
    mfa_required: bool = False  # AADSTS50076 on ROPC
    consented: bool = True  # False -> AADSTS65001
    disabled: bool = False  # AADSTS50057
    locked: bool = False  # AADSTS50053


@dataclass
class SimClient:
    """An app registration. Public clients send no secret; confidential ones must."""

    client_id: str
    secret: str | None = None
    public: bool = False  # "Allow public client flows"
    secret_expired: bool = False  # AADSTS7000222
    redirect_uris: list[str] = field(default_factory=lambda: ["http://localhost"])
    display_name: str = "Simulator app"
    roles: list[str] = field(default_factory=list)
    service_principal_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def default_users() -> list[SimUser]:
    return [
        SimUser("admin@contoso.onmicrosoft.com", object_id="7a9d0000-0000-4000-8000-000000000001",
                given_name="Ada", family_name="Admin"),
        SimUser("mfa@contoso.onmicrosoft.com", mfa_required=True,
                object_id="7a9d0000-0000-4000-8000-000000000002"),
        SimUser("noconsent@contoso.onmicrosoft.com", consented=False,
                object_id="7a9d0000-0000-4000-8000-000000000003"),
    ]


def default_clients() -> list[SimClient]:
    return [
        SimClient(PUBLIC_CLIENT_ID, public=True, display_name="Dynamics public client"),
        SimClient(CONFIDENTIAL_CLIENT_ID, secret=DEFAULT_CLIENT_SECRET, public=True,
                  display_name="Harness confidential app",
                  service_principal_id="5e7e0000-0000-4000-8000-000000000001"),
        SimClient(EXPIRED_SECRET_CLIENT_ID, secret=DEFAULT_CLIENT_SECRET, secret_expired=True,
                  display_name="App with an expired secret"),
    ]


@dataclass
class SimConfig:
    """Everything that makes one simulated Dynamics estate.

    ``tenant_id`` and the URLs change when a "trial instance is recreated"; tests use that to
    prove cassettes survive a new org URL and tenant.
    """

    tenant_id: str = "72f988bf-0000-4000-8000-00000000a11d"
    tenant_domain: str = "contoso.onmicrosoft.com"
    users: list[SimUser] = field(default_factory=default_users)
    clients: list[SimClient] = field(default_factory=default_clients)
    token_lifetime: int = 3599  # seconds; tests shorten it to cover expiry
    refresh_token_lifetime: int = 90 * 24 * 3600
    device_code_lifetime: int = 900  # seconds a device code stays redeemable (Entra: 15 minutes)
    device_code_interval: int = 5  # polling interval the /devicecode reply asks for (Entra: 5)
    seed: int = 1
    database_url: str = "sqlite://"  # in-memory; "sqlite:///path.db" for a file
    organization_id: str = "0e9a0000-0000-4000-8000-000000000000"
    # Filled by the server once sockets are bound (scheme://host:port, no trailing slash).
    login_url: str = ""
    crm_url: str = ""
    fno_url: str = ""
    bc_url: str = ""
    fno_default_company: str = "usmf"
    # A twin org: serve the entity sets of this Dataverse $metadata file (empty tables) instead of the
    # built-in accounts/contacts/tasks org (simulator/twin).
    crm_metadata_path: str | None = None
    # Service protection (429 + Retry-After, simulator/throttling.py): off by default so ordinary
    # tests are never throttled; limits per host default to the documented production values.
    service_protection: bool = False
    service_limits: dict[str, ServiceLimits] = field(default_factory=default_service_limits)

    # ----------------------------------------------------------------- lookups
    def user(self, upn: str) -> SimUser | None:
        upn = upn.lower()
        return next((u for u in self.users if u.upn.lower() == upn), None)

    def client(self, client_id: str) -> SimClient | None:
        return next((c for c in self.clients if c.client_id.lower() == client_id.lower()), None)

    def knows_tenant(self, tenant: str) -> bool:
        """Tenant path segment accepted by the token endpoints (GUID, domain or a shared alias)."""
        return tenant.lower() in {
            self.tenant_id.lower(), self.tenant_domain.lower(), "common", "organizations",
        }

    @property
    def audiences(self) -> dict[str, str]:
        """Resource (audience) -> which service it names. BC's is the fixed public URL, like the real one."""
        return {self.crm_url: "crm", self.fno_url: "fno", BC_AUDIENCE: "bc"}
