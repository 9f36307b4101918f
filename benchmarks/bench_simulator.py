"""Requests per second of the simulated Dataverse root on 100k rows, next to a bare Starlette route.

Both servers run in this process on loopback with the same uvicorn setup and are driven by the
same client loop, so the ratio shows what the OData layer (auth, parsing, SQL, JSON) costs.

    python benchmarks/bench_simulator.py [--rows 100000] [--requests 400]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import threading
import time
import uuid

import requests
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from simulator.config import DEFAULT_PASSWORD, PUBLIC_CLIENT_ID, SimConfig
from simulator.odata.store import VERSION_COLUMN
from simulator.server import SimulatorServer


def bare_server() -> tuple[str, uvicorn.Server]:
    record = {"@odata.etag": 'W/"1"', "accountid": str(uuid.uuid4()), "name": "Bare"}

    async def one(request):
        return JSONResponse(record)

    app = Starlette(routes=[Route("/accounts/{key}", one)])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server


def measure(session: requests.Session, urls: list[str], headers: dict) -> float:
    start = time.perf_counter()
    for url in urls:
        reply = session.get(url, headers=headers)
        assert reply.status_code == 200, reply.text[:200]
    return len(urls) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    with SimulatorServer(SimConfig()) as sim:
        service = sim.apps.crm.state.service
        ids = [str(uuid.UUID(int=i + 1)) for i in range(args.rows)]
        started = time.perf_counter()
        with service.store.transaction() as conn:
            batch = []
            for i, account_id in enumerate(ids):
                batch.append({"accountid": account_id, "name": f"Bench {i:06d}", "numberofemployees": i % 5000,
                              "accountnumber": f"B-{i:06d}", "statecode": 0, VERSION_COLUMN: 1, "versionnumber": 1})
                if len(batch) == 10_000:
                    conn.execute(service.table("accounts").insert(), batch)
                    batch = []
            if batch:
                conn.execute(service.table("accounts").insert(), batch)
        print(f"seeded {args.rows:,} accounts in {time.perf_counter() - started:.1f} s")
        token = requests.post(f"{sim.config.login_url}/{sim.config.tenant_id}/oauth2/token", data={
            "grant_type": "password", "client_id": PUBLIC_CLIENT_ID, "resource": sim.config.crm_url,
            "username": "admin@contoso.onmicrosoft.com", "password": DEFAULT_PASSWORD}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        root = f"{sim.config.crm_url}/api/data/v9.2"
        session = requests.Session()
        step = max(1, args.rows // args.requests)
        by_key = [f"{root}/accounts({ids[i * step % args.rows]})?$select=name" for i in range(args.requests)]
        by_filter = [f"{root}/accounts?$select=name&$top=10&$filter=accountnumber eq 'B-{i * step % args.rows:06d}'"
                     f" and numberofemployees ge 0" for i in range(args.requests)]
        measure(session, by_key[:20], headers)  # warm-up
        key_rps = measure(session, by_key, headers)
        filter_rps = measure(session, by_filter, headers)
        bare_url, bare = bare_server()
        bare_urls = [f"{bare_url}/accounts/{i}" for i in range(args.requests)]
        measure(session, bare_urls[:20], {})
        bare_rps = measure(session, bare_urls, {})
        bare.should_exit = True
    print(f"{'case':<38}{'req/s':>10}{'vs bare Starlette':>20}")
    print(f"{'bare Starlette JSON route':<38}{bare_rps:>10.0f}{1.0:>19.2f}x")
    print(f"{'Dataverse GET by key':<38}{key_rps:>10.0f}{key_rps / bare_rps:>19.2f}x")
    print(f"{'Dataverse $filter (indexed alt key)':<38}{filter_rps:>10.0f}{filter_rps / bare_rps:>19.2f}x")


if __name__ == "__main__":
    main()
