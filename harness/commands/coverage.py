"""``harness coverage``: which entity sets, functions, actions and query options the recorded
traffic exercised, and which it never touched (:mod:`harness.coverage`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from harness.errors import HarnessError

ROOTS = ("crm", "fno", "bc")


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``coverage`` sub-command to the ``harness`` CLI."""
    parser = commands.add_parser(
        "coverage", help="which entity sets, functions, actions and query options the cassettes exercised",
        description="Read each service root's $metadata and the recorded cassettes (the committed ones, or a "
                    "run's --cassette-dir) and report, per root, which entity sets, singletons, functions, "
                    "actions and query options were exercised (how, how often, with which statuses) and which "
                    "were never touched. Printed as a table; --json writes the same as JSON.")
    parser.add_argument("paths", nargs="*", metavar="CASSETTES",
                        help="cassette files or folders (default: cassettes/suites and cassettes/collections)")
    parser.add_argument("--metadata", action="append", default=[], metavar="ROOT=FILE",
                        help="the $metadata of a root (crm, fno or bc), e.g. crm=today.xml (repeatable; default: "
                             "the $metadata pinned beside the cassettes, <folder>/metadata/<root>.xml)")
    parser.add_argument("--roots", default=None, metavar="crm,fno,bc", help="only these roots (default: every "
                        "root with a $metadata)")
    parser.add_argument("--json", default=None, metavar="FILE", help="also write the report as JSON")
    parser.add_argument("--fail-under", type=float, default=None, metavar="PERCENT",
                        help="exit 1 when a root exercises less than PERCENT of its entity sets")
    parser.set_defaults(handler=_handle)


def default_paths(folder: Path) -> list[Path]:
    """The suites' and collections' cassettes (not the contract fuzzing's, whose requests are random)."""
    chosen = [folder / part for part in ("suites", "collections") if (folder / part).is_dir()]
    return chosen or [folder]


def _metadata_files(args: argparse.Namespace, folders: list[Path]) -> dict[str, Path]:
    chosen: dict[str, Path] = {}
    for raw in args.metadata:
        root, sep, file = raw.partition("=")
        if not sep or root not in ROOTS or not file:
            raise HarnessError(f"--metadata {raw!r}: expected ROOT=FILE with ROOT one of {', '.join(ROOTS)}")
        path = Path(file).expanduser()
        if not path.is_file():
            raise HarnessError(f"--metadata {raw}: no such file {path}")
        chosen[root] = path
    wanted = ROOTS
    if args.roots:
        wanted = tuple(r.strip() for r in args.roots.split(",") if r.strip())
        unknown = [r for r in wanted if r not in ROOTS]
        if unknown:
            raise HarnessError(f"--roots: unknown root(s) {', '.join(unknown)}; choose from {', '.join(ROOTS)}")
    for root in wanted:
        if root in chosen:
            continue
        for folder in [*folders, *(f.parent for f in folders)]:
            pinned = folder / "metadata" / f"{root}.xml"
            if pinned.is_file():
                chosen[root] = pinned
                break
    chosen = {root: path for root, path in chosen.items() if root in wanted}
    if not chosen:
        raise HarnessError("no $metadata found: none pinned under <cassettes>/metadata/ (record with "
                           "--record-mode=rewrite, or fetch one with harness metadata fetch) and no --metadata ROOT=FILE")
    return chosen


def _handle(args: argparse.Namespace) -> int:
    from harness.coverage import load_cassette_interactions, measure, render_table, report_dict
    from harness.metadata import parse_csdl

    paths = [Path(p).expanduser() for p in args.paths] or default_paths(Path("cassettes"))
    for path in paths:
        if not path.exists():
            raise HarnessError(f"{path}: no such file or directory")
    folders = [p for p in paths if p.is_dir()]
    metadata = _metadata_files(args, folders)
    models = {root: (str(path), parse_csdl(path)) for root, path in sorted(metadata.items(),
                                                                          key=lambda kv: ROOTS.index(kv[0]))}
    count, interactions = load_cassette_interactions(paths)
    report = report_dict(measure(models, interactions), count, len(interactions))
    for line in render_table(report):
        print(line)
    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"coverage JSON: {out}")
    if args.fail_under is not None:
        low = [root for root, data in report["roots"].items() if data["entity_sets"]["percent"] < args.fail_under]
        if low:
            print(f"entity set coverage under {args.fail_under}%: {', '.join(low)}")
            return 1
    return 0
