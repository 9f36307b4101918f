"""``harness cleanup``: sweep records a run left behind (names carry the run tag), in every company of
every configured root; exits 1 naming what it could not delete when anything tagged remains."""

from __future__ import annotations

import sys

from harness.cleanup import sweep
from harness.commands.targets import open_targets
from harness.naming import TAG_PREFIX, run_tag
from harness.targets import client_for


def cleanup_command(target: str, env_file: str | None, run_id: str | None, dry_run: bool,
                    roots: list[str] | None = None) -> int:
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
