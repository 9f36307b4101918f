"""Validity checks for generated OpenAPI documents.

`assert_valid_full` runs openapi-spec-validator (thorough, ~9 s for a whole Dataverse org);
`assert_valid_fast` checks the same document against the official OpenAPI 3.0 JSON Schema with
the Rust validator, then the semantic rules the JSON Schema cannot express (every `$ref`
resolves, path templates and path parameters agree). Both then load it into schemathesis.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files
from typing import Any

import jsonschema_rs
import schemathesis
from openapi_spec_validator import validate as spec_validate

_TEMPLATE = re.compile(r"\{([^}]+)\}")


@cache
def _meta_validator():
    meta = json.loads((files("openapi_spec_validator") / "resources/schemas/v3.0/schema.json").read_text())
    return jsonschema_rs.validator_for(meta)


def _resolve(document: dict, ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"unresolvable $ref {ref}"
        node = node[part]
    return node


def _refs(node: Any):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _check_semantics(document: dict) -> None:
    for ref in set(_refs(document)):
        _resolve(document, ref)
    for path, item in document["paths"].items():
        templated = set(_TEMPLATE.findall(path))
        shared = [_param(document, p) for p in item.get("parameters", [])]
        for method, operation in item.items():
            if method == "parameters":
                continue
            params = shared + [_param(document, p) for p in operation.get("parameters", [])]
            declared = {p["name"] for p in params if p["in"] == "path"}
            assert declared == templated, f"{method.upper()} {path}: path params {declared} != template {templated}"
            keys = [(p["name"], p["in"]) for p in params]
            assert len(keys) == len(set(keys)), f"{method.upper()} {path}: duplicate parameters {keys}"


def _param(document: dict, parameter: dict) -> dict:
    return _resolve(document, parameter["$ref"]) if "$ref" in parameter else parameter


def assert_loads_in_schemathesis(document: dict) -> int:
    """Every operation must load without error; returns how many there are."""
    schema = schemathesis.openapi.from_dict(document)
    count = 0
    for result in schema.get_all_operations():
        assert type(result).__name__ == "Ok", result.err()
        count += 1
    assert count > 0
    return count


def assert_valid_fast(document: dict) -> int:
    json.dumps(document)  # plain JSON types only
    errors = [str(error)[:300] for error in _meta_validator().iter_errors(document)]
    assert not errors, errors[:3]
    _check_semantics(document)
    return assert_loads_in_schemathesis(document)


def assert_valid_full(document: dict) -> int:
    spec_validate(document)
    _check_semantics(document)
    return assert_loads_in_schemathesis(document)
