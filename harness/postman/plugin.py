"""pytest plugin: every request of a Postman collection, per iteration, becomes a pytest item.

Node ids are ``<file>::<Folder>/<Sub>::<Request name>`` (``[iteration-N]`` appended when there is
more than one iteration), in collection order. The items of one collection share one
:class:`CollectionRunner` (variable scopes, V8 context), so running them in order behaves like a
Newman run; selecting a single item (``-k``, a node id) runs just that request with whatever the
environment provides. ``postman.setNextRequest`` is honoured: a jump forward skips the items in
between, a jump back (a paging loop) runs the loop inside the current item, ``null`` skips the
rest of the iteration.

Collections are collected from ``collections/`` under the rootdir (when pytest runs its default
paths) and from every ``--postman PATH``. See ``collections/README.md`` for the environment file
convention and the variables the harness supplies against the simulator.

When the run names a record mode (this repository's pytest.ini does), every item records into and
replays from its own cassette through pytest-recording, with the variables it had before it ran,
its dynamic values, clock and random seed (:mod:`harness.postman.cassette`), so a replayed item
needs neither the simulator nor the items before it.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from harness.auth import MemoryTokenCache, TokenBroker
from harness.errors import HarnessError
from harness.http import new_session
from harness.postman.cassette import RECORD, ItemCassette, secret_values
from harness.postman.errors import CollectionError
from harness.postman.flow import next_position
from harness.postman.item_text import plugin_lines
from harness.postman.loader import load_collection, load_data_file, load_environment
from harness.postman.model import Collection, RequestItem
from harness.postman.oauth2 import BrokerTokenProvider
from harness.postman.report import WARNING
from harness.postman.results import ItemExecution
from harness.postman.runner import CollectionRunner
from harness.postman.target_variables import (
    SIMULATOR_VARIABLES,
    live_variables,
    needs_simulator,
    referenced_variables,
    simulator_variables,
)
from harness.postman.variables import VariableScope
from harness.recording.naming import cassette_name
from harness.recording.state import add_known_secrets
from harness.settings.target_settings import TargetSettings

COLLECTION_SUFFIX = ".postman_collection.json"
ENVIRONMENT_SUFFIX = ".postman_environment.json"
DEFAULT_DIR = "collections"
STOP = -1

_ROOTS = pytest.StashKey[list[Path]]()
_RESULTS = pytest.StashKey[list[tuple[str, ItemExecution]]]()
_REPORTS = pytest.StashKey[dict[str, Any]]()
_RUN_REPORTS = pytest.StashKey[dict[str, Any]]()
_FALLBACK_BROKER = pytest.StashKey[TokenBroker]()


# --------------------------------------------------------------------------- options
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("postman", "Postman collections as tests")
    group.addoption("--postman", action="append", default=[], metavar="PATH",
                    help="a *.postman_collection.json file or a directory of them (repeatable); "
                         "collections/ under the rootdir is collected too when pytest runs its default paths")
    group.addoption("--postman-env", metavar="FILE", default=None,
                    help="environment file for every collection (default: a sibling "
                         "<collection name>*.postman_environment.json)")
    group.addoption("--postman-globals", metavar="FILE", default=None, help="Postman globals file")
    group.addoption("--postman-data", metavar="FILE", default=None,
                    help="iteration data (JSON array or CSV); one iteration per row")
    group.addoption("--postman-iterations", metavar="N", type=int, default=None, help="number of iterations")
    group.addoption("--postman-target", choices=("auto", "sim", "none"), default="auto",
                    help="supply {{crm_api}}/{{token_url}}/... from the simulator: 'auto' (when a collection "
                         "uses them and nothing else defines them), 'sim' (always) or 'none'")
    group.addoption("--postman-dotenv", metavar="FILE", default=None,
                    help=".env file whose values are the lowest variable layer (default: .env in the rootdir)")
    group.addoption("--postman-strict-vars", action="store_true", default=False,
                    help="fail an item that would send an unresolved {{variable}} (Newman sends it literally)")
    group.addoption("--postman-timeout-request", metavar="MS", type=int, default=None,
                    help="timeout of each request in milliseconds")
    group.addoption("--postman-report", action="store_true", default=False,
                    help="print each collection's import report (what cannot be honoured)")
    group.addoption("--postman-no-default", action="store_true", default=False,
                    help="do not collect collections/ automatically")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postman: an item generated from a Postman collection request")
    config.addinivalue_line("markers", "postman_collection(name): the Postman collection the item comes from")
    config.addinivalue_line("markers", "postman_folder(name): a folder (at any depth) containing the request")
    config.stash[_RESULTS] = []
    config.stash[_REPORTS] = {}
    config.stash[_RUN_REPORTS] = {}
    roots: list[Path] = []
    invocation = config.invocation_params.dir
    default_dir = config.rootpath / DEFAULT_DIR
    if not config.getoption("postman_no_default") and default_dir.is_dir():
        roots.append(default_dir.resolve())
        if config.args_source != pytest.Config.ArgsSource.ARGS and not _covered(default_dir, config.args, invocation):
            config.args.append(str(default_dir))
    for raw in config.getoption("postman") or []:
        path = (invocation / raw).resolve()
        if not path.exists():
            raise pytest.UsageError(f"--postman {raw}: no such file or directory")
        roots.append(path)
        if not _covered(path, config.args, invocation):
            config.args.append(str(path))
    config.stash[_ROOTS] = roots


def _covered(path: Path, args: list[str], invocation: Path) -> bool:
    path = path.resolve()
    for arg in args:
        candidate = (invocation / arg.split("::", 1)[0]).resolve()
        if candidate == path or candidate in path.parents:
            return True
    return False


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if not file_path.name.endswith(COLLECTION_SUFFIX):
        return None
    config = parent.config
    resolved = file_path.resolve()
    roots = config.stash.get(_ROOTS, [])
    explicit = any((config.invocation_params.dir / a.split("::", 1)[0]).resolve() == resolved for a in config.args)
    if explicit or any(root == resolved or root in resolved.parents for root in roots):
        return PostmanFile.from_parent(parent, path=file_path)
    return None


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def postman_session():
    """The HTTP session Postman items send through (override it to route through cassettes)."""
    with new_session() as session:
        yield session


@pytest.fixture
def postman_token_provider(request: pytest.FixtureRequest):
    """Tokens for collection ``oauth2`` auth from the harness's own providers (``token_broker``).

    A ``Callable[[dict], str]``; override the fixture to return ``None`` to send the exported
    ``accessToken`` instead, as Newman does. The harness targets are looked up only when a
    request with ``oauth2`` auth runs, so collections without it never start anything.
    """
    try:
        broker = request.getfixturevalue("token_broker")
    except pytest.FixtureLookupError:  # the harness's main plugin is disabled: one broker per session
        broker = request.config.stash.get(_FALLBACK_BROKER, None)
        if broker is None:
            broker = request.config.stash[_FALLBACK_BROKER] = TokenBroker(MemoryTokenCache())
            request.config.add_cleanup(broker.close)

    def targets() -> Mapping[str, TargetSettings]:
        try:
            return request.getfixturevalue("harness_targets")
        except pytest.FixtureLookupError:
            return {}

    return BrokerTokenProvider(broker, targets)


@pytest.fixture
def postman_cassette(request: pytest.FixtureRequest) -> ItemCassette | None:
    """The item's cassette and run state when the item records or replays (see :func:`uses_cassettes`)."""
    if request.node.get_closest_marker("vcr") is None:
        return None
    try:
        cassette = request.getfixturevalue("vcr")
    except pytest.FixtureLookupError:  # pytest-recording is not loaded
        return None
    return ItemCassette.open(cassette) if cassette is not None else None


@pytest.fixture
def postman_dynamic_values(postman_cassette: ItemCassette | None):
    """The ``DynamicValues`` store of the item: recorded into / replayed from its cassette; ``None``
    (the run's own store) without one. Override it to supply your own."""
    return postman_cassette.dynamic if postman_cassette is not None else None


# --------------------------------------------------------------------------- collection
def find_environment(collection_path: Path) -> tuple[Path | None, list[Path]]:
    """``<stem>.postman_environment.json``, else the only ``<stem>*.postman_environment.json``."""
    stem = collection_path.name[: -len(COLLECTION_SUFFIX)]
    exact = collection_path.with_name(stem + ENVIRONMENT_SUFFIX)
    if exact.is_file():
        return exact, [exact]
    candidates = sorted(collection_path.parent.glob(f"{stem}*{ENVIRONMENT_SUFFIX}"))
    if len(candidates) == 1:
        return candidates[0], candidates
    return None, candidates


class PostmanItemFailure(Exception):
    """A Postman item failed: the message lists the failed pm.tests and script/request errors."""


@dataclass
class CollectionSession:
    """Run state shared by the items of one collection file during a pytest session."""

    collection: Collection
    environment_path: Path | None
    iterations: int
    data: list[dict]
    runner: CollectionRunner | None = None
    flow: dict[int, int] = field(default_factory=dict)
    jumped_by: dict[int, str] = field(default_factory=dict)

    def runner_for(self, request: pytest.FixtureRequest) -> CollectionRunner:
        if self.runner is not None:
            return self.runner
        config = request.config
        environment = load_environment(self.environment_path) if self.environment_path else VariableScope(
            "environment")
        globals_path = config.getoption("postman_globals")
        globals_scope = load_environment(globals_path, scope_name="globals") if globals_path else None
        dotenv = _dotenv_values(config)
        defined = {*environment.values, *(globals_scope.values if globals_scope else {}),
                   *(v.key for v in self.collection.variables), *dotenv, *(k for row in self.data for k in row)}
        target = config.getoption("postman_target")
        harness_values: dict[str, Any] = {}
        live = _harness_target(config) == "live"
        if target == "auto" and live and needs_simulator(self.collection, defined):
            # `--target live`: the instance in .env, never a private simulator (nor a "live" label on it)
            harness_values = live_variables(request.getfixturevalue("harness_targets"))
            missing = sorted(referenced_variables(self.collection) & set(SIMULATOR_VARIABLES)
                             - set(defined) - set(harness_values))
            if missing:
                raise HarnessError(f"--target live: the collection uses {', '.join(missing)}, which .env does "
                                   "not configure (see collections/README.md, 'Variables the harness supplies')")
        elif target == "sim" or (target == "auto" and needs_simulator(self.collection, defined)):
            try:
                sim = request.getfixturevalue("sim")
            except pytest.FixtureLookupError:
                raise HarnessError("the collection uses simulator variables "
                                   f"({', '.join(SIMULATOR_VARIABLES[:4])}, ...) but no 'sim' fixture is "
                                   "available; pass an environment file or --postman-target none") from None
            harness_values = simulator_variables(sim)
        self.runner = CollectionRunner(
            self.collection, environment=environment, globals=globals_scope, iteration_data=self.data,
            session=request.getfixturevalue("postman_session"), dotenv_values=dotenv,
            harness_variables=harness_values, iterations=self.iterations,
            strict_variables=config.getoption("postman_strict_vars"),
            timeout_request_ms=config.getoption("postman_timeout_request"))
        config.add_cleanup(self.runner.close)
        config.stash[_RUN_REPORTS][self.collection.source] = self.runner.report
        return self.runner

    def run(self, request: pytest.FixtureRequest, item: RequestItem, iteration: int) -> list[ItemExecution]:
        runner = self.runner_for(request)
        runner.token_provider = request.getfixturevalue("postman_token_provider")
        session = request.getfixturevalue("postman_session")
        position = runner.items.index(item)
        flow = self.flow.get(iteration)
        if flow == STOP:
            _skip(f"iteration {iteration + 1} was ended by setNextRequest(null) in "
                  f"'{self.jumped_by.get(iteration, '?')}'")
        if flow is not None and position < flow:
            _skip(f"skipped: '{self.jumped_by.get(iteration, '?')}' called setNextRequest past this request")
        cassette: ItemCassette | None = request.getfixturevalue("postman_cassette")
        dynamic = request.getfixturevalue("postman_dynamic_values")
        determinism = cassette.determinism if cassette is not None else None
        if cassette is not None:
            if cassette.mode == RECORD:
                add_known_secrets(request.config, secret_values(runner))
            cassette.begin(runner)
        try:
            return self._run_from(runner, item, position, iteration,
                                  lambda node: runner.run_item(node, iteration, session=session,
                                                               dynamic_values=dynamic, determinism=determinism))
        finally:
            if cassette is not None:
                cassette.finish(item.path, iteration, dynamic if dynamic is not None else cassette.dynamic)

    def _run_from(self, runner: CollectionRunner, item: RequestItem, position: int, iteration: int,
                  run_one: Callable[[RequestItem], ItemExecution]) -> list[ItemExecution]:
        """Run ``item``, then follow ``setNextRequest`` jumps back (loops) inside this pytest item."""
        executions = [run_one(item)]
        current = position
        while True:
            last = executions[-1]
            target = next_position(runner.items, last, current, runner.report)
            if last.next_request_set:
                self.jumped_by[iteration] = last.path
            if target is None:  # setNextRequest(null) or an unknown name: the iteration ends
                self.flow[iteration] = STOP
                break
            if target > position:
                self.flow[iteration] = target
                break
            if len(executions) >= 1000:
                raise PostmanItemFailure(f"setNextRequest loop: {len(executions)} requests run from "
                                         f"'{item.path}' without leaving the loop")
            current = target
            executions.append(run_one(runner.items[target]))
        return executions


def _skip(reason: str) -> None:
    """Skip reported at the item (the collection file), not at this plugin's source line."""
    raise pytest.skip.Exception(reason, _use_item_location=True)


def _harness_target(config: pytest.Config) -> str | None:
    """The harness plugin's ``--target`` (``sim``/``live``), or None without the harness plugin."""
    try:
        return config.getoption("target")
    except ValueError:
        return None


def _dotenv_values(config: pytest.Config) -> dict[str, str]:
    """The ``.env`` layer, read as ``harness run`` reads it (harness.postman.dotenv_layer)."""
    from harness.postman.dotenv_layer import dotenv_layer

    return dotenv_layer(config.getoption("postman_dotenv"), config.rootpath / ".env", option="--postman-dotenv")


class PostmanFile(pytest.Module):
    """A ``*.postman_collection.json`` file: folders and requests in collection order.

    It is a ``pytest.Module`` (with a synthetic module object) so that module-scoped fixtures —
    pytest-recording's cassette directory, for one — work for the items it holds.
    """

    def _getobj(self):
        module = types.ModuleType(f"postman_{self.path.name[: -len(COLLECTION_SUFFIX)]}")
        module.__file__ = str(self.path)
        return module

    def collect(self):
        config = self.config
        try:
            collection = load_collection(self.path)
            env_option = config.getoption("postman_env")
            if env_option:
                env_path: Path | None = Path(env_option)
            else:
                env_path, candidates = find_environment(self.path)
                if env_path is None and len(candidates) > 1:
                    collection.report.add(WARNING, "", "environment:ambiguous",
                                          "several environment files match ("
                                          + ", ".join(c.name for c in candidates) + "); none used; pass --postman-env")
            data_option = config.getoption("postman_data")
            data = load_data_file(data_option) if data_option else []
        except CollectionError as exc:
            raise self.CollectError(str(exc)) from None
        iterations = config.getoption("postman_iterations") or (len(data) or 1)
        if iterations < 1:
            raise self.CollectError("--postman-iterations must be at least 1")
        config.stash[_REPORTS][str(self.path)] = collection.report
        state = CollectionSession(collection, env_path, iterations, data)
        self.postman_state = state
        requests_ = list(collection.requests())
        for iteration in range(iterations):
            run: list[RequestItem] = []
            for item in requests_:
                if run and run[-1].folder_path != item.folder_path:
                    yield from self._group(run, iteration, state)
                    run = []
                run.append(item)
            if run:
                yield from self._group(run, iteration, state)

    def _group(self, items: list[RequestItem], iteration: int, state: CollectionSession):
        folder_path = items[0].folder_path
        if folder_path:
            folder = PostmanFolder.from_parent(self, name="/".join(folder_path))
            folder.members = [(item, iteration) for item in items]
            folder.state = state
            yield folder
        else:
            yield from (make_item(self, item, iteration, state) for item in items)


class PostmanFolder(pytest.Collector):
    """The requests of one folder (one contiguous run of them, for one iteration)."""

    members: list[tuple[RequestItem, int]]
    state: CollectionSession

    def collect(self):
        return [make_item(self, item, iteration, self.state) for item, iteration in self.members]


def _unique_name(parent: pytest.Collector, name: str) -> str:
    used = getattr(parent, "_postman_names", None)
    if used is None:
        used = set()
        parent._postman_names = used  # type: ignore[attr-defined]
    candidate, counter = name, 2
    while candidate in used:
        candidate = f"{name} ({counter})"
        counter += 1
    used.add(candidate)
    return candidate


def uses_cassettes(config: pytest.Config) -> bool:
    """Postman items record into / replay from cassettes when the run names a record mode
    (``--record-mode``; this repository's pytest.ini sets ``none``) and recording is not disabled.
    Without a record mode they run against the target, as before cassettes existed."""
    if not config.pluginmanager.hasplugin("recording"):
        return False
    return (config.getoption("record_mode", default=None) is not None
            and not config.getoption("disable_recording", default=False))


def make_item(parent: pytest.Collector, item: RequestItem, iteration: int, state: CollectionSession) -> PostmanItem:
    name = item.name if state.iterations == 1 else f"{item.name}[iteration-{iteration + 1}]"
    name = _unique_name(parent, name)

    def run_postman_request(request: pytest.FixtureRequest) -> None:
        executions = state.run(request, item, iteration)
        _report(request, executions)

    node = PostmanItem.from_parent(parent, name=name, callobj=run_postman_request)
    node.postman_item = item
    node.postman_iteration = iteration
    node.add_marker(pytest.mark.postman)
    if uses_cassettes(parent.config):
        # <cassette dir>/<collection folder>/<stem>/<test id below the file>.json, e.g.
        # cassettes/collections/fno-crud/CustomersV3--Create-customer-<hash>.json
        node.add_marker(pytest.mark.vcr)
        node.add_marker(pytest.mark.default_cassette(cassette_name(None, node.nodeid.split("::", 1)[1])))
    node.add_marker(pytest.mark.postman_collection(state.collection.name))
    for folder in item.folder_path:
        node.add_marker(pytest.mark.postman_folder(folder))
    if parent.config.pluginmanager.has_plugin("xdist"):
        node.add_marker(pytest.mark.xdist_group(name=f"postman:{state.collection.source}"))
    return node


class PostmanItem(pytest.Function):
    """One request of one iteration."""

    postman_item: RequestItem
    postman_iteration: int

    def reportinfo(self):
        line = self.postman_item.line
        return self.path, (line - 1) if line else 0, f"postman: {self.postman_item.path}"

    def repr_failure(self, excinfo, style=None):
        if excinfo.errisinstance(PostmanItemFailure) or excinfo.errisinstance(HarnessError):
            return str(excinfo.value)
        if _is_replay_error(excinfo.value):  # the recording layer's explanation says it all
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)


def _is_replay_error(exc: BaseException) -> bool:
    try:
        from vcr.errors import CannotOverwriteExistingCassetteException
    except ImportError:  # pragma: no cover - vcrpy is a dependency
        return False
    return isinstance(exc, CannotOverwriteExistingCassetteException)


def _report(request: pytest.FixtureRequest, executions: list[ItemExecution]) -> None:
    node = request.node
    config = request.config
    text: list[str] = []
    for index, execution in enumerate(executions):
        if len(executions) > 1:
            text.append(f"[run {index + 1} of {len(executions)}: {execution.path}]")
        text.extend(plugin_lines(execution))
        config.stash[_RESULTS].append((node.nodeid, execution))
        for assertion in execution.assertions:
            node.user_properties.append(("pm.test", json.dumps(
                {"name": assertion.name, "passed": assertion.passed, "skipped": assertion.skipped,
                 "error": None if assertion.passed else assertion.message, "item": execution.path,
                 "iteration": execution.iteration})))
    logs = [f"[{level}] {message}" for execution in executions for level, message in execution.logs]
    if logs:
        node.add_report_section("call", "postman console", "\n".join(logs[-50:]))
    if not all(e.passed for e in executions):
        raise PostmanItemFailure("\n".join(text))
    node.add_report_section("call", "postman", "\n".join(text))


# --------------------------------------------------------------------------- reporting
def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    results = config.stash.get(_RESULTS, [])
    reports = config.stash.get(_REPORTS, {})
    show_reports = config.getoption("postman_report")
    noteworthy = {k: r for k, r in reports.items() if show_reports or r.unsupported or r.warnings}
    if not results and not noteworthy:
        return
    terminalreporter.section("postman")
    if results:
        executions = [execution for _, execution in results]
        assertions = [a for e in executions for a in e.assertions]
        failed = [a for a in assertions if not a.passed and not a.skipped]
        terminalreporter.write_line(f"{len(executions)} request(s) run, {len(assertions)} pm.test assertion(s), "
                                    f"{len(failed)} failed")
        if config.getoption("verbose") > 0:
            for nodeid, execution in results:
                terminalreporter.write_line(nodeid)
                for line in plugin_lines(execution):
                    terminalreporter.write_line("  " + line)
    for source, report in noteworthy.items():
        if show_reports:
            terminalreporter.write_line(report.to_text())
        elif report.unsupported or report.warnings:
            terminalreporter.write_line(f"{Path(source).name}: {len(report.unsupported)} unsupported, "
                                        f"{len(report.warnings)} warning(s) in the import report "
                                        "(--postman-report shows them)")
    for source, report in config.stash.get(_RUN_REPORTS, {}).items():
        if report.entries:
            terminalreporter.write_line(f"{Path(source).name}: {len(report.entries)} run-time warning(s):")
            for entry in report.entries[:20]:
                terminalreporter.write_line(f"  {entry}")
