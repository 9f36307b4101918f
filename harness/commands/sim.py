"""``harness sim``: run the embedded simulator as a server (every option is the simulator's own)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``sim`` to the ``harness`` CLI (listed in ``--help``; :func:`passthrough` runs it)."""
    sim = commands.add_parser("sim", help="run the embedded simulator as a server",
                              description="Run the simulated Entra ID, Dataverse, F&O and Business Central. "
                                          "Options are those of `python -m simulator`.")
    sim.add_argument("sim_args", nargs=argparse.REMAINDER, help="options for the simulator")
    sim.set_defaults(handler=lambda args: passthrough(args.sim_args))


def passthrough(argv: list[str]) -> int:
    """Every option after ``sim`` belongs to the simulator (``harness sim --help`` is its help)."""
    from simulator.__main__ import main as simulator_main

    return simulator_main(argv)
