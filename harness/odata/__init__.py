"""The harness's OData v4 client for Dataverse, Finance & Operations and Business Central.

Typical use::

    from harness.odata import DATAVERSE, ODataClient, Query, eq, and_, contains

    client = ODataClient(f"{org}/api/data/v9.2", DATAVERSE, auth=bearer_auth)
    created = client.create("accounts", {"name": "O'Bryan & Sons"})
    page = client.query("accounts", Query(select=["name"], filter=and_(eq("statecode", 0),
                                                                         contains("name", "Bryan"))))
"""

from __future__ import annotations

from harness.lazy import lazy_exports

# ``prefer`` is both a submodule and a function of it: bind the function now, or the first import of
# the submodule (by anything) would leave the module object under that name. The module is tiny.
from harness.odata.prefer import parse_preferences, prefer

# name -> module: imported on first use (PEP 562), so `harness --help` does not pay for this package
_EXPORTS = {
    "Batch": "harness.odata.batch",
    "BatchPart": "harness.odata.batch",
    "BatchResult": "harness.odata.batch",
    "ODataClient": "harness.odata.client",
    "UnknownCreatedKeyWarning": "harness.odata.client",
    "dump_json": "harness.odata.client",
    "BUSINESS_CENTRAL": "harness.odata.dialects",
    "DATAVERSE": "harness.odata.dialects",
    "DIALECTS": "harness.odata.dialects",
    "FNO": "harness.odata.dialects",
    "Dialect": "harness.odata.dialects",
    "ErrorDetails": "harness.odata.errors",
    "ODataConnectionError": "harness.odata.errors",
    "ODataError": "harness.odata.errors",
    "ODataProtocolError": "harness.odata.errors",
    "ODataUrlError": "harness.odata.errors",
    "parse_error_body": "harness.odata.errors",
    "redact_url": "harness.odata.errors",
    "ANY": "harness.odata.etags",
    "EntityTag": "harness.odata.etags",
    "etag_of": "harness.odata.etags",
    "if_match": "harness.odata.etags",
    "if_none_match": "harness.odata.etags",
    "is_weak": "harness.odata.etags",
    "parse_etag": "harness.odata.etags",
    "strong_match": "harness.odata.etags",
    "weak_match": "harness.odata.etags",
    "Expr": "harness.odata.filters",
    "all_": "harness.odata.filters",
    "and_": "harness.odata.filters",
    "any_": "harness.odata.filters",
    "contains": "harness.odata.filters",
    "endswith": "harness.odata.filters",
    "eq": "harness.odata.filters",
    "ge": "harness.odata.filters",
    "gt": "harness.odata.filters",
    "in_": "harness.odata.filters",
    "le": "harness.odata.filters",
    "lt": "harness.odata.filters",
    "ne": "harness.odata.filters",
    "not_": "harness.odata.filters",
    "or_": "harness.odata.filters",
    "startswith": "harness.odata.filters",
    "EntityRef": "harness.odata.keys",
    "entity_path": "harness.odata.keys",
    "format_key": "harness.odata.keys",
    "parse_entity_id": "harness.odata.keys",
    "EnumValue": "harness.odata.literals",
    "FnoEnum": "harness.odata.literals",
    "Raw": "harness.odata.literals",
    "literal": "harness.odata.literals",
    "parse_literal": "harness.odata.literals",
    "validate_path": "harness.odata.paths",
    "Query": "harness.odata.query",
    "encode_params": "harness.odata.query",
    "normalize_query": "harness.odata.query",
    "ODataResponse": "harness.odata.response",
    "Page": "harness.odata.response",
}


__getattr__ = lazy_exports(globals(), _EXPORTS)


__all__ = [
    "ANY", "BUSINESS_CENTRAL", "Batch", "BatchPart", "BatchResult", "DATAVERSE", "DIALECTS", "FNO", "Dialect", "EntityRef", "EntityTag",
    "EnumValue", "ErrorDetails", "Expr", "FnoEnum", "ODataClient", "ODataConnectionError", "ODataError",
    "ODataProtocolError", "ODataResponse", "ODataUrlError", "Page", "Query", "Raw",
    "UnknownCreatedKeyWarning", "all_", "and_", "any_", "contains", "dump_json", "encode_params",
    "endswith", "entity_path", "eq", "etag_of", "format_key", "ge", "gt", "if_match", "if_none_match",
    "in_", "is_weak", "le", "literal", "lt", "ne", "normalize_query", "not_", "or_", "parse_entity_id", "parse_error_body",
    "parse_etag", "parse_literal", "parse_preferences", "prefer", "redact_url", "startswith",
    "strong_match", "validate_path", "weak_match",
]
