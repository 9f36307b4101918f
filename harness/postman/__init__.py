"""Postman collections (v2.0/v2.1) as a runner and as pytest items.

``load_collection`` reads a collection into :class:`Collection` (with an :class:`ImportReport` of
what cannot be honoured), :class:`CollectionRunner` runs it like Newman with the pre-request and
test scripts executed in an embedded V8 (mini-racer), and ``harness.postman.plugin`` turns each
request of each iteration into a pytest item.
"""

from __future__ import annotations

from harness.postman.dynamic import DynamicValues
from harness.postman.errors import CollectionError, UnresolvedVariableError
from harness.postman.loader import load_collection, load_data_file, load_environment
from harness.postman.model import Auth, Collection, Folder, RequestItem
from harness.postman.report import ImportReport, ReportEntry
from harness.postman.runner import CollectionRunner, ItemExecution, RunResult
from harness.postman.variables import VariableResolver, VariableScope

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
