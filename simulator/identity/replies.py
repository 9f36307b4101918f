"""The success envelope of the token endpoint, which differs by protocol version.

v1 (``/oauth2/token``) writes every number as a JSON string and adds ``expires_on``,
``not_before`` and ``resource``; v2 (``/oauth2/v2.0/token``) uses integers. Client-credentials
replies carry no ``scope`` (MSAL caches under the reply's scope, so adding one breaks its cache).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import JSONResponse

from simulator.identity.errors import JSON_MEDIA_TYPE, NO_CACHE_HEADERS
from simulator.identity.tokens import IssuedAccessToken


@dataclass
class TokenReply:
    """Everything a successful grant produced; rendered per version by :func:`render_reply`."""

    access: IssuedAccessToken
    resource: str
    app_only: bool
    v2_scope: str | None = None
    refresh_token: str | None = None
    id_token: str | None = None
    client_info: str | None = None


def render_reply(reply: TokenReply, version: int) -> dict:
    access = reply.access
    if version == 1:
        body: dict = {"token_type": "Bearer"}
        if not reply.app_only:
            body["scope"] = "user_impersonation"
        body |= {"expires_in": str(access.lifetime), "ext_expires_in": str(access.lifetime),
                 "expires_on": str(access.expires_on), "not_before": str(access.issued_at),
                 "resource": reply.resource, "access_token": access.token}
    else:
        body = {"token_type": "Bearer"}
        if not reply.app_only and reply.v2_scope:
            body["scope"] = reply.v2_scope
        body |= {"expires_in": access.lifetime, "ext_expires_in": access.lifetime, "access_token": access.token}
    if reply.refresh_token:
        body["refresh_token"] = reply.refresh_token
    if reply.id_token:
        body["id_token"] = reply.id_token
    if reply.client_info and version == 2:
        body["client_info"] = reply.client_info
    return body


def token_response(body: dict, *, trace_id: str, correlation_id: str | None = None) -> JSONResponse:
    headers = dict(NO_CACHE_HEADERS) | {"x-ms-request-id": trace_id}
    if correlation_id:
        headers["client-request-id"] = correlation_id
    return JSONResponse(body, headers=headers, media_type=JSON_MEDIA_TYPE)
