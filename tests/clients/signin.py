"""What a person does in the browser during a sign-in, done with ``requests`` for the client tests."""

from __future__ import annotations

import threading
import time
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests

from simulator.config import DEFAULT_PASSWORD


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "form" and not self.action:
            self.action = values.get("action") or ""
        if tag == "input" and values.get("name"):
            self.fields[values["name"]] = values.get("value") or ""


def sign_in(auth_uri: str, bundle: str, username: str) -> dict[str, str]:
    """Open ``auth_uri``, fill the sign-in form, and return the query of the redirect (code, state)."""
    with requests.Session() as browser:
        browser.verify = bundle
        page = browser.get(auth_uri, timeout=10)
        page.raise_for_status()
        form = _Form()
        form.feed(page.text)
        form.fields.update({"login": username, "passwd": DEFAULT_PASSWORD})
        reply = browser.post(urljoin(page.url, form.action), data=form.fields, allow_redirects=False, timeout=10)
        assert reply.status_code == 302, reply.text[:500]
        return dict(parse_qsl(urlsplit(reply.headers["Location"]).query))


def enter_device_code(verification_uri: str, user_code: str, bundle: str, username: str) -> requests.Response:
    """Type the user code and the credentials on the device-login page."""
    with requests.Session() as browser:
        browser.verify = bundle
        return browser.post(verification_uri, data={"otc": user_code, "login": username,
                                                    "passwd": DEFAULT_PASSWORD}, timeout=10)


def enter_device_code_later(verification_uri: str, user_code: str, bundle: str, username: str,
                            delay: float = 1.5) -> threading.Thread:
    """The user gets to the page a little later, while the client is already polling."""
    def run() -> None:
        time.sleep(delay)
        enter_device_code(verification_uri, user_code, bundle, username)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread
