"""``harness cleanup``: sweep records a run left behind (names carry the run tag), in every company of
every configured root; exits 1 naming what it could not delete when anything tagged remains."""

from __future__ import annotations

import argparse
import sys

from harness.commands.options import target_options


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``cleanup`` to the ``harness`` CLI."""
    cleanup = commands.add_parser("cleanup", help="delete records earlier runs left behind (tagged names)")
    target_options(cleanup)
    cleanup.add_argument("--run-id", default=None, help="only this run's records (default: every harness run)")
    cleanup.add_argument("--roots", default=None, help="comma-separated targets (default all configured)")
    cleanup.add_argument("--dry-run", action="store_true", help="list what would be deleted")
    cleanup.set_defaults(handler=lambda args: cleanup_command(args.target, args.env_file, args.run_id, args.dry_run,
                                                              args.roots.split(",") if args.roots else None))


def cleanup_command(target: str, env_file: str | None, run_id: str | None, dry_run: bool,
                    roots: list[str] | None = None) -> int:
    from harness.cleanup import sweep
    from harness.naming import TAG_PREFIX, run_tag
    from harness.targets import client_for, open_targets

    tag = run_tag(run_id) if run_id else TAG_PREFIX
    total = 0
    failed: list[str] = []
    with open_targets(target, env_file) as (targets, broker):
        for name, settings in targets.items():
            if roots and name not in roots:
                continue
            client = client_for(settings, broker)
            report = sweep(client, name, tag, dry_run=dry_run)
            total += len(report.found)
            for line in report.found:
                if not any(problem.startswith(line) for problem in report.failed):
                    print(("would delete " if dry_run else "deleted ") + line)
            failed += report.failed
    if failed:
        removed = "found" if dry_run else "found, but not all removed"
        print(f"{total} tagged record(s) {removed} (tag {tag!r}); {len(failed)} problem(s):", file=sys.stderr)
        for problem in failed:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"{total} tagged record(s) {'found' if dry_run else 'removed'} (tag {tag!r})")
    return 0
