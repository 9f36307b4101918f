"""A headless stand-in for the user's browser in the authorization-code flow.

Tests (and harness end-to-end checks) need to "sign in" on the simulated page without a real
browser: :func:`sign_in` fetches the authorize URL, fills the form's ``login``/``passwd`` fields,
posts it with the hidden fields, and returns where the provider sent the browser (the
``code``/``state`` or ``error`` values from query, fragment or form_post). :func:`pkce_pair`
makes an RFC 7636 verifier and challenge.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests


def pkce_pair(method: str = "S256") -> tuple[str, str]:
    """(code_verifier, code_challenge) for ``method`` ``S256`` or ``plain``."""
    verifier = secrets.token_urlsafe(48)
    if method == "plain":
        return verifier, verifier
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class HtmlForm:
    action: str = ""
    method: str = "get"
    fields: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    """Collects the first form of a page with its named inputs (good enough for these pages)."""

    def __init__(self) -> None:
        super().__init__()
        self.form: HtmlForm | None = None
        self._done = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and self.form is None:
            self.form = HtmlForm(values.get("action", ""), values.get("method", "get").lower())
        elif tag == "input" and self.form is not None and not self._done and values.get("name"):
            self.form.fields[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._done = True

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_form(html: str) -> HtmlForm | None:
    parser = _FormParser()
    parser.feed(html)
    return parser.form


@dataclass
class SignInResult:
    """Where the sign-in ended: a redirect/relay to the app (``params``) or a page (``html``)."""

    status: int
    redirect_to: str | None = None  # the app's redirect URI (without the returned values)
    params: dict[str, str] = field(default_factory=dict)
    mode: str | None = None  # "query" | "fragment" | "form_post" | None when no hand-back
    html: str = ""


def _handed_back(response: requests.Response) -> SignInResult:
    if response.status_code in (301, 302, 303, 307, 308):
        location = response.headers["Location"]
        parts = urlsplit(location)
        if parts.fragment:
            return SignInResult(response.status_code, location.split("#", 1)[0],
                                dict(parse_qsl(parts.fragment)), "fragment")
        return SignInResult(response.status_code, location.split("?", 1)[0], dict(parse_qsl(parts.query)), "query")
    form = parse_form(response.text)
    if form is not None and form.method == "post" and "passwd" not in form.fields:
        return SignInResult(response.status_code, form.action, form.fields, "form_post", response.text)
    return SignInResult(response.status_code, html=response.text)


def sign_in(authorize_url: str, login: str, password: str, *,
            session: requests.Session | None = None) -> SignInResult:
    """Open ``authorize_url``, submit the sign-in form, and report the hand-back to the app."""
    http = session or requests.Session()
    page = http.get(authorize_url, allow_redirects=False, timeout=10)
    form = parse_form(page.text) if page.status_code == 200 else None
    if form is None or "passwd" not in form.fields:
        return _handed_back(page)
    values = dict(form.fields) | {"login": login, "passwd": password}
    target = urljoin(authorize_url, form.action)
    return _handed_back(http.post(target, data=values, allow_redirects=False, timeout=10))
