"""The ``harness`` command: one entry point, a sub-command per job, ``--help`` on each.

User mistakes (:class:`~harness.errors.HarnessError`) are printed as one ``error:`` line with
exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from harness.errors import HarnessError

Handler = Callable[[argparse.Namespace], int]


def _target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", choices=("sim", "live"), default="sim",
                        help="sim: the embedded simulator (default); live: the instance in .env")
    parser.add_argument("--env-file", default=None, help="the .env file (default $HARNESS_ENV_FILE or ./.env)")


def _sim(args: argparse.Namespace) -> int:
    from simulator.__main__ import main as simulator_main

    return simulator_main(args.sim_args)


def _token(args: argparse.Namespace) -> int:
    from harness.commands.token import token_command

    return token_command(args.name, args.target, args.env_file, args.json)


def _cleanup(args: argparse.Namespace) -> int:
    from harness.commands.cleanup import cleanup_command

    roots = args.roots.split(",") if args.roots else None
    return cleanup_command(args.target, args.env_file, args.run_id, args.dry_run, roots)


def _cassettes_lint(args: argparse.Namespace) -> int:
    from harness.recording.commands import lint_command

    return lint_command(args.paths or None, args.env_file)


def _cassettes_diff(args: argparse.Namespace) -> int:
    from harness.recording.commands import diff_command

    return diff_command(args.old, args.new, args.json)


def _add_cassettes(commands) -> None:
    cassettes = commands.add_parser("cassettes", help="check or compare recorded cassettes",
                                    description="Lint cassettes for secrets, or compare two recordings.")
    sub = cassettes.add_subparsers(dest="cassettes_command", metavar="ACTION", required=True)
    lint = sub.add_parser("lint", help="fail on tokens, bearer headers or .env values found in cassettes/reports",
                          description="Scan cassettes and reports for JWT-shaped strings, bearer tokens and any "
                                      "value of the current .env. Exit 1 on findings.")
    lint.add_argument("paths", nargs="*", help="files or folders (default: cassettes/ and reports/)")
    lint.add_argument("--env-file", default=None, help="the .env whose values must not appear")
    lint.set_defaults(handler=_cassettes_lint)
    diff = sub.add_parser("diff", help="compare two recordings (drift report)",
                          description="Compare two cassette folders recorded from the same suites: status codes, "
                                      "headers that matter and response shapes. Exit 1 on drift.")
    diff.add_argument("old", help="the earlier recording (folder or file)")
    diff.add_argument("new", help="the new recording (folder or file)")
    diff.add_argument("--json", default=None, metavar="FILE", help="also write the drift as JSON")
    diff.set_defaults(handler=_cassettes_diff)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="harness", description="Test harness for Dynamics 365 OData APIs.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the harness does (secrets masked)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    sim = commands.add_parser("sim", help="run the embedded simulator as a server",
                              description="Run the simulated Entra ID, Dataverse, F&O and Business Central. "
                                          "Options are those of `python -m simulator`.")
    sim.add_argument("sim_args", nargs=argparse.REMAINDER, help="options for the simulator")
    sim.set_defaults(handler=_sim)

    token = commands.add_parser("token", help="obtain a token for a target and show its claims (token masked)")
    token.add_argument("name", choices=("crm", "fno", "bc"), help="which service the token is for")
    _target_options(token)
    token.add_argument("--json", action="store_true", help="print JSON")
    token.set_defaults(handler=_token)

    cleanup = commands.add_parser("cleanup", help="delete records earlier runs left behind (tagged names)")
    _target_options(cleanup)
    cleanup.add_argument("--run-id", default=None, help="only this run's records (default: every harness run)")
    cleanup.add_argument("--roots", default=None, help="comma-separated targets (default all configured)")
    cleanup.add_argument("--dry-run", action="store_true", help="list what would be deleted")
    cleanup.set_defaults(handler=_cleanup)

    from harness.commands.test import register as register_test

    register_test(commands)

    from harness.commands.metadata import register as register_metadata

    register_metadata(commands)

    from harness.commands.run import register as register_run

    register_run(commands)

    from harness.commands.reports import register as register_reports

    register_reports(commands)

    from harness.commands.coverage import register as register_coverage

    register_coverage(commands)

    _add_cassettes(commands)
    return parser


def _configure_logging(verbose: bool) -> None:
    """Log to stderr through the redacting filter, so no secret reaches the terminal."""
    from harness.secrets import install_redaction

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    install_redaction(handler)
    root = logging.getLogger("harness")
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["sim"]:  # every option after "sim" belongs to the simulator (see `harness sim --help`)
        from simulator.__main__ import main as simulator_main

        return simulator_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(getattr(args, "verbose", False))
    try:
        return args.handler(args)
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
