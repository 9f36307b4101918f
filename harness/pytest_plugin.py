"""pytest plugin: options, markers and fixtures that hand tests ready Dynamics clients.

The harness's one ``pytest11`` entry point (``dynamics_harness`` in ``pyproject.toml``). With
``--target=sim`` (the default) it starts the embedded simulator on loopback for the session; with
``--target=live`` it reads ``.env``. The data path reads top to bottom: settings → token broker →
session → client → test. The sub-plugins are listed in ``pytest_plugins`` below.
"""

from __future__ import annotations

import logging
import os

import pytest
import requests

from harness.auth import MemoryTokenCache, TokenBroker
from harness.cleanup import RecordTracker
from harness.http import new_session
from harness.naming import new_run_id
from harness.odata.retry import RetryPolicy, RetryStats
from harness.odata.throttle import limiter_for
from harness.recording.state import state_of
from harness.recording.tokens import ScopedTokenBroker
from harness.secrets import RedactingFilter, guard_library_loggers, register_secret
from harness.settings import SettingsError, TargetSettings, load_settings
from harness.targets import client_for, targets_of_simulator
from harness.trust import trust_ca

# The sub-plugins, registered by pytest right after this module, in this order. pluggy calls the plain
# hook implementations of a later-registered plugin first, so this tuple is the hook order among them
# (``tryfirst``/``trylast`` marks aside); keep it as it is unless a hook needs another place.
pytest_plugins = (
    "harness.sharding",          # --shard K/N
    "harness.contract.pinning",  # pinned $metadata for contract tests (autouse fixture)
    "harness.postman.plugin",    # Postman collections collected as tests
    "harness.recording.plugin",  # cassettes; in pytest_configure it adds harness.recording.fixtures,
                                 # which overrides pytest-recording's vcr_config/vcr_cassette_dir/
                                 # default_cassette_name (nothing of this package)
    "harness.reporting.plugin",  # terminal/JUnit/HTML reports, redaction, run summary
)

ROOT_MARKERS = {"crm": "Dataverse / Dynamics 365 CRM root (/api/data/v9.x)",
                "fno": "Finance and Operations root (/data)",
                "bc": "Business Central API (/v2.0/.../api/v2.0)"}


# ---------------------------------------------------------------------- options and markers
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dynamics", "Dynamics 365 harness")
    group.addoption("--target", choices=("sim", "live"), default=os.environ.get("HARNESS_TARGET", "sim"),
                    help="sim: the embedded simulator (default); live: the instance described by .env")
    group.addoption("--env-file", default=None,
                    help="the .env file with credentials (default: $HARNESS_ENV_FILE or ./.env)")
    group.addoption("--run-id", default=None, help="tag for records this run creates (default: generated)")
    group.addoption("--keep-records", action="store_true",
                    help="do not delete records at teardown (to inspect them; sweep later with harness cleanup)")
    group.addoption("--allow-writes", action="store_true",
                    help="let contract tests send writes to a live instance (read-only by default)")
    group.addoption("--max-rps", type=float, default=None,
                    help="client-side request rate per target (default: live runs stay under the service "
                         "protection limits, about 18/s; the simulator is not throttled; 0 = off)")
    group.addoption("--sim-tls", action="store_true", default=bool(os.environ.get("HARNESS_SIM_TLS")),
                    help="serve the embedded simulator over https with its local CA (the harness trusts that CA "
                         "for its own requests only); default plain http")
    group.addoption("--retry-attempts", type=int, default=4,
                    help="attempts per request on 429/503/timeouts/dropped connections (default 4; 1 = no retries)")


def pytest_configure(config: pytest.Config) -> None:
    for name, text in ROOT_MARKERS.items():
        config.addinivalue_line("markers", f"{name}: a test against the {text}")
    config.addinivalue_line("markers", "sim_only: needs the embedded simulator (skipped with --target=live)")
    config.addinivalue_line("markers", "writes: creates, changes or deletes records")
    worker_input = getattr(config, "workerinput", {})  # xdist: the controller's run id (pytest_configure_node)
    config.run_id = (config.getoption("run_id") or worker_input.get("harness_run_id")  # type: ignore[attr-defined]
                     or new_run_id())
    config.harness_settings = None  # type: ignore[attr-defined]
    config.harness_retry_stats = RetryStats()  # type: ignore[attr-defined]
    if config.getoption("target") == "live":
        # Read .env once, up front: a mistake in it is a usage error, reported without a traceback.
        try:
            config.harness_settings = load_settings(config.getoption("env_file"))  # type: ignore[attr-defined]
        except SettingsError as exc:
            raise pytest.UsageError(str(exc)) from None
    logging.getLogger("harness").addFilter(RedactingFilter())
    guard_library_loggers()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("target") == "live":
        skip = pytest.mark.skip(reason="needs the embedded simulator (--target=sim)")
        for item in items:
            if item.get_closest_marker("sim_only"):
                item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    stats = getattr(config, "harness_retry_stats", None)
    if stats is not None and (stats.retries or stats.gave_up):
        terminalreporter.write_line(f"dynamics harness: {stats.retries} request retries "
                                    f"({dict(stats.reasons)}), {stats.recovered} creates confirmed by a read, "
                                    f"{stats.gave_up} gave up")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """pytest-xdist: every worker tags its records with the controller's run id."""
    node.workerinput["harness_run_id"] = node.config.run_id


def pytest_report_header(config: pytest.Config) -> str:
    return f"dynamics harness: target={config.getoption('target')} run-id={config.run_id}"  # type: ignore[attr-defined]


# ---------------------------------------------------------------------- the simulator
@pytest.fixture(scope="session")
def sim(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The embedded Dynamics simulator on loopback ports, for the whole session (https with ``--sim-tls``)."""
    from simulator.server import SimulatorServer

    tls = request.config.getoption("sim_tls")
    tls_dir = tmp_path_factory.mktemp("sim-ca") if tls else None
    with SimulatorServer(tls=tls, tls_dir=tls_dir) as server:
        yield server


@pytest.fixture(scope="session")
def sim_tls(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A simulator served over https whatever ``--sim-tls`` says; ``sim_tls.ca_bundle`` is its CA file."""
    if request.config.getoption("sim_tls"):
        yield request.getfixturevalue("sim")
        return
    from simulator.server import SimulatorServer

    with SimulatorServer(tls=True, tls_dir=tmp_path_factory.mktemp("sim-ca")) as server:
        yield server


def _trust_simulator(session: requests.Session, request: pytest.FixtureRequest) -> requests.Session:
    """Make ``session`` (only it, no process-wide setting) trust the https simulator's CA."""
    if request.config.getoption("target") == "sim" and request.config.getoption("sim_tls"):
        server = request.getfixturevalue("sim")
        if server.ca_bundle is not None:
            c = server.config
            trust_ca(session, server.ca_bundle, [c.login_url, c.crm_url, c.fno_url, c.bc_url])
    return session


# ---------------------------------------------------------------------- settings and tokens
@pytest.fixture(scope="session")
def harness_target(request: pytest.FixtureRequest) -> str:
    return request.config.getoption("target")


@pytest.fixture(scope="session")
def harness_targets(request: pytest.FixtureRequest, harness_target: str) -> dict[str, TargetSettings]:
    """Target settings by name (crm/fno/bc): from the simulator, or from ``.env`` for ``--target=live``."""
    if harness_target == "sim":
        targets = targets_of_simulator(request.getfixturevalue("sim"))
    else:
        targets = request.config.harness_settings.targets()
    for target in targets.values():
        for value in target.secret_values():
            register_secret(value)
    return targets


@pytest.fixture(scope="session")
def token_broker(harness_target: str, request: pytest.FixtureRequest) -> ScopedTokenBroker:
    """One token per target for the whole session (memory cache against the simulator).

    Scoped by cassette: a test that records or replays a cassette signs in within it
    (:mod:`harness.recording.tokens`); without a cassette it is the plain session broker.
    """
    if harness_target == "sim":
        broker = TokenBroker(MemoryTokenCache(), session=_trust_simulator(new_session(), request))
    else:
        broker = TokenBroker.from_settings(request.config.harness_settings)
    state = state_of(request.config)
    return ScopedTokenBroker(broker, scope=lambda: state.active_cassette)


@pytest.fixture(scope="session")
def harness_session(request: pytest.FixtureRequest) -> requests.Session:
    """The HTTP session every client shares (the recording layer hooks in below it)."""
    session = _trust_simulator(new_session(), request)
    yield session
    session.close()


# ---------------------------------------------------------------------- per-test helpers
@pytest.fixture(scope="session")
def run_id(request: pytest.FixtureRequest) -> str:
    return request.config.run_id  # type: ignore[attr-defined]


# ``values`` (ids, tagged names, numbers recorded into the cassette) is defined by the recording
# sub-plugin, harness/recording/fixtures.py, because it needs the test's cassette.


@pytest.fixture
def created_records(request: pytest.FixtureRequest):
    """Tracks every record a test creates; deletes them at teardown even when the test failed."""
    tracker = RecordTracker()
    yield tracker
    if request.config.getoption("keep_records"):
        return
    problems = tracker.sweep()
    for problem in problems:
        logging.getLogger("harness.cleanup").warning(problem)


def _reliability(config: pytest.Config, target: TargetSettings, client) -> None:
    """Retries on by default; a live run (or ``--max-rps``) shares one rate limiter per target and user."""
    attempts = config.getoption("retry_attempts")
    client.retry = RetryPolicy(max_attempts=attempts) if attempts > 1 else None
    client.retry_stats = config.harness_retry_stats  # type: ignore[attr-defined]
    max_rps = config.getoption("max_rps")
    if max_rps != 0 and (max_rps or config.getoption("target") == "live"):
        workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)  # xdist: split the budget
        client.throttle = limiter_for(client.dialect.name, (client.api_root, target.client_id, target.username),
                                      max_rps, share=workers)


@pytest.fixture
def sim_faults(sim):
    """``sim.faults`` (simulator/faults.py) for one test; faults and throttling are reset afterwards."""
    sim.faults.clear()
    yield sim.faults
    sim.faults.clear()
    sim.throttling.reset()


@pytest.fixture
def sim_throttling(sim):
    """``sim.throttling`` (service-protection limits) for one test; reset to the configuration afterwards."""
    sim.throttling.reset()
    yield sim.throttling
    sim.throttling.reset()


def _client_fixture(name: str):
    @pytest.fixture
    def fixture(request, harness_targets, token_broker, harness_session, created_records):
        target = harness_targets.get(name)
        if target is None:
            pytest.skip(f"no {name.upper()}_* settings in .env for --target=live")
        holder: list = []
        client = client_for(target, token_broker, harness_session,
                            on_created=created_records.callback(lambda: holder[0]))
        _reliability(request.config, target, client)
        holder.append(client)
        return client

    fixture.__name__ = name
    fixture.__doc__ = f"A ready OData client for the {ROOT_MARKERS[name]}; records it creates are removed."
    return fixture


crm = _client_fixture("crm")
fno = _client_fixture("fno")
bc = _client_fixture("bc")

