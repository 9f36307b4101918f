"""The one target bridge: from ``.env`` settings or a running simulator to targets, clients and variables.

* :func:`open_targets` — "which targets, with which credentials" for a command: the live ``.env``
  or an embedded simulator started for the duration;
* :func:`targets_of_simulator` / :func:`simulator_targets` — ``TargetSettings`` for a running
  simulator's default users and apps (the pytest plugin, the CLI, the canary tests);
* :func:`client_for` — an authenticated :class:`~harness.odata.ODataClient` for a target (the root
  name becomes a dialect through :data:`harness.odata.dialects.BY_ROOT`); :func:`connect` does it all
  from ``.env`` for a script (``from harness import connect``);

Not to be confused with :mod:`harness.settings.target_settings` (the settings of one target) and
:mod:`harness.postman.target_variables` (the variables a collection gets from a simulator or from targets).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import requests

from harness.auth import TokenBroker
from harness.errors import HarnessError
from harness.odata import ODataClient
from harness.odata.dialects import BY_ROOT
from harness.settings import TargetSettings, load_settings

# Keys the client cannot read from a create response header (F&O and BC answer with a body).
ENTITY_KEYS: dict[str, dict[str, list[str]]] = {
    "crm": {"accounts": ["accountid"], "contacts": ["contactid"], "tasks": ["activityid"]},
    "fno": {"CustomersV3": ["dataAreaId", "CustomerAccount"], "CustomerGroups": ["dataAreaId", "CustomerGroupId"], "VendorsV2": ["dataAreaId", "VendorAccount"],
            "SalesOrderHeadersV2": ["dataAreaId", "SalesOrderNumber"],
            "SalesOrderLines": ["dataAreaId", "InventoryLotId"]},
    "bc": {},
}


def client_for(target: TargetSettings, broker: TokenBroker, session: requests.Session | None = None,
               on_created=None, timeout: float = 30) -> ODataClient:
    """An :class:`ODataClient` for ``target`` that signs requests with the broker's token."""
    return ODataClient(target.api_root, BY_ROOT[target.name], session=session, auth=broker.auth(target),
                       timeout=timeout, on_created=on_created, entity_keys=ENTITY_KEYS.get(target.name))


def connect(name: str, env_file: str | None = None, *, session: requests.Session | None = None,
            timeout: float = 30) -> ODataClient:
    """An authenticated client for the target ``name`` (``crm``, ``fno``, ``bc``) described by ``.env``.

    ``env_file`` defaults to ``$HARNESS_ENV_FILE`` or ``./.env``; real environment variables win over
    the file. Tokens come from the settings' token cache (``HARNESS_TOKEN_CACHE``), so a notebook
    signs in once. Raises :class:`~harness.settings.SettingsError` for a bad ``.env`` and
    :class:`~harness.errors.HarnessError` for a target that is not configured.
    """
    settings = load_settings(env_file)
    target = settings.targets().get(name)
    if target is None:
        configured = ", ".join(settings.targets()) or "none"
        raise HarnessError(f"no settings for target {name!r} (configured: {configured}): set "
                           f"{name.upper()}_URL and its sign-in keys in .env (see .env.example)")
    return client_for(target, TokenBroker.from_settings(settings), session=session, timeout=timeout)


def simulator_targets(login_url: str, tenant_id: str, crm_url: str, fno_url: str, bc_url: str,
                      public_client: str, confidential_client: str, username: str, password: str,
                      client_secret: str) -> dict[str, TargetSettings]:
    """Settings for the embedded simulator: CRM signs in with ROPC (the users' flow), F&O and BC as an app."""
    return {
        "crm": TargetSettings.simulated("crm", url=crm_url, login_url=login_url, tenant_id=tenant_id,
                                        client_id=public_client, username=username, password=password,
                                        grant_type="password", token_version="v1"),
        "fno": TargetSettings.simulated("fno", url=fno_url, login_url=login_url, tenant_id=tenant_id,
                                        client_id=confidential_client, client_secret=client_secret,
                                        grant_type="client_credentials", token_version="v2"),
        "bc": TargetSettings.simulated("bc", url=bc_url, login_url=login_url, tenant_id=tenant_id,
                                       client_id=confidential_client, client_secret=client_secret,
                                       grant_type="client_credentials", token_version="v2"),
    }


def targets_of_simulator(server: Any) -> dict[str, TargetSettings]:
    """:func:`simulator_targets` for a running ``SimulatorServer`` and its default user and apps."""
    from simulator import config as simcfg  # only front-ends start a simulator; the library never does

    c = server.config
    return simulator_targets(c.login_url, c.tenant_id, c.crm_url, c.fno_url, c.bc_url, simcfg.PUBLIC_CLIENT_ID,
                             simcfg.CONFIDENTIAL_CLIENT_ID, c.users[0].upn, simcfg.DEFAULT_PASSWORD,
                             simcfg.DEFAULT_CLIENT_SECRET)


@contextlib.contextmanager
def open_targets(target: str, env_file: str | None) -> Iterator[tuple[dict[str, TargetSettings], TokenBroker]]:
    """Yield ``(targets, broker)``; for ``sim`` a simulator runs for the duration of the block."""
    if target == "live":
        settings = load_settings(env_file)
        yield settings.targets(), TokenBroker.from_settings(settings)
        return
    from harness.auth import MemoryTokenCache
    from simulator.server import SimulatorServer

    with SimulatorServer() as server:
        yield targets_of_simulator(server), TokenBroker(MemoryTokenCache())
