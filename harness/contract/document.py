"""Turn a `$metadata` document into the OpenAPI document a contract run tests against.

`harness.metadata.to_openapi` states what the service promises; this module only adapts that
document for *running* it: keep the read operations for a read-only run, pin path parameters that
must name something real (BC's company), and keep the keys that writes address inside a reserved
namespace, so a generated PATCH or DELETE can never hit a record the contract run did not make.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

from harness.metadata import CsdlModel, parse_csdl, to_openapi
from harness.metadata.openapi import select_names
from harness.odata.dialects import Dialect

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
READ_METHODS = frozenset({"get", "head"})
KEYED_WRITE_METHODS = frozenset({"patch", "put", "delete"})
# String keys that writes may address: 'zzct' + up to 6 letters/digits. It fits F&O's four-letter
# dataAreaId and ten-letter ids, and no seeded or real record uses it.
RESERVED_KEY_PREFIX = "zzct"
RESERVED_KEY_SCHEMA = {"type": "string", "pattern": f"^{RESERVED_KEY_PREFIX}[a-z0-9]{{0,6}}$",
                       "minLength": len(RESERVED_KEY_PREFIX), "maxLength": len(RESERVED_KEY_PREFIX) + 6}
_TEMPLATE = re.compile(r"\{([^}]+)\}")


def load_model(metadata: bytes | str | CsdlModel) -> CsdlModel:
    """A parsed model from `$metadata` bytes, XML text, a file path, or an already parsed model."""
    return metadata if isinstance(metadata, CsdlModel) else parse_csdl(metadata)


def contract_document(metadata: bytes | str | CsdlModel, dialect: str | Dialect, server_url: str, *,
                      entity_sets: str | Iterable[str] = "all",
                      operation_imports: str | Iterable[str] | None = None,
                      read_only: bool = False,
                      path_values: Mapping[str, str] | None = None,
                      reserve_write_keys: bool = True,
                      max_page: int | None = None) -> dict[str, Any]:
    """The OpenAPI document for a contract run (a fresh dict: safe to edit).

    `path_values` pins path parameters to one value (`{"companyId": "<id>"}`); `read_only` drops
    every operation but GET; `reserve_write_keys` narrows the string keys of PATCH/PUT/DELETE to
    :data:`RESERVED_KEY_SCHEMA` (GUID and number keys are left alone: generated ones never collide);
    `max_page` makes `$top` required and at most that on list operations (see :func:`limit_page_size`).
    """
    model = load_model(metadata)
    imports = _existing_imports(model, operation_imports)
    document = copy.deepcopy(to_openapi(model, dialect, entity_sets, server_url, operation_imports=imports))
    for name, value in (path_values or {}).items():
        pin_path_parameter(document, name, value)
    if read_only:
        keep_methods(document, READ_METHODS)
    elif reserve_write_keys:
        reserve_keys_for_writes(document)
    if max_page is not None:
        limit_page_size(document, max_page)
    return document


def limit_page_size(document: dict[str, Any], max_page: int) -> int:
    """List operations always send `$top` (0..max_page): small answers, small cassettes, gentle on a live org.

    Only what the run *sends* is narrowed; the answers are still checked against the full response
    schema. Returns how many operations were changed.
    """
    changed = 0
    for _, method, operation in operations(document):
        if method != "get":
            continue
        for parameter in _parameters(document, operation):
            if parameter.get("in") == "query" and parameter.get("name") == "$top":
                parameter["required"] = True
                parameter["schema"] = {**parameter.get("schema", {}), "minimum": 0, "maximum": max_page}
                changed += 1
    return changed


def _existing_imports(model: CsdlModel, wanted: str | Iterable[str] | None) -> list[str] | None:
    """The requested operation imports that this document has (a live org may lack one)."""
    if wanted is None or model.container is None:
        return None
    available = {**model.container.function_imports, **model.container.action_imports}
    if wanted == "all":
        return list(available) or None
    names = [wanted] if isinstance(wanted, str) else list(wanted)
    present = [name for name in names if name in available]
    return select_names(available, present, "operation import", model.source) if present else None


def operations(document: Mapping[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) for every operation of the document."""
    for path, item in document.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def keep_methods(document: dict[str, Any], methods: Iterable[str]) -> None:
    """Remove every operation whose method is not in `methods`, and paths left without any."""
    allowed = {method.lower() for method in methods}
    for path in list(document["paths"]):
        item = document["paths"][path]
        for method in HTTP_METHODS:
            if method in item and method not in allowed:
                del item[method]
        if not any(method in item for method in HTTP_METHODS):
            del document["paths"][path]


def _parameters(document: dict[str, Any], holder: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline parameter objects of a path item or operation (`$ref`s resolved into copies)."""
    resolved = []
    for parameter in holder.get("parameters", []):
        if "$ref" in parameter:
            name = parameter["$ref"].rpartition("/")[2]
            parameter = copy.deepcopy(document["components"]["parameters"][name])
        resolved.append(parameter)
    holder["parameters"] = resolved
    return resolved


def pin_path_parameter(document: dict[str, Any], name: str, value: str) -> int:
    """Give path parameter `name` the single value `value` everywhere; returns how many were pinned."""
    pinned = 0
    for path, item in document["paths"].items():
        if f"{{{name}}}" not in path:
            continue
        holders = [item] + [item[m] for m in HTTP_METHODS if m in item]
        for holder in holders:
            for parameter in _parameters(document, holder):
                if parameter.get("in") == "path" and parameter.get("name") == name:
                    parameter["schema"] = {"type": "string", "enum": [value]}
                    pinned += 1
    return pinned


def reserve_keys_for_writes(document: dict[str, Any]) -> None:
    """String key parameters of PATCH/PUT/DELETE operations only take values in the reserved namespace.

    The path item's shared parameters are copied into each write operation (an operation-level
    parameter overrides the path-level one of the same name), so reads keep exploring every key.
    """
    for path, item in document["paths"].items():
        templated = set(_TEMPLATE.findall(path))
        shared = [p for p in _parameters(document, item) if p.get("in") == "path" and p.get("name") in templated]
        for method in KEYED_WRITE_METHODS & set(item):
            operation = item[method]
            own = _parameters(document, operation)
            own_names = {(p.get("name"), p.get("in")) for p in own}
            for parameter in shared:
                if parameter.get("schema", {}).get("enum"):
                    continue  # pinned (BC company): keep
                if (parameter["name"], "path") in own_names or not _is_free_string(parameter.get("schema", {})):
                    continue
                own.append({**parameter, "schema": dict(RESERVED_KEY_SCHEMA)})


def _is_free_string(schema: Mapping[str, Any]) -> bool:
    return schema.get("type") == "string" and "format" not in schema and "enum" not in schema


def item_path_for(document: Mapping[str, Any], collection_path: str) -> str | None:
    """The single-record path template below a collection path (`/accounts` -> `/accounts({accountid})`)."""
    for path in document.get("paths", {}):
        if path.startswith(collection_path + "(") and "/" not in path[len(collection_path):]:
            return path
    return None
