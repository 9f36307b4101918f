"""Test harness for Dynamics 365 OData APIs (Dataverse, Finance & Operations, Business Central).

The few names a script or notebook needs::

    from harness import connect

    crm = connect("crm")                    # .env (or $HARNESS_ENV_FILE) + environment, signed in
    print(crm.whoami())
    page = crm.query("accounts", Query(select=["name"], top=3))

``connect(name)`` gives an authenticated :class:`ODataClient` for ``crm``, ``fno`` or ``bc``;
``load_settings()`` reads ``.env`` into :class:`Settings`; :class:`Query` builds query options;
every user mistake is a :class:`HarnessError` (a failed request is its subclass :class:`ODataError`).
Everything is imported on first use, so ``import harness`` stays cheap for the CLI.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.errors import HarnessError
    from harness.odata import ODataClient, ODataError, Query
    from harness.settings import Settings, load_settings
    from harness.targets import connect

_EXPORTS = {
    "connect": "harness.targets",
    "load_settings": "harness.settings",
    "Settings": "harness.settings",
    "ODataClient": "harness.odata",
    "Query": "harness.odata",
    "ODataError": "harness.odata",
    "HarnessError": "harness.errors",
}

__all__ = ["HarnessError", "ODataClient", "ODataError", "Query", "Settings", "connect", "load_settings"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'harness' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
