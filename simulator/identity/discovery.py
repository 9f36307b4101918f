"""Metadata clients fetch before asking for tokens: OpenID configuration, JWKS, realm and instance.

Endpoints in the documents point at the simulator's ``login_url`` so that MSAL-style discovery
leads back here. The v1 issuer is the sts.windows.net one of the access tokens; the v2 issuer is
under ``login_url`` (MSAL's ``oidc_authority`` requires the issuer to share its host).
"""

from __future__ import annotations

import base64
import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from simulator.config import SimConfig
from simulator.identity.tokens import v1_issuer, v2_issuer
from simulator.keys import SigningKey

DISCOVERY_HEADERS = {"Cache-Control": "max-age=86400, private", "Access-Control-Allow-Origin": "*"}
TENANT_PLACEHOLDER = "{tenantid}"
CLOUD_FIELDS = {
    "tenant_region_scope": "WW",
    "cloud_instance_name": "microsoftonline.com",
    "cloud_graph_host_name": "graph.windows.net",
    "msgraph_host": "graph.microsoft.com",
    "rbac_url": "https://pas.windows.net",
}
CLAIMS_V1 = ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
             "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email", "given_name",
             "family_name", "nickname"]
CLAIMS_V2 = ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
             "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name",
             "tid", "ver", "at_hash", "c_hash", "email"]


def _segment_and_tid(config: SimConfig, tenant: str) -> tuple[str, str]:
    """Path segment for endpoints and the tenant id for issuers (placeholder for shared authorities)."""
    if tenant.lower() in ("common", "organizations", "consumers"):
        return tenant.lower(), TENANT_PLACEHOLDER
    return config.tenant_id, config.tenant_id


def openid_configuration_v1(config: SimConfig, base: str, tenant: str) -> dict:
    segment, tid = _segment_and_tid(config, tenant)
    root = f"{base}/{segment}"
    return {
        "token_endpoint": f"{root}/oauth2/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": f"{root}/discovery/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
        "scopes_supported": ["openid"],
        "issuer": v1_issuer(tid),
        "microsoft_multi_refresh_token": True,
        "authorization_endpoint": f"{root}/oauth2/authorize",
        "device_authorization_endpoint": f"{root}/oauth2/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{root}/oauth2/logout",
        "claims_supported": CLAIMS_V1,
        "check_session_iframe": f"{root}/oauth2/checksession",
        "userinfo_endpoint": f"{root}/openid/userinfo",
        "kerberos_endpoint": f"{root}/kerberos",
    } | CLOUD_FIELDS


def openid_configuration_v2(config: SimConfig, base: str, tenant: str) -> dict:
    segment, tid = _segment_and_tid(config, tenant)
    root = f"{base}/{segment}"
    return {
        "token_endpoint": f"{root}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": f"{root}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": v2_issuer(base, tid),
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
        "claims_supported": CLAIMS_V2,
        "kerberos_endpoint": f"{root}/kerberos",
    } | CLOUD_FIELDS


_CERTIFICATES: dict[str, bytes] = {}


def _certificate_der(key: SigningKey) -> bytes:
    """A self-signed certificate over the signing key, for the JWKS ``x5c`` member Entra publishes."""
    if key.kid in _CERTIFICATES:
        return _CERTIFICATES[key.kid]
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "accounts.accesscontrol.windows.net")])
    public_key = key.private_key.public_key()
    serial = int.from_bytes(key.kid.encode()[:16].ljust(16, b"0"), "big") >> 1
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(public_key)
            .serial_number(serial)
            .not_valid_before(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
            .not_valid_after(dt.datetime(2044, 1, 1, tzinfo=dt.UTC))
            .sign(key.private_key, hashes.SHA256()))
    _CERTIFICATES[key.kid] = cert.public_bytes(serialization.Encoding.DER)
    return _CERTIFICATES[key.kid]


def jwks(key: SigningKey, issuer: str | None = None) -> dict:
    """The JSON Web Key Set with the one signing key (``issuer`` only on v2 key sets)."""
    jwk = key.jwk(issuer)
    jwk["x5c"] = [base64.b64encode(_certificate_der(key)).decode()]
    return {"keys": [jwk]}


def jwks_issuer_v2(config: SimConfig, base: str, tenant: str | None) -> str:
    _, tid = _segment_and_tid(config, tenant or "common")
    return v2_issuer(base, tid)


def user_realm(config: SimConfig, username: str) -> dict:
    """Realm discovery MSAL does before ROPC; ``Managed`` for the tenant's domains (never Federated)."""
    domain = username.rpartition("@")[2].lower()
    domains = {config.tenant_domain.lower()} | {u.upn.rpartition("@")[2].lower() for u in config.users}
    base = {"ver": "1.0", "cloud_instance_name": "microsoftonline.com",
            "cloud_audience_urn": "urn:federation:MicrosoftOnline"}
    if domain in domains:
        return base | {"account_type": "Managed", "domain_name": domain}
    return base | {"account_type": "Unknown"}


def instance_metadata(base: str, host: str, tenant: str) -> dict:
    """Instance discovery: the simulator is its own and only alias."""
    return {
        "tenant_discovery_endpoint": f"{base}/{tenant}/v2.0/.well-known/openid-configuration",
        "api-version": "1.1",
        "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
    }
