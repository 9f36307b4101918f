"""One POST to an Entra-style token endpoint, with every failure turned into an :class:`AuthError`.

Plain ``requests`` (not MSAL, see the Entra reference §10): the harness must speak v1 and v2,
plain-http loopback authorities, and see the raw ``error``/``error_codes`` of every reply.
"""

from __future__ import annotations

import logging
import time

import requests

from harness.auth.errors import AuthError, auth_error_from_reply
from harness.auth.token import AccessToken, parse_token_response
from harness.secrets import POLICY, label_for, register_secret
from harness.settings.target_settings import TargetSettings

log = logging.getLogger("harness.auth")
DEFAULT_TIMEOUT = 30.0


def _connection_reason(exc: requests.RequestException) -> str:
    text = str(exc)
    for phrase in ("Connection refused", "Name or service not known", "nodename nor servname",
                   "Temporary failure in name resolution", "No route to host", "Connection reset",
                   "certificate verify failed", "Network is unreachable"):
        if phrase in text:
            return phrase.lower()
    return type(exc).__name__


def target_params(target: TargetSettings, *, user_flow: bool) -> dict[str, str]:
    """``resource=`` for v1, ``scope=`` for v2."""
    if target.token_version == "v1":
        return {"resource": target.audience}
    return {"scope": " ".join(target.v2_scopes(user_flow=user_flow))}


def request_token(session: requests.Session, target: TargetSettings, form: dict[str, str], *,
                  grant: str, timeout: float = DEFAULT_TIMEOUT, source: str = "idp") -> AccessToken:
    """POST ``form`` to the target's token URL and parse the reply, or raise :class:`AuthError`."""
    for name, value in form.items():
        if value and POLICY.is_secret_name(name, form=True):
            register_secret(value, label_for(name))
    url = target.token_url
    log.debug("token request: POST %s grant_type=%s version=%s client_id=%s",
              url, form.get("grant_type"), target.token_version, form.get("client_id"))
    started = time.time()
    try:
        response = session.post(url, data=form, headers={"Accept": "application/json"}, timeout=timeout,
                                allow_redirects=False)
    except requests.Timeout as exc:
        raise AuthError(f"{target.prefix} sign-in: no answer from the token endpoint {url} within "
                        f"{timeout:g} s; check {target.key('authority')} and the network",
                        token_url=url) from exc
    except requests.RequestException as exc:
        raise AuthError(f"{target.prefix} sign-in: cannot reach the token endpoint {url} "
                        f"({_connection_reason(exc)}); check {target.key('authority')}, "
                        f"{target.key('tenant_id')} and the network", token_url=url) from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        kind = response.headers.get("Content-Type") or "no content type"
        raise AuthError(f"{target.prefix} sign-in: the token endpoint {url} answered HTTP "
                        f"{response.status_code} with {kind} instead of a JSON token reply; is "
                        f"{target.key('authority')} an Entra ID authority?",
                        status=response.status_code, token_url=url)
    if response.status_code >= 400 or "error" in body:
        error = auth_error_from_reply(body, response.status_code, target=target, grant=grant,
                                      token_url=url, retry_after=response.headers.get("Retry-After"))
        log.warning("token request failed: %s", str(error).splitlines()[0])
        raise error
    try:
        token = parse_token_response(body, now=started, source=source)
    except ValueError as exc:
        raise AuthError(f"{target.prefix} sign-in: the token endpoint {url} answered HTTP "
                        f"{response.status_code} without an access_token", status=response.status_code,
                        token_url=url) from exc
    log.info("token acquired for %s via %s (%s), expires in %d s", target.audience, grant,
             target.token_version, int(token.expires_in()))
    return token
