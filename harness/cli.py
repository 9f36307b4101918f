"""The ``harness`` command: one entry point, a sub-command per job, ``--help`` on each.

User mistakes (:class:`~harness.errors.HarnessError`) are printed as one ``error:`` line with
exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable

from harness.errors import HarnessError

Handler = Callable[[argparse.Namespace], int]

#: The sub-commands, in ``--help`` order: each is ``harness/commands/<name>.py`` with ``register(subparsers)``
#: (which sets ``handler=``). Command modules import what their handler needs inside it, so that
#: building the parser stays cheap.
COMMANDS = ("sim", "token", "cleanup", "test", "metadata", "run", "reports", "coverage", "cassettes")
#: Commands whose every argument is their own (``harness sim --help`` is the simulator's help).
PASSTHROUGH = ("sim",)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="harness", description="Test harness for Dynamics 365 OData APIs.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the harness does (secrets masked)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"harness.commands.{name}").register(commands)
    return parser


def _configure_logging(verbose: bool) -> None:
    """Log to stderr through the redacting filter, so no secret reaches the terminal."""
    import logging  # here, not at module level: `harness --help` does not log

    from harness.secrets import install_redaction

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    install_redaction(handler)
    root = logging.getLogger("harness")
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] and argv[0] in PASSTHROUGH:
        return importlib.import_module(f"harness.commands.{argv[0]}").passthrough(argv[1:])
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
