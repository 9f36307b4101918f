"""A headless Chromium for the end-to-end tests (one per module, cookies cleared per test)."""

from __future__ import annotations

import pytest

from tests.e2e.browser import require_browser, start_chromium


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    require_browser()
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


@pytest.fixture
def browser(chromium):
    """The module's browser with no cookies left from an earlier sign-in."""
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    yield chromium
