"""The simulator over https: a local CA, https in every URL it hands out, tokens for https audiences."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
import requests
from cryptography import x509

from harness.trust import trust_ca
from simulator.config import CONFIDENTIAL_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, PUBLIC_CLIENT_ID
from simulator.tls import LocalCA


@pytest.fixture(scope="module")
def https(sim_tls) -> requests.Session:
    """A session that trusts the simulator's CA, and nothing changed process-wide."""
    c = sim_tls.config
    return trust_ca(requests.Session(), sim_tls.ca_bundle, [c.login_url, c.crm_url, c.fno_url, c.bc_url])


def _token(https: requests.Session, sim, scope: str) -> requests.Response:
    c = sim.config
    return https.post(f"{c.login_url}/{c.tenant_id}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": CONFIDENTIAL_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET, "scope": scope}, timeout=10)


def _user_token(https: requests.Session, sim, resource: str) -> requests.Response:
    c = sim.config
    return https.post(f"{c.login_url}/{c.tenant_id}/oauth2/token", data={
        "grant_type": "password", "client_id": PUBLIC_CLIENT_ID, "resource": resource,
        "username": c.users[0].upn, "password": DEFAULT_PASSWORD}, timeout=10)


def test_every_host_serves_https_with_a_certificate_from_the_local_ca(sim_tls):
    config = sim_tls.config
    for url in (config.login_url, config.crm_url, config.fno_url, config.bc_url):
        assert url.startswith("https://")
        parts = urlsplit(url)
        pem = ssl.get_server_certificate((parts.hostname, parts.port))
        cert = x509.load_pem_x509_certificate(pem.encode())
        ca = x509.load_pem_x509_certificate(sim_tls.ca_bundle.read_bytes())
        assert cert.issuer == ca.subject
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert "localhost" in names.get_values_for_type(x509.DNSName)


def test_the_ca_is_not_trusted_by_default_and_nothing_global_changed(sim_tls):
    assert "REQUESTS_CA_BUNDLE" not in os.environ or os.environ["REQUESTS_CA_BUNDLE"] != str(sim_tls.ca_bundle)
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{sim_tls.config.login_url}/common/discovery/instance", timeout=10)


def test_plain_http_is_still_the_default(sim):
    if sim.tls:
        pytest.skip("this session runs the simulator with --sim-tls")
    assert sim.config.crm_url.startswith("http://")
    assert requests.get(f"{sim.config.login_url}/common/v2.0/.well-known/openid-configuration",
                        timeout=10).status_code == 200


def test_discovery_hands_out_https_endpoints(sim_tls, https):
    login = sim_tls.config.login_url
    tenant = sim_tls.config.tenant_id
    for path in (f"/{tenant}/v2.0/.well-known/openid-configuration", f"/{tenant}/.well-known/openid-configuration",
                 "/common/v2.0/.well-known/openid-configuration"):
        document = https.get(login + path, timeout=10).json()
        for key in ("token_endpoint", "authorization_endpoint", "device_authorization_endpoint", "jwks_uri",
                    "end_session_endpoint"):
            assert document[key].startswith(login + "/"), (path, key, document[key])
    instance = https.get(f"{login}/common/discovery/instance", params={
        "api-version": "1.1", "authorization_endpoint": f"{login}/{tenant}/oauth2/v2.0/authorize"}, timeout=10)
    assert instance.status_code == 200
    assert instance.json()["tenant_discovery_endpoint"].startswith(f"{login}/{tenant}/")


@pytest.mark.parametrize("suffix", ["/.default", "//.default"])
def test_tokens_for_the_https_resource_are_issued_and_accepted(sim_tls, https, suffix):
    crm = sim_tls.config.crm_url
    reply = _token(https, sim_tls, crm + suffix)
    assert reply.status_code == 200, reply.text
    who = https.get(f"{crm}/api/data/v9.2/WhoAmI", headers={"Authorization": f"Bearer {reply.json()['access_token']}"},
                    timeout=10)
    assert who.status_code == 200, who.text


def test_v1_token_for_the_https_origin_is_accepted(sim_tls, https):
    crm = sim_tls.config.crm_url
    reply = _user_token(https, sim_tls, crm)
    assert reply.status_code == 200, reply.text
    assert reply.json()["resource"] == crm
    who = https.get(f"{crm}/api/data/v9.2/WhoAmI", headers={"Authorization": f"Bearer {reply.json()['access_token']}"},
                    timeout=10)
    assert who.status_code == 200


def test_a_token_for_the_wrong_scheme_is_refused_naming_the_resource(sim_tls, https):
    wrong = sim_tls.config.crm_url.replace("https://", "http://")
    reply = _token(https, sim_tls, wrong + "/.default")
    assert reply.status_code == 400
    body = reply.json()
    assert body["error_codes"] == [500011]
    assert wrong in body["error_description"]


def test_odata_urls_use_https(sim_tls, https):
    crm = sim_tls.config.crm_url
    token = _user_token(https, sim_tls, crm).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Prefer": "odata.maxpagesize=1"}
    page = https.get(f"{crm}/api/data/v9.2/accounts", headers=headers, timeout=10).json()
    assert page["@odata.context"].startswith(f"{crm}/api/data/v9.2/$metadata")
    assert page["@odata.nextLink"].startswith(f"{crm}/api/data/v9.2/accounts")
    created = https.post(f"{crm}/api/data/v9.2/accounts", json={"name": "TLS test"},
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert created.status_code == 204
    entity_id = created.headers["OData-EntityId"]
    assert entity_id.startswith(f"{crm}/api/data/v9.2/accounts(")
    assert https.delete(entity_id, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 204


def test_fno_and_bc_contexts_use_https(sim_tls, https):
    c = sim_tls.config
    fno_token = _token(https, sim_tls, c.fno_url + "/.default").json()["access_token"]
    fno = https.get(f"{c.fno_url}/data/CustomersV3?$top=1", headers={"Authorization": f"Bearer {fno_token}"},
                    timeout=10)
    assert fno.status_code == 200, fno.text
    assert fno.json()["@odata.context"].startswith(f"{c.fno_url}/data/")


def test_the_ca_is_reused_from_its_directory(tmp_path):
    first = LocalCA.load_or_create(tmp_path)
    second = LocalCA.load_or_create(tmp_path)
    assert first.certificate == second.certificate
    assert (tmp_path / "ca-key.pem").stat().st_mode & 0o077 == 0
    leaf = second.issue("127.0.0.1")
    assert leaf.certificate.issuer == first.certificate.subject


def test_a_damaged_ca_is_replaced(tmp_path):
    (tmp_path / "ca.pem").write_text("not a certificate")
    (tmp_path / "ca-key.pem").write_text("not a key")
    ca = LocalCA.load_or_create(tmp_path)
    assert x509.load_pem_x509_certificate((tmp_path / "ca.pem").read_bytes()) == ca.certificate


HARNESS = [sys.executable, "-c", "import sys; from harness.cli import main; sys.exit(main())", "sim"]


@pytest.mark.parametrize("command", [[sys.executable, "-m", "simulator"], HARNESS], ids=["python-m-simulator", "harness-sim"])
def test_tls_option_prints_how_to_trust_the_ca(tmp_path, command):
    process = subprocess.Popen([*command, "--tls", "--port", "0", "--tls-dir", str(tmp_path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(9)]
    finally:
        process.terminate()
        process.wait(timeout=10)
    text = "".join(lines)
    bundle = str(tmp_path / "ca.pem")
    assert "login (Entra ID):     https://127.0.0.1:" in text
    for variable in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS"):
        assert f"{variable}={bundle}" in text
    assert (tmp_path / "ca.pem").exists()
