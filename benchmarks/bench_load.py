"""Throughput and lost updates of the simulated Dataverse root under parallel writers (loopback only).

Each scenario runs N client threads, each with its own harness ``ODataClient`` (own connection),
against one in-process simulator, for a bounded number of operations:

* ``independent``: every thread increments its own record with read + ``If-Match`` PATCH (no contention);
* ``contended If-Match``: every thread increments the same record; a 412 means re-read and try again;
* ``contended blind``: the same without ``If-Match`` (last writer wins): the peer that shows what
  optimistic concurrency prevents, since its lost updates are the increments that vanished.

Printed per scenario: completed increments per second, 412 conflicts, and lost updates (expected
final value minus the value read back at the end). ``If-Match`` scenarios must show 0 lost updates.

    python benchmarks/bench_load.py [--threads 1,4,8] [--increments 40] [--file-db]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness.auth import MemoryTokenCache, TokenBroker
from harness.odata import ODataClient, ODataError
from harness.targets import client_for, simulator_targets
from simulator import config as simcfg
from simulator.config import SimConfig
from simulator.server import SimulatorServer

FIELD = "numberofemployees"


def increment(client: ODataClient, key, times: int, conditional: bool) -> int:
    """``times`` read-then-write increments of ``FIELD``; returns how many 412s were met."""
    conflicts = done = 0
    while done < times:
        current = client.retrieve("accounts", key, select=[FIELD])
        value = current.json()[FIELD] or 0
        try:
            client.update("accounts", key, {FIELD: value + 1}, if_match=current.etag if conditional else None)
        except ODataError as exc:
            if exc.status != 412:
                raise
            conflicts += 1
            continue
        done += 1
    return conflicts


def scenario(target, broker, threads: int, times: int, shared: bool,
             conditional: bool) -> tuple[float, float, int, int]:
    """``(increments per second, HTTP requests per second, conflicts, lost updates)``."""
    setup = client_for(target, broker)
    count = 1 if shared else threads
    keys = [setup.create("accounts", {"name": f"zzh-bench-{i}", FIELD: 0}).created.key for i in range(count)]
    clients = [client_for(target, broker) for _ in range(threads)]
    for client in clients:
        client.whoami()  # connect and warm up outside the timed part
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        conflicts = sum(pool.map(lambda pair: increment(pair[1], keys[0 if shared else pair[0]], times, conditional),
                                 enumerate(clients)))
    elapsed = time.perf_counter() - started
    expected_per_key = threads * times if shared else times
    lost = sum(expected_per_key - setup.retrieve("accounts", key).json()[FIELD] for key in keys)
    for key in keys:
        setup.delete("accounts", key)
    for client in [setup, *clients]:
        client.close()
    requests_sent = 2 * (threads * times + conflicts)  # every attempt is a GET and a PATCH
    return threads * times / elapsed, requests_sent / elapsed, conflicts, lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1,4,8", help="comma-separated client thread counts")
    parser.add_argument("--increments", type=int, default=40, help="increments per thread (bounded load)")
    parser.add_argument("--file-db", action="store_true", help="SQLite file database in WAL mode")
    args = parser.parse_args()
    counts = [int(n) for n in args.threads.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{Path(folder) / 'bench.db'}" if args.file_db else "sqlite://"
        with SimulatorServer(SimConfig(database_url=database)) as sim, TokenBroker(MemoryTokenCache()) as broker:
            c = sim.config
            target = simulator_targets(c.login_url, c.tenant_id, c.crm_url, c.fno_url, c.bc_url,
                                       simcfg.PUBLIC_CLIENT_ID, simcfg.CONFIDENTIAL_CLIENT_ID, c.users[0].upn,
                                       simcfg.DEFAULT_PASSWORD, simcfg.DEFAULT_CLIENT_SECRET)["crm"]
            print(f"database: {'file (WAL)' if args.file_db else 'in-memory'}; {args.increments} increments "
                  "per thread; each increment = GET + PATCH")
            scenario(target, broker, 2, 10, False, True)  # warm-up: connections, SQLite pages, code paths
            print(f"{'scenario':<22}{'threads':>8}{'incr/s':>10}{'req/s':>10}{'vs 1 thread':>13}"
                  f"{'412s':>8}{'lost':>7}")
            for name, shared, conditional in (("independent", False, True), ("contended If-Match", True, True),
                                              ("contended blind", True, False)):
                baseline = None
                for threads in counts:
                    rate, requests_per_second, conflicts, lost = scenario(target, broker, threads, args.increments,
                                                                          shared, conditional)
                    baseline = baseline or rate
                    print(f"{name:<22}{threads:>8}{rate:>10.0f}{requests_per_second:>10.0f}"
                          f"{rate / baseline:>12.2f}x{conflicts:>8}{lost:>7}")


if __name__ == "__main__":
    main()
