"""Entra ID's error catalogue and the JSON error reply it sends from the token endpoint.

Clients branch on ``error``, ``error_codes[0]`` and ``suberror``, so every failure the simulator
produces goes through :class:`EntraError` and :func:`error_response` to get exactly Entra's shape:
``error_description`` starting with ``AADSTS<n>: `` and ending with the trace/correlation/timestamp
lines, ``error_codes`` as ints, ``timestamp``, ``trace_id``, ``correlation_id``, ``error_uri``.

Message templates only take non-secret values (client ids, tenant names, scopes, resources,
redirect URIs): passwords, secrets, codes and tokens are never formatted into an error.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.responses import JSONResponse

# Headers Entra puts on every token-endpoint reply, successful or not.
NO_CACHE_HEADERS = {
    "Cache-Control": "no-store, no-cache",
    "Pragma": "no-cache",
    "Expires": "-1",
    "X-Content-Type-Options": "nosniff",
    "x-ms-ests-server": "2.1.simulator",
}
JSON_MEDIA_TYPE = "application/json; charset=utf-8"

# code -> (OAuth ``error``, HTTP status, message template). Wording follows Entra's texts.
CATALOGUE: dict[int, tuple[str, int, str]] = {
    28003: ("invalid_scope", 400, "Provided value for the input parameter scope cannot be empty when requesting "
            "an access token using the provided authorization code. Please specify a valid scope."),
    50011: ("invalid_request", 400, "The redirect URI '{redirect_uri}' specified in the request does not match "
            "the redirect URIs configured for the application '{client_id}'. Make sure the redirect URI sent in "
            "the request matches one added to your application in the Azure portal."),
    50034: ("invalid_grant", 400, "The user account {{EUII Hidden}} does not exist in the {tenant_domain} "
            "directory. To sign into this application, the account must be added to the directory."),
    50049: ("invalid_instance", 400, "Unknown or invalid instance."),
    50053: ("invalid_grant", 400, "Your account is locked because you've tried to sign in too many times with "
            "an incorrect user ID or password."),
    50057: ("invalid_grant", 400, "The user account is disabled."),
    50058: ("login_required", 400, "A silent sign-in request was sent but no user is signed in."),
    50076: ("invalid_grant", 400, "Due to a configuration change made by your administrator, or because you "
            "moved to a new location, you must use multi-factor authentication to access '{resource_app}'."),
    50126: ("invalid_grant", 400, "Error validating credentials due to invalid username or password."),
    50173: ("invalid_grant", 400, "The provided grant has expired due to it being revoked, a fresh auth token is "
            "needed. The user might have changed or reset their password. The grant was issued on '{issued}' "
            "and the TokensValidFrom date (before which tokens are not valid) for this user is '{valid_from}'."),
    54005: ("invalid_grant", 400, "OAuth2 Authorization code was already redeemed, please retry with a new valid "
            "code or use an existing refresh token."),
    65001: ("invalid_grant", 400, "The user or administrator has not consented to use the application with ID "
            "'{client_id}' named '{client_name}'. Send an interactive authorization request for this user and "
            "resource."),
    70000: ("invalid_grant", 400, "Provided grant is invalid or malformed."),
    70003: ("unsupported_grant_type", 400, "The app requested an unsupported grant type '{grant_type}'."),
    70005: ("unsupported_response_type", 400, "The provided response_type '{response_type}' is not supported "
            "by the simulator; use response_type=code."),
    70007: ("invalid_request", 400, "The application returned an unsupported value of 'response_mode' "
            "('{response_mode}')."),
    70008: ("invalid_grant", 400, "The provided authorization code or refresh token has expired due to "
            "inactivity. Send a new interactive authorization request for this user and resource."),
    # Device code flow: texts from a captured reply (70016) and the AADSTS code table (70019) [doc].
    70016: ("authorization_pending", 400, "The provided request has not yet been authorized by the user. The "
            "user must input their code."),
    70019: ("expired_token", 400, "Verification code expired. Have the user retry the sign-in."),
    70011: ("invalid_scope", 400, "The provided request must include a 'scope' input parameter. The provided "
            "value for the input parameter 'scope' is not valid. The scope {scope} is not valid."),
    # Unknown path or method on the login host: real Entra answers these with its own pages; the simulator
    # answers JSON in the token endpoint's shape so that no client ever has to parse plain text [guess].
    90010: ("invalid_request", 404, "The request is not supported: no endpoint at '{path}'."),
    90002: ("invalid_request", 400, "Tenant '{tenant}' not found. Check to make sure you have the correct tenant "
            "ID and are signing into the correct cloud. Check with your subscription administrator, this may "
            "happen if there are no active subscriptions for the tenant."),
    90006: ("temporarily_unavailable", 503, "The service is temporarily unavailable. Please try again."),
    90055: ("temporarily_unavailable", 429, "There are too many incoming requests. Please try again later."),
    500011: ("invalid_resource", 400, "The resource principal named {resource} was not found in the tenant named "
             "{tenant_name}. This can happen if the application has not been installed by the administrator of "
             "the tenant or consented to by any user in the tenant. You might have sent your authentication "
             "request to the wrong tenant."),
    501481: ("invalid_grant", 400, "The Code_Verifier does not match the code_challenge supplied in the "
             "authorization request."),
    501491: ("invalid_request", 400, "Invalid size of Code_Challenge parameter."),
    700016: ("unauthorized_client", 400, "Application with identifier '{client_id}' was not found in the "
             "directory '{tenant_name}'. This can happen if the application has not been installed by the "
             "administrator of the tenant or consented to by any user in the tenant. You may have sent your "
             "authentication request to the wrong tenant."),
    700022: ("invalid_scope", 400, "The provided value for the input parameter scope is not valid because it "
             "contains more than one resource. Scope {scope} is not valid."),
    700023: ("invalid_scope", 400, "Provided value for the input parameter scope is not valid when requesting an "
             "access token. Scope {scope} is not valid."),
    700025: ("invalid_client", 401, "Client is public so neither 'client_assertion' nor 'client_secret' should "
             "be presented."),
    700082: ("invalid_grant", 400, "The refresh token has expired due to inactivity. The token was issued on "
             "{issued} and was inactive for {inactive}."),
    900144: ("invalid_request", 400, "The request body must contain the following parameter: '{name}'."),
    900561: ("invalid_request", 400, "The endpoint only accepts POST, OPTIONS requests. Received a {method} "
             "request."),
    900971: ("invalid_request", 400, "No reply address provided."),
    901002: ("invalid_request", 400, "The 'resource' request parameter is not supported."),
    1002012: ("invalid_scope", 400, "The provided value for scope {scope} is not valid. Client credential flows "
              "must have a scope value with /.default suffixed to the resource identifier (application ID URI)."),
    7000215: ("invalid_client", 401, "Invalid client secret provided. Ensure the secret being sent in the "
              "request is the client secret value, not the client secret ID, for a secret added to app "
              "'{client_id}'."),
    7000218: ("invalid_client", 401, "The request body must contain the following parameter: 'client_assertion' "
              "or 'client_secret'."),
    7000222: ("invalid_client", 401, "The provided client secret keys for app '{client_id}' are expired. Visit the "
              "Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using "
              "certificate credentials for added security: https://aka.ms/certCreds."),
    9001023: ("invalid_request", 400, "The grant type is not supported over the /common or /consumers endpoints. "
              "Please use the /organizations or tenant-specific endpoint."),
    9002313: ("invalid_request", 400, "Invalid request. Request is malformed or invalid."),
    9002332: ("invalid_request", 400, "Application '{client_id}'({client_name}) is configured for use by Azure "
              "Active Directory users only. Please do not use the /consumers endpoint to serve this request."),
}


@dataclass(eq=False)  # exceptions must stay hashable
class EntraError(Exception):
    """One AADSTS failure; raise it anywhere in request handling and the endpoint renders it."""

    code: int
    error: str
    status: int
    message: str
    suberror: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(f"AADSTS{self.code}: {self.message}")

    def __str__(self) -> str:
        return f"AADSTS{self.code}: {self.message}"


class _Blank(dict):
    """Leaves unknown template fields visible instead of raising, so a typo never becomes a 500."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def entra_error(code: int, *, error: str | None = None, status: int | None = None, message: str | None = None,
                suberror: str | None = None, **values: object) -> EntraError:
    """Build the catalogue error ``code`` (``values`` fill its template; ``message`` adds a detail)."""
    default_error, default_status, template = CATALOGUE[code]
    text = template.format_map(_Blank({k: str(v) for k, v in values.items()}))
    if message:
        text = f"{text} {message}"
    return EntraError(code, error or default_error, status or default_status, text, suberror)


def entra_timestamp(moment: datetime | None = None) -> str:
    """Entra's ``2025-02-27 22:38:35Z`` timestamp format."""
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%SZ")


def error_uri(login_url: str, code: int) -> str:
    return f"{login_url.rstrip('/')}/error?code={code}"


def error_body(err: EntraError, *, correlation_id: str, trace_id: str, login_url: str) -> dict:
    """The JSON body Entra returns for ``err`` (same in v1 and v2)."""
    stamp = entra_timestamp()
    body = {
        "error": err.error,
        "error_description": (f"AADSTS{err.code}: {err.message}\r\nTrace ID: {trace_id}\r\n"
                              f"Correlation ID: {correlation_id}\r\nTimestamp: {stamp}"),
        "error_codes": [err.code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": error_uri(login_url, err.code),
    }
    if err.suberror:
        body["suberror"] = err.suberror
    return body


def error_response(err: EntraError, *, correlation_id: str | None = None, login_url: str = "",
                   echo_correlation: bool = False) -> JSONResponse:
    """Render ``err`` with Entra's status code and headers."""
    trace_id = str(uuid.uuid4())
    correlation_id = correlation_id or str(uuid.uuid4())
    headers = dict(NO_CACHE_HEADERS) | {"x-ms-request-id": trace_id} | err.headers
    if echo_correlation:
        headers["client-request-id"] = correlation_id
    body = error_body(err, correlation_id=correlation_id, trace_id=trace_id, login_url=login_url)
    return JSONResponse(body, status_code=err.status, headers=headers, media_type=JSON_MEDIA_TYPE)


# ------------------------------------------------------------------ outage replies (fault injection)
def temporarily_unavailable(retry_after: int | None = None, *, login_url: str = "",
                            correlation_id: str | None = None) -> JSONResponse:
    """503 ``temporarily_unavailable``, the reply of an Entra front end that is briefly down."""
    err = entra_error(90006)
    if retry_after is not None:
        err.headers["Retry-After"] = str(int(retry_after))
    return error_response(err, correlation_id=correlation_id, login_url=login_url)


def throttled(retry_after: int = 5, *, login_url: str = "", correlation_id: str | None = None) -> JSONResponse:
    """429 with ``Retry-After``: Entra throttling a tenant or client that asks too often."""
    err = entra_error(90055)
    err.headers["Retry-After"] = str(int(retry_after))
    return error_response(err, correlation_id=correlation_id, login_url=login_url)
