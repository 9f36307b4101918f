"""The harness's OData v4 client for Dataverse, Finance & Operations and Business Central.

Typical use::

    from harness.odata import DATAVERSE, ODataClient, Query, eq, and_, contains

    client = ODataClient(f"{org}/api/data/v9.2", DATAVERSE, auth=bearer_auth)
    created = client.create("accounts", {"name": "O'Bryan & Sons"})
    page = client.query("accounts", Query(select=["name"], filter=and_(eq("statecode", 0),
                                                                         contains("name", "Bryan"))))
"""

from harness.odata.batch import Batch, BatchPart, BatchResult
from harness.odata.client import ODataClient, UnknownCreatedKeyWarning, dump_json
from harness.odata.dialects import BUSINESS_CENTRAL, DATAVERSE, DIALECTS, FNO, Dialect
from harness.odata.errors import (
    ErrorDetails,
    ODataConnectionError,
    ODataError,
    ODataProtocolError,
    ODataUrlError,
    parse_error_body,
    redact_url,
)
from harness.odata.etags import (
    ANY,
    EntityTag,
    etag_of,
    if_match,
    if_none_match,
    is_weak,
    parse_etag,
    strong_match,
    weak_match,
)
from harness.odata.filters import (
    Expr,
    all_,
    and_,
    any_,
    contains,
    endswith,
    eq,
    ge,
    gt,
    in_,
    le,
    lt,
    ne,
    not_,
    or_,
    startswith,
)
from harness.odata.keys import EntityRef, entity_path, format_key, parse_entity_id
from harness.odata.literals import EnumValue, FnoEnum, Raw, literal, parse_literal
from harness.odata.paths import validate_path
from harness.odata.prefer import parse_preferences, prefer
from harness.odata.query import Query, encode_params, normalize_query
from harness.odata.response import ODataResponse, Page

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
