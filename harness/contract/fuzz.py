"""One Hypothesis run per operation and generation mode, each with its own fixed seed.

Schemathesis' lazy pytest loader (``schemathesis.pytest.from_fixture``) is the usual way to test a
schema that only exists at run time, but 4.32 reads ``request.node._nodeid``, which pytest 9 no
longer has. The public pieces are enough: :meth:`APIOperation.as_strategy` gives the cases, and
Hypothesis runs them with a seed derived from the run's seed, the mode and the operation's label
(`GET /accounts`). Nothing depends on the test function's source, the order of operations, the
process or the clock, so the same run sends the same requests: the precondition for replaying
it from a cassette.

One Hypothesis feature has to be switched off for that: it mines literal constants from every
*local* module loaded in the process (this repository's code, tests, conftests) and sometimes draws
those instead of random values. The pool then depends on which modules a run happened to import and
on what any of them contains, so running a subset of tests, or editing an unrelated file, changed
the generated requests. :func:`without_local_constants` empties that pool while the contract's
property tests run (Hypothesis' built-in constants still apply).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from harness.contract.errors import ContractError
from harness.contract.schema import GenerationSettings


@dataclass(frozen=True)
class OperationTest:
    """A ready-to-run property test of one operation (`label` is `METHOD /path`)."""

    label: str
    run: Callable[[], None]


def derive_seed(seed: int, mode: str, label: str) -> int:
    """A stable 64-bit seed per (run seed, mode, operation); unlike `hash`, the same in every process."""
    digest = hashlib.blake2b(f"{seed}:{mode}:{label}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def hypothesis_settings(settings: GenerationSettings) -> hypothesis.settings:
    """Explicit values for everything a Hypothesis profile (the CI one included) could change."""
    return hypothesis.settings(
        max_examples=settings.max_examples,
        derandomize=False,  # the explicit @seed decides
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as generated
        suppress_health_check=list(HealthCheck),  # health checks are partly time-based
        report_multiple_bugs=False,
        print_blob=False,
    )


@contextlib.contextmanager
def without_local_constants() -> Iterator[None]:
    """Hypothesis draws no constants harvested from local modules inside this block (see module doc)."""
    from hypothesis.internal.conjecture import providers
    from hypothesis.internal.constants_ast import Constants

    empty = Constants()
    original = providers._get_local_constants
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()  # it caches permitted constants, local ones included
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()


def modes_of(settings: GenerationSettings) -> list[GenerationMode]:
    if settings.modes == "all":
        return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return [GenerationMode(settings.modes)]


def _property_test(operation: Any, mode: GenerationMode, call: Callable[[Any], Any],
                   settings: GenerationSettings, example: dict[str, str] | None = None) -> Callable[[], None]:
    strategy = operation.as_strategy(generation_mode=mode)

    def run(case: Any) -> None:
        call(case)

    if example is not None:
        run = hypothesis.example(case=operation.Case(path_parameters=dict(example)))(run)
    test = hypothesis.given(case=strategy)(run)
    test = hypothesis_settings(settings)(test)
    return hypothesis.seed(derive_seed(settings.seed, mode.value, operation.label))(test)


def operation_tests(schema: Any, call: Callable[[Any], Any], settings: GenerationSettings | None = None,
                    examples: dict[str, dict[str, str]] | None = None) -> Iterator[OperationTest]:
    """For each operation of `schema` (document order), a test that sends its cases through `call`.

    `examples` maps an operation label to path parameters that are always tried first (positive mode).
    """
    settings = settings or GenerationSettings()
    examples = examples or {}
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            error = result.err()

            def broken(error: Any = error) -> None:
                raise ContractError(f"the contract document has an unusable operation: {error}")

            yield OperationTest(getattr(error, "label", None) or str(getattr(error, "path", "?")), broken)
            continue
        operation = result.ok()
        runs = [_property_test(operation, mode, call, settings,
                               examples.get(operation.label) if mode == GenerationMode.POSITIVE else None)
                for mode in modes_of(settings)]

        def run_all(runs: list[Callable[[], None]] = runs) -> None:
            with without_local_constants():
                for run in runs:
                    run()

        yield OperationTest(operation.label, run_all)
