"""Authenticate the two principals of a token request: the client app and the signed-in user.

Client authentication follows Entra: a secret in the body (what MSAL sends) or HTTP Basic; a
public client sends none; an app not flagged "allow public client flows" must send one; client
credentials always needs one. Secrets are compared in constant time and never quoted in errors.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from urllib.parse import unquote_plus

from simulator.config import SimClient, SimConfig, SimUser
from simulator.identity.errors import entra_error
from simulator.identity.scopes import Target, tenant_display_name

CLIENT_CREDENTIALS = "client_credentials"


@dataclass
class AuthenticatedClient:
    client: SimClient
    appidacr: str  # "0" public client, "1" client secret (Entra's values)


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """``Authorization: Basic base64(urlenc(id):urlenc(secret))`` -> (id, secret)."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise entra_error(9002313, message="The Authorization header is not valid Basic credentials.") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise entra_error(9002313, message="The Authorization header is not valid Basic credentials.")
    return unquote_plus(client_id), unquote_plus(secret)


def client_id_of(form: dict[str, str], authorization: str | None) -> str:
    """The client id from the body, or from Basic credentials when the body has none."""
    basic = _basic_credentials(authorization)
    body_id = form.get("client_id", "").strip()
    if basic and body_id and basic[0].lower() != body_id.lower():
        raise entra_error(9002313, message="The client_id in the body and in the Authorization header differ.")
    client_id = body_id or (basic[0] if basic else "")
    if not client_id:
        raise entra_error(900144, name="client_id")
    return client_id


def find_client(config: SimConfig, client_id: str) -> SimClient:
    client = config.client(client_id)
    if client is None:
        raise entra_error(700016, client_id=client_id, tenant_name=tenant_display_name(config))
    return client


def authenticate_client(config: SimConfig, form: dict[str, str], authorization: str | None,
                        grant_type: str) -> AuthenticatedClient:
    """Identify and authenticate the calling app (AADSTS700016/7000215/7000218/7000222/700025)."""
    client = find_client(config, client_id_of(form, authorization))
    basic = _basic_credentials(authorization)
    secret = form.get("client_secret") or (basic[1] if basic else "")
    if form.get("client_assertion") or form.get("client_assertion_type"):
        raise entra_error(9002313, message="Certificate credentials (client_assertion) are not simulated; "
                                           "use a client secret.")
    if secret:
        if client.secret is None:
            raise entra_error(700025)
        if not hmac.compare_digest(secret.encode(), client.secret.encode()):
            raise entra_error(7000215, client_id=client.client_id)
        if client.secret_expired:
            raise entra_error(7000222, client_id=client.client_id)
        return AuthenticatedClient(client, "1")
    if grant_type == CLIENT_CREDENTIALS or not client.public:
        raise entra_error(7000218)
    return AuthenticatedClient(client, "0")


def authenticate_user(config: SimConfig, login: str, password: str) -> SimUser:
    """Check a username/password the way Entra's credential validation does (50034/50057/50053/50126)."""
    user = config.user(login.strip())
    if user is None:
        raise entra_error(50034, tenant_domain=config.tenant_domain)
    if user.disabled:
        raise entra_error(50057)
    if user.locked:
        raise entra_error(50053)
    if not hmac.compare_digest(password.encode(), user.password.encode()):
        raise entra_error(50126)
    return user


def check_user_can_use(user: SimUser, client: SimClient, target: Target, *, interactive: bool) -> None:
    """Conditional Access and consent after a good password.

    A non-interactive flow (ROPC) cannot satisfy MFA (AADSTS50076, suberror ``basic_action``);
    the simulated sign-in page counts as having done MFA. Missing consent is AADSTS65001.
    """
    if user.mfa_required and not interactive:
        raise entra_error(50076, suberror="basic_action", resource_app=target.resource_app_id)
    if not user.consented:
        raise entra_error(65001, suberror="consent_required", client_id=client.client_id,
                          client_name=client.display_name)


def check_user_still_valid(config: SimConfig, upn: str) -> SimUser:
    """A user behind a code or refresh token may have been removed or disabled since."""
    user = config.user(upn)
    if user is None:
        raise entra_error(50034, tenant_domain=config.tenant_domain)
    if user.disabled:
        raise entra_error(50057)
    return user
