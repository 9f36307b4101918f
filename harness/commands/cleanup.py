"""``harness cleanup``: sweep records a run left behind (names carry the run tag)."""

from __future__ import annotations

from harness.cleanup import sweep_tagged
from harness.commands.targets import open_targets
from harness.naming import TAG_PREFIX, run_tag
from harness.targets import client_for


def cleanup_command(target: str, env_file: str | None, run_id: str | None, dry_run: bool,
                    roots: list[str] | None = None) -> int:
    tag = run_tag(run_id) if run_id else TAG_PREFIX
    total = 0
    with open_targets(target, env_file) as (targets, broker):
        for name, settings in targets.items():
            if roots and name not in roots:
                continue
            client = client_for(settings, broker)
            found = sweep_tagged(client, name, tag, dry_run=dry_run)
            total += len(found)
            for line in found:
                print(("would delete " if dry_run else "deleted ") + line)
    print(f"{total} tagged record(s) {'found' if dry_run else 'removed'} (tag {tag!r})")
    return 0
