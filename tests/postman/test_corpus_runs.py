"""Real public collections, run for real against a local echo app (their hosts redirected)."""

from __future__ import annotations

import json
import time

from harness.postman import CollectionRunner, load_collection, load_environment
from tests.postman.test_loader import BC, BC_ENV, CE, CE_ENV


def test_ce_batch_request_uses_nested_variables_and_a_global_set_by_its_pre_request_script(server):
    env = load_environment(CE_ENV)
    with CollectionRunner(load_collection(CE), environment=env, folder="Batch Operations",
                          env_vars={"Resource": server.url + "/echo"}) as runner:
        result = runner.run()
        global_url = runner.globals.get("GlobalWebApiUrl")
    first = result.executions[0]
    assert first.path == "Batch Operations/Batch Operation"
    assert first.request_error is None and first.response.status == 200
    # {{WebAPIUrl}} = {{Resource}}/api/data/v9.0/ ; the raw path keeps Postman's double slash before $batch
    assert first.request.url == f"{server.url}/echo/api/data/v9.0//$batch"
    assert global_url == "{{Resource}}/api/data/v9.0/"  # pm.environment.get returns the stored template
    assert f"POST {server.url}/echo/api/data/v9.0/contacts  HTTP/1.1" in first.request.body
    assert ("Content-Type", "multipart/mixed;boundary=batch_B1") in first.request.headers
    assert ("OData-Version", "4.0") in first.request.headers  # ' 4.0  ' trimmed
    assert any("oauth2 auth: could not obtain an access token" in w for w in first.warnings)


def test_bc_collection_scripts_run_with_a_cached_token(server):
    later = (time.time() + 3600) * 1000
    with CollectionRunner(load_collection(BC), environment=load_environment(BC_ENV), folder="Company",
                          env_vars={"baseUrl": server.url + "/echo"},
                          globals={"bc_access_token": "cached-token-value", "bc_token_expiry": later}) as runner:
        result = runner.run()
    names = [e.item.name for e in result.executions]
    assert names == ["Get companies", "Get company by ID", "Create company"]
    for execution in result.executions:
        # as in Newman 6.2.2: the collection's test script redeclares the legacy global `responseCode`
        # with `const` (line 5), a SyntaxError, so it runs no assertion; the pre-request script runs
        (error,) = execution.script_errors
        assert (error.event, error.name, error.line) == ("test", "SyntaxError", 5)
        assert error.message == "Identifier 'responseCode' has already been declared"
        assert execution.assertions == []
        assert any("Using existing access token" in message for _, message in execution.logs)
    create = result.executions[2]
    assert create.request.method == "POST"
    headers = dict(create.request.headers)
    assert headers["Authorization"] == "Bearer ***" and headers["Content-Type"] == "application/json"
    assert create.request.url == f"{server.url}/echo/companies"
    get_by_id = result.executions[1]
    assert get_by_id.request.url == f"{server.url}/echo/companies()"  # companyId is empty in the export


def test_bc_test_script_fails_on_a_204_like_newman(server):
    """The BC test script calls pm.response.json() first: on a 204 that error comes before anything else
    (with the script's `const responseCode` made a `var`, since as shipped it is a SyntaxError in Newman)."""
    data = json.loads(BC.read_text(encoding="utf-8"))
    for event in data["event"]:
        event["script"]["exec"] = [line.replace("const responseCode", "var responseCode")
                                   for line in event["script"]["exec"]]
    data["item"] = [{"name": "No content", "request": {"method": "DELETE", "url": "{{baseUrl}}"}}]
    later = (time.time() + 3600) * 1000
    with CollectionRunner(load_collection(data), environment=load_environment(BC_ENV),
                          env_vars={"baseUrl": server.url + "/status/204"},
                          globals={"bc_access_token": "t0k3n-abcdef", "bc_token_expiry": later}) as runner:
        result = runner.run()
    (execution,) = result.executions
    (error,) = execution.script_errors
    assert (error.event, error.location, error.name) == ("test", f"collection '{runner.collection.name}'", "JSONError")
    assert error.line == 4 and error.message == "No data, empty input at 1:1"
