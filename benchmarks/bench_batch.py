"""100 creates in one ``$batch`` change set vs 100 single POSTs, against the simulated Dataverse root.

Both are driven by the same client over loopback against one simulator in this process; the ratio
(single POSTs' wall time / the batch's) shows what one round trip and one unit of work per change
set save. Each round creates ``--creates`` accounts both ways; the best of ``--rounds`` is printed.

    python benchmarks/bench_batch.py [--creates 100] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import time
import uuid

import requests

from simulator.config import DEFAULT_PASSWORD, PUBLIC_CLIENT_ID, SimConfig
from simulator.server import SimulatorServer


def batch_body(count: int, tag: str) -> tuple[str, bytes]:
    boundary, changeset = f"batch_{uuid.uuid4()}", f"changeset_{uuid.uuid4()}"
    parts = []
    for n in range(count):
        parts.append(f"--{changeset}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
                     f"Content-ID: {n + 1}\r\n\r\nPOST /api/data/v9.2/accounts HTTP/1.1\r\n"
                     f"Content-Type: application/json; type=entry\r\n\r\n"
                     f"{json.dumps({'name': f'{tag} {n}'})}\r\n")
    inner = "".join(parts) + f"--{changeset}--\r\n"
    body = f"--{boundary}\r\nContent-Type: multipart/mixed; boundary={changeset}\r\n\r\n{inner}\r\n--{boundary}--\r\n"
    return f"multipart/mixed; boundary={boundary}", body.encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--creates", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with SimulatorServer(SimConfig()) as sim:
        token = requests.post(f"{sim.config.login_url}/{sim.config.tenant_id}/oauth2/token", data={
            "grant_type": "password", "client_id": PUBLIC_CLIENT_ID, "resource": sim.config.crm_url,
            "username": "admin@contoso.onmicrosoft.com", "password": DEFAULT_PASSWORD}).json()["access_token"]
        root = f"{sim.config.crm_url}/api/data/v9.2"
        session = requests.Session()
        session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json",
                                "OData-Version": "4.0"})
        singles, batches = [], []
        for round_ in range(args.rounds):
            start = time.perf_counter()
            for n in range(args.creates):
                reply = session.post(f"{root}/accounts", json={"name": f"single {round_} {n}"})
                assert reply.status_code == 204, reply.text[:200]
            singles.append(time.perf_counter() - start)
            content_type, body = batch_body(args.creates, f"batch {round_}")
            start = time.perf_counter()
            reply = session.post(f"{root}/$batch", data=body, headers={"Content-Type": content_type})
            batches.append(time.perf_counter() - start)
            assert reply.status_code == 200 and reply.content.count(b"HTTP/1.1 204") == args.creates, reply.text[:300]
        single, batch = min(singles), min(batches)
        print(f"{args.creates} single POSTs:            {single * 1000:8.1f} ms  ({args.creates / single:,.0f} creates/s)")
        print(f"{args.creates} creates in one change set: {batch * 1000:8.1f} ms  ({args.creates / batch:,.0f} creates/s)")
        print(f"ratio (single POSTs / batch): {single / batch:.2f}x")


if __name__ == "__main__":
    main()
