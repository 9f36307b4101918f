"""Contract testing of the Dynamics OData services from their own `$metadata`.

    contract = build_contract(crm, "crm", read_only=True)          # GET $metadata with the harness token
    contract.runner(case)                                          # call + CHECKS + undo what it wrote
    document = contract_document(xml, "dataverse", api_root)       # the OpenAPI document alone
    report = validate_cassettes(["cassettes/suites"], metadata_dir="cassettes/metadata")

Against the simulator the suite is `tests/contract/test_contract.py`; `harness.contract.pinning` stores
the `$metadata` beside recorded cassettes; `harness metadata check-cassettes` runs the offline check.
"""

from __future__ import annotations

from harness.lazy import lazy_exports

# name -> module: imported on first use (PEP 562), so `harness --help` does not pay for this package
_EXPORTS = {
    "Baseline": "harness.contract.baseline",
    "KnownIssue": "harness.contract.baseline",
    "Contract": "harness.contract.build",
    "build_contract": "harness.contract.build",
    "CassetteMismatch": "harness.contract.cassettes",
    "CassetteReport": "harness.contract.cassettes",
    "validate_cassettes": "harness.contract.cassettes",
    "RESERVED_KEY_PREFIX": "harness.contract.document",
    "contract_document": "harness.contract.document",
    "keep_methods": "harness.contract.document",
    "pin_path_parameter": "harness.contract.document",
    "ContractError": "harness.contract.errors",
    "dialect_of": "harness.contract.metadata",
    "fetch_metadata": "harness.contract.metadata",
    "ContractRunner": "harness.contract.runner",
    "CHECKS": "harness.contract.schema",
    "DEFAULT_MAX_EXAMPLES": "harness.contract.schema",
    "DEFAULT_SEED": "harness.contract.schema",
    "GenerationSettings": "harness.contract.schema",
    "load_schema": "harness.contract.schema",
}


__getattr__ = lazy_exports(globals(), _EXPORTS)


__all__ = [
    "Baseline",
    "KnownIssue",
    "CHECKS",
    "DEFAULT_MAX_EXAMPLES",
    "DEFAULT_SEED",
    "RESERVED_KEY_PREFIX",
    "CassetteMismatch",
    "CassetteReport",
    "Contract",
    "ContractError",
    "ContractRunner",
    "GenerationSettings",
    "build_contract",
    "contract_document",
    "dialect_of",
    "fetch_metadata",
    "keep_methods",
    "load_schema",
    "pin_path_parameter",
    "validate_cassettes",
]
