"""Service protection in the simulator: 429 + Retry-After with each family's codes, texts and headers.

References: dataverse.md §6 (codes 0x80072322/0x80072321/0x80072326, ``x-ms-ratelimit-*`` headers),
fno_bc.md A8 (F&O texts, "exeeded" sic) and B7 (BC: 5 concurrent, a queue, then 429).
"""

from __future__ import annotations

import re
import threading
import time

import pytest
import requests

from simulator.config import SimConfig
from simulator.throttling import ServiceLimits, default_service_limits
from tests.reliability.conftest import app_token, bearer

pytestmark = pytest.mark.sim_only

TIME_FORMAT = re.compile(r"^\d{1,3}(,\d{3})*\.\d{2}$")


def _get(url: str, token: str, **kwargs) -> requests.Response:
    return requests.get(url, headers=bearer(token), timeout=10, **kwargs)


def test_defaults_never_throttle_and_match_the_documented_limits():
    config = SimConfig()
    assert config.service_protection is False
    limits = default_service_limits()
    assert limits["crm"] == ServiceLimits(requests=6000, window=300, concurrent=52, execution_seconds=1200)
    assert limits["fno"] == limits["crm"]
    assert (limits["bc"].requests, limits["bc"].concurrent, limits["bc"].queue) == (6000, 5, 95)


def test_default_server_answers_a_burst_without_429(sim, crm_api, admin_crm_token):
    session = requests.Session()
    statuses = {session.get(f"{crm_api}/WhoAmI", headers=bearer(admin_crm_token), timeout=10).status_code
                for _ in range(60)}
    assert statuses == {200}
    assert not sim.throttling.rejections


def test_dataverse_request_limit_then_window_slides(sim_throttling, crm_api, admin_crm_token):
    sim_throttling.configure("crm", requests=3, window=60)
    remaining = []
    for _ in range(3):
        reply = _get(f"{crm_api}/WhoAmI", admin_crm_token)
        assert reply.status_code == 200
        remaining.append(reply.headers["x-ms-ratelimit-burst-remaining-xrm-requests"])
        assert TIME_FORMAT.match(reply.headers["x-ms-ratelimit-time-remaining-xrm-requests"])
    assert remaining == ["2", "1", "0"]

    throttled = _get(f"{crm_api}/accounts?$top=1", admin_crm_token)
    assert throttled.status_code == 429
    assert throttled.json() == {"error": {
        "code": "0x80072322",
        "message": "Number of requests exceeded the limit of 3 over time window of 60 seconds."}}
    assert re.fullmatch(r"[1-9]\d*", throttled.headers["Retry-After"])
    assert int(throttled.headers["Retry-After"]) <= 60
    assert throttled.headers["Content-Type"].startswith("application/json")
    assert throttled.headers["OData-Version"] == "4.0"
    assert throttled.headers["REQ_ID"]

    sim_throttling.advance_clock(60)
    again = _get(f"{crm_api}/WhoAmI", admin_crm_token)
    assert again.status_code == 200
    assert again.headers["x-ms-ratelimit-burst-remaining-xrm-requests"] == "2"
    assert sim_throttling.rejections[("crm", "requests")] == 1


def test_budgets_are_per_user(sim, sim_throttling, crm_api, admin_crm_token):
    sim_throttling.configure("crm", requests=1, window=60)
    assert _get(f"{crm_api}/WhoAmI", admin_crm_token).status_code == 200
    assert _get(f"{crm_api}/WhoAmI", admin_crm_token).status_code == 429
    other = app_token(sim, sim.config.crm_url)  # the confidential app: another principal
    assert _get(f"{crm_api}/accounts?$top=1", other).status_code == 200


def test_time_remaining_header_reflects_execution_time(sim_throttling, sim_faults, crm_api, admin_crm_token):
    sim_throttling.configure("crm", execution_seconds=1000)
    first = _get(f"{crm_api}/WhoAmI", admin_crm_token)
    assert first.headers["x-ms-ratelimit-time-remaining-xrm-requests"] == "1,000.00"
    sim_faults.inject(host="crm", path="*/WhoAmI", kind="slow", delay=0.3)
    _get(f"{crm_api}/WhoAmI", admin_crm_token)
    after = _get(f"{crm_api}/WhoAmI", admin_crm_token)
    used = 1000 - float(after.headers["x-ms-ratelimit-time-remaining-xrm-requests"].replace(",", ""))
    assert used >= 0.3 - 0.01  # the header has two decimals, so 999.70 may stand for 0.2999... used


def test_execution_time_limit_trips_after_it_is_exceeded(sim_throttling, sim_faults, crm_api, admin_crm_token):
    sim_throttling.configure("crm", execution_seconds=0.2, window=60)
    sim_faults.inject(host="crm", path="*/WhoAmI", kind="slow", delay=0.3)
    assert _get(f"{crm_api}/WhoAmI", admin_crm_token).status_code == 200  # lagging: this one still runs
    throttled = _get(f"{crm_api}/WhoAmI", admin_crm_token)
    assert throttled.status_code == 429
    error = throttled.json()["error"]
    assert error["code"] == "0x80072321"
    assert error["message"].startswith("Combined execution time of incoming requests exceeded limit of 200 "
                                       "milliseconds over time window of 60 seconds.")
    assert 1 <= int(throttled.headers["Retry-After"]) <= 60


def _in_flight(url: str, token: str, results: list, count: int) -> list[threading.Thread]:
    threads = [threading.Thread(target=lambda: results.append(_get(url, token).status_code)) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_dataverse_concurrency_limit_trips_at_once(sim_throttling, sim_faults, crm_api, admin_crm_token):
    sim_throttling.configure("crm", concurrent=2)
    slow = sim_faults.inject(host="crm", path="*/WhoAmI", kind="slow", delay=1.0, count=2)
    results: list[int] = []
    threads = _in_flight(f"{crm_api}/WhoAmI", admin_crm_token, results, 2)
    _wait_for(lambda: slow.hits == 2, "two requests in flight")
    refused = _get(f"{crm_api}/accounts?$top=1", admin_crm_token)
    for thread in threads:
        thread.join()
    assert refused.status_code == 429
    assert refused.json()["error"] == {"code": "0x80072326",
                                       "message": "Number of concurrent requests exceeded the limit of 2."}
    assert results == [200, 200]
    assert _get(f"{crm_api}/WhoAmI", admin_crm_token).status_code == 200  # slots were freed


def test_fno_429_uses_the_documented_wording(sim, sim_throttling, fno_api):
    token = app_token(sim, sim.config.fno_url)
    sim_throttling.configure("fno", requests=2, window=120)
    for _ in range(2):
        assert _get(f"{fno_api}/CustomerGroups?$top=1", token).status_code == 200
    throttled = _get(f"{fno_api}/CustomerGroups?$top=1", token)
    assert throttled.status_code == 429
    assert throttled.json() == {"error": {"code": "", "message": "Number of requests exeeded the limit of 2 over "
                                                                 "the time window of 120 seconds."}}
    assert 1 <= int(throttled.headers["Retry-After"]) <= 120
    assert "x-ms-ratelimit-burst-remaining-xrm-requests" not in throttled.headers  # a Dataverse header only


def test_business_central_queues_then_refuses(sim, sim_throttling, sim_faults, bc_api):
    token = app_token(sim, "https://api.businesscentral.dynamics.com")
    sim_throttling.configure("bc", concurrent=1, queue=1)
    slow = sim_faults.inject(host="bc", path="*/companies", kind="slow", delay=0.8, count=1)
    results: list[int] = []
    threads = _in_flight(f"{bc_api}/companies", token, results, 1)
    _wait_for(lambda: slow.hits == 1, "one request in flight")
    queued = _in_flight(f"{bc_api}/companies", token, results, 1)  # waits in the queue
    _wait_for(lambda: sim_throttling.waiting("bc") == 1, "one request queued")
    refused = _get(f"{bc_api}/companies", token)
    for thread in threads + queued:
        thread.join()
    assert refused.status_code == 429
    assert refused.json()["error"] == {"code": "Application_TooManyRequests",
                                       "message": "Too many requests reached. Actual (3). Maximum (2)."}
    assert "Retry-After" in refused.headers
    assert sorted(results) == [200, 200]  # the queued request was served once a slot freed


def test_business_central_request_limit(sim, sim_throttling, bc_api):
    token = app_token(sim, "https://api.businesscentral.dynamics.com")
    sim_throttling.configure("bc", requests=1, window=30)
    assert _get(f"{bc_api}/companies", token).status_code == 200
    throttled = _get(f"{bc_api}/companies", token)
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "Application_TooManyRequests"
    assert "Maximum (1)" in throttled.json()["error"]["message"]


def test_control_api_switches_limits_over_http(sim, admin_crm_token, crm_api, sim_throttling):
    control = f"{sim.config.crm_url}/_sim/throttling"
    state = requests.post(control, json={"host": "crm", "requests": 1, "window": 10}, timeout=10)
    assert state.status_code == 200
    assert state.json()["enabled"] is True and state.json()["limits"]["crm"]["requests"] == 1
    assert _get(f"{crm_api}/WhoAmI", admin_crm_token).status_code == 200
    assert _get(f"{crm_api}/WhoAmI", admin_crm_token).status_code == 429
    assert requests.post(control, json={"advance_clock": 10}, timeout=10).status_code == 200
    assert _get(f"{crm_api}/WhoAmI", admin_crm_token).status_code == 200
    assert requests.post(f"{sim.config.fno_url}/_sim/reset", timeout=10).status_code == 204
    assert requests.get(control, timeout=10).json()["enabled"] is False


@pytest.mark.parametrize("body, problem", [
    ({"requests": 0}, "requests must be a positive integer"),
    ({"window": "soon"}, "window must be a positive number"),
    ({"bursts": 5}, "unknown service-protection setting(s): bursts"),
    ({"host": "erp"}, "no service-protection limits for host 'erp'"),
    ({"enabled": "yes"}, "enabled must be true or false"),
    ([1, 2], "the body must be a JSON object"),
])
def test_control_api_rejects_bad_settings_clearly(sim, sim_throttling, body, problem):
    reply = requests.post(f"{sim.config.crm_url}/_sim/throttling", json=body, timeout=10)
    assert reply.status_code == 400
    assert problem in reply.json()["error"]["message"]
    assert sim_throttling.describe()["enabled"] is False  # nothing half-applied

