"""``harness cassettes lint`` and ``harness cassettes diff`` (bodies in :mod:`harness.recording.commands`)."""

from __future__ import annotations

import argparse


def _lint(args: argparse.Namespace) -> int:
    from harness.recording.commands import lint_command

    return lint_command(args.paths or None, args.env_file)


def _diff(args: argparse.Namespace) -> int:
    from harness.recording.commands import diff_command

    return diff_command(args.old, args.new, args.json)


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``cassettes`` with ``lint`` and ``diff`` to the ``harness`` CLI."""
    cassettes = commands.add_parser("cassettes", help="check or compare recorded cassettes",
                                    description="Lint cassettes for secrets, or compare two recordings.")
    sub = cassettes.add_subparsers(dest="cassettes_command", metavar="ACTION", required=True)
    lint = sub.add_parser("lint", help="fail on tokens, bearer headers or .env values found in cassettes/reports",
                          description="Scan cassettes and reports for JWT-shaped strings, bearer tokens and any "
                                      "value of the current .env. Exit 1 on findings.")
    lint.add_argument("paths", nargs="*", help="files or folders (default: cassettes/ and reports/)")
    lint.add_argument("--env-file", default=None, help="the .env whose values must not appear")
    lint.set_defaults(handler=_lint)
    diff = sub.add_parser("diff", help="compare two recordings (drift report)",
                          description="Compare two cassette folders recorded from the same suites: status codes, "
                                      "headers that matter and response shapes. Exit 1 on drift.")
    diff.add_argument("old", help="the earlier recording (folder or file)")
    diff.add_argument("new", help="the new recording (folder or file)")
    diff.add_argument("--json", default=None, metavar="FILE", help="also write the drift as JSON")
    diff.set_defaults(handler=_diff)
