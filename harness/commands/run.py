"""``harness run``: one Postman collection outside pytest, with Newman's options, summary and exit codes.

``harness run COLLECTION [-e ENV] [-g GLOBALS] [-d DATA] [-n N] [--folder F] [--bail] ...`` is
``newman run`` for this harness: the same options, a Newman-like summary table and failure list,
the ``cli``/``json``/``junit``/``html`` reporters and Newman's exit codes (0 all passed, 1 a
failed assertion, script error or request error). Differences that matter:

* against the embedded simulator (``--target sim``, chosen automatically when the collection uses
  the simulator variables of ``collections/README.md`` that nothing else defines) the simulator
  runs for the duration of the command and supplies those variables; ``--target live`` supplies
  the same names from ``.env``;
* ``oauth2`` auth works as in Newman (the exported ``accessToken``, else the request is sent as the
  scripts left it) unless ``--oauth2 fetch`` asks the harness's token providers to sign in; even
  then an ``Authorization`` header a script set for a host the target does not own is kept;
* the import report's warnings (fixed hosts, unsupported features) are printed before the run;
* reports and ``--export-environment`` never show secrets: ``"type": "secret"`` entries, secret-
  looking names and every known secret (passwords, client secrets, tokens) are masked — Newman
  writes them in clear (newman#3070);
* a bad collection, environment, globals or data file, an unknown ``--folder`` or a malformed
  ``--env-var`` is one ``error:`` line and exit status 2 (usage). Newman 6.2 exits 1 for those
  (and silently accepts ``--env-var foo`` without ``=``), so CI can tell a broken invocation
  from failing tests.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import HarnessError

# `harness run --help` must start fast: the runner, the loader and requests are imported when used
if TYPE_CHECKING:
    from harness.postman.model import Collection, RequestItem
    from harness.postman.sandbox.engine import ScriptEngine
    from harness.postman.variables import VariableScope
    from harness.settings.target_settings import TargetSettings

REPORTERS = ("cli", "json", "junit", "html")
EXPORT_SUFFIX = {"json": "json", "junit": "xml", "html": "html"}
DEFAULT_EXPORT_DIR = "newman"  # where Newman's reporters write when no export path is given


# ============================================================================ command line
def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return int(value)


def _milliseconds(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"expected milliseconds (a whole number), got {value!r}")
    return int(value)


def _bail_modifiers(value: str) -> str:
    """Newman's ``--bail [folder,failure]``; anything else is most likely the collection swallowed by it."""
    if not value or not set(value.split(",")) <= {"folder", "failure"}:
        raise argparse.ArgumentTypeError(f"expected folder, failure or folder,failure, got {value!r} "
                                         "(write COLLECTION before --bail)")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``run`` sub-command to the ``harness`` CLI."""
    parser = commands.add_parser(
        "run", help="run one Postman collection like `newman run` (summary, reporters, exit codes)",
        description="Run a Postman collection outside pytest with Newman's options. Exit status: 0 every "
                    "assertion passed, 1 a failed assertion, script error or request error, 2 a usage error "
                    "(bad collection/environment/data file, unknown folder, malformed option).")
    parser.add_argument("collection", metavar="COLLECTION", help="a *.postman_collection.json file")
    parser.add_argument("-e", "--environment", metavar="FILE", help="Postman environment file")
    parser.add_argument("-g", "--globals", metavar="FILE", help="Postman globals file")
    parser.add_argument("-d", "--iteration-data", metavar="FILE", help="iteration data: JSON array or CSV")
    parser.add_argument("-n", "--iteration-count", type=_positive, metavar="N",
                        help="iterations (default: one per data row, else 1; the last row is reused)")
    parser.add_argument("--folder", action="append", default=[], metavar="NAME",
                        help="run only this folder or request (name or id; repeatable)")
    parser.add_argument("--bail", nargs="?", const="failure", default=None, type=_bail_modifiers,
                        metavar="folder,failure",
                        help="stop the run after the first failed request")
    parser.add_argument("--delay-request", type=_milliseconds, default=0, metavar="MS",
                        help="pause between requests")
    parser.add_argument("--timeout-request", type=_milliseconds, default=None, metavar="MS",
                        help="timeout of each request (0 = none)")
    parser.add_argument("--timeout-script", type=_milliseconds, default=10_000, metavar="MS",
                        help="time limit of each script (default 10000)")
    parser.add_argument("--env-var", action="append", default=[], metavar="KEY=VALUE",
                        help="set an environment variable (repeatable; overrides the environment file)")
    parser.add_argument("--global-var", action="append", default=[], metavar="KEY=VALUE",
                        help="set a global variable (repeatable)")
    parser.add_argument("--export-environment", metavar="FILE",
                        help="write the final environment (secrets masked)")
    parser.add_argument("--export-globals", metavar="FILE", help="write the final globals (secrets masked)")
    parser.add_argument("-r", "--reporters", default="cli", metavar="cli,json,junit,html",
                        help="comma-separated reporters (default cli; naming others silences cli unless listed)")
    for name in ("junit", "json", "html"):
        parser.add_argument(f"--reporter-{name}-export", metavar="FILE", default=None,
                            help=f"where the {name} reporter writes (default {DEFAULT_EXPORT_DIR}/...)")
    parser.add_argument("--silent", action="store_true", help="no cli output")
    parser.add_argument("-x", "--suppress-exit-code", action="store_true", help="exit 0 even when tests fail")
    parser.add_argument("--target", choices=("sim", "live", "none"), default=None,
                        help="supply the simulator variables (crm_api, token_url, ...) from the embedded "
                             "simulator (sim) or .env (live), or not at all (none). Default: sim when the "
                             "collection uses them and nothing else defines them, else none")
    parser.add_argument("--env-file", default=None,
                        help="the .env file for --target live (default $HARNESS_ENV_FILE or ./.env); its values "
                             "are also the lowest variable layer, as in pytest")
    parser.add_argument("--oauth2", choices=("export", "fetch"), default="export",
                        help="collection oauth2 auth: 'export' (default, as Newman) sends the exported accessToken, "
                             "else the request as the scripts left it; 'fetch' gets tokens from the harness's "
                             "providers (the target's sign-in, or the block's accessTokenUrl/grant/client)")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    return run_command(RunOptions.from_namespace(args))


@dataclass
class RunOptions:
    """``harness run``'s options, independent of argparse (so tests and scripts can build them)."""

    collection: str
    environment: str | None = None
    globals: str | None = None
    iteration_data: str | None = None
    iteration_count: int | None = None
    folders: list[str] = field(default_factory=list)
    bail: bool = False
    delay_request_ms: int = 0
    timeout_request_ms: int | None = None
    timeout_script_ms: int = 10_000
    env_vars: dict[str, str] = field(default_factory=dict)
    global_vars: dict[str, str] = field(default_factory=dict)
    export_environment: str | None = None
    export_globals: str | None = None
    reporters: tuple[str, ...] = ("cli",)
    exports: dict[str, str] = field(default_factory=dict)  # reporter -> path
    silent: bool = False
    suppress_exit_code: bool = False
    target: str | None = None  # None = auto
    env_file: str | None = None
    oauth2: str = "export"  # "export" (Newman) | "fetch" (the harness's token providers)

    @classmethod
    def from_namespace(cls, args: argparse.Namespace) -> RunOptions:
        reporters = tuple(r.strip() for r in str(args.reporters).split(",") if r.strip())
        unknown = [r for r in reporters if r not in REPORTERS]
        if unknown or not reporters:
            raise HarnessError(f"--reporters: unknown reporter(s) {', '.join(unknown) or '(none)'}; "
                               f"choose from {','.join(REPORTERS)}")
        exports = {}
        for name in EXPORT_SUFFIX:
            path = getattr(args, f"reporter_{name}_export")
            if path and name not in reporters:
                print(f"warning: --reporter-{name}-export is ignored: add {name} to --reporters",
                      file=sys.stderr)
            elif path:
                exports[name] = path
        return cls(collection=args.collection, environment=args.environment, globals=args.globals,
                   iteration_data=args.iteration_data, iteration_count=args.iteration_count,
                   folders=list(args.folder), bail=args.bail is not None, delay_request_ms=args.delay_request,
                   timeout_request_ms=args.timeout_request or None, timeout_script_ms=args.timeout_script,
                   env_vars=parse_assignments(args.env_var, "--env-var"),
                   global_vars=parse_assignments(args.global_var, "--global-var"),
                   export_environment=args.export_environment, export_globals=args.export_globals,
                   reporters=reporters, exports=exports, silent=args.silent,
                   suppress_exit_code=args.suppress_exit_code, target=args.target, env_file=args.env_file,
                   oauth2=args.oauth2)


def parse_assignments(pairs: list[str], option: str) -> dict[str, str]:
    """``["k=v", ...]`` → dict; the value may contain ``=``. Newman ignores a pair without ``=``; we refuse it."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise HarnessError(f"{option} {pair.split('=')[0]!r}: expected KEY=VALUE")
        result[key.strip()] = value
    return result


# ============================================================================ inputs and target
@dataclass
class LoadedScope:
    """A variable scope plus the raw file (ids, names, declared types) for the export."""

    scope: VariableScope
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | None, scope_name: str) -> LoadedScope:
        from harness.postman.loader import load_environment
        from harness.postman.variables import VariableScope

        if path is None:
            return cls(VariableScope(scope_name))
        scope = load_environment(path, scope_name=scope_name)  # validates; CollectionError names the file
        return cls(scope, json.loads(Path(path).read_text(encoding="utf-8-sig")))

    def declared_types(self) -> dict[str, str]:
        return {str(e.get("key")): str(e.get("type") or "default") for e in self.raw.get("values", [])
                if isinstance(e, dict)}


@dataclass
class Target:
    """Where the run goes: the harness variable layer and the oauth2 token source."""

    kind: str  # "sim" | "live" | "none"
    variables: dict[str, str]
    token_provider: Any
    description: str


def target_variables(targets: Mapping[str, TargetSettings]) -> dict[str, str]:
    """The harness variable layer for ``targets`` (:func:`harness.postman.target_variables.target_variables`)."""
    from harness.postman.target_variables import target_variables as variables_of

    return variables_of(targets)


@contextlib.contextmanager
def open_target(kind: str, env_file: str | None, *, fetch_tokens: bool = True) -> Iterator[Target]:
    """Start the simulator (``sim``) or read ``.env`` (``live``) for the duration of the run.

    With ``kind="none"`` and no ``--oauth2 fetch`` nothing signs in, so no token broker is built.
    """
    if kind == "none" and not fetch_tokens:
        yield Target("none", {}, None, "no target variables")
        return
    from harness.auth import MemoryTokenCache, TokenBroker
    from harness.postman.oauth2 import BrokerTokenProvider
    from harness.secrets import register_secret

    if kind == "none":
        with TokenBroker(MemoryTokenCache()) as broker:
            yield Target("none", {}, BrokerTokenProvider(broker, {}), "no target variables")
        return
    from harness.targets import open_targets

    with open_targets(kind, env_file) as (targets, broker):
        try:
            for settings in targets.values():
                for secret in settings.secret_values():
                    register_secret(secret)
            variables = target_variables(targets)
            where = variables.get("login_url", "?")
            description = (f"embedded simulator (sign-in at {where})" if kind == "sim"
                           else f"live targets from .env: {', '.join(sorted(targets)) or 'none configured'}")
            yield Target(kind, variables, BrokerTokenProvider(broker, targets), description)
        finally:
            broker.close()


def _dotenv_layer(env_file: str | None) -> dict[str, str]:
    """The ``.env`` values as the lowest variable layer (the pytest plugin's too: harness.postman.dotenv_layer)."""
    from harness.postman.dotenv_layer import dotenv_layer

    chosen = env_file or os.environ.get("HARNESS_ENV_FILE", "").strip() or None
    return dotenv_layer(chosen, Path.cwd() / ".env", option="--env-file")


def choose_target(options: RunOptions, collection: Collection, defined: set[str]) -> str:
    from harness.postman.target_variables import needs_simulator

    if options.target is not None:
        return options.target
    return "sim" if needs_simulator(collection, defined) else "none"


# ============================================================================ the run


def run_command(options: RunOptions) -> int:
    """Run the collection; print and write the reports; return Newman's exit status."""
    engine = _prepared_engine(options)
    try:
        return _run(options, engine)
    finally:
        if engine is not None:  # the runner closes it too; this covers a run that stopped before one existed
            engine.close()


def _prepared_engine(options: RunOptions) -> ScriptEngine | None:
    """The run's script engine, its V8 context already being built while the run's imports and inputs load.

    None when the sandbox is not installed (the runner then raises that where it always has) or when the
    collection file cannot hold a script: without an ``"event"`` key anywhere there is none, and the
    runner never builds a context (reading the file twice costs less than V8's start).
    """
    from harness.postman.sandbox.engine import SandboxNotBuilt, ScriptEngine

    try:
        if b'"event"' not in Path(options.collection).read_bytes():
            return None
    except OSError:  # the loader reports it
        return None
    try:
        engine = ScriptEngine(timeout_ms=options.timeout_script_ms)
    except SandboxNotBuilt:
        return None
    engine.prepare()
    return engine


def _run(options: RunOptions, engine: ScriptEngine | None) -> int:
    from harness.http import new_session
    from harness.postman.loader import load_collection, load_data_file
    from harness.postman.reporters import render
    from harness.postman.reporters.record import RunRecord, export_scope

    if options.collection.startswith(("http://", "https://")):
        raise HarnessError(f"{options.collection}: collections are read from files; download it first")
    collection = load_collection(options.collection)
    environment = LoadedScope.load(options.environment, "environment")
    globals_ = LoadedScope.load(options.globals, "globals")
    data = load_data_file(options.iteration_data) if options.iteration_data else []
    dotenv = _dotenv_layer(options.env_file)
    items = select_items(collection, options.folders)
    defined = {*environment.scope.values, *globals_.scope.values, *(v.key for v in collection.variables),
               *(k for row in data for k in row), *options.env_vars, *options.global_vars, *dotenv}
    kind = choose_target(options, collection, defined)

    from harness.postman.runner import CollectionRunner

    fetch = options.oauth2 == "fetch"
    with open_target(kind, options.env_file, fetch_tokens=fetch) as target, new_session() as session:
        runner = CollectionRunner(
            collection, environment=environment.scope, globals=globals_.scope, iteration_data=data,
            session=session, token_provider=target.token_provider if fetch else None,
            dotenv_values=dotenv,
            timeout_request_ms=options.timeout_request_ms, delay_request_ms=options.delay_request_ms,
            bail=options.bail, iterations=options.iteration_count, harness_variables=target.variables,
            timeout_script_ms=options.timeout_script_ms, env_vars=options.env_vars,
            global_vars=options.global_vars, engine=engine)
        with runner:
            runner.items = items
            show_cli = "cli" in options.reporters and not options.silent
            if not options.silent:
                print_import_warnings(collection)
            if show_cli:
                print(f"harness run\n\n{collection.name}\n(target: {target.description})", flush=True)
            started = time.time()
            result = runner.run()
            completed = time.time()
        record = RunRecord(collection, result, items, runner.environment, environment, runner.globals, globals_,
                           started, completed, kind)
    if show_cli:
        print(render("cli", record), flush=True)
    stamp = dt.datetime.fromtimestamp(started).strftime("%Y-%m-%d-%H-%M-%S-%f")[:-3]
    for reporter in options.reporters:
        if reporter == "cli":
            continue
        path = Path(options.exports.get(reporter) or
                    f"{DEFAULT_EXPORT_DIR}/harness-run-report-{stamp}.{EXPORT_SUFFIX[reporter]}")
        _write(path, render(reporter, record))
    if options.export_environment:
        _write(Path(options.export_environment),
               json.dumps(export_scope(record.environment, environment, "environment"), indent=2))
    if options.export_globals:
        _write(Path(options.export_globals), json.dumps(export_scope(record.globals, globals_, "globals"), indent=2))
    if options.suppress_exit_code:
        return 0
    return 0 if result.passed else 1


def print_import_warnings(collection: Collection) -> None:
    """What the import report found that the run cannot honour, on stderr before anything is sent."""
    report = collection.report
    entries = [*report.unsupported, *report.warnings] if report is not None else []
    if not entries:
        return
    print(f"{len(entries)} import warning(s) for {collection.name}:", file=sys.stderr)
    for entry in entries:
        print(f"  {entry}", file=sys.stderr)
    print(flush=True, file=sys.stderr)


def select_items(collection: Collection, folders: list[str]) -> list[RequestItem]:
    """Newman ``--folder`` (repeatable): the requests of each named folder or request, in collection order."""
    from harness.postman.errors import CollectionError

    everything = list(collection.requests())
    if not folders:
        return everything
    chosen: set[int] = set()
    for name in folders:
        selected = collection.select(name)
        if not selected:
            raise CollectionError(f"--folder {name!r}: no folder or request with this name or id",
                                  file=collection.source)
        chosen.update(id(item) for item in selected)
    return [item for item in everything if id(item) in chosen]


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise HarnessError(f"cannot write {path}: {exc.strerror or exc}") from None
