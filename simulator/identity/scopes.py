"""Turn a v1 ``resource=`` or a v2 ``scope=`` into the resource a token is for.

Dynamics resources are first-party APIs that get v1-shaped tokens whatever the endpoint, so both
versions end in the same :class:`Target`: the resource exactly as the client wrote it (it becomes
``aud``, trailing slash kept) plus the OpenID Connect scopes that decide the refresh and ID tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from simulator.config import BC_AUDIENCE, SimConfig
from simulator.identity.errors import entra_error

OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
DELEGATED_PERMISSION = "user_impersonation"
DEFAULT_PERMISSION = ".default"
# First-party application ids of the Dynamics resources (Entra names them in some errors).
RESOURCE_APP_IDS = {
    "crm": "00000007-0000-0000-c000-000000000000",
    "fno": "00000015-0000-0000-c000-000000000000",
    "bc": "996def3d-b36c-4153-8607-a6fd3c01b89f",
}


@dataclass(frozen=True)
class Target:
    """The resource a token is requested for, and the OIDC scopes asked for alongside."""

    resource: str | None
    service: str | None = None  # "crm" | "fno" | "bc"
    oidc: frozenset[str] = frozenset()
    permissions: frozenset[str] = frozenset()

    @property
    def resource_app_id(self) -> str:
        return RESOURCE_APP_IDS.get(self.service or "", self.resource or "")


def tenant_display_name(config: SimConfig) -> str:
    return config.tenant_domain.split(".")[0].capitalize()


def known_service(config: SimConfig, resource: str) -> str | None:
    """Which simulated service ``resource`` names; with or without a trailing slash, any case."""
    wanted = resource.strip().rstrip("/").lower()
    if not wanted:
        return None
    for audience, service in config.audiences.items():
        if audience and audience.rstrip("/").lower() == wanted:
            return service
    if wanted == BC_AUDIENCE.lower():
        return "bc"
    return None


def resolve_resource(config: SimConfig, resource: str) -> Target:
    """Validate a v1 ``resource`` (AADSTS500011 if no such service principal in the tenant)."""
    service = known_service(config, resource)
    if service is None:
        raise entra_error(500011, resource=resource, tenant_name=tenant_display_name(config))
    return Target(resource=resource, service=service)


def _split_resource_scope(scope: str) -> tuple[str, str] | None:
    """``https://org.crm.dynamics.com/user_impersonation`` -> (resource, permission), else None."""
    parts = urlsplit(scope)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return None
    resource, _, permission = scope.rpartition("/")
    if not permission or not resource.lower().startswith(f"{parts.scheme}://{parts.netloc}".lower()):
        return None  # no permission after the resource, e.g. a bare "https://org.crm.dynamics.com"
    return resource, permission


def parse_scope(config: SimConfig, scope: str, *, client_credentials: bool = False,
                require_resource: bool = True) -> Target:
    """Parse a v2 ``scope`` value into a single-resource :class:`Target` (Entra's rules and codes)."""
    items = scope.split()
    if not items:
        raise entra_error(900144, name="scope")
    oidc = frozenset(item.lower() for item in items if item.lower() in OIDC_SCOPES)
    by_resource: dict[str, set[str]] = {}
    for item in items:
        if item.lower() in OIDC_SCOPES:
            continue
        split = _split_resource_scope(item)
        if split is None:
            raise entra_error(70011, scope=item)
        resource, permission = split
        if client_credentials and permission.lower() != DEFAULT_PERMISSION:
            raise entra_error(1002012, scope=item)
        if permission.lower() not in (DEFAULT_PERMISSION, DELEGATED_PERMISSION.lower()):
            raise entra_error(70011, scope=item)
        by_resource.setdefault(resource, set()).add(permission.lower())
    distinct = {resource.rstrip("/").lower() for resource in by_resource}
    if len(distinct) > 1:
        raise entra_error(700022, scope=scope)
    if not by_resource:
        if client_credentials:
            raise entra_error(1002012, scope=scope)
        if require_resource:
            raise entra_error(700023, scope=scope)
        return Target(resource=None, oidc=oidc)
    resource = next(iter(by_resource))
    target = resolve_resource(config, resource)
    return Target(resource=resource, service=target.service, oidc=oidc,
                  permissions=frozenset(by_resource[resource]))


def granted_scope(resource: str) -> str:
    """The ``scope`` a v2 user-flow reply lists: what was granted, not ``.default``."""
    return f"{resource}/{DELEGATED_PERMISSION}"
