"""The four OAuth grants of the token endpoint, with Entra's checks and error codes.

``handle_token_request`` validates the tenant, grant type and client, then hands over to one
grant function, which returns a :class:`TokenReply` or raises :class:`EntraError`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime

from simulator.config import SimUser
from simulator.identity.devicecode import DEVICE_GRANT_V1, DEVICE_GRANT_V2, check_redeemable
from simulator.identity.errors import entra_error
from simulator.identity.principals import (
    AuthenticatedClient,
    authenticate_client,
    authenticate_user,
    check_user_can_use,
    check_user_still_valid,
)
from simulator.identity.provider import IdentityProvider, TokenCall
from simulator.identity.replies import TokenReply
from simulator.identity.scopes import Target, granted_scope, parse_scope, resolve_resource
from simulator.identity.state import RefreshGrant
from simulator.identity.tenants import check_grant_allowed, tenant_kind
from simulator.identity.tokens import Subject

Grant = Callable[[IdentityProvider, TokenCall, AuthenticatedClient], TokenReply]


def handle_token_request(provider: IdentityProvider, call: TokenCall) -> TokenReply:
    """Validate the envelope of a token request and run its grant."""
    kind = tenant_kind(provider.config, call.tenant)
    grant_type = call.form.get("grant_type", "").strip()
    if not grant_type:
        raise entra_error(900144, name="grant_type")
    grant = GRANTS.get(grant_type)
    if grant is None:
        raise entra_error(70003, grant_type=grant_type[:64])
    check_grant_allowed(kind, grant_type)
    if call.version == 2 and call.form.get("resource"):
        raise entra_error(901002)
    auth = authenticate_client(provider.config, call.form, call.authorization, grant_type)
    if kind == "consumers":
        raise entra_error(9002332, client_id=auth.client.client_id, client_name=auth.client.display_name)
    return grant(provider, call, auth)


# ----------------------------------------------------------------- shared steps
def _required(call: TokenCall, name: str) -> str:
    value = call.form.get(name, "")
    if not value:
        raise entra_error(900144, name=name)
    return value


def requested_target(provider: IdentityProvider, call: TokenCall, *, client_credentials: bool = False,
                     fallback: Target | None = None) -> Target:
    """The resource asked for: v1 ``resource=``, v2 ``scope=``; ``fallback`` when the grant implies one."""
    config = provider.config
    if call.version == 1:
        resource = call.form.get("resource", "").strip()
        if resource:
            return resolve_resource(config, resource)
        if fallback is not None and fallback.resource:
            return fallback
        raise entra_error(900144, name="resource")
    scope = call.form.get("scope", "").strip()
    if not scope:
        if fallback is not None and fallback.resource:
            return fallback
        raise entra_error(900144, name="scope")
    target = parse_scope(config, scope, client_credentials=client_credentials,
                         require_resource=fallback is None)
    if target.resource is None:
        if fallback is None or not fallback.resource:
            raise entra_error(28003)
        return Target(fallback.resource, fallback.service, target.oidc | fallback.oidc, fallback.permissions)
    return target


def issue_user_tokens(provider: IdentityProvider, call: TokenCall, auth: AuthenticatedClient, user: SimUser,
                      target: Target, *, amr: tuple[str, ...] = ("pwd",), nonce: str | None = None,
                      with_v1_id_token: bool = True) -> TokenReply:
    """Access token plus refresh/ID token and client_info as the endpoint version and scopes ask."""
    assert target.resource is not None
    now = provider.now()
    subject = Subject(auth.client, auth.appidacr, user, amr, nonce, call.client_ip)
    access = provider.issuer.access_token(subject, target.resource, now)
    reply = TokenReply(access, target.resource, app_only=False, v2_scope=granted_scope(target.resource))
    wants_refresh = call.version == 1 or "offline_access" in target.oidc
    if wants_refresh:
        grant = RefreshGrant(user.upn, auth.client.client_id, target.resource, target.oidc, issued_at=now,
                             last_used=now, amr=amr)
        reply.refresh_token = provider.issue_refresh_token(grant, call.version)
    if call.version == 1:
        if with_v1_id_token:
            reply.id_token = provider.issuer.id_token_v1(subject, now)
    else:
        if "openid" in target.oidc:
            reply.id_token = provider.issuer.id_token_v2(subject, now, provider_login_url(provider, call),
                                                         email="email" in target.oidc)
        if call.form.get("client_info") == "1":
            reply.client_info = provider.issuer.client_info(user)
    return reply


def provider_login_url(provider: IdentityProvider, call: TokenCall) -> str:
    return provider.config.login_url or call.base_url


def _entra_date(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def _timespan(seconds: float) -> str:
    """.NET TimeSpan text (``90.00:00:05``), as in Entra's AADSTS700082 message."""
    total = max(int(seconds), 0)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{days}.{hours:02d}:{minutes:02d}:{secs:02d}"


def pkce_matches(verifier: str, challenge: str, method: str | None) -> bool:
    """RFC 7636: S256 compares base64url(sha256(verifier)); plain (or no method) compares as is."""
    if (method or "plain").lower() == "s256":
        computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    else:
        computed = verifier
    return hmac.compare_digest(computed.encode(), challenge.encode())


# ----------------------------------------------------------------- grants
def password_grant(provider: IdentityProvider, call: TokenCall, auth: AuthenticatedClient) -> TokenReply:
    """ROPC: no MFA possible, consent needed beforehand."""
    target = requested_target(provider, call)
    username = _required(call, "username")
    password = _required(call, "password")
    user = authenticate_user(provider.config, username, password)
    check_user_can_use(user, auth.client, target, interactive=False)
    return issue_user_tokens(provider, call, auth, user, target)


def client_credentials_grant(provider: IdentityProvider, call: TokenCall,
                             auth: AuthenticatedClient) -> TokenReply:
    """App-only token: no refresh token, no ID token, no ``scope`` in the reply."""
    target = requested_target(provider, call, client_credentials=True)
    assert target.resource is not None
    subject = Subject(auth.client, auth.appidacr, None, ip_address=call.client_ip)
    access = provider.issuer.access_token(subject, target.resource, provider.now())
    return TokenReply(access, target.resource, app_only=True)


def authorization_code_grant(provider: IdentityProvider, call: TokenCall,
                             auth: AuthenticatedClient) -> TokenReply:
    """Redeem a code from ``/authorize``: single use, ~10 minutes, same client, redirect URI and PKCE."""
    code = _required(call, "code")
    record = provider.codes.get(code)
    if record is None:
        raise entra_error(70000, message="The provided value for the 'code' parameter is not valid.")
    if record.client_id.lower() != auth.client.client_id.lower():
        raise entra_error(70000, message="The code was issued to a different client.")
    if record.redeemed:
        raise entra_error(54005)
    if provider.now() - record.issued_at > provider.code_lifetime:
        raise entra_error(70008)
    redirect_uri = _required(call, "redirect_uri")
    if redirect_uri != record.redirect_uri:
        raise entra_error(50011, error="invalid_grant", redirect_uri=redirect_uri, client_id=record.client_id,
                          message="It must be the redirect URI used in the authorization request.")
    if record.code_challenge:
        verifier = _required(call, "code_verifier")
        if not pkce_matches(verifier, record.code_challenge, record.code_challenge_method):
            raise entra_error(501481)
    user = check_user_still_valid(provider.config, record.upn)
    fallback = None
    if record.resource:
        fallback = Target(record.resource, resolve_resource(provider.config, record.resource).service,
                          record.oidc_scopes)
    else:
        fallback = Target(None, None, record.oidc_scopes)
    target = requested_target(provider, call, fallback=fallback)
    target = Target(target.resource, target.service, target.oidc | record.oidc_scopes, target.permissions)
    record.redeemed = True
    return issue_user_tokens(provider, call, auth, user, target, amr=record.amr, nonce=record.nonce)


def refresh_token_grant(provider: IdentityProvider, call: TokenCall, auth: AuthenticatedClient) -> TokenReply:
    """Redeem a refresh token for any known resource; the reply carries a new (rotated) refresh token.

    As in Entra, the old refresh token is not revoked by the rotation: it stays usable until it
    is revoked or inactive for ``config.refresh_token_lifetime`` seconds.
    """
    token = _required(call, "refresh_token")
    grant = provider.refresh_tokens.get(token)
    if grant is None:
        raise entra_error(9002313, message="The refresh token is malformed or was not issued by this tenant.")
    if grant.client_id.lower() != auth.client.client_id.lower():
        raise entra_error(70000, message="The refresh token was issued to a different client.")
    now = provider.now()
    if grant.revoked_at is not None:
        raise entra_error(50173, issued=_entra_date(grant.issued_at), valid_from=_entra_date(grant.revoked_at))
    inactive = now - grant.last_used
    if inactive > provider.config.refresh_token_lifetime:
        raise entra_error(700082, issued=_entra_date(grant.issued_at), inactive=_timespan(inactive))
    user = check_user_still_valid(provider.config, grant.upn)
    fallback = Target(grant.resource, resolve_resource(provider.config, grant.resource).service, grant.oidc_scopes)
    target = requested_target(provider, call, fallback=fallback)
    grant.last_used = now
    target = Target(target.resource, target.service, target.oidc | {"offline_access"}, target.permissions)
    return issue_user_tokens(provider, call, auth, user, target, amr=grant.amr, with_v1_id_token=False)


def device_code_grant(provider: IdentityProvider, call: TokenCall, auth: AuthenticatedClient) -> TokenReply:
    """Poll for a device code: pending until the user signs in on the verification page, then tokens once."""
    device_code = call.form.get("device_code") or call.form.get("code") or ""
    if not device_code:
        raise entra_error(900144, name="device_code")
    record = check_redeemable(provider.device_codes.by_device_code(device_code), auth.client.client_id,
                              provider.now())
    user = check_user_still_valid(provider.config, record.upn or "")
    record.redeemed = True
    return issue_user_tokens(provider, call, auth, user, record.target)


GRANTS: dict[str, Grant] = {
    DEVICE_GRANT_V2: device_code_grant,
    DEVICE_GRANT_V1: device_code_grant,
    "password": password_grant,
    "client_credentials": client_credentials_grant,
    "authorization_code": authorization_code_grant,
    "refresh_token": refresh_token_grant,
}
