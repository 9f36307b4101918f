"""``requests`` authentication that adds a bearer token and survives one token rejection.

Dynamics answers 401 when a token expired or was revoked even if it looked valid locally (clock
skew). The rule from the Entra docs is: drop the token, get a fresh one, retry **once**. Like
``requests.auth.HTTPDigestAuth`` this registers a response hook that re-sends the request through
the same connection adapter; the re-sent response does not run the hook again, so it never loops.
"""

from __future__ import annotations

import logging

import requests
from requests.auth import AuthBase
from requests.cookies import extract_cookies_to_jar

from harness.auth.errors import AuthError
from harness.auth.providers import TokenProvider

log = logging.getLogger("harness.auth")
_RETRIED = "_harness_token_retried"
_BODY_POS = "_harness_body_pos"
_SENT_TOKEN = "_harness_sent_token"


class TokenAuth(AuthBase):
    """Adds ``Authorization: Bearer <token>`` from a :class:`TokenProvider`; retries a 401 once."""

    def __init__(self, provider: TokenProvider):
        self.provider = provider
        self.retries = 0  # how many 401s were retried (diagnostics and tests)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self.provider.get_token()
        request.headers["Authorization"] = token.authorization_header()
        setattr(request, _SENT_TOKEN, True)
        try:
            setattr(request, _BODY_POS, request.body.tell())  # type: ignore[union-attr]
        except AttributeError:
            setattr(request, _BODY_POS, None)
        request.register_hook("response", self._handle_401)
        return request

    def _handle_401(self, response: requests.Response, **kwargs) -> requests.Response:
        request = response.request
        if (response.status_code != 401 or getattr(request, _RETRIED, False)
                or not getattr(request, _SENT_TOKEN, False) or "Authorization" not in request.headers):
            return response
        log.info("%s answered 401; renewing the token and retrying once", request.url)
        self.provider.invalidate()
        try:
            token = self.provider.get_token(force_refresh=True)
        except AuthError as exc:
            exc.response = response
            raise
        position = getattr(request, _BODY_POS, None)
        if position is not None:
            request.body.seek(position)  # type: ignore[union-attr]
        response.content  # noqa: B018 - consume so the connection can be reused
        response.close()
        retry = request.copy()
        extract_cookies_to_jar(retry._cookies, request, response.raw)  # type: ignore[attr-defined]
        retry.prepare_cookies(retry._cookies)  # type: ignore[attr-defined]
        retry.headers["Authorization"] = token.authorization_header()
        setattr(retry, _RETRIED, True)
        setattr(retry, _SENT_TOKEN, True)
        self.retries += 1
        second = response.connection.send(retry, **kwargs)  # type: ignore[attr-defined]
        second.history.append(response)
        second.request = retry
        if second.status_code == 401:
            log.warning("%s still answered 401 with a fresh token; not retrying again", request.url)
        return second
