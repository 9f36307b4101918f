"""``harness test``: the main job — every suite and every shipped Postman collection, one command.

It is a thin layer over ``pytest``: it chooses the paths (``tests/suites/`` and ``collections/``),
points the recording layer at a fresh cassette folder (never the committed ``cassettes/``), asks
for JUnit XML, a self-contained HTML report and ``summary.json``, then runs pytest in this
process. Exit status follows Newman: 0 all passed, 1 a test failed, 2 a usage error.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import HarnessError

ROOTS = ("crm", "fno", "bc")
RECORD_MODES = ("once", "new_episodes", "none", "all", "rewrite")
DEFAULT_REPORTS = "reports"
REPORT_FILES = {"junit": "junit.xml", "html": "report.html", "summary": "summary.json"}
CASSETTE_SUFFIXES = (".yaml", ".yml", ".json")
REPO_ROOT = Path(__file__).resolve().parents[2]
INI_FILE = REPO_ROOT / "pytest.ini"  # named explicitly so extra test paths cannot move the rootdir

# pytest's exit codes -> ours (Newman: 0 passed, 1 failures; we add 2 for usage errors).
_EXIT = {0: 0, 1: 1, 2: 1, 3: 1, 4: 2, 5: 2}


def exit_status(pytest_code: int) -> int:
    """0 all passed; 1 test failures, collection errors, an interrupted or crashed run; 2 usage errors
    (bad option or ``.env``, or nothing selected)."""
    return _EXIT.get(int(pytest_code), 1)


# ---------------------------------------------------------------------------- the command line
def _workers(value: str) -> str:
    if value in ("auto", "logical"):
        return value
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"expected a number of workers or 'auto', got {value!r}")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``test`` sub-command to the ``harness`` CLI."""
    parser = commands.add_parser(
        "test", help="the main job: run every suite and Postman collection, with reports",
        description="Run the suites (tests/suites/) and the Postman collections (collections/) against the "
                    "embedded simulator (default) or the instance in .env, record fresh cassettes into a "
                    "temporary folder, and write JUnit XML, HTML and summary.json reports. "
                    "Exit status: 0 all passed, 1 a test failed, 2 a usage error.",
        epilog="Anything after `--` goes to pytest unchanged, e.g. `harness test -- -x -vv`.")
    parser.add_argument("--target", choices=("sim", "live"), default=os.environ.get("HARNESS_TARGET", "sim"),
                        help="sim: the embedded simulator (default); live: the instance described by .env")
    parser.add_argument("--env-file", default=None, help="the .env file (default $HARNESS_ENV_FILE or ./.env)")
    parser.add_argument("--roots", default=None, metavar="crm,fno,bc",
                        help="only tests of these service roots (comma-separated; default all)")
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument("--collections", nargs="+", action="extend", metavar="PATH",
                        help="Postman collection files or folders to run (default: collections/)")
    chosen.add_argument("--no-collections", action="store_true", help="run the suites only")
    parser.add_argument("--no-suites", action="store_true", help="run the collections only")
    parser.add_argument("--record-mode", choices=RECORD_MODES, default=None,
                        help="cassette record mode (default: 'all' into a fresh temporary folder; "
                             "'once' when --cassette-dir is given)")
    parser.add_argument("--cassette-dir", default=None, metavar="DIR",
                        help="where cassettes go (default: a new temporary folder; the committed "
                             "cassettes/ is never written unless named here)")
    parser.add_argument("-n", "--workers", type=_workers, default=None, metavar="WORKERS",
                        help="run in parallel on this many processes (pytest-xdist; 'auto' = one per core)")
    parser.add_argument("--shard", default=None, metavar="K/N",
                        help="run slice K of N of the selection (deterministic by test id, a collection's items "
                             "together), e.g. one per CI machine; merge with `harness reports merge DIR...`")
    parser.add_argument("--reports", default=DEFAULT_REPORTS, metavar="DIR",
                        help="folder for junit.xml, report.html and summary.json (default: reports/)")
    parser.add_argument("-k", dest="keyword", default=None, metavar="EXPR",
                        help="only tests whose names match this pytest -k expression")
    parser.add_argument("--run-id", default=None, help="tag for records this run creates (default: generated)")
    parser.add_argument("--keep-records", action="store_true",
                        help="do not delete created records at teardown (sweep later with harness cleanup)")
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER, help="`-- ARGS`: extra pytest arguments")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    return test_command(TestOptions.from_namespace(args))


# ---------------------------------------------------------------------------- options -> pytest
@dataclass
class TestOptions:
    """What ``harness test`` was asked for (the parsed command line, validated)."""

    __test__ = False  # not a pytest test class

    target: str = "sim"
    env_file: str | None = None
    roots: list[str] = field(default_factory=list)
    collections: list[str] | None = None  # None: the shipped collections/
    run_collections: bool = True
    run_suites: bool = True
    record_mode: str | None = None
    cassette_dir: str | None = None
    workers: str | None = None
    reports: str = DEFAULT_REPORTS
    keyword: str | None = None
    run_id: str | None = None
    keep_records: bool = False
    shard: str | None = None
    pytest_args: list[str] = field(default_factory=list)

    @classmethod
    def from_namespace(cls, args: argparse.Namespace) -> TestOptions:
        extra = list(args.pytest_args or [])
        if extra and extra[0] == "--":
            extra = extra[1:]
        elif extra:
            raise HarnessError(f"unknown argument {extra[0]!r}; put pytest arguments after `--`")
        roots = [r.strip() for r in args.roots.split(",") if r.strip()] if args.roots else []
        return cls(target=args.target, env_file=args.env_file, roots=roots, collections=args.collections,
                   run_collections=not args.no_collections, run_suites=not args.no_suites,
                   record_mode=args.record_mode, cassette_dir=args.cassette_dir, workers=args.workers,
                   reports=args.reports, keyword=args.keyword, run_id=args.run_id,
                   keep_records=args.keep_records, shard=args.shard, pytest_args=extra)


@dataclass
class Plan:
    """The pytest invocation and where its outputs go."""

    args: list[str]
    run_id: str
    cassette_dir: Path
    cassette_dir_is_temporary: bool
    record_mode: str
    reports: dict[str, Path]
    collections: list[Path]


def _check_roots(roots: list[str]) -> None:
    unknown = [r for r in roots if r not in ROOTS]
    if unknown:
        raise HarnessError(f"--roots: unknown root(s) {', '.join(unknown)}; choose from {', '.join(ROOTS)}")


def _collection_paths(options: TestOptions) -> list[Path]:
    if not options.run_collections:
        return []
    if options.collections is None:
        shipped = REPO_ROOT / "collections"
        return [shipped] if shipped.is_dir() else []
    paths = []
    for raw in options.collections:
        path = Path(raw).expanduser().resolve()
        if not path.exists():
            raise HarnessError(f"--collections {raw}: no such file or directory")
        paths.append(path)
    return paths


def _has_xdist() -> bool:
    import importlib.util

    return importlib.util.find_spec("xdist") is not None


def _check_live_settings(env_file: str | None) -> None:
    """``--target live`` needs at least one configured service: say so before running anything,
    rather than reporting a run where every test was skipped as a success."""
    from harness.settings import SettingsError, load_settings

    try:
        load_settings(env_file, {**os.environ, "HARNESS_TARGET": "live"})
    except SettingsError as exc:
        if [p.key for p in exc.problems] == ["HARNESS_TARGET"]:
            raise HarnessError("--target live: no service is configured; set CRM_URL, FNO_URL or BC_URL "
                               "(with their credentials) in .env or the environment (see .env.example)") from None
        raise  # names every bad key with its file and line


def plan_run(options: TestOptions) -> Plan:
    """Validate ``options`` and turn them into pytest arguments (no side effects but the temp folder)."""
    from harness.naming import new_run_id

    _check_roots(options.roots)
    if not options.run_suites and not options.run_collections:
        raise HarnessError("--no-suites with --no-collections leaves nothing to run")
    suites = REPO_ROOT / "tests" / "suites"
    if options.run_suites and not suites.is_dir():
        raise HarnessError(f"no suites at {suites}: run harness test from a checkout of the project")
    if options.workers not in (None, "0") and not _has_xdist():
        raise HarnessError("-n needs pytest-xdist: pip install -e '.[test]'")
    if options.env_file and not Path(options.env_file).is_file():
        raise HarnessError(f"--env-file {options.env_file}: no such file")
    if options.target == "live":
        _check_live_settings(options.env_file)
    if options.shard is not None:
        from harness.sharding import ShardSpec

        try:
            ShardSpec.parse(options.shard)
        except ValueError as exc:
            raise HarnessError(str(exc)) from None
    collections = _collection_paths(options)
    run_id = options.run_id or new_run_id()

    if options.cassette_dir:
        cassette_dir, temporary = Path(options.cassette_dir).expanduser().resolve(), False
        cassette_dir.mkdir(parents=True, exist_ok=True)
    else:
        import tempfile  # here: `harness --help` need not load tempfile (and shutil, bz2, lzma)

        cassette_dir, temporary = Path(tempfile.mkdtemp(prefix=f"harness-cassettes-{run_id}-")), True
    record_mode = options.record_mode or ("all" if temporary else "once")

    report_dir = Path(options.reports).expanduser().resolve()
    reports = {kind: report_dir / name for kind, name in REPORT_FILES.items()}

    args: list[str] = []
    if options.run_suites:
        args.append(str(suites))
    elif not collections:
        raise HarnessError("--no-suites: no Postman collections to run (collections/ is missing; "
                           "pass --collections PATH)")
    else:
        # Named explicitly: with no path at all pytest would fall back to pytest.ini's testpaths (the
        # whole project test suite) and the collections would only be added to it.
        args += [str(path) for path in collections]
    args += ["--rootdir", str(REPO_ROOT)] + (["-c", str(INI_FILE)] if INI_FILE.is_file() else [])
    args += ["--target", options.target, "--run-id", run_id, "--harness-summary",
             "--summary-json", str(reports["summary"]), "--junitxml", str(reports["junit"]),
             "--html", str(reports["html"]), "--self-contained-html"]
    if options.env_file:
        args += ["--env-file", options.env_file]
    if options.keep_records:
        args.append("--keep-records")
    if options.roots and set(options.roots) != set(ROOTS):
        # --roots narrows the suites; collections are chosen with --collections / --no-collections.
        args += ["-m", " or ".join(options.roots + (["postman"] if options.run_collections else []))]
    if options.keyword:
        args += ["-k", options.keyword]
    if options.shard is not None:
        args += ["--shard", options.shard]
    if options.workers not in (None, "0"):
        # loadfile: the requests of one collection stay together, in order, on one worker.
        # (Not loadgroup: with pytest 9.2 xdist 3.8 ignores xdist_group marks, pytest-xdist#1386.)
        args += ["-n", options.workers, "--dist", "loadfile"]
    if options.run_collections:
        for path in collections:
            args += ["--postman", str(path)]
    args.append("--postman-no-default")  # only what was chosen above
    args += ["--cassette-dir", str(cassette_dir)]
    if not _mentions(options.pytest_args, "--record-mode"):
        args += ["--record-mode", record_mode]
    args += options.pytest_args
    return Plan(args, run_id, cassette_dir, temporary, record_mode, reports, collections)


def count_cassettes(directory: Path) -> int:
    if not directory.is_dir():
        return 0
    return sum(1 for p in directory.rglob("*") if p.is_file() and p.suffix in CASSETTE_SUFFIXES)


def test_command(options: TestOptions) -> int:
    """Run the main job and return the exit status (0 passed, 1 failed, 2 usage error)."""
    import pytest

    plan = plan_run(options)
    for stale in plan.reports.values():  # a report left by an earlier run must not pass for this one's
        stale.unlink(missing_ok=True)
    print(f"harness test: target={options.target} run-id={plan.run_id}"
          + (f" workers={options.workers}" if options.workers else "")
          + (f" shard={options.shard}" if options.shard else ""), flush=True)
    print(f"  pytest {shlex.join(plan.args)}", flush=True)
    status = exit_status(pytest.main(plan.args))
    _epilogue(plan, status)
    return status


def _mentions(args: list[str], option: str) -> bool:
    return any(a == option or a.startswith(option + "=") for a in args)


def _epilogue(plan: Plan, status: int) -> None:
    count = count_cassettes(plan.cassette_dir)
    where = "temporary folder " if plan.cassette_dir_is_temporary else ""
    print(f"cassettes ({plan.record_mode}): {count} file(s) in {where}{plan.cassette_dir}")
    if count == 0 and plan.cassette_dir_is_temporary:
        _remove_if_empty(plan.cassette_dir)
    written = [str(path) for path in plan.reports.values() if path.is_file()]
    if written:
        print("reports: " + ", ".join(written))
    verdict = {0: "all passed", 1: "failures"}.get(status, "usage error")
    print(f"harness test: exit {status} ({verdict})", file=sys.stderr if status else sys.stdout)


def _remove_if_empty(directory: Path) -> None:
    try:
        directory.rmdir()
    except OSError:
        pass
