"""Concurrent writers: optimistic concurrency (If-Match) loses no update under parallel clients.

Each worker thread reads a counter with its ETag, writes counter + 1 with ``If-Match``, and on 412
reads again. If the service's ETag check were not atomic, two writers could both pass the check
with the same ETag and one increment would vanish; the final value proves none did. The load is
bounded (threads x increments) and stays on loopback.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.auth import MemoryTokenCache, TokenBroker
from harness.odata import ODataClient, ODataError
from harness.targets import client_for, simulator_targets
from simulator import config as simcfg
from simulator.config import SimConfig
from simulator.server import SimulatorServer

pytestmark = [pytest.mark.crm, pytest.mark.writes]

THREADS = 6
INCREMENTS = 8


def increment(client: ODataClient, entity_set: str, key, field: str, times: int) -> int:
    """Add 1 to ``field`` ``times`` times with read / conditional write; returns the 412s met."""
    conflicts = 0
    done = 0
    while done < times:
        current = client.retrieve(entity_set, key, select=[field])
        value = current.json()[field] or 0
        try:
            client.update(entity_set, key, {field: value + 1}, if_match=current.etag)
        except ODataError as exc:
            if exc.status != 412:
                raise
            conflicts += 1
            continue
        done += 1
    return conflicts


def run_incrementers(make, entity_set: str, key, field: str, threads: int = THREADS,
                     times: int = INCREMENTS) -> int:
    clients = [make() for _ in range(threads)]
    try:
        with ThreadPoolExecutor(threads) as pool:
            return sum(pool.map(lambda c: increment(c, entity_set, key, field, times), clients))
    finally:
        for client in clients:
            client.close()


def test_parallel_if_match_increments_lose_nothing(harness_targets, token_broker, crm, values):
    key = crm.create("accounts", {"name": values.name("Counter"), "numberofemployees": 0}).created.key
    conflicts = run_incrementers(lambda: client_for(harness_targets["crm"], token_broker), "accounts", key,
                                 "numberofemployees")
    final = crm.retrieve("accounts", key, select=["numberofemployees"]).json()["numberofemployees"]
    assert final == THREADS * INCREMENTS  # 0 lost updates
    assert conflicts > 0  # the writers really raced (each conflict was detected, not lost)


def test_stale_etag_is_refused_after_a_concurrent_write(crm, values):
    key = crm.create("accounts", {"name": values.name("Stale"), "numberofemployees": 1}).created.key
    seen = crm.retrieve("accounts", key)
    crm.update("accounts", key, {"numberofemployees": 2}, if_match=seen.etag)
    with pytest.raises(ODataError) as caught:
        crm.update("accounts", key, {"numberofemployees": 3}, if_match=seen.etag)
    assert caught.value.status == 412 and caught.value.code == "0x80060882"
    assert crm.retrieve("accounts", key).json()["numberofemployees"] == 2


@pytest.mark.sim_only
def test_file_database_in_wal_mode_under_parallel_crm_and_fno_writers(tmp_path):
    database = tmp_path / "sim.db"
    with SimulatorServer(SimConfig(database_url=f"sqlite:///{database}")) as server:
        store = server.apps.crm.state.service.store
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        c = server.config
        targets = simulator_targets(c.login_url, c.tenant_id, c.crm_url, c.fno_url, c.bc_url,
                                    simcfg.PUBLIC_CLIENT_ID, simcfg.CONFIDENTIAL_CLIENT_ID, c.users[0].upn,
                                    simcfg.DEFAULT_PASSWORD, simcfg.DEFAULT_CLIENT_SECRET)
        with TokenBroker(MemoryTokenCache()) as broker:
            crm = client_for(targets["crm"], broker)
            fno = client_for(targets["fno"], broker)
            account = crm.create("accounts", {"name": "zzh-wal-counter", "numberofemployees": 0}).created.key
            customer = {"dataAreaId": "usmf", "CustomerAccount": "US-001"}
            start = fno.retrieve("CustomersV3", customer, select=["CreditLimit"]).json()["CreditLimit"] or 0

            def make(name: str):
                return lambda: client_for(targets[name], broker)

            with ThreadPoolExecutor(2) as pool:
                crm_job = pool.submit(run_incrementers, make("crm"), "accounts", account, "numberofemployees", 4)
                fno_job = pool.submit(run_incrementers, make("fno"), "CustomersV3", customer, "CreditLimit", 4)
                crm_job.result()
                fno_job.result()
            final_crm = crm.retrieve("accounts", account).json()["numberofemployees"]
            final_fno = fno.retrieve("CustomersV3", customer).json()["CreditLimit"]
            assert final_crm == 4 * INCREMENTS
            assert final_fno == start + 4 * INCREMENTS
