"""Postman collections (v2.0/v2.1) as a runner and as pytest items.

``load_collection`` reads a collection into :class:`Collection` (with an :class:`ImportReport` of
what cannot be honoured), :class:`CollectionRunner` runs it like Newman with the pre-request and
test scripts executed in an embedded V8 (mini-racer), and ``harness.postman.plugin`` turns each
request of each iteration into a pytest item.
"""

from __future__ import annotations

from harness.lazy import lazy_exports

# name -> module: imported on first use (PEP 562), so `harness --help` does not pay for this package
_EXPORTS = {
    "DynamicValues": "harness.postman.dynamic",
    "CollectionError": "harness.postman.errors",
    "UnresolvedVariableError": "harness.postman.errors",
    "load_collection": "harness.postman.loader",
    "load_data_file": "harness.postman.loader",
    "load_environment": "harness.postman.loader",
    "Auth": "harness.postman.model",
    "Collection": "harness.postman.model",
    "Folder": "harness.postman.model",
    "RequestItem": "harness.postman.model",
    "ImportReport": "harness.postman.report",
    "ReportEntry": "harness.postman.report",
    "CollectionRunner": "harness.postman.runner",
    "ItemExecution": "harness.postman.runner",
    "RunResult": "harness.postman.runner",
    "VariableResolver": "harness.postman.variables",
    "VariableScope": "harness.postman.variables",
}


__getattr__ = lazy_exports(globals(), _EXPORTS)


__all__ = [
    "Auth",
    "Collection",
    "CollectionError",
    "CollectionRunner",
    "DynamicValues",
    "Folder",
    "ImportReport",
    "ItemExecution",
    "ReportEntry",
    "RequestItem",
    "RunResult",
    "UnresolvedVariableError",
    "VariableResolver",
    "VariableScope",
    "load_collection",
    "load_data_file",
    "load_environment",
]
