"""Resolve "which targets, with which credentials" for CLI commands: a live .env or the simulator."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from harness.auth import MemoryTokenCache, TokenBroker
from harness.settings import TargetSettings, load_settings
from harness.targets import simulator_targets


@contextlib.contextmanager
def open_targets(target: str, env_file: str | None) -> Iterator[tuple[dict[str, TargetSettings], TokenBroker]]:
    """Yield ``(targets, broker)``; for ``sim`` a simulator runs for the duration of the block."""
    if target == "live":
        settings = load_settings(env_file)
        yield settings.targets(), TokenBroker.from_settings(settings)
        return
    from simulator import config as simcfg  # the CLI may start the simulator; the library never does
    from simulator.server import SimulatorServer

    with SimulatorServer() as server:
        c = server.config
        targets = simulator_targets(c.login_url, c.tenant_id, c.crm_url, c.fno_url, c.bc_url,
                                    simcfg.PUBLIC_CLIENT_ID, simcfg.CONFIDENTIAL_CLIENT_ID, c.users[0].upn,
                                    simcfg.DEFAULT_PASSWORD, simcfg.DEFAULT_CLIENT_SECRET)
        yield targets, TokenBroker(MemoryTokenCache())
