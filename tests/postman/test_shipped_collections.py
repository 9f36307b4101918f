"""The collections shipped in collections/, run against the embedded simulator."""

from __future__ import annotations

import shutil

import pytest

from harness.postman import CollectionRunner, DynamicValues, load_collection, load_environment
from harness.postman.plugin import find_environment
from harness.postman.target_variables import (
    SIMULATOR_VARIABLES,
    needs_simulator,
    referenced_variables,
    simulator_variables,
)
from tests.postman.helpers import COLLECTIONS

SHIPPED = sorted(COLLECTIONS.glob("*.postman_collection.json"))
NAMES = [p.name for p in SHIPPED]


@pytest.fixture(scope="module")
def sim():
    """A simulator of our own: these runs must not use up the shared one's throttling budget."""
    from simulator.server import SimulatorServer

    with SimulatorServer() as server:
        yield server


def test_the_three_collections_are_shipped():
    assert NAMES == ["dataverse-query.postman_collection.json", "dataverse-ropc-token.postman_collection.json",
                     "fno-crud.postman_collection.json"]


@pytest.mark.parametrize("path", SHIPPED, ids=NAMES)
def test_shipped_collections_import_cleanly(path):
    c = load_collection(path)
    assert not c.report.unsupported and not c.report.warnings, c.report.to_text()
    assert needs_simulator(c, defined=())
    assert referenced_variables(c) & set(SIMULATOR_VARIABLES)


def run_against(sim, path, **kw) -> tuple[CollectionRunner, list]:
    env_path, _ = find_environment(path)
    runner = CollectionRunner(load_collection(path), environment=load_environment(env_path) if env_path else None,
                              harness_variables=simulator_variables(sim), **kw)
    with runner:
        result = runner.run()
    for execution in result.executions:
        assert execution.passed, (execution.path, execution.failures())
    return runner, result.executions


def test_dataverse_ropc_token_collection(sim):
    runner, executions = run_against(sim, COLLECTIONS / "dataverse-ropc-token.postman_collection.json")
    assert [e.item.name for e in executions] == [
        "Get token (ROPC)", "WhoAmI", "List accounts ($top=3)", "Create contact", "Read contact", "Update contact",
        "Read updated contact", "Delete contact", "Read deleted contact"]
    assert [e.response.status for e in executions] == [200, 200, 200, 204, 200, 204, 200, 204, 404]
    token_request = executions[0].request
    assert token_request.method == "POST" and "password=***" in token_request.body
    assert dict(executions[1].request.headers)["Authorization"] == "Bearer ***"
    assert runner.environment.get("token")  # saved by the test script
    assert not runner.environment.has("contactId")  # cleaned up by the last test script


def test_fno_crud_collection_gets_its_token_from_a_request_no_script_reads_the_secret(sim):
    runner, executions = run_against(sim, COLLECTIONS / "fno-crud.postman_collection.json")
    assert [e.response.status for e in executions] == [200, 201, 200, 200, 204, 200, 204, 404]
    assert sum(len(e.assertions) for e in executions) == 15
    token = executions[0]
    assert token.item.name == "Get token (client credentials)" and "client_secret=***" in token.request.body
    assert runner.collection_variables.get("fno_token")
    assert int(runner.collection_variables.get("fno_token_expires")) > 0
    assert not [w for e in executions for w in e.warnings if "secret" in w]  # no script tried to read it
    collection = load_collection(COLLECTIONS / "fno-crud.postman_collection.json")
    scripts = "\n".join(s.code for node in [collection, *collection.folders(), *collection.requests()] for s in node.events)
    assert "client_secret" not in scripts


def test_fno_crud_skips_the_token_request_while_the_cached_token_is_valid(sim):
    """Two iterations: the second reuses the token the first one cached (the request is skipped)."""
    _, executions = run_against(sim, COLLECTIONS / "fno-crud.postman_collection.json", iterations=2)
    tokens = [e for e in executions if e.item.name == "Get token (client credentials)"]
    assert len(tokens) == 2 and not tokens[0].skipped and tokens[1].skipped
    assert [e.response.status for e in executions if e.item.name == "Create customer"] == [201, 201]


def test_dataverse_query_collection_loops_with_set_next_request(sim):
    _, executions = run_against(sim, COLLECTIONS / "dataverse-query.postman_collection.json")
    names = [e.item.name for e in executions]
    assert names.count("Create account") == 5 and names.count("Delete account") == 5
    assert names.count("Next page") == 2
    assert len(executions) == 19
    assert executions[0].assertions[0].legacy  # the legacy tests[...] token script


def test_a_replay_of_dynamic_values_sends_the_same_bodies(sim):
    path = COLLECTIONS / "dataverse-ropc-token.postman_collection.json"
    recording = DynamicValues()
    _, first = run_against(sim, path, dynamic_values=recording)
    _, second = run_against(sim, path, dynamic_values=DynamicValues.from_dict(recording.to_dict()))
    create_first = next(e for e in first if e.item.name == "Create contact")
    create_second = next(e for e in second if e.item.name == "Create contact")
    assert create_first.request.body == create_second.request.body
    assert set(recording.to_dict()) == {"$randomFirstName", "$randomLastName", "$randomEmail"}


def test_the_plugin_runs_the_shipped_collections_with_the_simulator(pytester):
    target = pytester.path / "collections"
    target.mkdir()
    for path in COLLECTIONS.glob("*.postman_*.json"):
        shutil.copy(path, target / path.name)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")  # collections/ is collected by default
    result.assert_outcomes(passed=27)
    result.stdout.fnmatch_lines(["*36 request(s) run, 68 pm.test assertion(s), 0 failed*"])
