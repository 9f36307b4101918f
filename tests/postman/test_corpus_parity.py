"""The public collections of ../shared/corpus, run by Newman and by `harness run` against the simulator.

Each collection gets an environment (and globals) written here that points it at the simulator,
with tokens obtained from the simulator. Both runners must send the same requests (item, method,
URL, in order), fail the same scripts with the same error, and give every assertion the same
verdict. A difference that comes from a feature the simulator lacks would be listed in
``KNOWN_DIFFERENCES`` with that feature; today there is none. The counts are printed.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests

from harness.cli import main
from tests.postman.helpers import CORPUS
from tests.postman.test_newman_parity import newman_executions, require_newman

# (collection file name, item name) -> the simulator feature whose absence explains a difference
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module")
def newman() -> Path:
    return require_newman()


def sim_token(sim, resource: str) -> str:
    from simulator.config import DEFAULT_PASSWORD, PUBLIC_CLIENT_ID

    c = sim.config
    reply = requests.post(f"{c.login_url}/{c.tenant_id}/oauth2/token", timeout=30, data={
        "grant_type": "password", "client_id": PUBLIC_CLIENT_ID, "resource": resource,
        "username": c.users[0].upn, "password": DEFAULT_PASSWORD})
    reply.raise_for_status()
    return reply.json()["access_token"]


@dataclass(frozen=True)
class CorpusCase:
    collection: Path
    environment: Callable[[object], dict[str, str]]  # sim -> environment values
    globals: Callable[[object], dict[str, object]] = lambda sim: {}
    # an edit of the collection, written to the test's temporary folder (the corpus itself is never copied)
    edit: Callable[[dict], dict] | None = None


def _bc_with_var_response_code(data: dict) -> dict:
    """The BC collection with its `const responseCode` made a `var`, so its test scripts run and assert."""
    for event in data.get("event", []):
        event["script"]["exec"] = [line.replace("const responseCode", "var responseCode")
                                   for line in event["script"]["exec"]]
    return data


def _ce(sim) -> dict[str, str]:
    return {"Resource": sim.config.crm_url, "WebAPIUrl": "{{Resource}}/api/data/v9.0/",
            "ApplicationId": "51f81489-12ee-4a9e-aaae-a2591f45987d",
            "OAuth2Endpoint": f"{sim.config.login_url}/common/oauth2/authorize"}


def _slg(sim) -> dict[str, str]:
    return {"resource": sim.config.crm_url, "token": sim_token(sim, sim.config.crm_url),
            "username": sim.config.users[0].upn, "password": "not-used"}


def _pl400(sim) -> dict[str, str]:
    return {"webapiurl": f"{sim.config.crm_url}/api/data/v9.2/", "clientid": "51f81489-12ee-4a9e-aaae-a2591f45987d",
            "authurl": f"{sim.config.login_url}/common/oauth2/authorize", "callback": "https://localhost"}


def _bc(sim) -> dict[str, str]:
    c = sim.config
    return {"baseUrl": f"{c.bc_url}/v2.0/{c.tenant_id}/production/api/v2.0", "tenantId": c.tenant_id,
            "environmentName": "production", "clientId": "00000000-0000-0000-0000-000000000000",
            "clientSecret": "not-used"}


def _bc_globals(sim) -> dict[str, object]:
    from harness.settings.target_settings import BC_AUDIENCE

    return {"bc_access_token": sim_token(sim, BC_AUDIENCE), "bc_token_expiry": (time.time() + 3600) * 1000}


CASES = {
    "ce-web-api": CorpusCase(CORPUS / "Dynamics365WebApiPostmanCollection" /
                             "Dynamics 365 CE Web API.postman_collection.json", _ce),
    "slg-dataverse": CorpusCase(CORPUS / "SLG-Business-Applications" / "Dataverse Web API.postman_collection.json",
                                _slg),
    "pl-400": CorpusCase(CORPUS / "PL-400" / "PL400.postman_collection.json", _pl400),
    "bc-api-v2": CorpusCase(CORPUS / "business-central-api-postman" /
                            "Business_Central_API_v2.0.postman_collection.json", _bc, _bc_globals),
    "bc-api-v2-var": CorpusCase(CORPUS / "business-central-api-postman" /
                                "Business_Central_API_v2.0.postman_collection.json", _bc, _bc_globals,
                                _bc_with_var_response_code),
}
TOTALS = {"collections": 0, "requests": 0, "assertions": 0, "script errors": 0}


def write_scope(path: Path, name: str, values: dict, scope: str) -> Path:
    path.write_text(json.dumps({"name": name, "_postman_variable_scope": scope, "values": [
        {"key": k, "value": v, "type": "default", "enabled": True} for k, v in values.items()]}), encoding="utf-8")
    return path


def newman_url(url: dict | str) -> str:
    if isinstance(url, str):
        return url
    text = f"{url.get('protocol', 'http')}://{'.'.join(url.get('host') or [])}"
    if url.get("port"):
        text += f":{url['port']}"
    text += "/" + "/".join(url.get("path") or [])
    query = [q for q in url.get("query") or [] if not q.get("disabled")]
    if query:
        text += "?" + "&".join(q["key"] + ("" if q.get("value") is None else "=" + q["value"]) for q in query)
    return text


def normal(url: str) -> str:
    return unquote(url).replace(" ", "%20")



def requests_sent(report: dict) -> list[tuple[str, str, str]]:
    return [(e["item"]["name"], e["request"]["method"], e["request"]["url"])
            for e in report["run"]["executions"] if "request" in e]


def verdicts(report: dict, executions: list[dict]) -> list[tuple[str, str, str]]:
    return [(e["item"]["name"], a["assertion"],
             "skipped" if a.get("skipped") else ("failed" if a.get("error") else "passed"))
            for e in executions for a in e.get("assertions", [])]


def script_errors(report: dict) -> list[tuple[str, str, str, str]]:
    return [(f["source"]["name"], f["at"], f["error"]["name"], f["error"]["message"].split("\n")[0])
            for f in report["run"]["failures"] if f["at"] in ("test-script", "prerequest-script")]


def request_errors(executions: list[dict]) -> list[str]:
    return [e["item"]["name"] for e in executions if e.get("requestError")]


def run_on_fresh_simulator(case: CorpusCase, name: str, work: Path, newman: Path | None) -> tuple[dict, object]:
    """One runner (Newman, or `harness run` when ``newman`` is None) on a simulator of its own, so neither
    sees what the other created; returns its JSON report and the simulator's config (to normalise URLs)."""
    from simulator.server import SimulatorServer

    work.mkdir()
    with SimulatorServer() as sim:
        env = write_scope(work / "env.json", f"{name} on the simulator", case.environment(sim), "environment")
        glob = write_scope(work / "globals.json", "globals", case.globals(sim), "globals")
        collection = case.collection
        if case.edit is not None:
            collection = work / case.collection.name
            collection.write_text(json.dumps(case.edit(json.loads(case.collection.read_text(encoding="utf-8")))),
                                  encoding="utf-8")
        common = [str(collection), "-e", str(env), "-g", str(glob), "-r", "json", "--reporter-json-export",
                  str(work / "report.json")]
        if newman is None:
            assert main(["run", *common, "--target", "none"]) in (0, 1)
        else:
            completed = subprocess.run([str(newman), "run", *common], capture_output=True, text=True, timeout=300,
                                       cwd=work)
            assert (work / "report.json").is_file(), completed.stderr[-2000:]
        report = json.loads((work / "report.json").read_text(encoding="utf-8"))
        if newman is not None:  # once per item run (before the GUIDs in cursor.ref become placeholders)
            report["run"]["executions"] = newman_executions(report)
        return report, sim.config


def placeholders(report: dict, config) -> dict:
    """The report with this simulator's base URLs (in URL strings and Newman's URL objects) and generated
    GUIDs replaced by placeholders."""
    bases = [(str(u).rstrip("/"), label) for u, label in ((config.login_url, "{login}"), (config.crm_url, "{crm}"),
                                                        (config.fno_url, "{fno}"), (config.bc_url, "{bc}"))]

    def fix(text: str) -> str:
        for base, label in bases:
            text = text.replace(base, label)
        return re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "{guid}", text)

    for execution in report["run"]["executions"]:
        request = execution.get("request")
        if request is not None:
            request["url"] = fix(normal(newman_url(request["url"])))
    return json.loads(fix(json.dumps(report)))


@pytest.mark.parametrize("name", sorted(CASES))
def test_newman_and_harness_run_agree_on_the_public_corpus(name, newman, tmp_path, capsys):
    case = CASES[name]
    ours = placeholders(*run_on_fresh_simulator(case, name, tmp_path / "harness", None))
    capsys.readouterr()
    theirs = placeholders(*run_on_fresh_simulator(case, name, tmp_path / "newman", newman))

    differences = []
    for label, mine, other in (
            ("requests", requests_sent(ours), requests_sent(theirs)),
            ("verdicts", verdicts(ours, ours["run"]["executions"]), verdicts(theirs, theirs["run"]["executions"])),
            ("script errors", script_errors(ours), script_errors(theirs)),
            ("request errors", request_errors(ours["run"]["executions"]), request_errors(theirs["run"]["executions"]))):
        if mine != other:
            differences.append((label, [x for x in mine if x not in other], [x for x in other if x not in mine]))
    unexplained = [d for d in differences
                   if not any((case.collection.name, item) in KNOWN_DIFFERENCES
                              for item in {x[0] if isinstance(x, tuple) else x for side in d[1:] for x in side})]
    assert not unexplained, unexplained

    sent = requests_sent(ours)
    assert sent, "nothing was sent"
    assertions, errors = len(verdicts(ours, ours["run"]["executions"])), len(script_errors(ours))
    TOTALS["collections"] += 1
    TOTALS["requests"] += len(sent)
    TOTALS["assertions"] += assertions
    TOTALS["script errors"] += errors
    with capsys.disabled():
        print(f"\n[corpus parity] {name}: {len(sent)} requests, {assertions} assertions and {errors} script errors "
              f"agree with Newman; running totals {TOTALS}")
