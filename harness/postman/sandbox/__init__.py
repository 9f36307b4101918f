"""Run Postman pre-request and test scripts in an embedded V8 (mini-racer).

The ``pm`` API, a chai-compatible ``expect`` and the legacy globals are JavaScript files in
``js/``, loaded once per V8 context; :class:`ScriptEngine` drives them from Python.
"""

from __future__ import annotations

from harness.postman.sandbox.engine import (
    AssertionResult,
    ScriptEngine,
    ScriptError,
    ScriptInput,
    ScriptOutcome,
)

__all__ = ["AssertionResult", "ScriptEngine", "ScriptError", "ScriptInput", "ScriptOutcome"]
