"""Collection run speed: the harness's runner vs Newman on the same collections, and CLI start-up.

Builds collections of N folders × 5 Dataverse requests (create, get by key, query, update,
delete; two ``pm.test`` assertions each) — by default 4 folders (20 requests, where process
start-up dominates) and 100 folders (500 requests) — and runs each against one simulator started
as its own process (``python -m simulator --port 0``), so neither runner shares a GIL with the
server. Per round, in turn:

* Newman (``node_modules/.bin/newman run ... --reporters json``; ``npm ci`` installs it),
* ``harness run`` as a subprocess (``--target none -r json``: like for like, process start to exit),
* the harness's ``CollectionRunner`` in this process (no process start, no report).

Every run must pass all its assertions (checked). Prints the median wall time of each and the
ratios to Newman (target: ``harness run`` ≤ 0.5× at both sizes). It also times ``harness --help``
and ``harness run --help`` against a bare ``python -c pass`` measured alongside (target: ≤ 150 ms
on an idle machine; the bare interpreter's figure shows how loaded the machine was).

    .venv/bin/python benchmarks/bench_postman.py [--groups 4,100] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from harness.postman import CollectionRunner, load_collection

REPO = Path(__file__).resolve().parents[1]
NEWMAN = REPO / "node_modules" / ".bin" / "newman"
# processes run as an installed harness does: with cached bytecode (.pyc)
INSTALLED_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"


# ---------------------------------------------------------------------------- the collection
def _tests(code: str) -> list[dict]:
    return [{"listen": "test", "script": {"type": "text/javascript", "exec": code.strip().split("\n")}}]


def _json_request(method: str, url: str, body: dict | None = None) -> dict:
    request: dict = {"method": method, "url": url, "header": [{"key": "Accept", "value": "application/json"}]}
    if body is not None:
        request["header"].append({"key": "Content-Type", "value": "application/json"})
        request["body"] = {"mode": "raw", "raw": json.dumps(body)}
    return request


def build_collection(groups: int) -> dict:
    """``groups`` folders of create / get by key / query / update / delete with two assertions each."""
    folders = []
    for i in range(groups):
        name = f"{{{{runTag}}}}-{i:03d}"
        folders.append({"name": f"Account {i:03d}", "item": [
            {"name": "Create", "request": _json_request("POST", "{{webapi}}/accounts",
                                                        {"name": name, "numberofemployees": i}),
             "event": _tests("""
pm.test("created (204)", function () { pm.response.to.have.status(204); });
var id = (pm.response.headers.get("OData-EntityId") || "").match(/\\(([0-9a-f-]{36})\\)$/);
pm.test("OData-EntityId names the record", function () { pm.expect(id).to.not.equal(null); });
pm.collectionVariables.set("accountId", id ? id[1] : "missing");
""")},
            {"name": "Get by key", "request": _json_request(
                "GET", "{{webapi}}/accounts({{accountId}})?$select=name,numberofemployees"),
             "event": _tests(f"""
pm.test("status 200", function () {{ pm.response.to.have.status(200); }});
pm.test("it is the record just created", function () {{
    pm.expect(pm.response.json().numberofemployees).to.equal({i});
}});
""")},
            {"name": "Query", "request": _json_request(
                "GET", f"{{{{webapi}}}}/accounts?$select=name&$filter=name eq '{name}'"),
             "event": _tests("""
pm.test("status 200", function () { pm.response.to.have.status(200); });
pm.test("exactly one row", function () { pm.expect(pm.response.json().value).to.have.lengthOf(1); });
""")},
            {"name": "Update", "request": _json_request("PATCH", "{{webapi}}/accounts({{accountId}})",
                                                        {"numberofemployees": i + 1}),
             "event": _tests("""
pm.test("updated (204)", function () { pm.response.to.have.status(204); });
pm.test("no body", function () { pm.expect(pm.response.text()).to.equal(""); });
""")},
            {"name": "Delete", "request": _json_request("DELETE", "{{webapi}}/accounts({{accountId}})"),
             "event": _tests("""
pm.test("deleted (204)", function () { pm.response.to.have.status(204); });
pm.test("no body", function () { pm.expect(pm.response.text()).to.equal(""); });
""")},
        ]})
    return {"info": {"name": f"Benchmark: {groups * 5} Dataverse requests", "schema": SCHEMA},
            "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{token}}", "type": "string"}]},
            "item": folders}


# ---------------------------------------------------------------------------- the simulator
def start_simulator() -> tuple[subprocess.Popen, dict[str, str]]:
    """``python -m simulator --port 0`` in its own process; its banner gives the URLs."""
    process = subprocess.Popen([sys.executable, "-m", "simulator", "--port", "0"], cwd=REPO, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    urls: dict[str, str] = {}
    assert process.stdout is not None
    for line in process.stdout:
        if match := re.match(r"Simulator ready \(tenant (\S+)\)", line):
            urls["tenant"] = match.group(1)
        elif match := re.match(r"\s+login \(Entra ID\):\s+(\S+)", line):
            urls["login"] = match.group(1)
        elif match := re.match(r"\s+Dataverse / CRM:\s+(\S+)", line):
            urls["crm_api"] = match.group(1)
        if line.startswith("Press Ctrl+C"):
            break
    if set(urls) != {"tenant", "login", "crm_api"}:
        process.kill()
        raise SystemExit(f"the simulator did not start: {urls}")
    return process, urls


def get_token(urls: dict[str, str]) -> str:
    from simulator.config import DEFAULT_PASSWORD, PUBLIC_CLIENT_ID

    crm_url = urls["crm_api"].split("/api/data/")[0]
    deadline = time.monotonic() + 15
    while True:
        try:
            reply = requests.post(f"{urls['login']}/{urls['tenant']}/oauth2/token", timeout=10, data={
                "grant_type": "password", "client_id": PUBLIC_CLIENT_ID, "resource": crm_url,
                "username": "admin@contoso.onmicrosoft.com", "password": DEFAULT_PASSWORD})
            reply.raise_for_status()
            return reply.json()["access_token"]
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


# ---------------------------------------------------------------------------- the runners
def passed_assertions(report: dict) -> tuple[int, int]:
    stats = report["run"]["stats"]["assertions"]
    return stats["total"], stats["failed"]


def run_newman(collection: Path, environment: Path, tag: str, work: Path) -> tuple[float, tuple[int, int]]:
    report = work / f"newman-{tag}.json"
    start = time.perf_counter()
    subprocess.run([str(NEWMAN), "run", str(collection), "-e", str(environment), "--env-var", f"runTag={tag}",
                    "--reporters", "json", "--reporter-json-export", str(report)], cwd=work,
                   capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    return elapsed, passed_assertions(json.loads(report.read_text()))


def run_harness_cli(collection: Path, environment: Path, tag: str, work: Path) -> tuple[float, tuple[int, int]]:
    report = work / f"harness-{tag}.json"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "harness.cli", "run", str(collection), "-e", str(environment),
                    "--env-var", f"runTag={tag}", "--target", "none", "-r", "json", "--reporter-json-export",
                    str(report)], cwd=work, capture_output=True, check=False, env=INSTALLED_ENV)
    elapsed = time.perf_counter() - start
    return elapsed, passed_assertions(json.loads(report.read_text()))


def run_harness_in_process(collection: Path, environment: Path, tag: str) -> tuple[float, tuple[int, int]]:
    start = time.perf_counter()
    with requests.Session() as session, CollectionRunner(load_collection(collection), environment=environment,
                                                         env_vars={"runTag": tag}, session=session) as runner:
        result = runner.run()
    elapsed = time.perf_counter() - start
    stats = result.stats()["assertions"]
    return elapsed, (stats["total"], stats["failed"])


def start_up(rounds: int) -> dict[str, float]:
    """Median wall time (s) of `harness --help`, `harness run --help` and a bare interpreter."""
    commands = {"python -c pass": [sys.executable, "-c", "pass"],
                "harness --help": [sys.executable, "-m", "harness.cli", "--help"],
                "harness run --help": [sys.executable, "-m", "harness.cli", "run", "--help"]}
    env = INSTALLED_ENV
    for command in commands.values():  # warm: write the bytecode once
        subprocess.run(command, cwd=REPO, capture_output=True, env=env, check=True)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(max(rounds, 5)):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, cwd=REPO, capture_output=True, env=env, check=True)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", default="4,100",
                        help="comma-separated sizes in folders of 5 requests (default 4,100 = 20 and 500 requests)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each runner; medians are printed")
    args = parser.parse_args(argv)
    if not NEWMAN.exists():
        raise SystemExit(f"{NEWMAN} is missing: run `npm ci` in {REPO}")
    starts = start_up(args.rounds)
    print("start-up, median wall time:")
    for name, value in starts.items():
        print(f"  {name:<19} {value * 1000:6.0f} ms")
    for groups in (int(g) for g in str(args.groups).split(",") if g.strip()):
        bench_size(groups, args.rounds)
    return 0


def bench_size(groups: int, rounds: int) -> None:
    expected = (groups * 10, 0)
    process, urls = start_simulator()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-postman-") as tmp:
            work = Path(tmp)
            collection = work / "bench.postman_collection.json"
            collection.write_text(json.dumps(build_collection(groups)))
            environment = work / "bench.postman_environment.json"
            environment.write_text(json.dumps({"name": "bench", "values": [
                {"key": "webapi", "value": urls["crm_api"], "enabled": True},
                {"key": "token", "value": get_token(urls), "type": "secret", "enabled": True}]}))
            times: dict[str, list[float]] = {"newman": [], "harness run": [], "CollectionRunner": []}
            for round_ in range(rounds):
                for name, run in (("newman", lambda t: run_newman(collection, environment, t, work)),
                                  ("harness run", lambda t: run_harness_cli(collection, environment, t, work)),
                                  ("CollectionRunner", lambda t: run_harness_in_process(collection, environment, t))):
                    tag = f"B{groups}R{round_}{name[:2].upper()}"
                    elapsed, outcome = run(tag)
                    if outcome != expected:
                        raise SystemExit(f"{name}: {outcome[0]} assertions, {outcome[1]} failed (expected "
                                         f"{expected[0]} passing); the comparison would be meaningless")
                    times[name].append(elapsed)
                    print(f"round {round_ + 1}: {name:<17} {elapsed:6.2f} s", flush=True)
    finally:
        process.terminate()
        process.wait(timeout=10)
    requests_total = groups * 5
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"\n{requests_total} requests, {expected[0]} assertions, median of {rounds} round(s):")
    for name, value in medians.items():
        print(f"  {name:<17} {value:6.2f} s  ({value / requests_total * 1000:5.1f} ms/request)")
    newman = medians["newman"]
    print(f"ratio harness run / newman ({requests_total} requests):       {medians['harness run'] / newman:.2f}x")
    print(f"ratio CollectionRunner / newman ({requests_total} requests):  {medians['CollectionRunner'] / newman:.2f}x\n",
          flush=True)


if __name__ == "__main__":
    sys.exit(main())
