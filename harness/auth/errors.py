"""Sign-in failures with the raw Entra fields kept and a message that says what to change.

Entra's ``error_description`` explains *what* failed; users also need to know *which setting* to
fix, so :func:`friendly_message` maps the common AADSTS codes to advice that names the ``.env``
key (``CRM_PASSWORD``, ``BC_CLIENT_SECRET``...). Unknown codes still get a message with the code.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.errors import HarnessError
from harness.secrets import redact
from harness.settings.target_settings import TargetSettings

ERROR_PAGE = "https://login.microsoftonline.com/error?code="


class AuthError(HarnessError):
    """Getting a token failed. Never carries a secret; ``aadsts`` is the first error code."""

    def __init__(self, message: str, *, error: str | None = None, error_codes: Sequence[int] = (),
                 status: int | None = None, trace_id: str | None = None, correlation_id: str | None = None,
                 suberror: str | None = None, description: str | None = None, token_url: str | None = None,
                 retry_after: str | None = None):
        super().__init__(redact(message))
        self.error = error
        self.error_codes = list(error_codes)
        self.status = status
        self.trace_id = trace_id
        self.correlation_id = correlation_id
        self.suberror = suberror
        self.description = redact(description) if description else description
        self.token_url = token_url
        self.retry_after = retry_after
        self.response = None  # set by TokenAuth when a service rejected the token

    @property
    def aadsts(self) -> int | None:
        return self.error_codes[0] if self.error_codes else None

    @property
    def rejected_by_idp(self) -> bool:
        """The identity provider answered with an OAuth error (as opposed to a transport problem)."""
        return self.error is not None


def _keys(target: TargetSettings | None) -> dict[str, str]:
    if target is None:
        names = ("url", "tenant_id", "client_id", "client_secret", "username", "password", "grant_type",
                 "refresh_token", "redirect_uri", "scope", "resource", "access_token")
        return {name: f"{{P}}_{name.upper()}" for name in names}
    return {name: target.key(name) for name in (
        "url", "tenant_id", "client_id", "client_secret", "username", "password", "grant_type",
        "refresh_token", "redirect_uri", "scope", "resource", "access_token")}


def _admin_consent_url(target: TargetSettings | None) -> str:
    if target is None or not target.tenant_id or not target.client_id:
        return "https://login.microsoftonline.com/<tenant>/adminconsent?client_id=<client id>"
    return f"{target.authority}/{target.tenant_id}/adminconsent?client_id={target.client_id}"


def friendly_message(code: int | None, error: str | None, target: TargetSettings | None,
                     grant: str | None) -> str:
    """Advice for one AADSTS code (or OAuth ``error``) naming the keys to check."""
    k = _keys(target)
    user = f" for {target.username}" if target is not None and target.username else ""
    refresh_hint = (f"sign in again (run the {grant} grant again" if grant != "refresh_token"
                    else f"sign in again and paste a new refresh token into {k['refresh_token']}")
    messages = {
        50126: f"Wrong username or password{user}: check {k['username']} and {k['password']}.",
        50034: f"The user{user} does not exist in the tenant: check {k['username']} and {k['tenant_id']}.",
        50053: f"The account{user} is locked after too many failed sign-ins; wait or ask an admin to unlock it.",
        50055: f"The password{user} has expired: change it in the browser, then update {k['password']}.",
        50057: f"The account{user} is disabled in the tenant.",
        50076: ("Multi-factor authentication is required, and the password grant cannot do MFA: set "
                f"{k['grant_type']}=authorization_code to sign in in a browser, or use client_credentials "
                "with an application user."),
        50079: ("The user must register for multi-factor authentication; the password grant cannot do MFA: "
                f"set {k['grant_type']}=authorization_code (browser sign-in)."),
        50158: (f"An external security challenge (MFA/Conditional Access) is required: set {k['grant_type']}"
                "=authorization_code."),
        53003: "Access is blocked by a Conditional Access policy of the tenant; ask the tenant admin.",
        65001: ("Consent is missing: the user or an admin has not consented to the app "
                f"{target.client_id if target else ''} for this resource. An admin can grant it at "
                f"{_admin_consent_url(target)} (or sign in once with {k['grant_type']}=authorization_code "
                "to consent as the user)."),
        7000215: (f"Wrong client secret: check {k['client_secret']} (use the secret's Value, not its "
                  "Secret ID)."),
        7000222: (f"The client secret in {k['client_secret']} has expired: create a new secret under "
                  "Certificates & secrets of the app registration and put its Value there."),
        7000218: ("The app registration is not a public client and no secret was sent: enable 'Allow public "
                  f"client flows' under Authentication of the app registration, or set {k['client_secret']}."),
        700025: (f"The app is a public client and must not send a secret: remove {k['client_secret']}."),
        700016: (f"The application {k['client_id']} was not found in the tenant: check {k['client_id']} and "
                 f"{k['tenant_id']}."),
        500011: (f"The resource (token audience) was not found in the tenant: check {k['url']}"
                 f"{' / ' + k['resource'] if target is None or target.resource else ''} and {k['tenant_id']} "
                 "(Dynamics must be provisioned in that tenant)."),
        90002: f"The tenant was not found: check {k['tenant_id']} (a GUID or a domain like contoso.onmicrosoft.com).",
        700082: f"The refresh token expired from inactivity: {refresh_hint}).",
        70008: f"The authorization code or refresh token has expired: {refresh_hint}).",
        50173: f"The refresh token was revoked (password changed or reset): {refresh_hint}).",
        700084: f"The refresh token passed its fixed lifetime: {refresh_hint}).",
        54005: "The authorization code was already redeemed; sign in again to get a new code.",
        501481: "The PKCE code_verifier does not match the code_challenge of the sign-in request; sign in again.",
        70011: f"A requested scope is not valid: check {k['scope']}.",
        700022: f"The scopes name more than one resource: check {k['scope']}.",
        28002: f"The scope is empty or invalid: check {k['scope']}.",
        28003: f"The scope is empty or invalid: check {k['scope']}.",
        1002012: f"client_credentials needs exactly one '<resource>/.default' scope: check {k['scope']}.",
        9001023: (f"This grant is not supported on the 'common' or 'consumers' endpoint: set {k['tenant_id']} "
                  "to the tenant GUID or domain."),
        90124: f"This request is not supported on the 'common' endpoint: set {k['tenant_id']} to the tenant.",
        50011: (f"The redirect URI does not match the app registration: register {k['redirect_uri']}'s URL "
                "(http://localhost) as a Mobile and desktop redirect URI."),
        70003: f"The identity provider does not support this grant: check {k['grant_type']}.",
        90006: "The identity provider is temporarily unavailable; try again later.",
        90055: "The identity provider is throttling requests; wait and try again.",
    }
    if code in messages:
        return messages[code]
    by_error = {
        "unsupported_grant_type": f"The identity provider does not support this grant: check {k['grant_type']}.",
        "invalid_client": f"The client was rejected: check {k['client_id']} and {k['client_secret']}.",
        "temporarily_unavailable": "The identity provider is temporarily unavailable; try again later.",
        "interaction_required": (f"Interactive sign-in is required: set {k['grant_type']}=authorization_code."),
        "access_denied": "The sign-in was cancelled or denied.",
    }
    if error in by_error:
        return by_error[error]
    if code is not None:
        return f"Sign-in failed with AADSTS{code} ({error or 'error'}); see {ERROR_PAGE}{code}."
    return f"Sign-in failed ({error or 'unknown error'})."


def auth_error_from_reply(body: dict, status: int, *, target: TargetSettings | None, grant: str | None,
                          token_url: str | None, retry_after: str | None = None) -> AuthError:
    """An :class:`AuthError` for an Entra error reply (any JSON object with ``error``)."""
    raw_codes = body.get("error_codes") or []
    codes = [int(c) for c in raw_codes if isinstance(c, int | str) and str(c).isdigit()]
    error = body.get("error") if isinstance(body.get("error"), str) else "unknown_error"
    description = body.get("error_description") if isinstance(body.get("error_description"), str) else None
    if not codes and description and description.startswith("AADSTS"):
        digits = description[6:].split(":", 1)[0]
        if digits.isdigit():
            codes = [int(digits)]
    code = codes[0] if codes else None
    advice = friendly_message(code, error, target, grant)
    first_line = (description or "").splitlines()[0] if description else ""
    who = f"{target.prefix} " if target is not None else ""
    details = [f"HTTP {status}", error]
    if code is not None:
        details.insert(0, f"AADSTS{code}")
    trace_id = body.get("trace_id") if isinstance(body.get("trace_id"), str) else None
    correlation_id = body.get("correlation_id") if isinstance(body.get("correlation_id"), str) else None
    if trace_id:
        details.append(f"trace {trace_id}")
    if correlation_id:
        details.append(f"correlation {correlation_id}")
    message = f"{who}sign-in failed: {advice} [{', '.join(details)}]"
    if first_line:
        message += f"\nEntra ID said: {first_line}"
    if retry_after:
        message += f"\nRetry-After: {retry_after}"
    return AuthError(message, error=error, error_codes=codes, status=status, trace_id=trace_id,
                     correlation_id=correlation_id,
                     suberror=body.get("suberror") if isinstance(body.get("suberror"), str) else None,
                     description=description, token_url=token_url, retry_after=retry_after)
