"""Contract testing of the Dynamics OData services from their own `$metadata`.

    contract = build_contract(crm, "crm", read_only=True)          # GET $metadata with the harness token
    contract.runner(case)                                          # call + CHECKS + undo what it wrote
    document = contract_document(xml, "dataverse", api_root)       # the OpenAPI document alone
    report = validate_cassettes(["cassettes/suites"], metadata_dir="cassettes/metadata")

Against the simulator the suite is `tests/contract/test_contract.py`; `harness.contract.pinning` stores
the `$metadata` beside recorded cassettes; `harness metadata check-cassettes` runs the offline check.
"""

from harness.contract.baseline import Baseline, KnownIssue
from harness.contract.build import Contract, build_contract
from harness.contract.cassettes import CassetteMismatch, CassetteReport, validate_cassettes
from harness.contract.document import RESERVED_KEY_PREFIX, contract_document, keep_methods, pin_path_parameter
from harness.contract.errors import ContractError
from harness.contract.metadata import dialect_of, fetch_metadata
from harness.contract.runner import ContractRunner
from harness.contract.schema import (
    CHECKS,
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_SEED,
    GenerationSettings,
    load_schema,
)

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
