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
import html
import json
import os
import statistics
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import HarnessError

# `harness run --help` must start fast: the runner, the loader and requests are imported when used
if TYPE_CHECKING:
    from harness.postman.model import Collection, RequestItem
    from harness.postman.results import ItemExecution, RunResult
    from harness.postman.variables import VariableScope
    from harness.settings.target import TargetSettings

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


def target_variables(targets: Mapping[str, TargetSettings]) -> dict[str, str]:
    """The variables of collections/README.md from target settings (the simulator's, or .env's)."""
    crm, fno, bc = targets.get("crm"), targets.get("fno"), targets.get("bc")
    values: dict[str, str] = {}
    anchor = next((t for t in (crm, fno, bc) if t is not None and t.tenant_id), None)
    if anchor is not None:
        tenant_root = f"{anchor.authority}/{anchor.tenant_id}"
        values.update(tenant_id=str(anchor.tenant_id), login_url=anchor.authority,
                      token_url=f"{tenant_root}/oauth2/token", token_url_v2=f"{tenant_root}/oauth2/v2.0/token")
    if crm is not None:
        values.update(crm_url=crm.url, crm_api=crm.api_root)
        if crm.client_id:
            values["client_id"] = crm.client_id
        if crm.username and crm.password is not None:
            values.update(username=crm.username, password=crm.password.reveal())
    if fno is not None:
        values.update(fno_url=fno.url, fno_api=fno.api_root, fno_company=fno.company)
    if bc is not None:
        values.update(bc_url=bc.url, bc_resource=bc.audience)
    confidential = next((t for t in (fno, bc, crm) if t is not None and t.client_secret is not None
                         and t.client_id), None)
    if confidential is not None:
        values.update(confidential_client_id=str(confidential.client_id),
                      client_secret=confidential.client_secret.reveal())  # type: ignore[union-attr]
    return values


@dataclass
class Target:
    """Where the run goes: the harness variable layer and the oauth2 token source."""

    kind: str  # "sim" | "live" | "none"
    variables: dict[str, str]
    token_provider: Any
    description: str


@contextlib.contextmanager
def open_target(kind: str, env_file: str | None) -> Iterator[Target]:
    """Start the simulator (``sim``) or read ``.env`` (``live``) for the duration of the run."""
    from harness.auth import MemoryTokenCache, TokenBroker
    from harness.postman.oauth2 import BrokerTokenProvider
    from harness.secrets import register_secret

    if kind == "none":
        with TokenBroker(MemoryTokenCache()) as broker:
            yield Target("none", {}, BrokerTokenProvider(broker, {}), "no target variables")
        return
    from harness.commands.targets import open_targets

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
    from harness.postman.target import needs_simulator

    if options.target is not None:
        return options.target
    return "sim" if needs_simulator(collection, defined) else "none"


# ============================================================================ the run
@dataclass
class RunRecord:
    """Everything the reporters need, already redacted by the runner (plus the scopes to mask)."""

    collection: Collection
    result: RunResult
    items: list[RequestItem]
    environment: VariableScope
    environment_raw: LoadedScope
    globals: VariableScope
    globals_raw: LoadedScope
    started: float
    completed: float
    target: str

    @property
    def iterations(self) -> int:
        if self.result.stopped and self.result.executions:
            return max(e.iteration for e in self.result.executions) + 1
        return self.result.iterations

    def position(self, execution: ItemExecution) -> int:
        try:
            return self.items.index(execution.item)
        except ValueError:
            return -1


def run_command(options: RunOptions) -> int:
    """Run the collection; print and write the reports; return Newman's exit status."""
    import requests

    from harness.postman.loader import load_collection, load_data_file

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

    with open_target(kind, options.env_file) as target, requests.Session() as session:
        runner = CollectionRunner(
            collection, environment=environment.scope, globals=globals_.scope, iteration_data=data,
            session=session, token_provider=target.token_provider if options.oauth2 == "fetch" else None,
            dotenv_values=dotenv,
            timeout_request_ms=options.timeout_request_ms, delay_request_ms=options.delay_request_ms,
            bail=options.bail, iterations=options.iteration_count, harness_variables=target.variables,
            timeout_script_ms=options.timeout_script_ms, env_vars=options.env_vars,
            global_vars=options.global_vars)
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
        print(render_cli(record), flush=True)
    stamp = dt.datetime.fromtimestamp(started).strftime("%Y-%m-%d-%H-%M-%S-%f")[:-3]
    for reporter in options.reporters:
        if reporter == "cli":
            continue
        path = Path(options.exports.get(reporter) or
                    f"{DEFAULT_EXPORT_DIR}/harness-run-report-{stamp}.{EXPORT_SUFFIX[reporter]}")
        _write(path, RENDERERS[reporter](record))
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


# ============================================================================ masking
def masked_value(key: str, value: Any, declared_secret: bool) -> Any:
    """A variable's value as reports may show it: secret-typed or secret-named → ``***``; else redacted."""
    from harness.postman.redaction import MASK, is_secret_name, redact

    if declared_secret or is_secret_name(key):
        return value if value in (None, "") else MASK
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list | dict):
        return json.loads(redact(json.dumps(value)))
    return value


def export_scope(scope: VariableScope, loaded: LoadedScope, scope_name: str) -> dict[str, Any]:
    """A Postman environment/globals export of the final values, with every secret masked."""
    types = loaded.declared_types()
    values = []
    for key, value in scope.values.items():
        declared = types.get(key, "default")
        secret = declared == "secret" or key in scope.secret_keys or key in loaded.scope.secret_keys
        values.append({"key": key, "value": masked_value(key, value, secret),
                       "type": "secret" if secret else declared, "enabled": True})
    return {"id": loaded.raw.get("id") or str(uuid.uuid4()), "name": scope.name or loaded.raw.get("name", ""),
            "values": values, "_postman_variable_scope": scope_name,
            "_postman_exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "_postman_exported_using": "harness run"}


# ============================================================================ run facts
@dataclass
class Failure:
    """One entry of Newman's ``run.failures``: a failed assertion, a script error or a request error."""

    number: int
    name: str  # AssertionError, TypeError, Error, ...
    message: str
    at: str  # "assertion:1 in test-script" | "test-script" | "prerequest-script" | "request"
    execution: ItemExecution
    test: str | None = None


def failures_of(executions: list[ItemExecution]) -> list[Failure]:
    """Failures in the order they happen: pre-request errors, request error, assertions, test errors."""
    found: list[Failure] = []

    def add(name: str, message: str, at: str, execution: ItemExecution, test: str | None = None) -> None:
        found.append(Failure(len(found) + 1, name, message, at, execution, test))

    for execution in executions:
        for error in execution.script_errors:
            if error.event == "prerequest":
                add(error.name or "Error", error.message, "prerequest-script", execution)
        if execution.request_error:
            add("Error", execution.request_error, "request", execution)
        for index, assertion in enumerate(execution.assertions):
            if not assertion.passed and not assertion.skipped:
                add(assertion.error_name or "AssertionError", assertion.error_message or assertion.name,
                    f"assertion:{index} in test-script", execution, assertion.name)
        for error in execution.script_errors:
            if error.event != "prerequest":
                add(error.name or "Error", error.message, "test-script", execution)
    return found


def newman_stats(record: RunRecord) -> dict[str, dict[str, int]]:
    """``run.stats`` with Newman's keys (``total``/``pending``/``failed``)."""
    executions = record.result.executions
    base = record.result.stats()
    assertions = [a for e in executions for a in e.assertions]

    def entry(total: int, failed: int) -> dict[str, int]:
        return {"total": total, "pending": 0, "failed": failed}

    test_failed = base["testScripts"]["failed"]
    pre_failed = base["prerequestScripts"]["failed"]
    return {
        "iterations": entry(record.iterations, 0),
        "items": entry(len(executions), 0),
        "scripts": entry(base["testScripts"]["total"] + base["prerequestScripts"]["total"], test_failed + pre_failed),
        "prerequests": entry(len(executions), 0),
        "requests": entry(base["requests"]["total"], base["requests"]["failed"]),
        "tests": entry(sum(1 for e in executions if e.request is not None and not e.skipped), 0),
        "assertions": entry(len(assertions), sum(1 for a in assertions if not a.passed and not a.skipped)),
        "testScripts": entry(base["testScripts"]["total"], test_failed),
        "prerequestScripts": entry(base["prerequestScripts"]["total"], pre_failed),
    }


def response_timings(record: RunRecord) -> dict[str, float]:
    times = [e.response.time_ms for e in record.result.executions if e.response is not None]
    timings: dict[str, float] = {"started": int(record.started * 1000), "completed": int(record.completed * 1000)}
    if times:
        timings.update(responseAverage=statistics.fmean(times), responseMin=min(times), responseMax=max(times),
                       responseSd=statistics.pstdev(times))
    return timings


def _item_label(item: RequestItem, separator: str = " / ") -> str:
    return separator.join((*item.folder_path, item.name))


# ============================================================================ cli reporter
def pretty_ms(ms: float) -> str:
    if ms < 1000:
        return f"{round(ms)}ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m {rest:.1f}s"


def pretty_bytes(size: int) -> str:
    if size < 1000:
        return f"{size}B"
    for unit in ("kB", "MB", "GB"):
        size /= 1000  # type: ignore[assignment]
        if size < 1000 or unit == "GB":
            return f"{size:.2f}".rstrip("0").rstrip(".") + unit
    return f"{size}B"  # pragma: no cover


def summary_table(record: RunRecord) -> list[str]:
    """Newman's box: executed/failed per kind, then duration, data received and response times."""
    stats = newman_stats(record)
    rows = [("iterations", stats["iterations"]), ("requests", stats["requests"]),
            ("test-scripts", stats["testScripts"]), ("prerequest-scripts", stats["prerequestScripts"]),
            ("assertions", stats["assertions"])]
    footer = [f"total run duration: {pretty_ms((record.completed - record.started) * 1000)}",
              f"total data received: {pretty_bytes(sum(e.response.size for e in record.result.executions if e.response))}"
              " (approx)"]
    timings = response_timings(record)
    if "responseAverage" in timings:
        footer.append(f"average response time: {pretty_ms(timings['responseAverage'])} "
                      f"[min: {pretty_ms(timings['responseMin'])}, max: {pretty_ms(timings['responseMax'])}, "
                      f"s.d.: {pretty_ms(timings['responseSd'])}]")
    first, width = 25, 10
    widest = max(len(text) for text in footer) + 2
    while first + 2 * width + 2 < widest:
        width += 1
    inner = first + 2 * width + 2
    bar = "─"

    def line(left: str, mid: str, right: str) -> str:
        return f"{left}{bar * first}{mid}{bar * width}{mid}{bar * width}{right}"

    out = [line("┌", "┬", "┐"),
           f"│{'':>{first}}│{'executed ':>{width}}│{'failed ':>{width}}│"]
    for label, entry in rows:
        out.append(line("├", "┼", "┤"))
        out.append(f"│{label + ' ':>{first}}│{str(entry['total']) + ' ':>{width}}│{str(entry['failed']) + ' ':>{width}}│")
    out.append(line("├", "┴", "┤"))
    for index, text in enumerate(footer):
        if index:
            out.append(f"├{bar * inner}┤")
        out.append(f"│ {text:<{inner - 1}}│")
    out.append(f"└{bar * inner}┘")
    return out


def render_cli(record: RunRecord) -> str:
    """Progress per request (Newman's ❏ ↳ ✓ lines), the summary table and the numbered failure list."""
    failures = failures_of(record.result.executions)
    numbers = {(id(f.execution), f.at, f.test, f.message): f.number for f in failures}
    lines: list[str] = [""]
    folder: tuple[str, ...] | None = None
    iteration = -1
    for execution in record.result.executions:
        if record.iterations > 1 and execution.iteration != iteration:
            iteration = execution.iteration
            lines.extend(([""] if lines[-1] else []) + [f"Iteration {iteration + 1}/{record.result.iterations}", ""])
            folder = None
        if execution.item.folder_path != folder:
            folder = execution.item.folder_path
            if folder:
                lines.extend(([""] if lines[-1] else []) + [f"❏ {' / '.join(folder)}"])
        lines.append(f"↳ {execution.item.name}")
        lines.extend(_cli_execution(execution, numbers))
    if record.result.stopped:
        lines.append(f"\nstopped: {record.result.stopped}")
    lines.append("")
    lines.extend(summary_table(record))
    if failures:
        lines.append("")
        lines.append(f" {'#':<4} {'failure':<24} detail")
        for failure in failures:
            where = f'inside "{_item_label(failure.execution.item)}"'
            if record.iterations > 1:
                where = f"iteration: {failure.execution.iteration + 1}, {where}"
            detail = [failure.test, failure.message, f"at {failure.at}", where] if failure.test else \
                [failure.message, f"at {failure.at}", where]
            prefix = f" {str(failure.number) + '.':<4} {failure.name:<24} "
            lines.append("")
            lines.append(prefix + detail[0])
            lines.extend(" " * len(prefix) + text for text in detail[1:])
    return "\n".join(lines)


def _cli_execution(execution: ItemExecution, numbers: dict) -> list[str]:
    lines = []
    for error in execution.script_errors:
        if error.event == "prerequest":
            number = numbers.get((id(execution), "prerequest-script", None, error.message), "?")
            lines.append(f"  {number}⠄ {error.name} in prerequest-script")
    if execution.skipped:
        lines.append("  (request skipped by pm.execution.skipRequest())")
    request, response = execution.request, execution.response
    if request is not None:
        if response is not None:
            lines.append(f"  {request.method} {request.url} [{response.status} {response.reason}, "
                         f"{pretty_bytes(response.size)}, {response.time_ms}ms]")
        else:
            lines.append(f"  {request.method} {request.url} [errored]")
    if execution.request_error:
        number = numbers.get((id(execution), "request", None, execution.request_error), "?")
        lines.append(f"  {number}. {execution.request_error}")
    for level, message in execution.logs:
        lines.append(f"  │ [{level}] {message}")
    for index, assertion in enumerate(execution.assertions):
        if assertion.skipped:
            lines.append(f"  -  {assertion.name} (skipped)")
        elif assertion.passed:
            lines.append(f"  ✓  {assertion.name}")
        else:
            key = (id(execution), f"assertion:{index} in test-script", assertion.name,
                   assertion.error_message or assertion.name)
            lines.append(f"  {str(numbers.get(key, '?')) + '.':<3} {assertion.name}")
    for error in execution.script_errors:
        if error.event != "prerequest":
            number = numbers.get((id(execution), "test-script", None, error.message), "?")
            lines.append(f"  {number}⠄ {error.name} in test-script")
    for warning in execution.warnings:
        lines.append(f"  ⚠  {warning}")
    lines.append("")
    return lines


# ============================================================================ json reporter
def _assertion_json(index: int, assertion) -> dict[str, Any]:
    entry: dict[str, Any] = {"assertion": assertion.name, "skipped": assertion.skipped}
    if not assertion.passed and not assertion.skipped:
        entry["error"] = {"name": assertion.error_name or "AssertionError", "index": index, "test": assertion.name,
                          "message": assertion.error_message or assertion.name}
    return entry


def _execution_json(record: RunRecord, execution: ItemExecution) -> dict[str, Any]:
    item = execution.item
    entry: dict[str, Any] = {
        "cursor": {"position": record.position(execution), "iteration": execution.iteration,
                   "length": len(record.items), "cycles": record.result.iterations},
        "item": {"id": item.id, "name": item.name, "path": list((*item.folder_path, item.name))},
    }
    if execution.request is not None:
        entry["request"] = {"method": execution.request.method, "url": execution.request.url,
                            "header": [{"key": k, "value": v} for k, v in execution.request.headers],
                            "body": execution.request.body}
    if execution.response is not None:
        response = execution.response
        entry["response"] = {"code": response.status, "status": response.reason,
                             "header": [{"key": k, "value": v} for k, v in response.headers],
                             "responseTime": response.time_ms, "responseSize": response.size}
        if response.body is not None:  # Newman's shape: the body as a serialised Buffer (here redacted)
            entry["response"]["stream"] = {"type": "Buffer", "data": list(response.body.encode("utf-8"))}
    if execution.request_error:
        entry["requestError"] = {"name": "Error", "message": execution.request_error}
    entry["assertions"] = [_assertion_json(i, a) for i, a in enumerate(execution.assertions)]
    for event, key in (("prerequest", "prerequestScript"), ("test", "testScript")):
        errors = [e for e in execution.script_errors if (e.event == "prerequest") == (event == "prerequest")]
        if errors:
            entry[key] = [{"error": {"name": e.name, "message": e.message, "kind": e.kind, "line": e.line}}
                          for e in errors]
    if execution.skipped:
        entry["skipped"] = True
    if execution.warnings:
        entry["warnings"] = list(execution.warnings)
    return entry


def _collection_tree(nodes: list) -> list[dict[str, Any]]:
    from harness.postman.model import RequestItem

    tree = []
    for node in nodes:
        if isinstance(node, RequestItem):
            tree.append({"id": node.id, "name": node.name})
        else:
            tree.append({"id": node.id, "name": node.name, "item": _collection_tree(node.items)})
    return tree


def to_json_report(record: RunRecord) -> dict[str, Any]:
    """Newman's json reporter shape (``collection``, ``environment``, ``globals``, ``run``), secrets masked."""
    failures = failures_of(record.result.executions)
    return {
        "collection": {"info": {"_postman_id": record.collection.id, "name": record.collection.name,
                                "schema": f"https://schema.getpostman.com/json/collection/v{record.collection.schema_version}"
                                          ".0/collection.json"},
                       "item": _collection_tree(record.collection.items)},
        "environment": export_scope(record.environment, record.environment_raw, "environment"),
        "globals": export_scope(record.globals, record.globals_raw, "globals"),
        "run": {
            "stats": newman_stats(record),
            "timings": response_timings(record),
            "executions": [_execution_json(record, e) for e in record.result.executions],
            "transfers": {"responseTotal": sum(e.response.size for e in record.result.executions if e.response)},
            "failures": [{"error": {"name": f.name, "message": f.message, "test": f.test},
                          "at": f.at, "source": {"id": f.execution.item.id, "name": f.execution.item.name,
                                                 "path": f.execution.item.path},
                          "cursor": {"iteration": f.execution.iteration,
                                     "position": record.position(f.execution)}} for f in failures],
            "error": {"message": record.result.stopped} if record.result.stopped else None,
        },
    }


def render_json(record: RunRecord) -> str:
    return json.dumps(to_json_report(record), indent=2)


# ============================================================================ junit reporter
def _case_names(record: RunRecord) -> list[str]:
    """``Folder / Request``, ``[iteration N]`` with several iterations, ``(run K)`` for setNextRequest loops."""
    seen: dict[tuple[str, int], int] = {}
    names = []
    for execution in record.result.executions:
        name = _item_label(execution.item)
        if record.result.iterations > 1:
            name += f" [iteration {execution.iteration + 1}]"
        key = (execution.item.path, execution.iteration)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            name += f" (run {seen[key]})"
        names.append(name)
    return names


def render_junit(record: RunRecord) -> str:
    """One ``<testcase>`` per request × iteration, one ``<failure>`` per failed assertion, ``<error>`` for
    script and request errors (Newman folds iterations into one suite: newman#2197, #3371)."""
    executions = record.result.executions
    suite_name = record.collection.name
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    cases = []
    for name, execution in zip(_case_names(record), executions, strict=True):
        classname = ".".join((suite_name, *execution.item.folder_path))
        case = ET.Element("testcase", name=name, classname=classname,
                          time=f"{(execution.response.time_ms if execution.response else 0) / 1000:.3f}",
                          assertions=str(len(execution.assertions)))
        failed = execution.failed_assertions
        for assertion in failed:
            element = ET.SubElement(case, "failure", type=assertion.error_name or "AssertionError",
                                    message=f"{assertion.name}: {assertion.error_message or ''}".rstrip(": "))
            element.text = (f"{assertion.name}\n{assertion.message}\n"
                            f"at iteration {execution.iteration + 1}, {_item_label(execution.item)}")
        for error in execution.script_errors:
            element = ET.SubElement(case, "error", type=error.name or "Error",
                                    message=f"{error.event}-script: {error.message}")
            element.text = str(error)
        if execution.request_error:
            element = ET.SubElement(case, "error", type="RequestError", message=execution.request_error)
            element.text = execution.request_error
        if execution.skipped:
            ET.SubElement(case, "skipped", message="request skipped by pm.execution.skipRequest()")
        out = [f"{'✓' if a.passed else ('-' if a.skipped else '✗')} {a.name}" for a in execution.assertions]
        if execution.request is not None:
            status = f" -> {execution.response.status}" if execution.response else ""
            out.insert(0, f"{execution.request.method} {execution.request.url}{status}")
        if out:
            ET.SubElement(case, "system-out").text = "\n".join(out)
        totals["tests"] += 1
        if execution.script_errors or execution.request_error:
            totals["errors"] += 1
        elif failed:
            totals["failures"] += 1
        elif execution.skipped:
            totals["skipped"] += 1
        cases.append(case)
    duration = f"{record.completed - record.started:.3f}"
    stamp = dt.datetime.fromtimestamp(record.started, dt.UTC).isoformat(timespec="seconds")
    root = ET.Element("testsuites", name=suite_name, time=duration, **{k: str(v) for k, v in totals.items()})
    suite = ET.SubElement(root, "testsuite", name=suite_name, timestamp=stamp, time=duration,
                          **{k: str(v) for k, v in totals.items()})
    suite.extend(cases)
    if record.result.stopped:
        ET.SubElement(suite, "system-err").text = f"stopped: {record.result.stopped}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# ============================================================================ html reporter
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em} table{border-collapse:collapse;margin:1em 0} td,th{border:1px solid #ccc;padding:.3em .6em}
th{background:#f3f3f3;text-align:left} .ok{color:#1a7f37} .fail{color:#cf222e;font-weight:600} .skip{color:#777}
details{border:1px solid #ddd;border-radius:4px;margin:.4em 0;padding:.3em .6em}
details.failed{border-color:#cf222e} summary{cursor:pointer} code,pre{font-family:ui-monospace,monospace;font-size:.9em}
pre{background:#f6f8fa;padding:.5em;white-space:pre-wrap}
"""


def render_html(record: RunRecord) -> str:
    """A self-contained page (inline CSS, no scripts, no external resources); every value escaped."""
    e = html.escape
    stats = newman_stats(record)
    failures = failures_of(record.result.executions)
    verdict = "passed" if record.result.passed else "failed"
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{e(record.collection.name)} — "
             f"harness run</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(record.collection.name)}: <span class='{'ok' if verdict == 'passed' else 'fail'}'>{verdict}"
             "</span></h1>",
             f"<p>Target: {e(record.target)}. Started {e(dt.datetime.fromtimestamp(record.started).isoformat(timespec='seconds'))}, "
             f"duration {e(pretty_ms((record.completed - record.started) * 1000))}.</p>",
             "<table><tr><th></th><th>executed</th><th>failed</th></tr>"]
    for label, key in (("iterations", "iterations"), ("requests", "requests"), ("test-scripts", "testScripts"),
                       ("prerequest-scripts", "prerequestScripts"), ("assertions", "assertions")):
        parts.append(f"<tr><th>{label}</th><td>{stats[key]['total']}</td><td>{stats[key]['failed']}</td></tr>")
    parts.append("</table>")
    if record.result.stopped:
        parts.append(f"<p class='fail'>Stopped: {e(record.result.stopped)}</p>")
    if failures:
        parts.append("<h2>Failures</h2><table><tr><th>#</th><th>failure</th><th>detail</th></tr>")
        for f in failures:
            detail = "<br>".join(e(x) for x in (f.test or "", f.message, f"at {f.at}",
                                                f"inside “{_item_label(f.execution.item)}”, iteration "
                                                f"{f.execution.iteration + 1}") if x)
            parts.append(f"<tr><td>{f.number}</td><td>{e(f.name)}</td><td>{detail}</td></tr>")
        parts.append("</table>")
    parts.append("<h2>Requests</h2>")
    for name, execution in zip(_case_names(record), record.result.executions, strict=True):
        css = "" if execution.passed else " class='failed'"
        mark = "<span class='ok'>✓</span>" if execution.passed else "<span class='fail'>✗</span>"
        status = f" — {execution.response.status} {e(execution.response.reason)}" if execution.response else ""
        parts.append(f"<details{css}{'' if execution.passed else ' open'}><summary>{mark} {e(name)}{status}</summary>")
        if execution.request is not None:
            parts.append(f"<p><code>{e(execution.request.method)} {e(execution.request.url)}</code></p>")
            if execution.request.headers:
                parts.append("<pre>" + e("\n".join(f"{k}: {v}" for k, v in execution.request.headers)) + "</pre>")
        if execution.response is not None:
            parts.append(f"<p>{execution.response.time_ms} ms, {e(pretty_bytes(execution.response.size))}</p>")
        if execution.request_error:
            parts.append(f"<p class='fail'>Request error: {e(execution.request_error)}</p>")
        for error in execution.script_errors:
            parts.append(f"<p class='fail'>Script error: {e(str(error))}</p>")
        if execution.assertions:
            parts.append("<ul>")
            for assertion in execution.assertions:
                if assertion.skipped:
                    parts.append(f"<li class='skip'>skipped: {e(assertion.name)}</li>")
                elif assertion.passed:
                    parts.append(f"<li class='ok'>✓ {e(assertion.name)}</li>")
                else:
                    parts.append(f"<li class='fail'>✗ {e(assertion.name)}: {e(assertion.message)}</li>")
            parts.append("</ul>")
        for warning in execution.warnings:
            parts.append(f"<p class='skip'>warning: {e(warning)}</p>")
        parts.append("</details>")
    parts.append("</body></html>\n")
    return "".join(parts)


RENDERERS = {"json": render_json, "junit": render_junit, "html": render_html}
