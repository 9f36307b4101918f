"""Settings of one Dynamics service (Dataverse, F&O or Business Central) and the URLs derived from them.

A :class:`TargetSettings` is everything a token provider and an HTTP client need for one service:
where the service is, which tenant and app registration to sign in with, which grant, and the
audience of the token. Secret fields are :class:`~harness.secrets.Secret`, so the dataclass repr is
safe to print.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from harness.secrets import Secret

TARGETS = ("crm", "fno", "bc")
PREFIXES = {"crm": "CRM", "fno": "FNO", "bc": "BC"}
GRANT_TYPES = ("password", "client_credentials", "authorization_code", "refresh_token", "token")
USER_GRANTS = ("password", "authorization_code", "refresh_token")
TOKEN_VERSIONS = ("v1", "v2")
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
DEFAULT_REDIRECT_URI = "http://localhost:8400/"
BC_URL = "https://api.businesscentral.dynamics.com"
BC_AUDIENCE = "https://api.businesscentral.dynamics.com"
DEFAULT_CRM_API_VERSION = "v9.2"
DEFAULT_BC_ENVIRONMENT = "production"
DEFAULT_FNO_COMPANY = "usmf"

# field name -> key suffix; the loader reads "{PREFIX}_{suffix}" (with shared fallbacks for some).
FIELD_KEYS = {
    "url": "URL", "tenant_id": "TENANT_ID", "client_id": "CLIENT_ID", "client_secret": "CLIENT_SECRET",
    "username": "USERNAME", "password": "PASSWORD", "grant_type": "GRANT_TYPE",
    "token_version": "TOKEN_VERSION", "access_token": "ACCESS_TOKEN", "refresh_token": "REFRESH_TOKEN",
    "authority": "AUTHORITY", "resource": "RESOURCE", "redirect_uri": "REDIRECT_URI", "scope": "SCOPE",
}


def default_token_version(grant_type: str) -> str:
    """v1 for ROPC (what the users' Postman collections call), v2 for everything else."""
    return "v1" if grant_type == "password" else "v2"


@dataclass(frozen=True)
class TargetSettings:
    """One service's connection and sign-in settings (immutable; use :meth:`replace` to vary)."""

    name: str  # "crm" | "fno" | "bc"
    url: str  # service URL without trailing slash
    grant_type: str
    token_version: str
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: Secret | None = None
    username: str | None = None
    password: Secret | None = None
    access_token: Secret | None = None
    refresh_token: Secret | None = None
    authority: str = DEFAULT_AUTHORITY
    resource: str | None = None  # audience override
    redirect_uri: str = DEFAULT_REDIRECT_URI
    scope: tuple[str, ...] = ()
    api_version: str = DEFAULT_CRM_API_VERSION  # Dataverse only
    environment: str = DEFAULT_BC_ENVIRONMENT  # Business Central only
    company_id: str | None = None  # Business Central only
    company: str = DEFAULT_FNO_COMPANY  # F&O only
    # field name -> the environment key that supplied it (e.g. "client_secret" -> "CLIENT_SECRET"),
    # so messages name the key the user actually has to edit.
    keys: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.name not in TARGETS:
            raise ValueError(f"target name must be one of {TARGETS}, not {self.name!r}")
        for name in ("client_secret", "password", "access_token", "refresh_token"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Secret):
                object.__setattr__(self, name, Secret(value))
        object.__setattr__(self, "url", self.url.rstrip("/"))
        object.__setattr__(self, "authority", self.authority.rstrip("/"))
        object.__setattr__(self, "scope", tuple(self.scope))
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))

    # ------------------------------------------------------------------ naming
    @property
    def prefix(self) -> str:
        return PREFIXES[self.name]

    def key(self, field_name: str) -> str:
        """The environment key behind a field, e.g. ``key("password") == "CRM_PASSWORD"``."""
        if field_name in self.keys:
            return self.keys[field_name]
        suffix = FIELD_KEYS.get(field_name, field_name.upper())
        return f"{self.prefix}_{suffix}"

    # ------------------------------------------------------------------ derived URLs
    @property
    def audience(self) -> str:
        """The token audience (v1 ``resource``): the override, BC's fixed URL, or the service URL."""
        if self.resource:
            return self.resource
        if self.name == "bc":
            return BC_AUDIENCE
        return self.url

    def _tenant_path(self) -> str:
        if not self.tenant_id:
            from harness.settings.problems import Problem, SettingsError

            raise SettingsError([Problem(self.key("tenant_id"),
                                         "is required to reach the token endpoint; set it or TENANT_ID")])
        return f"{self.authority}/{self.tenant_id}"

    @property
    def token_url(self) -> str:
        """v1 ``/oauth2/token`` or v2 ``/oauth2/v2.0/token`` under the authority and tenant."""
        suffix = "oauth2/token" if self.token_version == "v1" else "oauth2/v2.0/token"
        return f"{self._tenant_path()}/{suffix}"

    @property
    def authorize_url(self) -> str:
        suffix = "oauth2/authorize" if self.token_version == "v1" else "oauth2/v2.0/authorize"
        return f"{self._tenant_path()}/{suffix}"

    @property
    def api_root(self) -> str:
        """Root of the OData service: Dataverse ``/api/data/vX``, F&O ``/data``, BC ``/v2.0/{tenant}/{env}/api/v2.0``."""
        if self.name == "crm":
            return f"{self.url}/api/data/{self.api_version}"
        if self.name == "fno":
            return f"{self.url}/data"
        tenant = self.tenant_id or "common"
        return f"{self.url}/v2.0/{tenant}/{self.environment}/api/v2.0"

    def v2_scopes(self, *, user_flow: bool) -> list[str]:
        """Scopes for a v2 request: the resource's ``/.default`` (or the resource scopes given in
        ``{P}_SCOPE``), the other extra scopes, and ``offline_access`` in user flows so a refresh
        token comes back. Client credentials allow exactly one ``/.default`` scope."""
        resource_scopes = [s for s in self.scope if "/" in s or ":" in s]
        others = [s for s in self.scope if s not in resource_scopes]
        if not user_flow:
            chosen = [s for s in resource_scopes if s.endswith("/.default")]
            return chosen[:1] or [f"{self.audience}/.default"]
        scopes = resource_scopes or [f"{self.audience}/.default"]
        scopes += [s for s in others if s not in scopes]
        if "offline_access" not in scopes:
            scopes.append("offline_access")
        return scopes

    # ------------------------------------------------------------------ construction helpers
    def replace(self, **changes) -> TargetSettings:
        return dataclasses.replace(self, **changes)

    @classmethod
    def simulated(cls, name: str, *, url: str, login_url: str, tenant_id: str, client_id: str,
                  username: str | None = None, password: str | Secret | None = None,
                  client_secret: str | Secret | None = None, grant_type: str | None = None,
                  token_version: str | None = None, **extra) -> TargetSettings:
        """Settings that point at the embedded simulator (its login URL is the authority).

        ``grant_type`` defaults to ``password`` when a user is given, else ``client_credentials``.
        ``extra`` passes any other field (``redirect_uri``, ``api_version``, ``resource``...).
        """
        grant = grant_type or ("password" if username else "client_credentials")
        return cls(name=name, url=url, grant_type=grant,
                   token_version=token_version or default_token_version(grant),
                   tenant_id=tenant_id, client_id=client_id,
                   client_secret=Secret(client_secret) if client_secret is not None else None,
                   username=username, password=Secret(password) if password is not None else None,
                   authority=login_url, **extra)

    def secret_values(self) -> list[str]:
        """Every secret value this target holds (for leak scanners)."""
        return [s.reveal() for s in (self.client_secret, self.password, self.access_token,
                                     self.refresh_token) if s is not None and s.reveal()]
