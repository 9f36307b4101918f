"""Build :class:`Settings` from a ``.env`` file and the process environment, validating everything.

Precedence: a real environment variable beats the same key in ``.env`` (so CI can override a
developer's file); an empty value counts as "not set". Per-target keys (``CRM_CLIENT_ID``) beat the
shared fallbacks (``CLIENT_ID``). All problems are collected and raised as one
:class:`~harness.settings.problems.SettingsError`; no message ever contains a secret value.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from harness.secrets import POLICY, Secret, label_for, register_secret
from harness.settings import checks
from harness.settings.envfile import EnvFile, read_env_file
from harness.settings.problems import ENVIRONMENT, Origin, Problem, SettingsError, printable
from harness.settings.target_settings import (
    BC_URL,
    DEFAULT_AUTHORITY,
    DEFAULT_BC_ENVIRONMENT,
    DEFAULT_CRM_API_VERSION,
    DEFAULT_FNO_COMPANY,
    DEFAULT_REDIRECT_URI,
    FIELD_KEYS,
    GRANT_TYPES,
    PREFIXES,
    TARGETS,
    TOKEN_VERSIONS,
    TargetSettings,
    default_token_version,
)

log = logging.getLogger("harness.settings")

SHARED_FALLBACKS = ("TENANT_ID", "CLIENT_ID", "CLIENT_SECRET", "AUTHORITY")
TARGET_EXTRA_KEYS = {"crm": ("API_VERSION",), "fno": ("COMPANY",), "bc": ("ENVIRONMENT", "COMPANY_ID")}
HARNESS_KEYS = ("HARNESS_TARGET", "HARNESS_TOKEN_CACHE", "HARNESS_ENV_FILE", "HARNESS_SCRIPT_SECRETS")
_CRM_API_VERSION = re.compile(r"^v?(8\.[0-2]|9\.[0-2])$")
_BC_ENVIRONMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,29}$")
_FNO_COMPANY = re.compile(r"^[A-Za-z0-9]{1,10}$")
URL_EXAMPLES = {"crm": "https://org.crm.dynamics.com", "fno": "https://env.operations.dynamics.com",
                "bc": BC_URL}
# A pasted token this close to expiry is already useless for a test run.
PASTED_TOKEN_SKEW = 0
CACHE_OFF = ("off", "memory", "none")


def known_keys() -> set[str]:
    keys = set(SHARED_FALLBACKS) | set(HARNESS_KEYS)
    for name, prefix in PREFIXES.items():
        keys |= {f"{prefix}_{suffix}" for suffix in FIELD_KEYS.values()}
        keys |= {f"{prefix}_{suffix}" for suffix in TARGET_EXTRA_KEYS[name]}
    return keys


def default_token_cache_path(environ: Mapping[str, str]) -> Path:
    """``$XDG_CACHE_HOME/dynamics-harness/tokens.json`` or ``~/.cache/...``: outside any repository."""
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dynamics-harness" / "tokens.json"


@dataclass(frozen=True)
class Settings:
    """Everything the harness reads from ``.env`` and the environment."""

    target: str = "sim"  # "sim" | "live"
    env_file: Path | None = None
    crm: TargetSettings | None = None
    fno: TargetSettings | None = None
    bc: TargetSettings | None = None
    token_cache_path: Path | None = None  # None: keep tokens in memory only
    warnings: tuple[str, ...] = ()
    _secret_values: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @classmethod
    def simulated(cls, *, login_url: str, tenant_id: str, client_id: str, crm_url: str | None = None,
                  fno_url: str | None = None, bc_url: str | None = None, token_cache_path: Path | None = None,
                  **target_options) -> Settings:
        """Settings for the embedded simulator: one target per URL given, all signing in the same way.

        ``target_options`` go to :meth:`TargetSettings.simulated` (``username``, ``password``,
        ``client_secret``, ``grant_type``, ``token_version``...). The token cache defaults to memory.
        """
        def build(name: str, url: str | None) -> TargetSettings | None:
            if url is None:
                return None
            return TargetSettings.simulated(name, url=url, login_url=login_url, tenant_id=tenant_id,
                                            client_id=client_id, **target_options)

        return cls(target="sim", crm=build("crm", crm_url), fno=build("fno", fno_url), bc=build("bc", bc_url),
                   token_cache_path=token_cache_path)

    def targets(self) -> dict[str, TargetSettings]:
        """The configured targets by name."""
        return {name: t for name in TARGETS if (t := getattr(self, name)) is not None}

    def values_for_lint(self) -> tuple[str, ...]:
        """Every secret value known to the settings (targets, shared keys, secret-looking keys in
        ``.env``), longest first, for scanners that look for leaks in cassettes and reports."""
        values = set(self._secret_values)
        for target in self.targets().values():
            values.update(target.secret_values())
        return tuple(sorted((v for v in values if v), key=lambda v: (-len(v), v)))


class _Lookup:
    """Key lookup over environment-then-file, remembering where each value came from."""

    def __init__(self, environ: Mapping[str, str], env: EnvFile | None):
        self.environ = environ
        self.env = env

    def raw(self, key: str) -> tuple[str, Origin] | None:
        if key in self.environ:
            value = self.environ[key]
            return (value, ENVIRONMENT) if value.strip() else None
        if self.env is not None and key in self.env.values:
            value = self.env.values[key]
            return (value, self.env.origin(key)) if value.strip() else None
        return None

    def get(self, key: str, fallback: str | None = None) -> tuple[str | None, str, Origin | None]:
        """(value, key actually used, origin); secrets keep surrounding spaces, others are stripped."""
        for candidate in (key, fallback):
            if candidate is None:
                continue
            found = self.raw(candidate)
            if found is not None:
                return found[0], candidate, found[1]
        return None, key, None


class _TargetBuilder:
    """Reads and validates one target's keys, appending to a shared problem list."""

    def __init__(self, name: str, lookup: _Lookup, problems: list[Problem], warnings: list[str],
                 live: bool, now: float):
        self.name = name
        self.prefix = PREFIXES[name]
        self.lookup = lookup
        self.problems = problems
        self.warnings = warnings
        self.live = live
        self.now = now
        self.keys: dict[str, str] = {}
        self.origins: dict[str, Origin | None] = {}

    def configured(self) -> bool:
        prefixed = [f"{self.prefix}_{s}" for s in FIELD_KEYS.values()]
        prefixed += [f"{self.prefix}_{s}" for s in TARGET_EXTRA_KEYS[self.name]]
        return any(self.lookup.raw(key) is not None for key in prefixed)

    def value(self, field_name: str, *, shared: bool = False, suffix: str | None = None) -> str | None:
        suffix = suffix or FIELD_KEYS[field_name]
        key = f"{self.prefix}_{suffix}"
        value, used, origin = self.lookup.get(key, suffix if shared else None)
        self.keys[field_name] = used
        self.origins[field_name] = origin
        if value is None:
            return None
        return value if suffix == "PASSWORD" else value.strip()

    def problem(self, field_name: str, message: str) -> None:
        self.problems.append(Problem(self.keys.get(field_name, f"{self.prefix}_{field_name.upper()}"),
                                     message, self.origins.get(field_name)))

    def missing(self, field_name: str, message: str, *, shared: bool = False) -> None:
        key = self.keys[field_name]
        also = f" (or {FIELD_KEYS[field_name]} for all targets)" if shared else ""
        self.problems.append(Problem(key, f"is missing{also}: {message}"))

    # ------------------------------------------------------------------ build
    def build(self) -> TargetSettings | None:
        url = self.value("url")
        tenant = self.value("tenant_id", shared=True)
        client_id = self.value("client_id", shared=True)
        client_secret = self.value("client_secret", shared=True)
        if self.keys["client_secret"] == "CLIENT_SECRET" and self.keys["client_id"] != "CLIENT_ID":
            # A secret belongs to one app: the shared CLIENT_SECRET only goes with the shared CLIENT_ID.
            client_secret = None
            self.keys["client_secret"] = f"{self.prefix}_CLIENT_SECRET"
            self.origins["client_secret"] = None
        username = self.value("username")
        password = self.value("password")
        grant = self.value("grant_type")
        version = self.value("token_version")
        access_token = self.value("access_token")
        refresh_token = self.value("refresh_token")
        authority = self.value("authority", shared=True) or DEFAULT_AUTHORITY
        resource = self.value("resource")
        redirect_uri = self.value("redirect_uri") or DEFAULT_REDIRECT_URI
        scope_text = self.value("scope") or ""
        problem_count = len(self.problems)
        extras = self._extras()

        url = self._check_url(url)
        if self.origins.get("authority") is not None:
            self._check("authority", checks.check_http_url(authority, DEFAULT_AUTHORITY))
        if tenant is not None:
            self._check("tenant_id", checks.check_tenant(tenant))
        if client_id is not None:
            self._check("client_id", checks.check_guid(client_id, "the application (client) ID"))
        if resource is not None and (":" not in resource or any(c.isspace() for c in resource)):
            self.problem("resource", "expected the token audience as a URI such as "
                                     f"{URL_EXAMPLES[self.name]}; got {checks.shown(resource)}")

        grant = self._grant(grant, access_token, username, password, client_secret, refresh_token,
                            client_id)
        version = self._version(version, grant)
        claims = self._check_grant_inputs(grant, tenant, client_id, client_secret, username, password,
                                          access_token, refresh_token, redirect_uri)
        if grant == "token" and tenant is None and self.name == "bc":
            tenant = claims.get("tid") if isinstance(claims.get("tid"), str) else None
            if tenant is None:
                self.missing("tenant_id", "Business Central URLs contain the tenant; set it or TENANT_ID",
                             shared=True)
        if claims and resource is None and url:
            self._check_audience(claims, TargetSettings(name=self.name, url=url, grant_type="token",
                                                        token_version="v1").audience)
        if len(self.problems) > problem_count:
            return None
        return TargetSettings(
            name=self.name, url=url or "", grant_type=grant or "token", token_version=version or "v1",
            tenant_id=tenant, client_id=client_id,
            client_secret=Secret(client_secret) if client_secret else None,
            username=username, password=Secret(password) if password else None,
            access_token=Secret(access_token) if access_token else None,
            refresh_token=Secret(refresh_token) if refresh_token else None,
            authority=authority, resource=resource,
            redirect_uri=redirect_uri, scope=tuple(s for s in re.split(r"[\s,]+", scope_text) if s),
            keys=self.keys, **extras)

    def _check(self, field_name: str, message: str | None) -> None:
        if message:
            self.problem(field_name, message)

    def _check_url(self, url: str | None) -> str | None:
        if url is None:
            if self.name == "bc":
                return BC_URL
            self.missing("url", f"the service URL such as {URL_EXAMPLES[self.name]}")
            return None
        message = checks.check_http_url(url, URL_EXAMPLES[self.name])
        if message:
            self.problem("url", message)
            return None
        path = urlsplit(url).path.rstrip("/")
        if path:
            if self.name == "crm" and "/api/data" in path.lower():
                self.problem("url", "expected the organization URL without '/api/data/...' "
                                    f"(e.g. {URL_EXAMPLES['crm']}); the API version goes in CRM_API_VERSION")
            elif self.name == "fno" and path.lower().endswith("/data"):
                self.problem("url", f"expected the environment URL without '/data' (e.g. {URL_EXAMPLES['fno']})")
            else:
                self.problem("url", f"expected a URL without a path, such as {URL_EXAMPLES[self.name]}; "
                                    f"got {checks.shown(url)}")
            return None
        return url.rstrip("/")

    def _extras(self) -> dict:
        extras: dict = {}
        if self.name == "crm":
            version = self.value("api_version", suffix="API_VERSION") or DEFAULT_CRM_API_VERSION
            match = _CRM_API_VERSION.match(version)
            if match:
                extras["api_version"] = f"v{match.group(1)}"
            else:
                self.problem("api_version", f"expected a Web API version v9.2, v9.1, v9.0 or v8.2; "
                                            f"got {checks.shown(version)}")
        elif self.name == "bc":
            environment = self.value("environment", suffix="ENVIRONMENT") or DEFAULT_BC_ENVIRONMENT
            if _BC_ENVIRONMENT.match(environment):
                extras["environment"] = environment
            else:
                self.problem("environment", "expected an environment name such as production or sandbox "
                                            f"(letters, digits, '-', '_'); got {checks.shown(environment)}")
            company_id = self.value("company_id", suffix="COMPANY_ID")
            if company_id is not None:
                self._check("company_id", checks.check_guid(company_id, "the company id"))
                extras["company_id"] = company_id
        else:
            company = self.value("company", suffix="COMPANY") or DEFAULT_FNO_COMPANY
            if _FNO_COMPANY.match(company):
                extras["company"] = company
            else:
                self.problem("company", f"expected a legal entity id such as usmf; got {checks.shown(company)}")
        return extras

    def _grant(self, grant, access_token, username, password, client_secret, refresh_token, client_id):
        if grant is not None:
            normalized = grant.lower().replace("-", "_")
            if normalized in ("pasted", "access_token", "bearer"):
                normalized = "token"
            if normalized not in GRANT_TYPES:
                close = difflib.get_close_matches(normalized, GRANT_TYPES, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                self.problem("grant_type", f"unknown grant type {checks.shown(grant)}{hint}; expected one of "
                                           f"{', '.join(GRANT_TYPES)}")
                return None
            return normalized
        if access_token:
            return "token"
        if username or password:
            return "password"
        if refresh_token:
            return "refresh_token"
        if client_secret:
            return "client_credentials"
        if client_id:
            return "authorization_code"
        self.problems.append(Problem(
            f"{self.prefix}_GRANT_TYPE",
            f"no way to get a token: paste one into {self.prefix}_ACCESS_TOKEN, or set "
            f"{self.prefix}_CLIENT_ID with {self.prefix}_USERNAME/{self.prefix}_PASSWORD (password grant), "
            f"{self.prefix}_CLIENT_SECRET (client_credentials) or nothing else (authorization_code sign-in)"))
        return None

    def _version(self, version: str | None, grant: str | None) -> str | None:
        if version is None:
            return default_token_version(grant or "")
        normalized = version.lower().strip()
        normalized = {"1": "v1", "1.0": "v1", "v1.0": "v1", "2": "v2", "2.0": "v2", "v2.0": "v2"}.get(
            normalized, normalized)
        if normalized not in TOKEN_VERSIONS:
            self.problem("token_version", f"expected v1 or v2; got {checks.shown(version)}")
            return None
        return normalized

    def _check_grant_inputs(self, grant, tenant, client_id, client_secret, username, password,
                            access_token, refresh_token, redirect_uri) -> dict:
        if grant is None:
            return {}
        if grant == "token":
            return self._check_pasted_token(access_token)
        need = {
            "password": ("username", "password"),
            "client_credentials": ("client_secret",),
            "authorization_code": (),
            "refresh_token": ("refresh_token",),
        }[grant]
        if tenant is None:
            self.missing("tenant_id", f"the {grant} grant needs the directory (tenant) ID or domain",
                         shared=True)
        elif grant == "client_credentials" and tenant.lower() in checks.TENANT_ALIASES:
            self.problem("tenant_id", "client_credentials needs a real tenant (GUID or domain), "
                                      f"not {checks.shown(tenant)}")
        if client_id is None:
            self.missing("client_id", f"the {grant} grant needs the app registration's application "
                                      "(client) ID", shared=True)
        values = {"username": username, "password": password, "client_secret": client_secret,
                  "refresh_token": refresh_token}
        for field_name in need:
            if not values[field_name]:
                self.missing(field_name, f"the {grant} grant needs it",
                             shared=field_name == "client_secret")
        if grant == "password" and username and "@" not in username:
            self.problem("username", "expected a user principal name such as user@contoso.onmicrosoft.com; "
                                     f"got {checks.shown(username)}")
        if grant == "authorization_code":
            message = checks.check_http_url(redirect_uri, "http://localhost:8400/")
            host = urlsplit(redirect_uri).hostname if not message else None
            if message:
                self.problem("redirect_uri", message)
            elif urlsplit(redirect_uri).scheme != "http" or host not in ("localhost", "127.0.0.1"):
                self.problem("redirect_uri", "expected a loopback URL such as http://localhost:8400/ so the "
                                             "harness can receive the sign-in redirect; got "
                                             f"{checks.shown(redirect_uri)}")
        return {}

    def _check_pasted_token(self, access_token: str | None) -> dict:
        if not access_token:
            self.missing("access_token", "the token grant uses a pasted access token (the value after "
                                         "'Bearer ')")
            return {}
        token = access_token
        if token.lower().startswith("bearer "):
            self.problem("access_token", "paste only the token, without the 'Bearer ' prefix")
            return {}
        try:
            claims = checks.jwt_claims(token)
        except ValueError as exc:
            self.problem("access_token", f"is not a JWT: {exc}")
            return {}
        exp = claims.get("exp")
        if not isinstance(exp, int | float):
            self.problem("access_token", "the token has no numeric 'exp' claim, so its expiry is unknown")
            return {}
        if exp <= self.now + PASTED_TOKEN_SKEW:
            when = datetime.fromtimestamp(exp, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
            minutes = int((self.now - exp) // 60)
            message = (f"the pasted token expired at {when} ({minutes} min ago); paste a new token into "
                       f"{self.keys['access_token']} or set {self.prefix}_GRANT_TYPE so the harness "
                       "fetches tokens itself")
            if self.live:
                self.problem("access_token", message)
            else:
                self.warnings.append(f"{self.keys['access_token']}: {message}")
        return claims

    def _check_audience(self, claims: dict, audience: str) -> None:
        aud = claims.get("aud")
        if isinstance(aud, str) and aud.rstrip("/").lower() != audience.rstrip("/").lower():
            self.warnings.append(
                f"{self.keys['access_token']}: the pasted token is for {aud!r}, not {audience!r}; the "
                f"service will likely answer 401 (set {self.prefix}_RESOURCE if this is intended)")


def _resolve_env_file(env_file: str | Path | None, environ: Mapping[str, str]
                      ) -> tuple[Path | None, Problem | None]:
    if env_file is not None:
        path, source = Path(env_file), "the env_file argument"
    elif environ.get("HARNESS_ENV_FILE", "").strip():
        path, source = Path(environ["HARNESS_ENV_FILE"].strip()), "HARNESS_ENV_FILE"
    else:
        default = Path.cwd() / ".env"
        return (default if default.is_file() else None), None
    path = path.expanduser()
    if not path.is_file():
        key = "HARNESS_ENV_FILE" if source == "HARNESS_ENV_FILE" else None
        return None, Problem(key, f"the env file {path} (from {source}) does not exist or is not a file")
    return path.resolve(), None


def _unknown_keys(env: EnvFile, warnings: list[str]) -> None:
    known = known_keys()
    prefixes = tuple(f"{p}_" for p in PREFIXES.values()) + ("HARNESS_",)
    for key in env.values:
        if key in known or not key.upper().startswith(prefixes):
            continue
        close = difflib.get_close_matches(key.upper(), known, n=1, cutoff=0.75)
        hint = f"; did you mean {close[0]}?" if close else ""
        warnings.append(f"{key} ({env.origin(key)}): unknown key, ignored{hint}")
    for key, lines in env.duplicates.items():
        warnings.append(f"{key} is set on lines {', '.join(map(str, lines))} of {env.path}; "
                        f"the last one (line {lines[-1]}) wins")


def _token_cache(lookup: _Lookup, environ: Mapping[str, str], problems: list[Problem],
                 warnings: list[str], project_dir: Path) -> Path | None:
    value, key, origin = lookup.get("HARNESS_TOKEN_CACHE")
    if value is None:
        return default_token_cache_path(environ)
    if value.lower() in CACHE_OFF:
        return None
    path = Path(value).expanduser().absolute()
    if path.exists() and path.is_dir():
        problems.append(Problem(key, f"expected a file path for the token cache; {path} is a directory",
                                origin))
    elif project_dir.resolve() in path.resolve().parents:
        warnings.append(f"{key} ({origin}): the token cache {path} is inside the project directory "
                        f"{project_dir}; it holds live tokens, so keep it out of version control")
    return path


def load_settings(env_file: str | Path | None = None, environ: Mapping[str, str] | None = None,
                  *, now: float | None = None) -> Settings:
    """Read ``.env`` (argument, else ``HARNESS_ENV_FILE``, else ``./.env`` if present) and ``environ``
    (default ``os.environ``; it wins over the file) into validated :class:`Settings`.

    Raises :class:`SettingsError` listing every problem by key and place. Every secret value is
    registered with :func:`harness.secrets.register_secret` so log redaction masks it.
    """
    environ = os.environ if environ is None else environ
    now = time.time() if now is None else now
    problems: list[Problem] = []
    warnings: list[str] = []
    path, problem = _resolve_env_file(env_file, environ)
    if problem:
        raise SettingsError([problem])
    env = read_env_file(path) if path is not None else None
    if env is not None:
        problems.extend(env.problems)
        _unknown_keys(env, warnings)
    lookup = _Lookup(environ, env)

    target_value, target_key, target_origin = lookup.get("HARNESS_TARGET")
    target = (target_value or "sim").strip().lower()
    if target not in ("sim", "live"):
        problems.append(Problem(target_key, f"expected sim or live; got {checks.shown(target_value or '')}",
                                target_origin))
    live = target == "live"

    secret_values = _secret_values(lookup, env, environ)
    for value, label in secret_values:
        register_secret(value, label)

    built: dict[str, TargetSettings | None] = {}
    configured = []
    for name in TARGETS:
        builder = _TargetBuilder(name, lookup, problems, warnings, live, now)
        if builder.configured():
            configured.append(name)
            built[name] = builder.build()
        else:
            built[name] = None
    if live and not configured:
        problems.append(Problem("HARNESS_TARGET", "is live but no target is configured: set CRM_URL, "
                                                  "FNO_URL or BC_URL (with their credentials)",
                                target_origin))
    cache_path = _token_cache(lookup, environ, problems, warnings, path.parent if path else Path.cwd())
    if problems:
        # Unknown keys often explain a "missing" one (CRM_PASWORD for CRM_PASSWORD): keep their hints.
        raise SettingsError(problems, path, notes=[w for w in warnings if "unknown key" in w])
    warnings = [printable(message) for message in warnings]
    for message in warnings:
        log.warning("%s", message)
    return Settings(target=target, env_file=path, crm=built["crm"], fno=built["fno"], bc=built["bc"],
                    token_cache_path=cache_path, warnings=tuple(warnings),
                    _secret_values=tuple(value for value, _ in secret_values))


def secret_setting_values(env_file: str | Path | None = None, environ: Mapping[str, str] | None = None
                          ) -> list[tuple[str, str]]:
    """(value, label) of every secret setting in ``.env`` and the environment, without validating
    anything (a report must mask them even when the run does not use ``.env``); registered too."""
    environ = os.environ if environ is None else environ
    path, problem = _resolve_env_file(env_file, environ)
    env = read_env_file(path) if path is not None and problem is None else None
    found = _secret_values(_Lookup(environ, env), env, environ)
    for value, label in found:
        register_secret(value, label)
    return found


def _secret_values(lookup: _Lookup, env: EnvFile | None, environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """(value, label) of every secret setting: the policy's settings keys, known and in ``.env``."""
    keys = {f"{p}_{s}" for p in PREFIXES.values() for s in POLICY.settings_suffixes} | {"CLIENT_SECRET"}
    if env is not None:
        keys |= {key for key in env.values if POLICY.is_secret_setting(key)}
    values = []
    for key in sorted(keys):
        found = lookup.raw(key)
        if found is not None:
            label = next((s for s in POLICY.settings_suffixes if key.upper().endswith(s)), label_for(key))
            values.append((found[0], label))
            if found[0].strip() != found[0]:
                values.append((found[0].strip(), label))
    return values
