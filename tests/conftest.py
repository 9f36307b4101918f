"""Test-tree configuration: the per-library operation count of the client conformance tier (tests/clients).

It lives here, not in tests/clients/conftest.py, so that the controller of an xdist run (which loads the
conftest of the test paths but collects nothing) receives the reports and prints the count.
"""

from __future__ import annotations

from collections import Counter

import pytest

_results: dict[str, Counter] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "client(name): one operation of a real client library (conformance tier)")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    name = report.user_properties and dict(report.user_properties).get("client")
    if not name:
        return
    counts = _results.setdefault(name, Counter())
    if report.when == "call":
        if hasattr(report, "wasxfail") and not report.passed:  # an xfail; an XPASS counts as working
            counts["known"] += 1
        else:
            counts["passed" if report.passed else "failed" if report.failed else "skipped"] += 1
    elif report.when == "setup" and not report.passed:
        counts["failed" if report.failed else "skipped"] += 1


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not _results:
        return
    terminalreporter.section("client conformance (operations working unchanged against the simulator)")
    for name in sorted(_results):
        counts = _results[name]
        total = counts["passed"] + counts["failed"] + counts["skipped"] + counts["known"]
        extra = f", {counts['skipped']} skipped" if counts["skipped"] else ""
        if counts["known"]:
            extra += f", {counts['known']} known not to work yet (xfail, reason in the test)"
        terminalreporter.write_line(f"  {name}: {counts['passed']} of {total} operations work{extra}")
