"""Apply a collection's auth block to a resolved request, like Postman's auth "sign" step.

Auth is applied after the pre-request scripts and after variable substitution, and it replaces
an ``Authorization`` header a script may have set (bearer, basic, oauth2 with a token). Bearer,
basic and apikey follow postman-runtime. OAuth2 does what Newman does — the exported
``accessToken``, else the request goes out as the scripts left it — unless a token provider is
given (``harness run --oauth2 fetch``, the pytest plugin): then the provider signs in, except for
a request that already carries an ``Authorization`` header for a host the target does not own.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from harness.postman.model import SUPPORTED_AUTH, Auth
from harness.postman.variables import VariableResolver

TokenProvider = Callable[[dict[str, Any]], str]


def _remove_header(headers: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    lowered = name.lower()
    return [h for h in headers if str(h.get("key", "")).lower() != lowered]


def _request_url(url: dict[str, Any] | str) -> str:
    if isinstance(url, str):
        return url
    return str(url.get("raw") or "")


def _keeps_own_authorization(headers: list[dict[str, Any]], url: dict[str, Any] | str,
                             token_provider: TokenProvider, warnings: list[str]) -> bool:
    """A request whose script (or headers) set ``Authorization`` keeps it unless the target owns its host.

    The harness's providers sign in to the target's hosts; replacing a header a pre-request script
    computed for some other host would send that host the target's token and drop the script's.
    """
    owns = getattr(token_provider, "owns", None)
    if owns is None or not any(str(h.get("key", "")).lower() == "authorization" for h in headers):
        return False
    address = _request_url(url)
    if owns(address):
        return False
    host = urlsplit(address if "://" in address else f"http://{address}").netloc or address
    warnings.append(f"oauth2 auth: kept the Authorization header the request set: {host} is not a host of the "
                    "target, so the harness's token is not sent there")
    return True


def resolve_auth(auth: Auth, resolver: VariableResolver, item_path: str) -> dict[str, Any]:
    """The auth parameters with ``{{variables}}`` substituted (``auth.<type>.<key>`` in reports)."""
    return {key: resolver.resolve(value, field=f"auth.{auth.type}.{key}", item_path=item_path)
            for key, value in auth.params.items()}


def apply_auth(auth: Auth | None, request: dict[str, Any], resolver: VariableResolver, *, item_path: str,
               token_provider: TokenProvider | None = None) -> list[str]:
    """Mutate the resolved request JSON (headers / URL query); return warnings for the run report."""
    if auth is None or auth.type == "noauth":
        return []
    if auth.type not in SUPPORTED_AUTH:
        return [f"'{auth.type}' auth is not supported; the request was sent without it"]
    params = resolve_auth(auth, resolver, item_path)
    headers: list[dict[str, Any]] = request.setdefault("header", [])
    url = request.setdefault("url", {})
    warnings: list[str] = []

    if auth.type == "bearer":
        token = params.get("token")
        if token:
            headers[:] = _remove_header(headers, "Authorization")
            headers.append({"key": "Authorization", "value": f"Bearer {token}", "system": True})
    elif auth.type == "basic":
        username = "" if params.get("username") is None else str(params.get("username"))
        password = "" if params.get("password") is None else str(params.get("password"))
        encoded = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        headers[:] = _remove_header(headers, "Authorization")
        headers.append({"key": "Authorization", "value": f"Basic {encoded}", "system": True})
    elif auth.type == "apikey":
        key = params.get("key")
        value = "" if params.get("value") is None else str(params.get("value"))
        if key:
            if str(params.get("in") or "header") == "query":
                url["query"] = [q for q in url.get("query") or [] if q.get("key") != key]
                url["query"].append({"key": str(key), "value": value, "system": True})
            else:
                headers[:] = _remove_header(headers, str(key))
                headers.append({"key": str(key), "value": value, "system": True})
    elif auth.type == "oauth2":
        token = None
        if token_provider is not None and not _keeps_own_authorization(headers, url, token_provider, warnings):
            token = token_provider(params)
        if not token:
            token = params.get("accessToken")
            if not token:
                source = "the token provider returned nothing" if token_provider is not None else \
                    "no token provider is configured"
                warnings.append(f"oauth2 auth: could not obtain an access token ({source}) and the collection "
                                "has no accessToken; the request was sent without one")
                return warnings
        add_to = str(params.get("addTokenTo") or "header")
        if add_to == "queryParams":
            url["query"] = [q for q in url.get("query") or [] if q.get("key") != "access_token"]
            url["query"].append({"key": "access_token", "value": str(token), "system": True})
        else:
            prefix = params.get("headerPrefix")
            prefix = "Bearer" if prefix is None else str(prefix)
            headers[:] = _remove_header(headers, "Authorization")
            value = f"{prefix} {token}" if prefix else str(token)
            headers.append({"key": "Authorization", "value": value, "system": True})
    return warnings
