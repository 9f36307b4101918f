"""The ``harness`` command: one entry point, a sub-command per job, ``--help`` on each.

User mistakes (:class:`~harness.errors.HarnessError`) are printed as one ``error:`` line with
exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import gc
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


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or with ``only`` one sub-command (what ``harness run ...`` parses needs
    no other command's options; building all of them costs ~25 ms of start-up)."""
    parser = argparse.ArgumentParser(prog="harness", description="Test harness for Dynamics 365 OData APIs.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the harness does (secrets masked)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in (only,) if only in COMMANDS else COMMANDS:
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
    # the first word names the command (global options such as -v come before it): parse with that one alone
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    _configure_logging(getattr(args, "verbose", False))
    try:
        return args.handler(args)
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def console() -> int:
    """The ``harness`` executable: :func:`main`, then leave quickly.

    The interpreter's final garbage collection would walk every object of the imported libraries and
    the run (~30-50 ms on this project's machine); frozen objects are skipped. Reports and exports are
    closed files by now, and ``atexit`` handlers (logging's flush) still run.
    """
    status = main()
    gc.freeze()
    return status


if __name__ == "__main__":
    sys.exit(console())
