"""A real headless Chromium (Debian's ``chromium`` + ``chromedriver``) driven by Selenium.

Nothing is downloaded: the browser and the driver are the system's, given by path, so Selenium
Manager is never asked to fetch one. Without them the browser tests skip on a developer machine
and fail in CI (``CI`` set), where ``.ci/run`` installs both.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

CHROMIUM = os.environ.get("HARNESS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = os.environ.get("HARNESS_CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run", "--window-size=1200,900")
SIGN_IN_WAIT = 20.0  # seconds the browser may take to come back to the loopback listener


def missing_browser_parts() -> list[str]:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not (Path(path).is_file() and os.access(path, os.X_OK))]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package")
    return missing


def require_browser() -> None:
    """Skip (developer machine) or fail (CI) when Chromium, chromedriver or Selenium is missing."""
    missing = missing_browser_parts()
    if not missing:
        return
    reason = (f"the headless-browser test needs {', '.join(missing)} "
              "(apt-get install chromium chromium-driver; pip install -e '.[test]')")
    if os.environ.get("CI"):
        pytest.fail(reason + " — .ci/run installs them, so CI must have them", pytrace=False)
    pytest.skip(reason)


def start_chromium(profile_dir: Path):
    """A headless Chromium WebDriver on a throw-away profile."""
    from selenium import webdriver

    os.environ.setdefault("SE_AVOID_STATS", "true")  # Selenium Manager: no telemetry, and no downloads either
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile_dir}")
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    return driver


class BrowserSignIn:
    """Plays the user in the browser: open the authorize URL, type the credentials, press Sign in.

    Used as the provider's ``open_url``: it returns once the browser has been redirected to the
    loopback listener (or has stopped on an error page of the sign-in service).
    """

    def __init__(self, driver, login: str, password: str):
        self.driver = driver
        self.login = login
        self.password = password
        self.authorize_url: str | None = None
        self.sign_in_title: str | None = None
        self.prefilled_login: str | None = None
        self.final_url: str | None = None
        self.final_text: str | None = None

    def __call__(self, url: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        self.authorize_url = url
        redirect_uri = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        driver = self.driver
        driver.get(url)
        self.sign_in_title = driver.title
        login = driver.find_element(By.NAME, "login")
        self.prefilled_login = login.get_attribute("value")
        login.clear()
        login.send_keys(self.login)
        driver.find_element(By.NAME, "passwd").send_keys(self.password)
        sign_in_host = urlsplit(url).netloc
        driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
        # Done when the browser reached the listener, or shows the sign-in service's answer.
        WebDriverWait(driver, SIGN_IN_WAIT).until(
            lambda d: d.current_url.startswith(redirect_uri)
            or (urlsplit(d.current_url).netloc == sign_in_host and d.find_elements(By.CSS_SELECTOR, "[role=alert]")))
        self.final_url = driver.current_url
        self.final_text = driver.find_element(By.TAG_NAME, "body").text
