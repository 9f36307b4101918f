"""One call from a ready OData client to everything a contract run needs.

    contract = build_contract(crm, "crm", read_only=True)
    contract.schema      # schemathesis schema (deterministic settings)
    contract.runner      # ContractRunner: call with the harness token, CHECKS, undo writes
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from harness.contract.baseline import Baseline, KnownIssue
from harness.contract.document import contract_document, load_model, operations
from harness.contract.errors import ContractError
from harness.contract.fuzz import OperationTest, operation_tests
from harness.contract.metadata import dialect_of, fetch_metadata
from harness.contract.runner import ContractRunner
from harness.contract.schema import GenerationSettings, load_schema
from harness.metadata import CsdlModel, MetadataError

BC_COMPANIES = "companies"
DEFAULT_MAX_PAGE = 3  # list operations send $top=0..3: every page shape is covered, answers stay small
BC_COMPANY_PARAMETER = "companyId"


@dataclass
class Contract:
    """The `$metadata` a service served, the OpenAPI document made from it, and how to run it."""

    root: str
    metadata: bytes
    model: CsdlModel
    document: dict[str, Any]
    schema: Any
    runner: ContractRunner
    settings: GenerationSettings
    # Path parameters of a record that exists, per GET operation label: tried before generated cases,
    # so reading one record (and its response schema) is always covered, not only 404s.
    examples: dict[str, dict[str, str]] = field(default_factory=dict)

    def tests(self) -> list[OperationTest]:
        """One property test per operation, each sending its generated cases through :attr:`runner`."""
        return list(operation_tests(self.schema, self.runner, self.settings, self.examples))


def present_sets(model: CsdlModel, wanted: str | Iterable[str]) -> str | list[str]:
    """`wanted` limited to the entity sets this document has ("all" stays "all")."""
    if wanted == "all":
        return "all"
    names = [wanted] if isinstance(wanted, str) else list(wanted)
    if not names:
        return []  # operation imports only
    present = [name for name in names if name in model.entity_sets]
    if not present:
        raise ContractError(f"none of the entity sets {', '.join(names)} is in {model.source}")
    return present


def bc_company_id(client: Any) -> str:
    """The first company's id: BC sets live under ``companies(<id>)``, so a random id only finds 404s."""
    response = client.get(BC_COMPANIES, params={"$select": "id", "$top": "1"}, expect_error=True)
    values = response.json().get("value") if response.status == 200 else None
    if not values:
        raise ContractError(f"GET {BC_COMPANIES} answered {response.status} without a company; "
                            "the Business Central contract needs one company to address")
    return str(values[0]["id"])


_PLACEHOLDER = re.compile(r"\{([^}]+)\}")


def existing_records(client: Any, document: dict[str, Any], pinned: dict[str, str]) -> dict[str, dict[str, str]]:
    """For each single-record GET, the key of one record the service has (read with `$top=1`)."""
    found: dict[str, dict[str, str]] = {}
    for path, method, _ in operations(document):
        if method != "get" or not path.endswith(")") or "(" not in path:
            continue
        collection, _, segment = path.rpartition("(")
        names = _PLACEHOLDER.findall(segment)
        if not names or any(name in pinned for name in names):
            continue
        relative = _PLACEHOLDER.sub(lambda m: pinned.get(m.group(1), m.group(0)), collection)
        if "{" in relative:
            continue
        response = client.get(relative.lstrip("/"), params={"$top": "1"}, expect_error=True)
        rows = response.json().get("value") if response.status == 200 else None
        if not rows or not all(rows[0].get(name) is not None for name in names):
            continue
        found[f"GET {path}"] = {**{k: v for k, v in pinned.items() if f"{{{k}}}" in path},
                                **{name: str(rows[0][name]) for name in names}}
    return found


def build_contract(client: Any, root: str, *, read_only: bool = False,
                   entity_sets: str | Iterable[str] = "all",
                   operation_imports: str | Iterable[str] | None = None,
                   path_values: dict[str, str] | None = None,
                   settings: GenerationSettings | None = None,
                   known_issues: Iterable[KnownIssue] = (),
                   max_page: int | None = DEFAULT_MAX_PAGE) -> Contract:
    """Fetch `$metadata` through `client`, convert it, and load it into schemathesis.

    For Business Central, ``companyId`` is pinned to the first company unless `path_values` says
    otherwise. Operation imports that the document lacks are left out rather than failing.
    Failures matching `known_issues` are counted on ``contract.runner.baseline`` instead of raised.
    """
    dialect = dialect_of(root)
    metadata = fetch_metadata(client)
    try:
        model = load_model(metadata)
    except MetadataError as exc:
        raise ContractError(f"the $metadata of {root} is not usable: {exc}") from None
    values = dict(path_values or {})
    if dialect.company_scoped and BC_COMPANY_PARAMETER not in values:
        values[BC_COMPANY_PARAMETER] = bc_company_id(client)
    document = contract_document(model, dialect, client.api_root, entity_sets=present_sets(model, entity_sets),
                                 operation_imports=operation_imports, read_only=read_only,
                                 path_values=values, max_page=max_page)
    settings = settings or GenerationSettings()
    schema = load_schema(document, settings)
    runner = ContractRunner(client, document, root=root, baseline=Baseline(tuple(known_issues)))
    examples = existing_records(client, document, values)
    return Contract(root, metadata, model, document, schema, runner, settings, examples)
