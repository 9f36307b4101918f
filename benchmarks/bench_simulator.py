"""Requests per second of the simulated Dataverse root on 100k rows, next to a bare Starlette route.

Both servers run in this process on loopback, each in its own thread and event loop, with the same
uvicorn configuration (the simulator's) and sockets bound the same way. One client loop (one
``requests`` session, the same headers, bearer token included) sends each case's URLs to both, so
the bytes on the wire in are the same and the ratio shows what the OData layer (auth, parsing,
SQL, JSON) costs over the transport. The bare route answers every URL with a constant JSON body.

Every case is warmed up first, then measured in ``--rounds`` rounds that interleave the bare route
and the simulator (the order alternates between rounds), so a change in the box's load hits both
sides; the ratio printed is the median of the per-round ratios, the rates are the medians.

By default the client loop runs in this process, as in a pytest session where the ``sim`` fixture
serves the tests' own HTTP calls: client and server then take turns on one GIL. With
``--client-process`` the same loop runs in a child process for both servers (as a client of
``python -m simulator`` would), which leaves only the servers' own work in this process.

    python benchmarks/bench_simulator.py [--rows 100000] [--requests 400] [--rounds 5] [--client-process]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import unquote

import requests
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from simulator.config import DEFAULT_PASSWORD, PUBLIC_CLIENT_ID, SimConfig
from simulator.odata.routing import request_context
from simulator.odata.store import VERSION_COLUMN
from simulator.server import SimulatorServer, _bind, uvicorn_config


def bare_app() -> Starlette:
    """A Starlette app with one async JSON route."""
    record = {"@odata.etag": 'W/"1"', "accountid": str(uuid.uuid4()), "name": "Bare"}

    async def one(request):
        return JSONResponse(record)

    return Starlette(routes=[Route("/api/data/v9.2/{rest:path}", one)])


def bare_server() -> tuple[str, uvicorn.Server]:
    """The bare app served like the simulator (same config, same bind)."""
    sock = _bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn_config(bare_app(), "warning"))
    threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server


def measure(session: requests.Session, urls: list[str], headers: dict) -> float:
    return measure_both(session, urls, headers)[0]


def measure_both(session: requests.Session, urls: list[str], headers: dict) -> tuple[float, float]:
    """Requests per second of wall time, and seconds of this process's CPU (client and servers) per request."""
    start, cpu = time.perf_counter(), time.process_time()
    for url in urls:
        reply = session.get(url, headers=headers)
        assert reply.status_code == 200, reply.text[:200]
    return len(urls) / (time.perf_counter() - start), (time.process_time() - cpu) / len(urls)


# The same loop in a child process: its own session, warmed up on the first 20 URLs, then timed.
_CHILD = """
import json, sys, time, requests
urls, headers = json.load(sys.stdin)
session = requests.Session()
for url in urls[:20]:
    session.get(url, headers=headers)
start = time.perf_counter()
for url in urls:
    reply = session.get(url, headers=headers)
    assert reply.status_code == 200, reply.text[:200]
print(len(urls) / (time.perf_counter() - start))
"""


def measure_in_child(urls: list[str], headers: dict) -> float:
    done = subprocess.run([sys.executable, "-c", _CHILD], input=json.dumps([urls, headers]), capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"client process failed: {done.stderr[-500:]}")
    return float(done.stdout)


def asgi_scope(url: str, headers: dict, port: int) -> dict:
    """The scope uvicorn builds for this GET as ``requests`` sends it (same URL encoding and headers)."""
    session = requests.Session()
    prepared = session.prepare_request(requests.Request("GET", url, headers=headers))
    target = prepared.path_url
    raw_path, _, query = target.partition("?")
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
            "server": ("127.0.0.1", port), "client": ("127.0.0.1", 50000), "scheme": "http", "method": "GET",
            "root_path": "", "path": unquote(raw_path), "raw_path": raw_path.encode(),
            "query_string": query.encode(), "state": {},
            "headers": [(b"host", f"127.0.0.1:{port}".encode())]
            + [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in prepared.headers.items()]}


def in_process(sim: SimulatorServer, service, paths: dict[str, list[str]], headers: dict, repeat: int = 20) -> None:
    """Per-request CPU without sockets: the service's answer, the whole ASGI stack, the bare route's stack.

    The stacks are the apps uvicorn calls (its proxy-headers middleware included); "service" is what the
    Dataverse endpoint does per request (the request view, then ``ODataService.handle``). Best of
    ``repeat`` passes over the case's first 100 URLs, sent one after the other.
    """
    port = sim.ports["crm"]
    stacks = {}
    for side, app in (("sim", sim._server.config.loaded_app), ("bare", bare_app())):
        config = uvicorn_config(app, "warning")
        config.load()
        stacks[side] = config.loaded_app if side == "bare" else app

    async def replay(app, scopes):
        for scope in scopes:
            sent = []

            async def receive():
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message, sent=sent):
                sent.append(message)
            await app(dict(scope), receive, send)
            assert sent[0]["status"] == 200, sent

    def answer(scopes):
        for scope in scopes:
            path = scope["path"].split("/v9.2/", 1)[1]
            ctx = request_context(Request(dict(scope)), f"http://127.0.0.1:{port}/api/data/v9.2", path, b"", "v9.2")
            ctx.extras["service"] = service
            assert service.handle(ctx).status_code == 200

    loop = asyncio.new_event_loop()
    print(f"in process, no sockets: CPU per request, best of {repeat} x 100 requests")
    print(f"{'case':<38}{'service':>12}{'sim stack':>12}{'bare stack':>12}")
    for case, case_paths in paths.items():
        scopes = [asgi_scope(sim.config.crm_url + p, headers, port) for p in case_paths[:100]]
        runs = {"service": lambda scopes=scopes: answer(scopes),
                "sim": lambda scopes=scopes: loop.run_until_complete(replay(stacks["sim"], scopes)),
                "bare": lambda scopes=scopes: loop.run_until_complete(replay(stacks["bare"], scopes))}
        best = {}
        for name, run in runs.items():
            run()  # warm-up
            timings = []
            for _ in range(repeat):
                started = time.process_time()
                run()
                timings.append(time.process_time() - started)
            best[name] = min(timings) / len(scopes) * 1000
        print(f"{'Dataverse ' + case:<38}{best['service']:>10.3f}ms{best['sim']:>10.3f}ms{best['bare']:>10.3f}ms")
    loop.close()


def seed(service, ids: list[str]) -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400, help="requests per case and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=50,
                        help="requests a side sends before the other side's turn, within a round")
    parser.add_argument("--client-process", action="store_true",
                        help="run the client loop in a child process (for both servers)")
    parser.add_argument("--in-process", action="store_true",
                        help="only the per-request CPU without sockets (service, whole ASGI stack, bare route)")
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with SimulatorServer(SimConfig()) as sim:
        service = sim.apps.crm.state.service
        ids = [str(uuid.UUID(int=i + 1)) for i in range(args.rows)]
        started = time.perf_counter()
        seed(service, ids)
        print(f"seeded {args.rows:,} accounts in {time.perf_counter() - started:.1f} s")
        token = requests.post(f"{sim.config.login_url}/{sim.config.tenant_id}/oauth2/token", data={
            "grant_type": "password", "client_id": PUBLIC_CLIENT_ID, "resource": sim.config.crm_url,
            "username": "admin@contoso.onmicrosoft.com", "password": DEFAULT_PASSWORD}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        step = max(1, args.rows // args.requests)
        paths = {
            "GET by key": [f"/api/data/v9.2/accounts({ids[i * step % args.rows]})?$select=name"
                           for i in range(args.requests)],
            "$filter (indexed alt key)": [
                f"/api/data/v9.2/accounts?$select=name&$top=10&$filter=accountnumber eq "
                f"'B-{i * step % args.rows:06d}' and numberofemployees ge 0" for i in range(args.requests)],
        }
        if args.in_process:
            in_process(sim, service, paths, headers)
            return
        bare_url, bare = bare_server()
        session = requests.Session()
        rates: dict[str, dict[str, list[float]]] = {case: {"bare": [], "sim": []} for case in paths}
        pairs: dict[str, list[tuple[float, float]]] = {case: [] for case in paths}  # (wall, CPU) per chunk pair
        for case_paths in paths.values():  # warm-up: connections, SQLite pages, parser tables
            measure(session, [bare_url + p for p in case_paths[:100]], headers)
            measure(session, [sim.config.crm_url + p for p in case_paths[:100]], headers)
        for round_number in range(args.rounds):
            for case, case_paths in paths.items():
                sides = [("bare", bare_url), ("sim", sim.config.crm_url)]
                if args.client_process:  # one child per side and round (its start-up is not timed)
                    for side, base in sides if round_number % 2 == 0 else reversed(sides):
                        rates[case][side].append(measure_in_child([base + p for p in case_paths], headers))
                    continue
                # The round's requests in chunks, the sides taking turns (the first side alternating), so a
                # neighbour's burst on the shared box lands on both sides instead of on one side's whole round.
                seconds = {"bare": 0.0, "sim": 0.0}
                for chunk_number, start in enumerate(range(0, len(case_paths), args.chunk)):
                    chunk = case_paths[start:start + args.chunk]
                    pair = {}
                    for side, base in sides if (round_number + chunk_number) % 2 == 0 else reversed(sides):
                        pair[side] = measure_both(session, [base + p for p in chunk], headers)
                        seconds[side] += len(chunk) / pair[side][0]
                    pairs[case].append((pair["sim"][0] / pair["bare"][0], pair["bare"][1] / pair["sim"][1]))
                for side, spent in seconds.items():
                    rates[case][side].append(len(case_paths) / spent)
        bare.should_exit = True
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    client = "a child process" if args.client_process else "this process"
    print(f"{args.rounds} rounds x {args.requests} requests per case, client loop in {client}; medians")
    if not args.client_process:
        print(f"sim vs bare: median over the {len(next(iter(pairs.values())))} back-to-back chunk pairs "
              f"({args.chunk} requests a side) of the wall-time throughput ratio; CPU: the same for this "
              "process's CPU time per request (client and server; waiting for a core not counted)")
    print(f"{'case':<38}{'bare req/s':>12}{'sim req/s':>12}{'sim vs bare':>14}{'CPU':>8}   per round")
    for case, sides in rates.items():
        ratios = [s / b for s, b in zip(sides["sim"], sides["bare"], strict=True)]
        wall = statistics.median([w for w, _ in pairs[case]]) if pairs[case] else statistics.median(ratios)
        cpu = f"{statistics.median([c for _, c in pairs[case]]):>7.2f}x" if pairs[case] else f"{'':>8}"
        print(f"{'Dataverse ' + case:<38}{statistics.median(sides['bare']):>12.0f}"
              f"{statistics.median(sides['sim']):>12.0f}{wall:>13.2f}x{cpu}   {' '.join(f'{r:.2f}' for r in ratios)}")


if __name__ == "__main__":
    main()
