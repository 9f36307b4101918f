"""Cassette replay speed, and cassette load time in the harness format vs vcrpy's default YAML.

Four measurements:

1. The suites (``tests/suites``) run twice in subprocesses: live against the embedded simulator
   (``--disable-recording``) and replayed from the committed cassettes with the network blocked.
   Prints both wall times and the ratio live / replay for the whole suite.
2. Replay time per interaction, in process: every interaction of every committed cassette is sent
   again through ``requests`` with the harness's vcrpy configuration (OData matching, placeholder
   mapping) and answered from the cassette. Peer in the same run: the same requests through a bare
   ``requests.Session`` whose adapter answers the recorded responses from memory (no urllib3, no
   vcrpy, no matching) — the floor of any replay that goes through ``requests``.
3. The replay curve: per-interaction replay from one cassette of 10, 500 and 5,000 interactions —
   the lookup vcrpy does per request (``can_play_response_for`` + ``play_response``) with the
   harness's replay index, the same through the whole HTTP stack (requests -> urllib3 -> vcrpy
   stub), the in-memory ``requests`` peer above, and, as peers of the index, vcrpy's own scan with
   the OData matchers (the harness before the index) and with vcrpy's default ``method``+``uri``
   matchers.
4. Load time of one 5,000-interaction cassette: the harness persister reading its JSON (and its
   structured YAML) against vcrpy's default persister reading its default YAML (libyaml C loader
   when available), best of several runs.

    python benchmarks/bench_cassettes.py [--interactions 5000] [--repeat 3] [--skip-suites]
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import yaml
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse
from vcr.persisters.filesystem import FilesystemPersister
from vcr.request import Request
from vcr.serializers import yamlserializer

from harness.http import new_session
from harness.recording import HarnessPersister, InstanceMap, RecordingContext, configure_vcr
from harness.recording.bodies import unstructure
from harness.recording.interactions import doc_to_request
from harness.recording.persister import read_document
from harness.recording.serializers import JsonSerializer, YamlSerializer

REPO = Path(__file__).resolve().parents[1]
CASSETTES = REPO / "cassettes"
PYTEST = [sys.executable, "-m", "pytest", "tests/suites", "-q", "-p", "no:cacheprovider"]
# Where the placeholders point during the in-process replay: nothing listens there.
FAKE = RecordingContext(InstanceMap.build({"crm": "http://127.0.0.1:9", "fno": "http://127.0.0.1:10",
                                           "bc": "http://127.0.0.1:11", "login": "http://127.0.0.1:12"},
                                          ["72f988bf-0000-4000-8000-00000000a11d"]))


def run_suites(*options: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([*PYTEST, *options], cwd=REPO, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    summary = (done.stdout.strip().splitlines() or ["?"])[-1]
    if done.returncode != 0:
        raise SystemExit(f"pytest {' '.join(options)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed, summary


def session_seconds(summary: str) -> float | None:
    """The ``in 4.26s`` of pytest's summary line."""
    found = re.search(r" in ([0-9.]+)s", summary)
    return float(found.group(1)) if found else None


def suite_interactions() -> tuple[int, int]:
    files = list((CASSETTES / "suites").rglob("*.json"))
    return len(files), sum(len(json.loads(p.read_text())["interactions"]) for p in files)


class MemoryAdapter(HTTPAdapter):
    """The peer: a ``requests`` adapter answering from a list of recorded responses, in order.

    It builds the ``requests.Response`` the way ``HTTPAdapter`` does (from a urllib3 response over
    the recorded bytes), so what it costs is ``requests`` itself: no connection pool, no vcrpy stub,
    no matching.
    """

    def __init__(self, responses: list[dict]):
        super().__init__()
        self.responses = responses
        self.next = 0

    def send(self, request, **kwargs):
        recorded = self.responses[self.next]
        self.next += 1
        body = recorded["body"]["string"]
        raw = HTTPResponse(body=io.BytesIO(body), headers=[(k, v) for k, vs in recorded["headers"].items() for v in vs],
                           status=recorded["status"]["code"], reason=recorded["status"]["message"],
                           preload_content=False, decode_content=False)
        return self.build_response(request, raw)


def _send_all(session: requests.Session, items: list[dict]) -> None:
    for item in items:
        request = item["request"]
        headers = {k: v[0] for k, v in request["headers"].items()}
        session.request(request["method"], request["uri"], data=unstructure(request.get("body")),
                        headers=headers, allow_redirects=False)  # not streamed: the body is read


def replay_in_process() -> tuple[int, float, float, float]:
    """Every recorded request of every suite cassette answered from its cassette:
    (interactions, seconds replaying, seconds opening the cassettes (read + index), seconds of the peer),
    all CPU time of this process (on a shared box wall time mostly measures the neighbours)."""
    total, elapsed, opening, peer = 0, 0.0, 0.0, 0.0
    # One session for every cassette, as the plugin's session-scoped ``harness_session``; the peer
    # likewise one bare requests.Session.
    with new_session() as session, requests.Session() as bare:
        for path in sorted((CASSETTES / "suites").rglob("*.json")):
            items = read_document(path, JsonSerializer, FAKE.instance)["interactions"]
            vcr = configure_vcr(FAKE, path.parent)
            start = time.process_time()
            with vcr.use_cassette(path.stem, record_mode="none") as cassette:
                opened = time.process_time()
                _send_all(session, items)
                elapsed += time.process_time() - opened
                opening += opened - start
                responses = [response for _, response in cassette.data]
            bare.mount("http://", MemoryAdapter(responses))
            start = time.process_time()
            _send_all(bare, items)
            peer += time.process_time() - start
            total += len(items)
    return total, elapsed, opening, peer


def synthetic_interactions(count: int) -> tuple[list, list]:
    """Dataverse-like traffic: creates, queries with five annotated rows, the odd error."""
    requests_, responses = [], []
    for index in range(count):
        key = f"{index:08x}-0000-4000-8000-000000000000"
        if index % 3 == 0:
            request = Request("POST", "http://127.0.0.1:9/api/data/v9.2/accounts",
                              json.dumps({"name": f"Account {index} zzh-20260101-abcdef", "revenue": index * 1.5,
                                          "creditonhold": False}).encode(),
                              {"Content-Type": "application/json; charset=utf-8", "Authorization": "Bearer <T_1>",
                               "OData-Version": "4.0"})
            body = b""
            headers = {"OData-EntityId": [f"http://127.0.0.1:9/api/data/v9.2/accounts({key})"]}
            status = 204
        else:
            request = Request("GET", f"http://127.0.0.1:9/api/data/v9.2/accounts?$select=name,revenue&$filter="
                                     f"contains(name,'zzh-{index}')&$top=5", None,
                              {"Accept": "application/json", "Authorization": "Bearer <T_1>"})
            rows = [{"@odata.etag": f'W/"{index}{n}"', "accountid": key, "name": f"Account {index}-{n}",
                     "revenue": n * 10.25, "revenue@OData.Community.Display.V1.FormattedValue": f"${n * 10.25:.2f}",
                     "_primarycontactid_value": None, "createdon": "2026-01-01T00:00:00Z"} for n in range(5)]
            body = json.dumps({"@odata.context": "http://127.0.0.1:9/api/data/v9.2/$metadata#accounts(name,revenue)",
                               "value": rows}).encode()
            headers = {"Content-Type": ["application/json; odata.metadata=minimal"], "OData-Version": ["4.0"]}
            status = 200
        headers["Content-Length"] = [str(len(body))]
        requests_.append(request)
        responses.append({"status": {"code": status, "message": "OK"}, "headers": headers, "body": {"string": body}})
    return requests_, responses


def best_of(repeat: int, action) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def load_benchmark(count: int, repeat: int) -> None:
    requests_, responses = synthetic_interactions(count)
    cassette = {"requests": requests_, "responses": responses}
    with tempfile.TemporaryDirectory() as folder:
        folder_path = Path(folder)
        harness_json, harness_yaml = folder_path / "h.json", folder_path / "h.yaml"
        vcr_yaml = folder_path / "v.yaml"
        persister = HarnessPersister(FAKE)
        persister.save_cassette(str(harness_json), cassette, JsonSerializer)
        persister.save_cassette(str(harness_yaml), cassette, YamlSerializer)
        FilesystemPersister.save_cassette(str(vcr_yaml), cassette, yamlserializer)
        rows = [
            ("harness JSON (persister: parse + placeholders + bodies)", harness_json,
             lambda: persister.load_cassette(str(harness_json), JsonSerializer)),
            ("harness structured YAML, libyaml (same persister)", harness_yaml,
             lambda: persister.load_cassette(str(harness_yaml), YamlSerializer)),
            ("vcrpy default YAML (FilesystemPersister + yamlserializer)", vcr_yaml,
             lambda: FilesystemPersister.load_cassette(str(vcr_yaml), yamlserializer)),
        ]
        print(f"\nLoad time of one {count:,}-interaction cassette (best of {repeat}); "
              f"libyaml available: {yaml.__with_libyaml__}")
        results = {}
        for label, path, action in rows:
            results[label] = best_of(repeat, action)
            print(f"  {label:<60} {results[label] * 1000:8.1f} ms  ({path.stat().st_size / 1e6:.1f} MB)")
        base = results[rows[2][0]]
        print(f"  ratio vcrpy default YAML / harness JSON: {base / results[rows[0][0]]:.1f}x faster")
        print(f"  ratio vcrpy default YAML / harness YAML: {base / results[rows[1][0]]:.1f}x")


def _cassette_of(count: int, folder: Path) -> list[Request]:
    """Write a ``count``-interaction cassette ``c.json`` into ``folder``; return the requests to replay."""
    requests_, responses = synthetic_interactions(count)
    HarnessPersister(FAKE).save_cassette(str(folder / "c.json"), {"requests": requests_, "responses": responses},
                                         JsonSerializer)
    items = read_document(folder / "c.json", JsonSerializer, FAKE.instance)["interactions"]
    return [doc_to_request(item["request"]) for item in items]


def _lookups(folder: Path, incoming: list[Request], *, indexed: bool = True, match_on=None) -> float:
    """ms per request for vcrpy to find (and play) the recorded answer: can_play + play_response."""
    vcr_ = configure_vcr(FAKE, folder)
    if not indexed:
        vcr_.after_load_interaction = []
    options = {"match_on": match_on} if match_on else {}
    with vcr_.use_cassette("c", record_mode="none", allow_playback_repeats=True, **options) as cassette:
        start = time.process_time()
        for request in incoming:
            if not cassette.can_play_response_for(request):
                raise SystemExit(f"no recorded answer for {request}")
            cassette.play_response(request)
        return (time.process_time() - start) / len(incoming) * 1000


def _send_requests(session: requests.Session, incoming: list[Request]) -> float:
    """ms of CPU per request to send every request once and read its body."""
    start = time.process_time()
    for request in incoming:
        session.request(request.method, request.uri, data=request.body, headers=dict(request.headers),
                        allow_redirects=False)  # not streamed: the body is read
    return (time.process_time() - start) / len(incoming) * 1000


def _rounds(size: int, requests_per_size: int) -> int:
    """How many times a ``size``-interaction cassette is opened and replayed: enough for about
    ``requests_per_size`` requests, so a small cassette's figure is not one 10-request sample."""
    return max(1, -(-requests_per_size // size))


def _http_replay(folder: Path, incoming: list[Request], rounds: int) -> tuple[float, float]:
    """Through requests -> urllib3 -> vcrpy stub -> the index, as the harness replays: one harness
    session for the whole run (the plugin's session-scoped ``harness_session``), and per round (a
    test) the cassette opened, every interaction sent once, the cassette closed (vcrpy then drops
    its connections, so each cassette's first request makes a new one). Returns (ms per request
    with the cassette open, ms per interaction opening and closing it: reading the file,
    placeholders, vcrpy's load and patching, un-patching)."""
    vcr_ = configure_vcr(FAKE, folder)
    sending = opening = 0.0
    gc.collect()
    with new_session() as session:
        for _ in range(rounds):
            start = time.process_time()
            with vcr_.use_cassette("c", record_mode="none"):
                opened = time.process_time()
                sending += _send_requests(session, incoming) * len(incoming) / 1000
                sent = time.process_time()
            opening += (opened - start) + (time.process_time() - sent)
    count = rounds * len(incoming)
    return sending / count * 1000, opening / count * 1000


def _floor(responses: list[dict], incoming: list[Request], rounds: int, session_type) -> float:
    """ms per request of one ``session_type`` answering the same responses from memory (no urllib3,
    no vcrpy, no matching), the same number of rounds as :func:`_http_replay`."""
    elapsed = 0.0
    gc.collect()
    with session_type() as session:
        adapter = MemoryAdapter(responses)
        session.mount("http://", adapter)
        for _ in range(rounds):
            adapter.next = 0
            elapsed += _send_requests(session, incoming) * len(incoming) / 1000
    return elapsed / (rounds * len(incoming)) * 1000


def _responses_of(folder: Path) -> list[dict]:
    with configure_vcr(FAKE, folder).use_cassette("c", record_mode="none") as cassette:
        return [response for _, response in cassette.data]


def replay_curve(sizes: list[int], target_ms: float = 0.3, requests_per_size: int = 2000) -> None:
    """Per-interaction replay at several cassette sizes: ours (index) vs the vcrpy scan it replaces,
    and through HTTP vs the bare-``requests`` floor."""
    print("\nReplay per interaction by cassette size (ms of CPU time of this process, which other jobs on a "
          "shared box disturb less than wall time). Small cassettes are opened and replayed again until about "
          f"{requests_per_size:,} requests are sent, through one session as the harness's tests share one. 'HTTP, index' = every "
          "request through requests -> urllib3 -> vcrpy's stub -> the index with the cassette open; 'open+close' = "
          "opening (read, placeholders, vcrpy's load, patching) and closing it, per interaction; 'all-in' = the "
          "two together. 'requests floor' = a bare requests.Session answering the same responses from memory; "
          "'harness floor' = the same with harness.http.Session; 'HTTP - floor' = what urllib3, vcrpy's stub and "
          "the index add to the bare floor. The scan columns time a sample of requests spread over the cassette:")
    head = (f"  {'interactions':>12}  {'index lookup':>12}  {'HTTP, index':>11}  {'open+close':>10}  {'all-in':>6}  "
            f"{'requests floor':>14}  {'harness floor':>13}  {'HTTP - floor':>12}  {'scan, OData matchers':>20}  "
            f"{'scan, vcrpy method+uri':>22}  {'scan/index':>10}")
    print(head)
    rows = []
    for size in sizes:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            incoming = _cassette_of(size, folder)
            step = max(1, size // (40 if size <= 500 else 15))
            sample = incoming[step // 2::step]
            ours = _lookups(folder, incoming)
            rounds = _rounds(size, requests_per_size)
            responses = _responses_of(folder)
            http, opening = _http_replay(folder, incoming, rounds)
            floor = _floor(responses, incoming, rounds, requests.Session)
            harness_floor = _floor(responses, incoming, rounds, new_session)
            scan = _lookups(folder, sample, indexed=False)
            vcr_default = _lookups(folder, sample, indexed=False, match_on=("method", "uri"))
        rows.append((size, ours, http, floor))
        print(f"  {size:>12,}  {ours:>12.3f}  {http:>11.3f}  {opening:>10.3f}  {http + opening:>6.3f}  {floor:>14.3f}  "
              f"{harness_floor:>13.3f}  {http - floor:>12.3f}  {scan:>20.3f}  {vcr_default:>22.3f}  {scan / ours:>9.0f}x")
    worst_lookup = max(ours for _, ours, _, _ in rows)
    worst_http = max(http for _, _, http, _ in rows)
    best_floor = min(floor for _, _, _, floor in rows)
    verdict = "met" if worst_http <= target_ms else "NOT met"
    room = (f"so the target leaves the replay itself {target_ms - best_floor:.3f} ms" if best_floor < target_ms
            else "above the target by itself")
    print(f"  target <= {target_ms} ms per interaction: index lookup "
          f"{'met' if worst_lookup <= target_ms else 'NOT met'} (worst {worst_lookup:.3f} ms); through HTTP "
          f"{verdict} (worst {worst_http:.3f} ms; the bare requests floor alone is {best_floor:.3f} ms, {room})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interactions", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-suites", action="store_true", help="skip the subprocess suite runs")
    parser.add_argument("--curve", default="10,500,5000", help="cassette sizes for the replay curve")
    parser.add_argument("--curve-requests", type=int, default=2000,
                        help="requests replayed per cassette size (small cassettes are replayed again)")
    parser.add_argument("--curve-only", action="store_true", help="only the replay curve")
    args = parser.parse_args()
    os.chdir(REPO)

    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    if args.curve_only:
        replay_curve([int(size) for size in args.curve.split(",") if size], requests_per_size=args.curve_requests)
        print(f"load average at end: {os.getloadavg()[0]:.2f}")
        return
    cassettes, interactions = suite_interactions()
    print(f"Suite cassettes: {cassettes} files, {interactions} interactions")
    if not args.skip_suites:
        live, live_summary = run_suites("--disable-recording")
        replay, replay_summary = run_suites("--record-mode=none", "--block-network",
                                            r"--allowed-hosts=127\.0\.0\.1$")
        print(f"  live against the simulator: {live:6.2f} s  ({live_summary})")
        print(f"  replayed from cassettes:    {replay:6.2f} s  ({replay_summary})")
        print(f"  ratio live / replay for the whole suite (wall clock, incl. pytest start-up): {live / replay:.1f}x")
        inner_live, inner_replay = session_seconds(live_summary), session_seconds(replay_summary)
        if inner_live and inner_replay:
            print(f"  ratio live / replay of pytest's own session time (no interpreter start-up): "
                  f"{inner_live / inner_replay:.1f}x")
        print(f"  replay wall time per interaction (incl. pytest start-up): {replay / interactions * 1000:.2f} ms")
    count, seconds, opening, peer = replay_in_process()
    print(f"  in-process replay: {count} interactions in {seconds:.3f} s = {seconds / count * 1000:.3f} ms per "
          f"interaction (CPU); opening the {cassettes} cassettes (read, map placeholders, index): "
          f"{opening:.3f} s")
    print(f"  peer, the same requests through a bare requests.Session answering from memory: {peer:.3f} s = "
          f"{peer / count * 1000:.3f} ms per interaction; replay - peer = {(seconds - peer) / count * 1000:.3f} ms")
    replay_curve([int(size) for size in args.curve.split(",") if size], requests_per_size=args.curve_requests)
    load_benchmark(args.interactions, args.repeat)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
