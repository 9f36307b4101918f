"""schemathesis fuzzing of every simulated root: at least 1,000 generated cases each, no server error.

The contract suite (tests/contract/) checks full conformance with few cases per operation and replays
from cassettes; this run goes wide instead, live against the simulator on loopback, with the one check
that matters for robustness: the simulator answers valid and invalid input alike without a 5xx.
Generation is seeded per operation, so the same cases run every time.
"""

from __future__ import annotations

import math

import pytest
from schemathesis.checks import not_a_server_error

from harness.contract import build_contract
from harness.contract.schema import GenerationSettings

CASES_PER_ROOT = 1000
MODES = 2  # "all": valid (positive) and invalid (negative) inputs


@pytest.mark.sim_only
@pytest.mark.parametrize("root", ["crm", "fno", "bc"])
def test_a_thousand_generated_cases_cause_no_server_error(request, root):
    client = request.getfixturevalue(root)
    operations = len(build_contract(client, root).tests())
    per_operation = math.ceil(1.5 * CASES_PER_ROOT / (operations * MODES))  # headroom: small inputs repeat
    contract = build_contract(client, root, settings=GenerationSettings(max_examples=per_operation, modes="all"))
    contract.runner.checks = [not_a_server_error]
    for test in contract.tests():
        test.run()
    assert contract.runner.calls >= CASES_PER_ROOT, f"only {contract.runner.calls} cases were sent to {root}"
