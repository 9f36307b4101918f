"""The README's promise about report.html, checked where it matters: in a real browser's layout."""

from __future__ import annotations

import pytest


def test_the_summary_table_is_above_the_environment_block(pytester: pytest.Pytester, browser):
    pytester.makepyfile(test_one="def test_ok():\n    assert True\n")
    result = pytester.runpytest_subprocess("--html", "report.html", "--self-contained-html", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    browser.get((pytester.path / "report.html").as_uri())
    top = browser.execute_script(
        "return ['title', 'harness-summary', 'environment'].map(id => document.getElementById(id)"
        ".getBoundingClientRect().top);")
    title, summary, environment = top
    assert title < summary < environment
