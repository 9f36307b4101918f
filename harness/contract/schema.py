"""Load a contract document into schemathesis with settings that make a run repeatable and short.

Repeatable matters twice: a CI failure must reproduce locally, and a recorded run must send the very
same requests again so its cassette replays. The seeds and Hypothesis settings are applied per
operation by :mod:`harness.contract.fuzz`; the configuration here keeps schemathesis' own choices
(example database, coverage and stateful phases, time-based health checks) out of the way, because
each of them would make two runs differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import schemathesis
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

DEFAULT_SEED = 20_260_101
DEFAULT_MAX_EXAMPLES = 4

#: What every contract run checks on every response.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@dataclass(frozen=True)
class GenerationSettings:
    """How many cases per operation and from which seed; `modes` "all" adds invalid inputs (negative)."""

    max_examples: int = DEFAULT_MAX_EXAMPLES
    seed: int = DEFAULT_SEED
    modes: str = "all"

    def config(self) -> schemathesis.Config:
        return schemathesis.Config.from_dict({
            "seed": self.seed,
            "suppress-health-check": ["all"],
            "generation": {
                "max-examples": self.max_examples,
                "deterministic": True,
                "database": "none",
                "no-shrink": True,
                "mode": self.modes,
                # The harness signs every request itself; generated Authorization headers would only
                # test the identity provider.
                "with-security-parameters": False,
            },
            "phases": {
                "examples": {"enabled": True},
                "fuzzing": {"enabled": True},
                "coverage": {"enabled": False},
                "stateful": {"enabled": False},
            },
        })


def load_schema(document: dict[str, Any], settings: GenerationSettings | None = None):
    """A schemathesis schema for `document` (an `OpenApiSchema`), configured by `settings`."""
    settings = settings or GenerationSettings()
    return schemathesis.openapi.from_dict(document, config=settings.config())
