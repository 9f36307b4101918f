"""Fault injection in the simulator: each kind of fault, on each host, in-process and over HTTP."""

from __future__ import annotations

import pytest
import requests

from simulator.faults import Fault, FaultSpecError
from tests.reliability.conftest import app_token, bearer

pytestmark = pytest.mark.sim_only


def _accounts(crm_api: str, token: str, name: str) -> list[dict]:
    reply = requests.get(f"{crm_api}/accounts", params={"$filter": f"name eq '{name}'", "$select": "name"},
                         headers=bearer(token), timeout=10)
    assert reply.status_code == 200
    return reply.json()["value"]


def _delete_accounts(crm_api: str, token: str, name: str) -> None:
    for row in _accounts(crm_api, token, name):
        requests.delete(f"{crm_api}/accounts({row['accountid']})", headers=bearer(token), timeout=10)


def test_status_fault_fires_count_times_in_the_dataverse_shape(sim_faults, crm_api, admin_crm_token):
    fault = sim_faults.inject(host="crm", path="/api/data/*/accounts*", status=503, count=2, retry_after=3)
    statuses = []
    for _ in range(3):
        reply = requests.get(f"{crm_api}/accounts?$top=1", headers=bearer(admin_crm_token), timeout=10)
        statuses.append(reply.status_code)
        if reply.status_code == 503:
            assert reply.headers["Retry-After"] == "3"
            assert reply.headers["OData-Version"] == "4.0" and reply.headers["REQ_ID"]
            assert set(reply.json()["error"]) == {"code", "message"}
    assert statuses == [503, 503, 200]
    assert fault.hits == 2 and sim_faults.active == []


def test_faults_match_host_method_and_path(sim_faults, crm_api, admin_crm_token):
    sim_faults.inject(host="crm", path="*/contacts*", method="POST", status=500, count=None)
    sim_faults.inject(host="fno", status=502, count=None)
    headers = bearer(admin_crm_token)
    assert requests.get(f"{crm_api}/contacts?$top=1", headers=headers, timeout=10).status_code == 200
    assert requests.get(f"{crm_api}/accounts?$top=1", headers=headers, timeout=10).status_code == 200
    assert requests.post(f"{crm_api}/contacts", json={}, headers=headers, timeout=10).status_code == 500
    assert requests.post(f"{crm_api}/contacts", json={}, headers=headers, timeout=10).status_code == 500  # forever
    assert len(sim_faults.active) == 2
    sim_faults.clear()
    assert sim_faults.active == []


@pytest.mark.parametrize("host, status, check", [
    ("fno", 503, lambda body: body == {"error": {"code": "", "message": "The service is temporarily unavailable. "
                                                                         "Please try again later."}}),
    ("bc", 503, lambda body: body["error"]["code"] == "Internal_TenantUnavailable"),
    ("bc", 429, lambda body: body["error"]["code"] == "Application_TooManyRequests"),
    ("crm", 504, lambda body: body["error"]["message"] == "The operation timed out."),
])
def test_status_faults_use_each_family_error_shape(sim, sim_faults, host, status, check):
    sim_faults.inject(host=host, status=status, retry_after=2)
    reply = requests.get(f"{getattr(sim.config, f'{host}_url')}/anything", timeout=10)
    assert reply.status_code == status
    assert reply.headers["Retry-After"] == "2"
    assert reply.headers["Content-Type"].startswith("application/json")
    assert check(reply.json())


@pytest.mark.parametrize("status, error, code", [(503, "temporarily_unavailable", 90006),
                                                 (429, "temporarily_unavailable", 90055)])
def test_token_endpoint_outage_in_the_entra_shape(sim, sim_faults, status, error, code):
    sim_faults.inject(host="login", path="*/oauth2/*token", status=status, retry_after=7)
    url = f"{sim.config.login_url}/{sim.config.tenant_id}/oauth2/v2.0/token"
    reply = requests.post(url, data={"grant_type": "client_credentials"}, timeout=10)
    assert reply.status_code == status
    assert reply.headers["Retry-After"] == "7"
    body = reply.json()
    assert body["error"] == error and body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    # the outage is over after one request
    token = app_token(sim, sim.config.crm_url)
    assert token.count(".") == 2


def test_reset_drops_the_connection_without_a_response(sim_faults, crm_api, admin_crm_token):
    sim_faults.inject(host="crm", kind="reset")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{crm_api}/accounts?$top=1", headers=bearer(admin_crm_token), timeout=10)
    assert sim_faults.fired == [("crm", "GET", "/api/data/v9.2/accounts", "reset")]
    assert requests.get(f"{crm_api}/WhoAmI", headers=bearer(admin_crm_token), timeout=10).status_code == 200


def test_reset_after_processing_commits_the_write_but_loses_the_response(sim_faults, crm_api, admin_crm_token):
    name = "zzh-fault-lost-response"
    sim_faults.inject(host="crm", method="POST", kind="reset", phase="after")
    try:
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{crm_api}/accounts", json={"name": name}, headers=bearer(admin_crm_token), timeout=10)
        assert len(_accounts(crm_api, admin_crm_token, name)) == 1
    finally:
        _delete_accounts(crm_api, admin_crm_token, name)


def test_reset_before_processing_writes_nothing(sim_faults, crm_api, admin_crm_token):
    name = "zzh-fault-never-arrived"
    sim_faults.inject(host="crm", method="POST", kind="reset")
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{crm_api}/accounts", json={"name": name}, headers=bearer(admin_crm_token), timeout=10)
    assert _accounts(crm_api, admin_crm_token, name) == []


def test_timeout_holds_past_the_client_timeout(sim_faults, crm_api, admin_crm_token):
    sim_faults.inject(host="crm", kind="timeout", delay=30)
    with pytest.raises(requests.ReadTimeout):
        requests.get(f"{crm_api}/accounts?$top=1", headers=bearer(admin_crm_token), timeout=0.3)
    # the held request ends when the client hangs up; the server keeps serving
    assert requests.get(f"{crm_api}/WhoAmI", headers=bearer(admin_crm_token), timeout=10).status_code == 200


def test_slow_fault_delays_but_answers(sim_faults, crm_api, admin_crm_token):
    fault = sim_faults.inject(host="crm", kind="slow", delay=0.2, phase="after")
    reply = requests.get(f"{crm_api}/WhoAmI", headers=bearer(admin_crm_token), timeout=10)
    assert reply.status_code == 200 and reply.json()["UserId"]
    assert fault.hits == 1


def test_status_after_processing_reports_failure_of_a_committed_write(sim_faults, crm_api, admin_crm_token):
    name = "zzh-fault-504-after"
    sim_faults.inject(host="crm", method="POST", status=504, phase="after")
    try:
        reply = requests.post(f"{crm_api}/accounts", json={"name": name}, headers=bearer(admin_crm_token),
                              timeout=10)
        assert reply.status_code == 504
        assert len(_accounts(crm_api, admin_crm_token, name)) == 1
    finally:
        _delete_accounts(crm_api, admin_crm_token, name)


def test_http_control_endpoint_arms_lists_and_clears(sim, sim_faults):
    control = f"{sim.config.bc_url}/_sim/faults"
    armed = requests.post(control, json={"path": "/v2.0/*", "status": 502, "count": 2}, timeout=10)
    assert armed.status_code == 201
    fault = armed.json()
    assert fault["host"] == "bc" and fault["count"] == 2 and fault["kind"] == "status"
    listed = requests.get(f"{sim.config.crm_url}/_sim/faults", timeout=10).json()["faults"]
    assert [f["id"] for f in listed] == [fault["id"]]
    assert requests.get(f"{sim.config.bc_url}/v2.0/x/production/api/v2.0/companies", timeout=10).status_code == 502
    assert requests.delete(f"{control}/{fault['id']}", timeout=10).status_code == 204
    assert requests.delete(f"{control}/{fault['id']}", timeout=10).status_code == 404
    requests.post(control, json={"host": "*", "status": 500}, timeout=10)
    assert requests.get(f"{sim.config.fno_url}/data", timeout=10).status_code == 500
    requests.post(control, json={"status": 500}, timeout=10)
    assert requests.delete(control, timeout=10).status_code == 204
    assert sim_faults.active == []


@pytest.mark.parametrize("body, problem", [
    ({"kind": "explode"}, "kind must be one of status, reset, slow, timeout"),
    ({"status": 200}, "status must be an HTTP error status (400-599)"),
    ({"count": 0}, "count must be a positive integer or null"),
    ({"delay": -1}, "delay must be a non-negative number"),
    ({"host": "erp"}, "host must be one of login, crm, fno, bc"),
    ({"phase": "during"}, "phase must be 'before' or 'after'"),
    ({"method": "GET /"}, "method must be an HTTP method name"),
    ({"statsu": 503}, "unknown fault field(s): statsu"),
    ("503", "the fault must be a JSON object"),
])
def test_http_control_endpoint_rejects_bad_faults_clearly(sim, sim_faults, body, problem):
    reply = requests.post(f"{sim.config.crm_url}/_sim/faults", json=body, timeout=10)
    assert reply.status_code == 400
    assert problem in reply.json()["error"]["message"]
    assert sim_faults.active == []


def test_http_control_endpoint_rejects_bad_json_and_unknown_paths(sim):
    bad = requests.post(f"{sim.config.crm_url}/_sim/faults", data=b"{not json", timeout=10)
    assert bad.status_code == 400 and "not valid JSON" in bad.json()["error"]["message"]
    unknown = requests.get(f"{sim.config.crm_url}/_sim/nothing", timeout=10)
    assert unknown.status_code == 404 and "/_sim/faults" in unknown.json()["error"]["message"]
    assert requests.put(f"{sim.config.crm_url}/_sim/faults", timeout=10).status_code == 405


def test_fault_objects_validate_in_process_too():
    with pytest.raises(FaultSpecError, match="retry_after"):
        Fault(retry_after=-5)
    assert Fault(kind="timeout").delay > 0  # a timeout without a delay still outlasts a client timeout


def test_sim_faults_fixture_leaves_nothing_armed(sim):
    assert sim.faults.active == []
    assert sim.throttling.describe()["enabled"] is False
