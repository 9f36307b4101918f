"""Layering promises of docs/architecture.md that a refactor could silently break."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _loaded_after(statement: str, modules: tuple[str, ...]) -> list[str]:
    code = f"import sys; {statement}; print(' '.join(m for m in {modules!r} if m in sys.modules))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=REPO).stdout.split()


def test_simulator_config_is_data_only():
    assert _loaded_after("import simulator.config", ("simulator.throttling", "starlette")) == []


@pytest.mark.parametrize("module", ["harness.auth.authcode", "harness.auth.providers", "harness.recording.fixtures",
                                    "harness.contract.pinning"])
def test_modules_import_on_their_own(module):
    """No import cycle hidden behind a function-level import: each imports first, alone."""
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, cwd=REPO)

