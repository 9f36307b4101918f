"""Variables the harness supplies for the target a collection runs against.

:func:`simulator_variables` reads them from a running simulator, :func:`target_variables` from target
settings (the simulator's or ``.env``'s, as ``harness run`` opens them through :mod:`harness.targets`).
Against the embedded simulator, collections written with ``{{crm_api}}``, ``{{token_url}}``,
``{{username}}``... get values read from the running simulator's configuration (a low-precedence
layer, so an environment file still wins). The simulator object is used duck-typed — ``harness``
never imports ``simulator``. The password and client secret are the simulator's own well-known
defaults, registered for redaction anyway.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from harness.postman.model import Collection
from harness.secrets import register_secret
from harness.settings.target_settings import BC_AUDIENCE, TargetSettings

SIMULATOR_VARIABLES = (
    "crm_url", "crm_api", "fno_url", "fno_api", "bc_url", "bc_resource", "tenant_id", "login_url", "token_url",
    "token_url_v2", "client_id", "username", "password", "confidential_client_id", "client_secret", "fno_company",
)

_REFERENCE = re.compile(r"\{\{([^{}]+?)\}\}|\.get\(\s*['\"]([^'\"]+)['\"]\s*\)|replaceIn\(")


def _first(items: Iterable[Any], test) -> Any:
    return next((item for item in items if test(item)), None)


def simulator_variables(sim: Any) -> dict[str, str]:
    """The variable layer for a running ``SimulatorServer`` (or anything with a ``config``)."""
    cfg = getattr(sim, "config", sim)
    login_url = str(getattr(cfg, "login_url", "")).rstrip("/")
    crm_url = str(getattr(cfg, "crm_url", "")).rstrip("/")
    fno_url = str(getattr(cfg, "fno_url", "")).rstrip("/")
    tenant = str(getattr(cfg, "tenant_id", ""))
    values = {
        "crm_url": crm_url,
        "crm_api": f"{crm_url}/api/data/v9.2",
        "fno_url": fno_url,
        "fno_api": f"{fno_url}/data",
        "bc_url": str(getattr(cfg, "bc_url", "")).rstrip("/"),
        "bc_resource": BC_AUDIENCE,
        "tenant_id": tenant,
        "login_url": login_url,
        "token_url": f"{login_url}/{tenant}/oauth2/token",
        "token_url_v2": f"{login_url}/{tenant}/oauth2/v2.0/token",
        "fno_company": str(getattr(cfg, "fno_default_company", "usmf")),
    }
    users = list(getattr(cfg, "users", []) or [])
    user = _first(users, lambda u: not getattr(u, "mfa_required", False) and getattr(u, "consented", True)
                  and not getattr(u, "disabled", False) and not getattr(u, "locked", False))
    if user is not None:
        values["username"] = str(user.upn)
        values["password"] = str(user.password)
        register_secret(values["password"])
    clients = list(getattr(cfg, "clients", []) or [])
    public = _first(clients, lambda c: getattr(c, "public", False) and not getattr(c, "secret", None))
    if public is not None:
        values["client_id"] = str(public.client_id)
    confidential = _first(clients, lambda c: getattr(c, "secret", None) and not getattr(c, "secret_expired", False))
    if confidential is not None:
        values["confidential_client_id"] = str(confidential.client_id)
        values["client_secret"] = str(confidential.secret)
        register_secret(values["client_secret"])
    return values


def live_variables(targets: Mapping[str, Any]) -> dict[str, str]:
    """The same variable layer for the instance in ``.env`` (``harness test --target live``).

    ``targets`` maps ``crm``/``fno``/``bc`` to :class:`~harness.settings.TargetSettings`; only the
    configured ones contribute. Secrets (password, client secret) are registered for masking.
    """
    values: dict[str, str] = {}
    for name, target in targets.items():
        if target.tenant_id and "tenant_id" not in values:
            values["tenant_id"] = target.tenant_id
            values["login_url"] = target.authority
            values["token_url"] = f"{target.authority}/{target.tenant_id}/oauth2/token"
            values["token_url_v2"] = f"{target.authority}/{target.tenant_id}/oauth2/v2.0/token"
        if name == "crm":
            values.update(crm_url=target.url, crm_api=target.api_root)
        elif name == "fno":
            values.update(fno_url=target.url, fno_api=target.api_root, fno_company=target.company)
        elif name == "bc":
            values.update(bc_url=target.url, bc_resource=target.audience)
        if target.password is not None and target.username and "username" not in values:
            values.update(username=target.username, password=target.password.reveal(),
                          client_id=target.client_id or "")
            register_secret(values["password"])
        if target.client_secret is not None and "client_secret" not in values:
            values.update(confidential_client_id=target.client_id or "", client_secret=target.client_secret.reveal())
            register_secret(values["client_secret"])
    return {k: v for k, v in values.items() if v}


def referenced_variables(collection: Collection) -> set[str]:
    """Variable names a collection mentions in requests, auth, variables and scripts."""
    names: set[str] = set()
    texts: list[str] = []
    for node in [collection, *collection.folders(), *collection.requests()]:
        texts.extend(script.code for script in node.events)
        if node.auth is not None:
            texts.extend(str(v) for v in node.auth.params.values())
        texts.extend(str(v.value) for v in node.variables)
    for item in collection.requests():
        texts.append(repr(item.request))
    for text in texts:
        for match in _REFERENCE.finditer(text):
            name = match.group(1) or match.group(2)
            if name:
                names.add(name.strip())
    return names


def needs_simulator(collection: Collection, defined: Iterable[str]) -> bool:
    """True when the collection uses a simulator variable nobody else defines."""
    wanted = referenced_variables(collection) & set(SIMULATOR_VARIABLES)
    return bool(wanted - set(defined))


def target_variables(targets: Mapping[str, TargetSettings]) -> dict[str, str]:
    """The variables of collections/README.md from target settings (the simulator's, or .env's)."""
    crm, fno, bc = targets.get("crm"), targets.get("fno"), targets.get("bc")
    values: dict[str, str] = {}
    anchor = next((t for t in (crm, fno, bc) if t is not None and t.tenant_id), None)
    if anchor is not None:
        tenant_root = f"{anchor.authority}/{anchor.tenant_id}"
        values.update(tenant_id=str(anchor.tenant_id), login_url=anchor.authority,
                      token_url=f"{tenant_root}/oauth2/token", token_url_v2=f"{tenant_root}/oauth2/v2.0/token")
    if crm is not None:
        values.update(crm_url=crm.url, crm_api=crm.api_root)
        if crm.client_id:
            values["client_id"] = crm.client_id
        if crm.username and crm.password is not None:
            values.update(username=crm.username, password=crm.password.reveal())
    if fno is not None:
        values.update(fno_url=fno.url, fno_api=fno.api_root, fno_company=fno.company)
    if bc is not None:
        values.update(bc_url=bc.url, bc_resource=bc.audience)
    confidential = next((t for t in (fno, bc, crm) if t is not None and t.client_secret is not None
                         and t.client_id), None)
    if confidential is not None:
        values.update(confidential_client_id=str(confidential.client_id),
                      client_secret=confidential.client_secret.reveal())  # type: ignore[union-attr]
    return values
