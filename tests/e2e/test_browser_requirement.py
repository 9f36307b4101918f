"""Without a browser the e2e tests skip on a developer machine and fail loudly in CI."""

from __future__ import annotations

import pytest

from tests.e2e import browser


def test_missing_chromium_skips_outside_ci(monkeypatch):
    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="needs /nonexistent/chromium.*apt-get install chromium"):
        browser.require_browser()


def test_missing_chromedriver_fails_in_ci(monkeypatch):
    monkeypatch.setattr(browser, "CHROMEDRIVER", "/nonexistent/chromedriver")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="needs /nonexistent/chromedriver.*CI must have them"):
        browser.require_browser()

