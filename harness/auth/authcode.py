"""Authorization code + PKCE (S256) sign-in through a loopback redirect listener.

The one flow that works for MFA users and is Microsoft's recommended replacement for ROPC. The
provider opens the authorize URL in a browser (or prints it with ``no_browser=True``), a tiny
``http.server`` on the redirect URI's port receives ``?code=...&state=...``, and the code is
exchanged with its PKCE verifier. :func:`build_authorize_url` and :func:`exchange_code` are public
so tests (and other tools) can drive the sign-in form themselves.
"""

from __future__ import annotations

import base64
import hashlib
import html
import logging
import secrets
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import requests

from harness.auth.endpoint import DEFAULT_TIMEOUT, request_token, target_params
from harness.auth.errors import AuthError, friendly_message
from harness.auth.providers import GrantProvider
from harness.auth.token import AccessToken
from harness.http import new_session
from harness.secrets import register_secret
from harness.settings.target_settings import TargetSettings

log = logging.getLogger("harness.auth")
DEFAULT_WAIT = 300.0  # seconds the user gets to sign in


# ---------------------------------------------------------------------------- PKCE + URLs
def make_pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge): 43-char verifier, unpadded base64url SHA-256 challenge."""
    verifier = secrets.token_urlsafe(32)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    register_secret(verifier)
    return verifier, challenge


def build_authorize_url(target: TargetSettings, *, redirect_uri: str, state: str, code_challenge: str,
                        login_hint: str | None = None, prompt: str | None = None) -> str:
    """The v1 (``resource=``) or v2 (``scope=``) authorize URL with an S256 PKCE challenge."""
    params: dict[str, str] = {"client_id": target.client_id or "", "response_type": "code",
                              "redirect_uri": redirect_uri, "response_mode": "query", "state": state,
                              "code_challenge": code_challenge, "code_challenge_method": "S256"}
    params.update(target_params(target, user_flow=True))
    if login_hint or target.username:
        params["login_hint"] = login_hint or target.username or ""
    if prompt:
        params["prompt"] = prompt
    return f"{target.authorize_url}?{urlencode(params)}"


def exchange_code(target: TargetSettings, code: str, *, redirect_uri: str, code_verifier: str,
                  session: requests.Session | None = None, timeout: float = DEFAULT_TIMEOUT) -> AccessToken:
    """Redeem an authorization code (with its PKCE verifier) at the token endpoint."""
    register_secret(code)
    form = {"grant_type": "authorization_code", "client_id": target.client_id or "", "code": code,
            "redirect_uri": redirect_uri, "code_verifier": code_verifier,
            **target_params(target, user_flow=True)}
    if target.client_secret is not None:
        form["client_secret"] = target.client_secret.reveal()
    return request_token(session or new_session(), target, form, grant="authorization_code",
                         timeout=timeout)


# ---------------------------------------------------------------------------- loopback listener
@dataclass
class RedirectResult:
    """The query of the redirect the browser delivered (code or error)."""

    params: dict[str, str]

    @property
    def code(self) -> str | None:
        return self.params.get("code")

    @property
    def state(self) -> str | None:
        return self.params.get("state")

    @property
    def error(self) -> str | None:
        return self.params.get("error")


_PAGE = ("<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
         "<body><h1>{title}</h1><p>{text}</p></body></html>")


class LoopbackListener:
    """Listens on the redirect URI's loopback port for the one sign-in redirect.

    Port 0 picks a free port; :attr:`redirect_uri` then carries the real one (Entra accepts any
    port for a registered ``http://localhost`` redirect URI).
    """

    def __init__(self, redirect_uri: str, *, setting_key: str = "REDIRECT_URI"):
        parts = urlsplit(redirect_uri)
        if parts.scheme != "http" or parts.hostname not in ("localhost", "127.0.0.1"):
            raise AuthError(f"{setting_key} must be a loopback URL such as http://localhost:8400/ to receive "
                            f"the sign-in redirect; got {redirect_uri!r}")
        self._parts = parts
        self._path = parts.path or "/"
        self._result: RedirectResult | None = None
        self._arrived = threading.Event()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server naming
                listener._handle(self, urlsplit(self.path).query)

            def do_POST(self) -> None:  # noqa: N802 - form_post response mode
                length = int(self.headers.get("Content-Length") or 0)
                listener._handle(self, self.rfile.read(length).decode("utf-8", "replace"))

            def log_message(self, format: str, *args) -> None:  # quiet: the query holds the code
                return

        try:
            self._server = HTTPServer(("127.0.0.1", parts.port or 0), Handler)
        except OSError as exc:
            raise AuthError(f"cannot listen on 127.0.0.1:{parts.port} for the sign-in redirect "
                            f"({setting_key}): {exc.strerror}; choose another port (0 = any free port)") from exc
        port = self._server.server_address[1]
        self.redirect_uri = urlunsplit(("http", f"{parts.hostname}:{port}", self._path, "", ""))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="harness-auth-redirect", daemon=True)

    def _handle(self, handler: BaseHTTPRequestHandler, query: str) -> None:
        path = urlsplit(handler.path).path or "/"
        params = {key: values[0] for key, values in parse_qs(query).items()}
        if path.rstrip("/") != self._path.rstrip("/") or not ({"code", "error"} & params.keys()):
            handler.send_response(404)
            handler.end_headers()
            return
        if params.get("code"):
            register_secret(params["code"])
        if "error" in params:
            title, text = "Sign-in failed", html.escape(params.get("error_description") or params["error"])
        else:
            title, text = "Signed in", "The test harness received the sign-in. You can close this window."
        body = _PAGE.format(title=title, text=text).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        if self._result is None:
            self._result = RedirectResult(params)
            self._arrived.set()

    def wait(self, timeout: float) -> RedirectResult:
        if not self._arrived.wait(timeout):
            raise AuthError(f"no sign-in redirect reached {self.redirect_uri} within {timeout:g} s; "
                            "finish the sign-in in the browser, or open the printed URL")
        assert self._result is not None
        return self._result

    def __enter__(self) -> LoopbackListener:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


# ---------------------------------------------------------------------------- provider
class AuthorizationCodeProvider(GrantProvider):
    """Interactive sign-in (browser) with PKCE; later tokens come from the refresh token.

    ``open_url`` replaces the browser (tests pass a function that drives the sign-in form);
    ``no_browser=True`` prints the URL for the user to open instead of launching a browser.
    """

    grant = "authorization_code"

    def __init__(self, target: TargetSettings, cache=None, *, no_browser: bool = False,
                 open_url: Callable[[str], object] | None = None, wait_timeout: float = DEFAULT_WAIT,
                 login_hint: str | None = None, prompt: str | None = None, **options):
        super().__init__(target, cache, **options)
        self.no_browser = no_browser
        self.open_url = open_url
        self.wait_timeout = wait_timeout
        self.login_hint = login_hint
        self.prompt = prompt

    def _present(self, url: str) -> None:
        if self.open_url is not None:
            self.open_url(url)
            return
        if not self.no_browser:
            try:
                if webbrowser.open(url):
                    log.info("%s: opened the browser for sign-in", self.target.prefix)
                    return
            except webbrowser.Error:
                pass
            log.info("%s: no browser available; printing the sign-in URL", self.target.prefix)
        print(f"\nSign in for {self.target.prefix} ({self.target.audience}): open this URL in a browser\n"
              f"{url}\n", flush=True)
        log.info("%s: waiting for the sign-in at %s", self.target.prefix, url)

    def _acquire(self) -> AccessToken:
        verifier, challenge = make_pkce_pair()
        state = secrets.token_urlsafe(16)
        with LoopbackListener(self.target.redirect_uri, setting_key=self.target.key("redirect_uri")) as listener:
            url = build_authorize_url(self.target, redirect_uri=listener.redirect_uri, state=state,
                                      code_challenge=challenge, login_hint=self.login_hint, prompt=self.prompt)
            self._present(url)
            result = listener.wait(self.wait_timeout)
        if result.error:
            description = (result.params.get("error_description") or "").splitlines()
            code = None
            if description and description[0].startswith("AADSTS"):
                digits = description[0][6:].split(":", 1)[0]
                code = int(digits) if digits.isdigit() else None
            advice = friendly_message(code, result.error, self.target, self.grant)
            raise AuthError(f"{self.target.prefix} sign-in failed: {advice} [{result.error}]"
                            + (f"\nEntra ID said: {description[0]}" if description else ""),
                            error=result.error, error_codes=[code] if code else [],
                            description=result.params.get("error_description"))
        if result.state != state:
            raise AuthError(f"{self.target.prefix} sign-in: the redirect's state does not match the request "
                            "(a stale or forged redirect); sign in again")
        if not result.code:
            raise AuthError(f"{self.target.prefix} sign-in: the redirect carried no authorization code")
        self.requests_made += 1
        return exchange_code(self.target, result.code, redirect_uri=listener.redirect_uri,
                             code_verifier=verifier, session=self.session, timeout=self.timeout)
