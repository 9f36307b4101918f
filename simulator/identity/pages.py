"""The few HTML pages of the simulated sign-in: the form, the form_post relay and error pages.

The sign-in form is deliberately plain so a test (or a harness "browser") can fill it with two
fields: ``login`` and ``passwd``, posted back to the authorize URL together with hidden copies of
the original query parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from starlette.responses import HTMLResponse

from simulator.identity.errors import NO_CACHE_HEADERS

SIGN_IN_FIELDS = ("login", "passwd")


def _hidden_inputs(values: Mapping[str, str]) -> str:
    return "\n".join(f'    <input type="hidden" name="{escape(name)}" value="{escape(value)}"/>'
                     for name, value in values.items())


def sign_in_page(action: str, params: Mapping[str, str], *, login_hint: str = "", client_name: str = "",
                 error: str | None = None, status_code: int = 200) -> HTMLResponse:
    """The username/password form; ``error`` shows a failed attempt (Entra stays on its page too)."""
    carried = {name: value for name, value in params.items() if name not in SIGN_IN_FIELDS}
    message = f'  <div id="usernameError" role="alert">{escape(error)}</div>\n' if error else ""
    body = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"/><title>Sign in to your account</title></head>
<body>
  <h1>Sign in</h1>
  <p>to continue to {escape(client_name or "the application")} (Dynamics simulator)</p>
{message}  <form method="post" action="{escape(action)}" name="f1" id="i0281">
{_hidden_inputs(carried)}
    <label for="i0116">Email, phone, or Skype</label>
    <input type="email" name="login" id="i0116" value="{escape(login_hint)}" autocomplete="username"/>
    <label for="i0118">Password</label>
    <input type="password" name="passwd" id="i0118" autocomplete="current-password"/>
    <input type="submit" id="idSIButton9" value="Sign in"/>
  </form>
</body>
</html>
"""
    return HTMLResponse(body, status_code=status_code, headers=dict(NO_CACHE_HEADERS))


def form_post_page(redirect_uri: str, values: Mapping[str, str]) -> HTMLResponse:
    """``response_mode=form_post``: a self-submitting form that POSTs the result to the redirect URI."""
    body = f"""<html><head><title>Working...</title></head><body>
<form method="POST" name="hiddenform" action="{escape(redirect_uri)}">
{_hidden_inputs(values)}
<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit"/></noscript>
</form>
<script language="javascript">document.forms[0].submit();</script>
</body></html>
"""
    return HTMLResponse(body, headers=dict(NO_CACHE_HEADERS))


def error_page(code: int, message: str, *, status_code: int = 400, trace_id: str = "",
               correlation_id: str = "") -> HTMLResponse:
    """A sign-in error that cannot be sent back to the app (bad client or redirect URI)."""
    body = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"/><title>Sign in to your account</title></head>
<body>
  <h1>Sorry, but we're having trouble signing you in.</h1>
  <p id="error-code">AADSTS{code}: {escape(message)}</p>
  <p>Request Id: {escape(trace_id)}<br/>Correlation Id: {escape(correlation_id)}</p>
</body></html>
"""
    return HTMLResponse(body, status_code=status_code, headers=dict(NO_CACHE_HEADERS))


def error_lookup_page(code: int, error: str, template: str) -> HTMLResponse:
    """The page behind ``error_uri`` (Entra's login.microsoftonline.com/error?code=...)."""
    body = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"/><title>AADSTS{code}</title></head>
<body><h1>Error code AADSTS{code}</h1><p>Error: {escape(error)}</p><p>{escape(template)}</p></body></html>
"""
    return HTMLResponse(body)


def signed_out_page() -> HTMLResponse:
    return HTMLResponse("<!DOCTYPE html><html><body><p>You signed out of your account.</p></body></html>",
                        headers=dict(NO_CACHE_HEADERS))


def device_login_page(action: str, *, user_code: str = "", error: str | None = None, done: bool = False,
                      status_code: int = 200) -> HTMLResponse:
    """The device code verification page: the code and the user's credentials in one form."""
    if done:
        body = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>Signed in</title></head>"
                "<body><h1 id=\"signedIn\">You have signed in to the application on your device.</h1>"
                "<p>You may now close this window.</p></body></html>\n")
        return HTMLResponse(body, status_code=status_code, headers=dict(NO_CACHE_HEADERS))
    message = f'  <div id="otcError" role="alert">{escape(error)}</div>\n' if error else ""
    body = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"/><title>Enter code</title></head>
<body>
  <h1>Enter code</h1>
  <p>Enter the code displayed on your app or device, then sign in (Dynamics simulator).</p>
{message}  <form method="post" action="{escape(action)}" name="f1" id="deviceForm">
    <label for="otc">Code</label>
    <input type="text" name="otc" id="otc" value="{escape(user_code)}" autocomplete="off"/>
    <label for="i0116">Email, phone, or Skype</label>
    <input type="email" name="login" id="i0116" autocomplete="username"/>
    <label for="i0118">Password</label>
    <input type="password" name="passwd" id="i0118" autocomplete="current-password"/>
    <input type="submit" id="idSIButton9" value="Next"/>
  </form>
</body>
</html>
"""
    return HTMLResponse(body, status_code=status_code, headers=dict(NO_CACHE_HEADERS))
