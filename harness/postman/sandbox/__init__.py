"""Run Postman pre-request and test scripts in an embedded V8 (mini-racer).

The ``pm`` API and the legacy globals are JavaScript files in ``js/``; ``expect``, chai-postman's
``pm.response.to`` assertions and every library ``require()`` returns are Postman's real npm
packages, bundled by ``bundle/build.mjs`` at ``npm ci`` into ``js/dist/``. :class:`ScriptEngine`
drives them from Python, one V8 context per run.
"""

from __future__ import annotations

from harness.lazy import lazy_exports

# name -> module: imported on first use (PEP 562), so `harness --help` does not pay for this package
_EXPORTS = {
    "AssertionResult": "harness.postman.sandbox.engine",
    "ScriptEngine": "harness.postman.sandbox.engine",
    "ScriptError": "harness.postman.sandbox.engine",
    "ScriptInput": "harness.postman.sandbox.engine",
    "ScriptOutcome": "harness.postman.sandbox.engine",
}


__getattr__ = lazy_exports(globals(), _EXPORTS)


__all__ = ["AssertionResult", "ScriptEngine", "ScriptError", "ScriptInput", "ScriptOutcome"]
