"""The harness client under faults: it retries what is safe, never duplicates a write, and says why.

Every test drives the real simulator over HTTP with an injected fault sequence and checks the end
state on the server (how many records exist, which values they hold), not only the client's view.
"""

from __future__ import annotations

import logging
import socket
import uuid

import pytest

from harness.auth import AuthError
from harness.odata import DATAVERSE, ODataClient, ODataConnectionError, ODataError, Query, eq
from harness.odata.retry import OutcomeUnknownError, RetryPolicy
from tests.reliability.conftest import FAST

pytestmark = [pytest.mark.sim_only, pytest.mark.crm]


def _named(client, entity_set: str, field: str, value: str) -> list[dict]:
    return client.query(entity_set, Query(filter=eq(field, value)), retry=False).value


# ---------------------------------------------------------------------- reads
def test_503_twice_then_success(make_client, sim_faults, caplog):
    crm = make_client()
    sim_faults.inject(host="crm", path="*/accounts*", status=503, count=2, retry_after=0)
    with caplog.at_level(logging.INFO, logger="harness.odata.retry"):
        page = crm.query("accounts", Query(top=1))
    assert len(page.value) == 1
    assert crm.retry_stats.retries == 2 and crm.retry_stats.reasons == {"503": 2}
    assert crm.retry_stats.attempts == 3 and crm.retry_stats.gave_up == 0
    retried = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retried) == 2 and "GET " in retried[0] and "/accounts" in retried[0]
    assert all("Bearer" not in r.getMessage() and "eyJ" not in r.getMessage() for r in caplog.records)


def test_gives_up_after_max_attempts_with_the_last_error(make_client, sim_faults):
    crm = make_client(retry=RetryPolicy(max_attempts=3, backoff=0.01))
    fault = sim_faults.inject(host="crm", path="*/accounts*", status=503, count=None)
    with pytest.raises(ODataError) as caught:
        crm.query("accounts", Query(top=1))
    assert caught.value.status == 503
    assert fault.hits == 3
    assert crm.retry_stats.gave_up == 1 and crm.retry_stats.retries == 2


def test_retry_after_beyond_the_ceiling_is_not_waited_for(make_client, sim_faults, caplog):
    crm = make_client(retry=RetryPolicy(max_attempts=4, max_retry_after=5))
    fault = sim_faults.inject(host="crm", path="*/accounts*", status=429, retry_after=300, count=None)
    with caplog.at_level(logging.WARNING, logger="harness.odata.retry"), pytest.raises(ODataError) as caught:
        crm.query("accounts", Query(top=1))
    assert caught.value.status == 429
    assert fault.hits == 1
    assert "asked to wait 300 s (Retry-After), more than max_retry_after=5 s" in caplog.text


def test_real_service_protection_429_is_waited_out(make_client, sim_throttling):
    crm = make_client(retry=RetryPolicy(max_attempts=3, max_retry_after=10))
    # a 4 s window: three calls land in it even on a loaded machine; the third is throttled, waits, succeeds
    sim_throttling.configure("crm", requests=2, window=4)
    names = [crm.whoami()["UserId"] for _ in range(3)]
    assert len(set(names)) == 1
    assert crm.retry_stats.reasons["429"] >= 1
    assert sim_throttling.rejections[("crm", "requests")] >= 1


def test_connection_reset_on_a_read_is_retried(make_client, sim_faults):
    crm = make_client()
    sim_faults.inject(host="crm", kind="reset", count=2)
    assert crm.whoami()["UserId"]
    assert crm.retry_stats.reasons == {"connection": 2}


def test_read_timeout_is_retried(make_client, sim_faults):
    crm = make_client(timeout=0.5)
    sim_faults.inject(host="crm", kind="timeout", delay=20)
    assert crm.whoami()["UserId"]
    assert crm.retry_stats.reasons == {"timeout": 1}


def test_unreachable_service_fails_clearly_after_retries():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    client = ODataClient(f"http://127.0.0.1:{closed_port}/api/data/v9.2", DATAVERSE,
                         retry=RetryPolicy(max_attempts=2, backoff=0.01))
    with pytest.raises(ODataConnectionError) as caught:
        client.get("WhoAmI")
    message = str(caught.value)
    assert f"GET http://127.0.0.1:{closed_port}/api/data/v9.2/WhoAmI" in message
    assert "gave up after 2 attempt(s)" in message
    assert client.retry_stats.reasons == {"connection refused": 1}


def test_no_retries_unless_asked(make_client, sim_faults):
    crm = make_client(retry=None)
    sim_faults.inject(host="crm", status=503)
    with pytest.raises(ODataError):
        crm.whoami()
    assert crm.retry_stats.attempts == 0
    crm.retry = FAST
    sim_faults.inject(host="crm", status=503)
    with pytest.raises(ODataError):
        crm.whoami(retry=False)  # per call


# ---------------------------------------------------------------------- token endpoint
def test_token_endpoint_outage_is_retried(make_client, sim_faults):
    crm = make_client()
    fault = sim_faults.inject(host="login", path="*/oauth2/*token", status=503, retry_after=0, count=2)
    assert crm.whoami()["UserId"]
    assert fault.hits == 2
    assert crm.retry_stats.reasons == {"token 503": 2}


def test_token_endpoint_throttling_is_retried(make_client, sim_faults):
    crm = make_client()
    sim_faults.inject(host="login", path="*/oauth2/*token", status=429, retry_after=0)
    assert crm.whoami()["UserId"]
    assert crm.retry_stats.reasons == {"token 429": 1}


def test_a_rejected_sign_in_is_not_retried(make_client, sim_faults, sim):
    from simulator.identity.errors import entra_error, error_response
    from simulator.identity.faults import FailNext

    crm = make_client()
    identity = sim.apps.login.state.identity
    hook = identity.add_hook(FailNext(None, lambda: error_response(entra_error(50126))))
    try:
        with pytest.raises(AuthError, match="AADSTS50126"):
            crm.whoami()
        assert hook.failed == 1
        assert crm.retry_stats.retries == 0
    finally:
        identity.remove_hook(hook)


# ---------------------------------------------------------------------- creates: never a duplicate
def test_create_with_a_lost_response_and_no_key_is_not_resent(make_client, sim_faults, values):
    crm = make_client()
    name = f"LostNoKey {values.token(12)}"  # no run tag either: nothing the client could probe by
    sim_faults.inject(host="crm", path="*/accounts", method="POST", kind="reset", phase="after")
    with pytest.raises(OutcomeUnknownError) as caught:
        crm.create("accounts", {"name": name})
    message = str(caught.value)
    assert "POST" in message and "may or may not have applied it" in message and "unique_field=" in message
    rows = _named(crm, "accounts", "name", name)
    assert len(rows) == 1  # created once, not twice
    crm.delete("accounts", uuid.UUID(rows[0]["accountid"]))


def test_create_with_client_generated_key_recovers_from_a_lost_response(make_client, sim_faults, values,
                                                                        created_records):
    crm = make_client()
    name = values.name("LostWithKey")
    account_id = values.uuid()
    sim_faults.inject(host="crm", path="*/accounts", method="POST", kind="reset", phase="after")
    response = crm.create("accounts", {"accountid": account_id, "name": name})
    assert response.ok and response.created.key == uuid.UUID(account_id)
    assert crm.retry_stats.recovered == 1
    assert len(_named(crm, "accounts", "name", name)) == 1
    assert [key for _, _, key in created_records.records] == [uuid.UUID(account_id)]  # cleaned up once


def test_create_with_unique_field_recovers_from_a_timeout(make_client, sim_faults, values):
    crm = make_client(timeout=0.5)
    name = values.name("TimeoutUnique")
    sim_faults.inject(host="crm", path="*/accounts", method="POST", kind="timeout", delay=20, phase="after")
    response = crm.create("accounts", {"name": name}, unique_field="name")
    assert response.ok and response.json()["name"] == name
    assert crm.retry_stats.recovered == 1
    assert len(_named(crm, "accounts", "name", name)) == 1


def test_create_whose_first_send_never_arrived_is_sent_again_once(make_client, sim_faults, values):
    crm = make_client()
    name = values.name("NeverArrived")
    sim_faults.inject(host="crm", path="*/accounts", method="POST", kind="reset")  # before processing
    response = crm.create("accounts", {"name": name}, unique_field="name")
    assert response.status == 204  # the real create answered
    assert crm.retry_stats.recovered == 0 and crm.retry_stats.retries == 1
    assert len(_named(crm, "accounts", "name", name)) == 1


def test_throttled_create_is_retried_without_a_probe(make_client, sim_faults, values):
    crm = make_client()
    name = values.name("Throttled")
    sim_faults.inject(host="crm", path="*/accounts", method="POST", status=429, retry_after=0, count=2)
    assert crm.create("accounts", {"name": name}).status == 204  # 429: not processed, safe to resend
    assert len(_named(crm, "accounts", "name", name)) == 1


def test_gateway_error_after_a_committed_create_is_recovered_by_key(make_client, sim_faults, values):
    crm = make_client()
    name = values.name("Gateway")
    account_id = values.uuid()
    sim_faults.inject(host="crm", path="*/accounts", method="POST", status=502, phase="after")
    response = crm.create("accounts", {"accountid": account_id, "name": name})
    assert response.ok and crm.retry_stats.recovered == 1
    assert len(_named(crm, "accounts", "name", name)) == 1


def test_fno_create_with_natural_key_recovers_from_a_lost_response(make_client, sim_faults, values):
    fno = make_client("fno")
    group = "Z" + values.token(5).upper()
    sim_faults.inject(host="fno", path="/data/CustomerGroups", method="POST", kind="reset", phase="after")
    response = fno.create("CustomerGroups", {"dataAreaId": "usmf", "CustomerGroupId": group,
                                             "Description": values.name("Group")},
                          key_fields=["dataAreaId", "CustomerGroupId"])
    assert response.ok and fno.retry_stats.recovered == 1
    assert response.created.key == {"dataAreaId": "usmf", "CustomerGroupId": group}
    assert len(_named(fno, "CustomerGroups", "CustomerGroupId", group)) == 1


# ---------------------------------------------------------------------- updates and deletes
def test_patch_without_if_match_is_retried_after_a_lost_response(make_client, sim_faults, values, created_records):
    crm = make_client()
    created = crm.create("accounts", {"name": values.name("Patch")})
    key = created.created.key
    sim_faults.inject(host="crm", path="*/accounts(*", method="PATCH", kind="reset", phase="after")
    crm.update("accounts", key, {"numberofemployees": 42})
    assert crm.retrieve("accounts", key).json()["numberofemployees"] == 42
    assert crm.retry_stats.reasons == {"connection": 1}


def test_conditional_patch_with_unknown_outcome_is_not_resent(make_client, sim_faults, values):
    crm = make_client()
    created = crm.create("accounts", {"name": values.name("Conditional")})
    key = created.created.key
    etag = crm.retrieve("accounts", key).etag
    sim_faults.inject(host="crm", path="*/accounts(*", method="PATCH", kind="reset", phase="after")
    with pytest.raises(OutcomeUnknownError, match="conditional write"):
        crm.update("accounts", key, {"numberofemployees": 7}, if_match=etag)
    after = crm.retrieve("accounts", key)
    assert after.json()["numberofemployees"] == 7 and after.etag != etag  # applied exactly once


def test_conditional_patch_throttled_is_retried(make_client, sim_faults, values):
    crm = make_client()
    key = crm.create("accounts", {"name": values.name("Conditional429")}).created.key
    etag = crm.retrieve("accounts", key).etag
    sim_faults.inject(host="crm", path="*/accounts(*", method="PATCH", status=429, retry_after=0)
    crm.update("accounts", key, {"numberofemployees": 9}, if_match=etag)  # 429: not processed
    assert crm.retrieve("accounts", key).json()["numberofemployees"] == 9


def test_delete_with_a_lost_response_ends_with_the_record_gone(make_client, sim_faults, values):
    crm = make_client()
    key = crm.create("accounts", {"name": values.name("Delete")}).created.key
    sim_faults.inject(host="crm", path="*/accounts(*", method="DELETE", kind="reset", phase="after")
    response = crm.delete("accounts", key)
    assert response.status == 404  # the re-sent delete found nothing: the first one had deleted it
    assert crm.retry_stats.recovered == 1
    assert crm.retrieve("accounts", key, raise_for_status=False).status == 404
