"""Static scan of script text for sandbox features the harness does not provide.

A regex scan (comments and string literals removed first) is enough to warn before a run: it
finds ``pm.visualizer``, ``pm.cookies.jar()``, ``pm.require``, ``require()`` of a module Postman's
sandbox does not have, legacy APIs, and a top-level ``const``/``let`` of a sandbox name (the
Business Central collection's ``const responseCode``), which fails the script with a SyntaxError in
Newman and here.
"""

from __future__ import annotations

import re

from harness.postman.sandbox.catalog import requirable_modules, scope_names

# (feature key, regex, message). Feature keys are stable: tests and users filter on them.
_UNSUPPORTED_APIS: list[tuple[str, str, str]] = [
    ("script:pm.visualizer", r"\bpm\.visualizer\b", "pm.visualizer is ignored (no visual output in a test run)"),
    ("script:pm.cookies.jar", r"\bpm\.cookies\.jar\s*\(", "pm.cookies.jar() is not implemented"),
    ("script:pm.vault", r"\bpm\.vault\b", "pm.vault is not implemented"),
    ("script:pm.require", r"\bpm\.require\s*\(",
     "pm.require (Postman package library) is not available: 'pm.require is not a function', as in Newman 6.2.2"),
    ("script:pm.execution.runRequest", r"\bpm\.execution\.runRequest\s*\(",
     "pm.execution.runRequest is not implemented"),
    ("script:pm.message", r"\bpm\.message\b", "pm.message (non-HTTP protocols) is not implemented"),
]

_LEGACY_GLOBALS = ["responseBody", "responseCode", "responseHeaders", "responseTime", "responseCookies",
                   "tests", "environment", "globals", "data", "iteration"]

_TOP_LEVEL_DECLARATION = re.compile(r"^(const|let)\s+([A-Za-z_$][\w$]*)", re.MULTILINE)
_REQUIRE = re.compile(r"""\brequire\s*\(\s*(['"])([^'"]+)\1\s*\)""")
_LEGACY_POSTMAN = re.compile(r"\bpostman\.(\w+)\s*\(")
_DECLARED = r"(?:\b(?:var|let|const|function)\s+{name}\b|[,(]\s*{name}\s*[,)=])"


def strip_comments_and_strings(code: str, keep_strings: bool = False) -> str:
    """Blank out comments (and string literals unless ``keep_strings``) keeping line structure."""
    out = []
    i = 0
    n = len(code)
    while i < n:
        c = code[i]
        if code.startswith("//", i):
            j = code.find("\n", i)
            j = n if j < 0 else j
            i = j
            continue
        if code.startswith("/*", i):
            j = code.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * code.count("\n", i, j))
            i = j
            continue
        if c in "'\"`":
            j = i + 1
            while j < n and code[j] != c:
                j += 2 if code[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(code[i:j] if keep_strings else c + c)
            i = j
            continue
        out.append(c)
        i += 1
    return "".join(out)


def scan_script(code: str) -> list[tuple[str, str, str]]:
    """Findings for one script: ``(severity, feature, message)``."""
    findings: list[tuple[str, str, str]] = []
    bare = strip_comments_and_strings(code)
    with_strings = strip_comments_and_strings(code, keep_strings=True)
    for feature, pattern, message in _UNSUPPORTED_APIS:
        if re.search(pattern, bare):
            severity = "info" if feature == "script:pm.visualizer" else "unsupported"
            findings.append((severity, feature, message))
    for match in _REQUIRE.finditer(with_strings):
        module = match.group(2)
        if module not in requirable_modules():
            findings.append(("unsupported", f"script:require:{module}",
                             f"require('{module}') fails with \"Cannot find module\": Postman's sandbox has no "
                             "such module"))
    for match in _TOP_LEVEL_DECLARATION.finditer(bare):
        name = match.group(2)
        if name in scope_names():
            findings.append(("warning", f"script:redeclared:{name}",
                             f"top-level '{match.group(1)} {name}' redeclares a sandbox global: the script fails "
                             f"with \"SyntaxError: Identifier '{name}' has already been declared\" (as in Newman)"))
    for match in _LEGACY_POSTMAN.finditer(bare):
        method = match.group(1)
        findings.append(("info", f"legacy:postman.{method}",
                         f"legacy API postman.{method}() (supported; pm.* is the modern form)"))
    for name in _LEGACY_GLOBALS:
        if not re.search(rf"(?<![.\w$]){name}\b(?!\s*:)", bare):
            continue
        if re.search(_DECLARED.format(name=name), bare):
            continue  # a local of that name shadows the legacy global
        findings.append(("info", f"legacy:{name}", f"legacy global '{name}' (supported)"))
    return findings
