"""The generated requests depend only on the document, the seed and the settings.

That is what lets a recorded contract run replay from its cassette: same document, same seed ->
byte-identical requests, in this process, in a fresh one (another hash seed, other modules loaded:
Hypothesis would otherwise mix in constants it finds in loaded local modules), and in any order.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.contract import GenerationSettings, contract_document, load_schema
from harness.contract.fuzz import derive_seed, operation_tests, without_local_constants

DATA = Path(__file__).resolve().parents[1] / "metadata" / "data"
REPO = Path(__file__).resolve().parents[2]
VOLATILE_HEADERS = {"x-schemathesis-testcaseid"}  # a random id per case; never matched on replay


def generated_requests(settings: GenerationSettings, reverse: bool = False) -> list[str]:
    """Every request the contract run would send for the small F&O and Dataverse documents, serialised."""
    sent: list[str] = []
    for name, dialect in (("fno_small.xml", "fno"),):
        document = contract_document(DATA / name, dialect, "https://example.invalid/api", max_page=3,
                                     entity_sets=["CustomerGroups", "CustomersV3"])
        schema = load_schema(document, settings)

        def record(case) -> None:
            request = case.as_transport_kwargs(base_url="https://example.invalid/api")
            headers = {k: v for k, v in request["headers"].items() if k.lower() not in VOLATILE_HEADERS}
            sent.append(json.dumps([request["method"], request["url"], request.get("params"), headers,
                                    request.get("json", request.get("data"))], sort_keys=True, default=str))

        tests = list(operation_tests(schema, record, settings))
        for test in reversed(tests) if reverse else tests:
            test.run()
    return sent


def digest(requests: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(requests)).encode()).hexdigest()


SETTINGS = GenerationSettings(max_examples=2)


@pytest.fixture(scope="module")
def baseline() -> list[str]:
    return generated_requests(SETTINGS)


def test_same_seed_same_requests_in_any_order(baseline):
    assert len(baseline) > 25
    assert len(set(baseline)) > len(baseline) // 2  # really generated, not one request repeated
    assert digest(generated_requests(SETTINGS, reverse=True)) == digest(baseline)


def test_another_seed_other_requests(baseline):
    assert digest(generated_requests(GenerationSettings(max_examples=2, seed=7))) != digest(baseline)


def test_a_fresh_process_with_another_hash_seed_generates_the_same_requests(baseline):
    script = (f"import sys; sys.path.insert(0, {str(REPO)!r}); from tests.contract.test_determinism import *; "
              "print(digest(generated_requests(SETTINGS)))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == digest(baseline)


def test_local_constants_are_restored_after_a_run():
    from hypothesis.internal.conjecture import providers

    original = providers._get_local_constants
    with without_local_constants():
        assert providers._get_local_constants() is not None and len(providers._get_local_constants()) == 0
    assert providers._get_local_constants is original


def test_seeds_differ_per_operation_and_mode_but_not_per_process():
    assert derive_seed(1, "positive", "GET /accounts") == derive_seed(1, "positive", "GET /accounts")
    assert derive_seed(1, "positive", "GET /accounts") != derive_seed(1, "negative", "GET /accounts")
    assert derive_seed(1, "positive", "GET /accounts") != derive_seed(1, "positive", "GET /contacts")
