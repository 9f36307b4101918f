"""Keep the `$metadata` a recorded run talked to next to its cassettes: ``<cassettes>/metadata/<root>.xml``.

A cassette says what the service answered; the pinned `$metadata` says what it promised at the
time. With both, recorded answers can be checked offline (:mod:`harness.contract.cassettes`) and
``harness metadata diff cassettes/metadata/crm.xml <today's>`` tells whether the cassettes still
describe the service.

The files are written when a session records (``--record-mode`` other than ``none``, recording not
disabled) and used the harness targets: the autouse session fixture below fetches each configured
root's `$metadata` with the harness's token at the end of the session (outside any cassette, so the
download is never recorded) and replaces the file atomically. It is active where it is imported
(``tests/contract/conftest.py``); :mod:`harness.pytest_plugin` lists it in ``pytest_plugins``, which makes it global.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from harness.contract.metadata import fetch_metadata
from harness.files import write_atomically
from harness.odata.dialects import BY_ROOT
from harness.recording.naming import cassette_root

METADATA_FOLDER = "metadata"
log = logging.getLogger("harness.contract")


def metadata_path(cassette_root: str | Path, root: str) -> Path:
    """``<cassette root>/metadata/<root>.xml``."""
    return Path(cassette_root) / METADATA_FOLDER / f"{root}.xml"


def pin_metadata(cassette_root: str | Path, clients: Mapping[str, Any]) -> dict[str, Path]:
    """Fetch each client's `$metadata` and store it as ``<cassette_root>/metadata/<root>.xml``.

    `clients` maps a root (crm, fno, bc) to an :class:`~harness.odata.ODataClient`. A file whose
    content is unchanged is not rewritten (no needless churn in version control).
    """
    written: dict[str, Path] = {}
    for root, client in clients.items():
        if root not in BY_ROOT:
            continue
        content = fetch_metadata(client)
        path = metadata_path(cassette_root, root)
        if not path.is_file() or path.read_bytes() != content:
            write_atomically(path, content)
        written[root] = path
    return written


def recording_requested(config: pytest.Config) -> bool:
    """True when this session writes cassettes (pytest-recording's ``--record-mode`` is not ``none``)."""
    if config.getoption("disable_recording", default=False):
        return False
    return (config.getoption("record_mode", default=None) or "none") != "none"


_PIN_KEY = pytest.StashKey[bool]()


@pytest.fixture(autouse=True)
def pinned_contract_metadata(request: pytest.FixtureRequest):
    """When recording, store each target's `$metadata` beside the cassettes as the targets go away.

    The download hangs on the ``harness_targets`` fixture's own teardown: the simulator is still up
    then, and no cassette is active, so it is never recorded. It is set up once, by the first test
    after the targets exist.
    """
    yield
    config = request.config
    if config.stash.get(_PIN_KEY, False) or not recording_requested(config):
        return
    definitions = request._fixturemanager.getfixturedefs("harness_targets", request.node) or ()
    active = [d for d in definitions if getattr(d, "cached_result", None) is not None]
    if not active:
        return
    config.stash[_PIN_KEY] = True
    definition = active[-1]
    definition.addfinalizer(lambda: _pin_targets(config, definition.cached_result))


def _pin_targets(config: pytest.Config, cached: Any) -> None:
    if not cached or cached[0] is None:
        return

    from harness.auth import MemoryTokenCache, TokenBroker
    from harness.targets import client_for

    targets = cached[0]
    settings = getattr(config, "harness_settings", None)
    broker = TokenBroker.from_settings(settings) if settings is not None else TokenBroker(MemoryTokenCache())
    from harness.http import new_session

    with new_session() as session:
        clients = {name: client_for(target, broker, session) for name, target in targets.items()}
        try:
            written = pin_metadata(cassette_root(config), clients)
        except Exception as exc:  # the run's results stand; say why the pin is missing
            log.warning("could not store $metadata next to the cassettes: %s", exc)
            return
    log.info("stored $metadata for %s", ", ".join(sorted(written)))
