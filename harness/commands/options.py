"""Options several commands share."""

from __future__ import annotations

import argparse


def target_options(parser: argparse.ArgumentParser) -> None:
    """``--target sim|live`` and ``--env-file``."""
    parser.add_argument("--target", choices=("sim", "live"), default="sim",
                        help="sim: the embedded simulator (default); live: the instance in .env")
    parser.add_argument("--env-file", default=None, help="the .env file (default $HARNESS_ENV_FILE or ./.env)")
