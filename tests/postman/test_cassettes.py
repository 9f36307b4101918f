"""Postman items in cassettes: one cassette per item, recorded from the simulator, replayed offline —
in order or alone — with the variables, dynamic values, clock and random numbers of the recording.

The pytest runs happen in separate processes (as in ``tests/recording/test_plugin.py``): the
collection plugin, pytest-recording and the harness plugins are loaded exactly as in CI.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from harness.postman.cassette import METADATA_KEY, RECORD, REPLAY, ItemCassette, PostmanCassetteError
from harness.recording.lint import scan
from harness.recording.naming import cassette_name, module_folder
from tests.postman.helpers import COLLECTIONS, REPO_ROOT

INI = """
[pytest]
addopts = -p no:cacheprovider -p no:schemathesis -p no:hypothesispytest -p no:anyio
"""

# A stopped simulator: its URLs are known (the harness variables and the instance placeholders map
# to them) but nothing listens there any more.
STOPPED_SIM = '''
import pytest
from simulator.server import SimulatorServer


@pytest.fixture(scope="session")
def sim():
    server = SimulatorServer().start()
    server.stop()
    yield server
'''

ITEMS = {  # collection stem -> the ids of its items (below the file), in collection order
    "dataverse-ropc-token": ["Get token (ROPC)"] + [f"Dataverse Web API::{name}" for name in (
        "WhoAmI", "List accounts ($top=3)", "Create contact", "Read contact", "Update contact",
        "Read updated contact", "Delete contact", "Read deleted contact")],
    "fno-crud": ["Get token (client credentials)"] + [f"CustomersV3::{name}" for name in (
        "Create customer", "Read customer by key", "List customers (cross-company, one company)", "Update customer",
        "Read updated customer", "Delete customer", "Read deleted customer")],
    "dataverse-query": ["Get token (legacy script)", "Setup::Create primary contact", "Setup::Create account",
                        "Queries::Select, filter, order by, top", "Queries::Count", "Queries::Expand primary contact",
                        "Queries::First page", "Queries::Next page", "Cleanup::Delete account",
                        "Cleanup::Delete primary contact"],
}
SECRETS = ("Sim-Passw0rd!", "sim-client-secret-value")
DAY_MS = 86_400_000


def cassette_path(root: Path, stem: str, item_id: str) -> Path:
    return root / "collections" / stem / f"{cassette_name(None, item_id)}.json"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def save(path: Path, document: dict) -> None:
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


def copy_collections(destination: Path) -> None:
    (destination / "collections").mkdir(parents=True, exist_ok=True)
    for path in COLLECTIONS.glob("*.postman_*.json"):
        shutil.copy(path, destination / "collections" / path.name)


def run(pytester: pytest.Pytester, *args: str):
    return pytester.runpytest_subprocess(*args)


def replay(pytester: pytest.Pytester, *args: str):
    """CI's situation, made stricter: nothing listens at the simulator's URLs and every connection is
    blocked (no --allowed-hosts), so an item passes only if its cassette answered every request."""
    (pytester.path / "conftest.py").write_text(STOPPED_SIM)
    return run(pytester, *args, "--record-mode=none", "--block-network")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("recorded")


@pytest.fixture
def project(pytester: pytest.Pytester, recorded: Path) -> pytest.Pytester:
    """The shipped collections, recorded once per module (``--record-mode=rewrite``) from the simulator."""
    pytester.makeini(INI)
    copy_collections(pytester.path)
    if not (recorded / "cassettes").exists():
        result = run(pytester, "collections", "--record-mode=rewrite")
        result.assert_outcomes(passed=sum(len(ids) for ids in ITEMS.values()))
        shutil.copytree(pytester.path / "cassettes", recorded / "cassettes")
    else:
        shutil.copytree(recorded / "cassettes", pytester.path / "cassettes")
    return pytester


# ---------------------------------------------------------------------------- recording
def test_one_cassette_per_item_with_its_run_state_and_no_secrets(project: pytest.Pytester):
    root = project.path / "cassettes"
    written = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.json"))
    expected = sorted(cassette_path(root, stem, item_id).relative_to(root).as_posix()
                      for stem, ids in ITEMS.items() for item_id in ids)
    assert written == expected

    texts = {path: path.read_text(encoding="utf-8") for path in root.rglob("*.json")}
    for path, text in texts.items():
        assert not any(secret in text for secret in SECRETS), path
        assert "eyJ" not in text and "127.0.0.1" not in text, path  # tokens scrubbed, URLs are placeholders
        state = json.loads(text)["metadata"][METADATA_KEY]
        assert state["format"] == 1 and set(state["scopes"]) == {"environment", "collectionVariables", "globals"}
    assert scan([root]) == []  # what `harness cassettes lint` runs

    create = load(cassette_path(root, "dataverse-ropc-token", "Dataverse Web API::Create contact"))
    header = create["metadata"]["recording"]
    assert header["test"] == "collections/dataverse-ropc-token.postman_collection.json::Dataverse Web API::Create contact"
    dynamic = create["metadata"][METADATA_KEY]["dynamic"]
    body = create["interactions"][0]["request"]["body"]["json"]
    assert body == {"firstname": dynamic["$randomFirstName"][0], "lastname": f"Harness {dynamic['$randomLastName'][0]}",
                    "emailaddress1": dynamic["$randomEmail"][0]}
    assert create["metadata"][METADATA_KEY]["scopes"]["environment"]["token"] == "<ACCESS_TOKEN_1>"
    assert create["interactions"][0]["request"]["headers"]["Authorization"] == "Bearer <ACCESS_TOKEN_1>"

    token = load(cassette_path(root, "dataverse-ropc-token", "Get token (ROPC)"))
    form = token["interactions"][0]["request"]["body"]["form"]
    assert form["password"].startswith("<PASSWORD") and token["interactions"][0]["response"]["body"]["json"][
        "access_token"] == "<ACCESS_TOKEN_1>"

    # fno-crud's token comes from its first request; the collection script caches it and checks it
    token = load(cassette_path(root, "fno-crud", "Get token (client credentials)"))
    sent = token["interactions"][0]["request"]
    assert sent["uri"].endswith("/oauth2/v2.0/token") and sent["body"]["form"]["client_secret"].startswith("<CLIENT_SECRET")
    state = load(cassette_path(root, "fno-crud", "CustomersV3::Read customer by key"))["metadata"][METADATA_KEY]
    variables = state["scopes"]["collectionVariables"]
    assert variables["fno_token"] == "<ACCESS_TOKEN_1>" and isinstance(variables["fno_token_expires"], int)
    assert len(state["determinism"]["clock"]) == 1  # the collection's pre-request script read Date.now() once

    paging = load(cassette_path(root, "dataverse-query", "Queries::Next page"))
    assert len(paging["interactions"]) == 2  # the setNextRequest loop runs inside the item
    assert paging["metadata"][METADATA_KEY]["scopes"]["collectionVariables"]["nextLink"].startswith(
        "https://crm.instance.invalid/api/data/v9.2/accounts?")


# ---------------------------------------------------------------------------- replaying
def test_replay_needs_neither_the_simulator_nor_the_network_and_items_replay_alone(project: pytest.Pytester):
    result = replay(project, "collections", "-q")
    result.assert_outcomes(passed=27)
    result.stdout.fnmatch_lines(["*36 request(s) run, 68 pm.test assertion(s), 0 failed*"])
    # items that need the token and the ids earlier items made, each run on its own
    for node in ("fno-crud.postman_collection.json::CustomersV3::Read updated customer",
                 "dataverse-query.postman_collection.json::Queries::Next page",
                 "dataverse-ropc-token.postman_collection.json::Dataverse Web API::Read deleted contact"):
        replay(project, f"collections/{node}", "-q").assert_outcomes(passed=1)
    replay(project, "collections", "-q", "-k", "WhoAmI or Expand").assert_outcomes(passed=2, deselected=25)


def test_a_replay_long_after_the_recording_still_sees_the_cached_token(project: pytest.Pytester):
    """fno-crud's collection script accepts its cached token until ``Date.now()`` passes the expiry it
    saved; replayed 90 days later, the scripts still read the recorded clock, so the token is valid."""
    folder = project.path / "cassettes" / "collections" / "fno-crud"
    for path in folder.glob("*.json"):
        document = load(path)
        state = document["metadata"][METADATA_KEY]
        state["determinism"]["clock"] = [ms - 90 * DAY_MS for ms in state["determinism"]["clock"]]
        variables = state["scopes"]["collectionVariables"]
        if isinstance(variables.get("fno_token_expires"), int):
            variables["fno_token_expires"] -= 90 * DAY_MS
        save(path, document)
    replay(project, "collections/fno-crud.postman_collection.json", "-q").assert_outcomes(passed=8)

    # without the recorded clock the script sees today's time and finds the cached token expired
    read = cassette_path(project.path / "cassettes", "fno-crud", "CustomersV3::Read customer by key")
    document = load(read)
    document["metadata"][METADATA_KEY]["determinism"]["clock"] = []
    save(read, document)
    result = replay(project, "collections/fno-crud.postman_collection.json::CustomersV3::Read customer by key")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no valid F&O token*"])


def test_missing_changed_or_stateless_cassettes_fail_saying_how_to_record_the_collection(project: pytest.Pytester):
    root = project.path / "cassettes"
    cassette_path(root, "fno-crud", "CustomersV3::Delete customer").unlink()
    stateless = cassette_path(root, "fno-crud", "CustomersV3::Read deleted customer")
    document = load(stateless)
    del document["metadata"][METADATA_KEY]
    save(stateless, document)
    collection = project.path / "collections" / "fno-crud.postman_collection.json"
    collection.write_text(collection.read_text().replace("Harness Customer (updated)", "Harness Customer (changed)"))

    result = replay(project, "collections/fno-crud.postman_collection.json")
    result.assert_outcomes(passed=4, failed=4)  # token, create, read, list pass; update, read updated (its check), delete, read deleted fail
    text = result.stdout.str()
    assert "nothing was recorded for this test yet" in text
    assert 'odata_body: $.OrganizationName: request "Harness Customer (changed)" ≠ recorded "Harness Customer (updated)"' in text
    assert 'to record it again: pytest "collections/fno-crud.postman_collection.json" --record-mode=rewrite' in text
    assert "has no Postman run state (metadata.postman)" in text
    assert "Traceback" not in text and "harness/postman/runner.py" not in text


# ---------------------------------------------------------------------------- the committed ones
def test_committed_collection_cassettes_replay_with_the_simulator_stopped_and_no_network(pytester: pytest.Pytester):
    """Every shipped collection item has its committed cassette, and each replays with nothing listening."""
    pytester.makeini(INI)
    copy_collections(pytester.path)
    shutil.copytree(REPO_ROOT / "cassettes" / "collections", pytester.path / "cassettes" / "collections")
    committed = sorted(p.relative_to(REPO_ROOT / "cassettes").as_posix()
                       for p in (REPO_ROOT / "cassettes" / "collections").rglob("*.json"))
    expected = sorted(cassette_path(Path("."), stem, item_id).as_posix() for stem, ids in ITEMS.items() for item_id in ids)
    assert committed == expected
    result = replay(pytester, "collections", "-q")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == len(committed) and "failed" not in outcomes and "error" not in outcomes, \
        result.stdout.str()[-3000:]


# ---------------------------------------------------------------------------- other collections
USER_COLLECTION = {
    "info": {"name": "User collection", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
    "event": [{"listen": "prerequest", "script": {"exec": [
        "if (!pm.environment.get('token')) {",
        "  pm.sendRequest({url: pm.variables.replaceIn('{{token_url}}'), method: 'POST',",
        "    body: {mode: 'urlencoded', urlencoded: [{key: 'grant_type', value: 'password'},",
        "      {key: 'client_id', value: pm.variables.get('client_id')}, {key: 'resource', value: pm.variables.get('crm_url')},",
        "      {key: 'username', value: pm.variables.get('username')}, {key: 'password', value: pm.variables.get('password')}]}",
        "  }, (err, res) => pm.environment.set('token', res.json().access_token));",
        "}"]}}],
    "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{token}}"}]},
    "item": [{
        "name": "Create a contact from generated values",
        "event": [
            {"listen": "prerequest", "script": {"exec": [
                "pm.variables.set('stamp', new Date().toISOString());",
                "pm.variables.set('draw', String(Math.floor(Math.random() * 1e9)));",
                "pm.variables.set('uid', require('uuid').v4());",
                "pm.variables.set('mail', pm.variables.replaceIn('{{$randomEmail}}'));"]}},
            {"listen": "test", "script": {"exec": [
                "pm.test('created', () => pm.response.to.have.status(204));",
                "pm.collectionVariables.set('contact', pm.response.headers.get('OData-EntityId'));"]}}],
        "request": {"method": "POST", "url": "{{crm_api}}/contacts",
                    "header": [{"key": "Content-Type", "value": "application/json"},
                               {"key": "X-Trace", "value": "{{trace}}"}],
                    "body": {"mode": "raw", "raw": json.dumps({
                        "lastname": "User {{$randomLastName}} {{draw}}", "firstname": "{{$guid}}",
                        "jobtitle": "{{stamp}} {{uid}}", "telephone1": "{{$timestamp}}-{{$randomInt}}",
                        "emailaddress1": "{{mail}}"})}},
    }, {
        "name": "Delete it",
        "event": [{"listen": "test", "script": {"exec": ["pm.test('deleted', () => pm.response.to.have.status(204));"]}}],
        "request": {"method": "DELETE", "url": "{{contact}}"},
    }],
}


USER_SECRET = "canary-trace-7f3a91"  # declared "type": "secret" under an innocent name, sent in a header


def test_a_users_collection_records_and_replays_its_generated_values(pytester: pytest.Pytester,
                                                                    monkeypatch: pytest.MonkeyPatch):
    # This collection's script reads {{password}} for its own pm.sendRequest sign-in: the user opts in.
    monkeypatch.setenv("HARNESS_SCRIPT_SECRETS", "password")
    pytester.makeini(INI)
    (pytester.path / "api").mkdir()
    (pytester.path / "api" / "user.postman_collection.json").write_text(json.dumps(USER_COLLECTION))
    (pytester.path / "api" / "user.postman_environment.json").write_text(json.dumps(
        {"name": "user", "values": [{"key": "trace", "value": USER_SECRET, "type": "secret", "enabled": True}]}))
    args = ("--postman=api/user.postman_collection.json", "--postman-no-default", "-q")

    live = run(pytester, *args)  # no record mode named: the collection runs against the target, no cassettes
    live.assert_outcomes(passed=2)
    assert not (pytester.path / "cassettes").exists()

    missing = replay(pytester, *args)
    missing.assert_outcomes(failed=2)
    missing.stdout.fnmatch_lines(["*nothing was recorded for this test yet*",
                                  '*to record it again: pytest "api/user.postman_collection.json" --record-mode=rewrite*'])

    (pytester.path / "conftest.py").unlink()  # the simulator runs again, to record from
    run(pytester, *args, "--record-mode=once").assert_outcomes(passed=2)
    folder = pytester.path / "cassettes" / "api" / "user"
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{cassette_name(None, 'Create a contact from generated values')}.json", f"{cassette_name(None, 'Delete it')}.json"]
    created = load(folder / f"{cassette_name(None, 'Create a contact from generated values')}.json")
    assert [i["request"]["method"] for i in created["interactions"]] == ["POST", "POST"]  # token, contact
    sent = created["interactions"][1]["request"]
    assert sent["body"]["json"]["firstname"] == created["metadata"][METADATA_KEY]["dynamic"]["$guid"][0]
    assert sent["headers"]["X-Trace"].startswith("<TRACE_")
    assert created["metadata"][METADATA_KEY]["secret_keys"] == {"environment": ["trace"]}
    assert not any(USER_SECRET in path.read_text() for path in folder.iterdir())

    again = replay(pytester, *args)  # exactly the recorded bodies: the clock, seeds and values are replayed
    again.assert_outcomes(passed=2)


# ---------------------------------------------------------------------------- units
def fake_cassette(*, write_protected: bool, rewound: bool, mode: str = "none", metadata: dict | None = None):
    stored = dict(metadata or {})

    def get_metadata(key, default):
        if key in stored:
            return stored[key]
        if write_protected:
            raise LookupError(key)
        stored[key] = default
        return default

    return SimpleNamespace(write_protected=write_protected, rewound=rewound, record_mode=mode,
                           path="cassettes/x/y.json", get_metadata=get_metadata, dirty=False, stored=stored)


def test_item_cassette_modes():
    assert ItemCassette.open(fake_cassette(write_protected=True, rewound=False)).mode == "missing"
    assert ItemCassette.open(fake_cassette(write_protected=False, rewound=False, mode="all")).mode == RECORD
    state = {"format": 1, "scopes": {"environment": {"a": 1}, "collectionVariables": {}, "globals": {}},
             "dynamic": {"$guid": ["g"]}, "determinism": {"seed": 3, "clock": [5]}}
    replaying = ItemCassette.open(fake_cassette(write_protected=True, rewound=True, metadata={"postman": state}))
    assert replaying.mode == REPLAY and replaying.dynamic.next("$guid") == "g"
    assert ItemCassette.open(fake_cassette(write_protected=False, rewound=True, mode="new_episodes",
                                           metadata={"postman": state})).mode == "extend"


@pytest.mark.parametrize("state, problem", [
    (None, "has no Postman run state (metadata.postman)"),
    ({"format": 2}, "metadata.postman is not format 1"),
    ({"format": 1, "scopes": {"environment": {}}}, "metadata.postman.scopes must hold environment, "
                                                   "collectionVariables, globals as objects"),
    ({"format": 1, "scopes": {"environment": {}, "collectionVariables": {}, "globals": {}}, "dynamic": [],
      "determinism": {"seed": 1, "clock": []}}, "recorded dynamic values must map a variable name"),
    ({"format": 1, "scopes": {"environment": {}, "collectionVariables": {}, "globals": {}}, "dynamic": {},
      "determinism": {"seed": -1, "clock": []}}, "is not a 32-bit unsigned integer"),
])
def test_unusable_recorded_state_says_which_cassette_and_how_to_fix_it(state, problem):
    metadata = {} if state is None else {"postman": state}
    with pytest.raises(PostmanCassetteError) as caught:
        ItemCassette.open(fake_cassette(write_protected=True, rewound=True, metadata=metadata))
    message = str(caught.value)
    assert problem in message and "cassettes/x/y.json" in message and "--record-mode=rewrite" in message


def test_a_collection_outside_the_rootdir_gets_a_folder_named_after_it(tmp_path):
    assert module_folder(tmp_path / "elsewhere" / "my-api.postman_collection.json", tmp_path / "repo") == Path("my-api")
    assert module_folder(REPO_ROOT / "collections" / "fno-crud.postman_collection.json", REPO_ROOT) == \
        Path("collections/fno-crud")
