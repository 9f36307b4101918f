"""``harness reports merge DIR...``: one report from the slices of a sharded run.

``harness test --shard K/N --reports DIR`` on N machines writes N report folders; this command
checks they are the N slices of one selection and writes the JUnit XML, ``summary.json`` and HTML
report the unsharded run would have written (:mod:`harness.reporting.merge`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.errors import HarnessError


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``reports`` sub-command to the ``harness`` CLI."""
    reports = commands.add_parser("reports", help="merge the reports of a sharded run",
                                  description="Work with the report folders harness test writes.")
    sub = reports.add_subparsers(dest="reports_command", metavar="ACTION", required=True)
    merge = sub.add_parser("merge", help="merge the slices' junit.xml, summary.json and report.html into one",
                           description="Merge the report folders of `harness test --shard K/N` (one per slice, "
                                       "all N of them) into the reports the unsharded run would have written: "
                                       "tests in selection order, counts added up, times of the longest slice.")
    merge.add_argument("folders", nargs="+", metavar="DIR", help="the slices' report folders")
    merge.add_argument("-o", "--out", default="reports", metavar="DIR",
                       help="where the merged reports go (default: reports/)")
    merge.set_defaults(handler=_merge)


def _merge(args: argparse.Namespace) -> int:
    from harness.reporting.merge import merge, write

    folders = [Path(f).expanduser().resolve() for f in args.folders]
    out = Path(args.out).expanduser().resolve()
    if out in folders:
        raise HarnessError(f"--out {args.out} is one of the slices' folders; choose another")
    merged = merge(folders)
    written = write(merged, out)
    totals = merged.summary["totals"]
    print(f"merged {len(folders)} slice(s): {totals['tests']} tests, {totals['passed']} passed, "
          f"{totals['failed'] + totals['errors']} failed, {totals['skipped']} skipped")
    print("reports: " + ", ".join(str(p) for p in written))
    return 0 if merged.summary["exit_status"] == 0 else 1
