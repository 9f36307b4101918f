"""Merge the reports of the slices of one sharded run (``harness test --shard K/N``) into one.

Each slice's folder holds ``summary.json`` (with the ``shard`` section :mod:`harness.sharding`
adds), and usually ``junit.xml`` and ``report.html``. The merged reports are those the unsharded
run would have written: tests in the order of the whole selection (collection errors, which every
slice reports, once and first, as pytest reports them), counts added up, the per-group
table recomputed; times are the longest slice's (the slices run side by side). Before anything is
written the slices are checked to belong together: same selection (fingerprint), same N, each of
1..N exactly once — a missing or foreign slice is a usage error, never a quietly smaller report.
"""

from __future__ import annotations

import html
import json
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import HarnessError
from harness.reporting.summary import GroupStats, _counts, _group_order

SUMMARY, JUNIT, HTML = "summary.json", "junit.xml", "report.html"
_COUNTED = ("tests", "passed", "failed", "errors", "skipped", "requests")


@dataclass
class Slice:
    folder: Path
    summary: dict
    shard: dict

    @property
    def index(self) -> int:
        return int(self.shard["index"])


@dataclass
class Merged:
    summary: dict
    junit: bytes | None = None
    html: str | None = None
    written: list[Path] = field(default_factory=list)


# ---------------------------------------------------------------------------- loading and checks
def _load_slice(folder: Path) -> Slice:
    path = folder / SUMMARY
    if not folder.is_dir():
        raise HarnessError(f"{folder}: no such directory")
    if not path.is_file():
        raise HarnessError(f"{folder}: no {SUMMARY} (write it with harness test, or pytest --summary-json)")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HarnessError(f"{path}: not a JSON summary ({exc})") from None
    shard = summary.get("shard") if isinstance(summary, dict) else None
    if not isinstance(shard, dict) or not {"index", "total", "fingerprint", "tests", "positions"} <= set(shard):
        raise HarnessError(f"{path}: not a slice's summary (no 'shard' section; run with --shard K/N)")
    return Slice(folder, summary, shard)


def load_slices(folders: list[Path]) -> list[Slice]:
    """Read and check the slices; returned in slice order 1..N."""
    if not folders:
        raise HarnessError("name the folders of the slices' reports")
    slices = [_load_slice(Path(f)) for f in folders]
    first = slices[0]
    for other in slices[1:]:
        if other.shard["total"] != first.shard["total"] or other.shard["fingerprint"] != first.shard["fingerprint"]:
            raise HarnessError(f"{other.folder}: slice {other.index}/{other.shard['total']} of another run than "
                               f"{first.folder} (different N or a different selection of tests)")
    total = int(first.shard["total"])
    seen: dict[int, Path] = {}
    for piece in slices:
        if piece.index in seen:
            raise HarnessError(f"slice {piece.index}/{total} given twice: {seen[piece.index]} and {piece.folder}")
        seen[piece.index] = piece.folder
    missing = [str(i) for i in range(1, total + 1) if i not in seen]
    if missing:
        raise HarnessError(f"slice(s) {', '.join(missing)} of {total} missing: the merged report would be incomplete")
    return sorted(slices, key=lambda s: s.index)


def positions(slices: list[Slice]) -> dict[str, int]:
    """Test id -> its place in the whole selection."""
    result: dict[str, int] = {}
    for piece in slices:
        result.update(zip(piece.shard["tests"], piece.shard["positions"], strict=True))
    return result


# ---------------------------------------------------------------------------- summary.json
def merge_summaries(slices: list[Slice], order: dict[str, int]) -> dict:
    docs = [s.summary for s in slices]
    run_ids = sorted({str(d.get("run_id")) for d in docs if d.get("run_id")})
    meta = {
        "run_id": run_ids[0] if len(run_ids) == 1 else None,
        "target": docs[0].get("target"),
        "started": min((d["started"] for d in docs if d.get("started")), default=None),
        "finished": max((d["finished"] for d in docs if d.get("finished")), default=None),
        "wall_time": max((float(d.get("wall_time") or 0) for d in docs), default=0.0),
        "exit_status": max(int(d.get("exit_status") or 0) for d in docs),
        "workers": max(int(d.get("workers") or 0) for d in docs),
        "merged": {"slices": len(slices), "selected": slices[0].shard.get("selected"),
                   "fingerprint": slices[0].shard["fingerprint"], "run_ids": run_ids,
                   "wall_times": [d.get("wall_time") for d in docs]},
    }
    groups: dict[tuple[str, str], GroupStats] = {}
    for doc in docs:
        for g in doc.get("groups", []):
            stats = groups.setdefault((g["kind"], g["name"]), GroupStats(g["kind"], g["name"]))
            for key in _COUNTED:
                setattr(stats, key, getattr(stats, key) + int(g.get(key, 0)))
            stats.duration += float(g.get("duration", 0.0))
    ordered = sorted(groups.values(), key=_group_order)
    totals = GroupStats("total", "")
    for g in ordered:
        for key in (*_COUNTED, "duration"):
            setattr(totals, key, getattr(totals, key) + getattr(g, key))

    failures, collect_seen = [], set()
    for doc in docs:
        for failure in doc.get("failures", []):
            if failure.get("phase") == "collect":  # every slice collects everything: report it once
                if failure.get("nodeid") in collect_seen:
                    continue
                collect_seen.add(failure.get("nodeid"))
            failures.append(failure)
    failures.sort(key=lambda f: order.get(f.get("nodeid"), -1))  # stable: phases keep their order
    return {**meta, "totals": {**_counts(totals), "collection_errors": len(collect_seen)},
            "groups": [{"kind": g.kind, "name": g.name, **_counts(g)} for g in ordered],
            "failures": failures}


def group_stats(summary: dict) -> tuple[list[GroupStats], GroupStats]:
    def make(kind: str, name: str, d: dict) -> GroupStats:
        return GroupStats(kind, name, **{k: d.get(k, 0) for k in (*_COUNTED, "duration")})

    groups = [make(g["kind"], g["name"], g) for g in summary["groups"]]
    return groups, make("total", "", summary["totals"])


# ---------------------------------------------------------------------------- junit.xml
def _junit_keys(order: dict[str, int]) -> dict[tuple[str, str], int]:
    from _pytest.junitxml import mangle_test_address  # how pytest names a test id in JUnit

    keys = {}
    for nodeid, place in order.items():
        names = mangle_test_address(nodeid)
        keys[(".".join(names[:-1]), names[-1])] = place
    return keys


def merge_junit(files: list[Path], order: dict[str, int]) -> bytes:
    keys = _junit_keys(order)
    suites = []
    for path in files:
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError) as exc:
            raise HarnessError(f"{path}: not JUnit XML ({exc})") from None
        suites.extend([root] if root.tag == "testsuite" else root.findall("testsuite"))
    if not suites:
        raise HarnessError(f"{files[0]}: no <testsuite>")
    cases, seen = [], set()
    for suite in suites:
        for case in suite.findall("testcase"):
            key = (case.get("classname", ""), case.get("name", ""))
            if key in seen:  # a collection error every slice reports
                continue
            seen.add(key)
            cases.append(case)
    cases.sort(key=lambda c: keys.get((c.get("classname", ""), c.get("name", "")), -1))
    merged = ET.Element("testsuite", dict(suites[0].attrib))
    for attribute in ("errors", "failures", "skipped", "tests"):
        merged.set(attribute, str(sum(int(s.get(attribute, 0)) for s in suites) - _duplicates(suites, attribute)))
    merged.set("time", f"{max(float(s.get('time', 0)) for s in suites):.3f}")
    merged.set("timestamp", min(s.get("timestamp", "") for s in suites))
    for prop in suites[0].findall("properties"):
        merged.append(prop)
    merged.extend(cases)
    root = ET.Element("testsuites", {"name": "pytest tests"})
    root.append(merged)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _duplicates(suites: list[ET.Element], attribute: str) -> int:
    """Collection errors repeated by every slice, counted once ("errors" and "tests")."""
    if attribute not in ("errors", "tests"):
        return 0
    counts: dict[tuple[str, str], int] = {}
    for suite in suites:
        for case in suite.findall("testcase"):
            if case.find("error") is not None and "collect" in (case.find("error").get("message") or ""):
                key = (case.get("classname", ""), case.get("name", ""))
                counts[key] = counts.get(key, 0) + 1
    return sum(n - 1 for n in counts.values())


# ---------------------------------------------------------------------------- report.html (pytest-html)
_BLOB = re.compile(r'(<div id="data-container" data-jsonblob=")([^"]*)(")')
_FILTER = re.compile(r'(data-test-result="(\w+)" )(disabled)?(>\s*<span class="\2">)(\d+)( )')
_RUN_COUNT = re.compile(r'<p class="run-count">(\d+) tests? took ([^<]*)\.</p>')
_TABLE = re.compile(r"<table id='harness-summary'>.*?</table>", re.S)
_TITLES = (re.compile(r'(<title id="head-title">)([^<]*)(</title>)'), re.compile(r'(<h1 id="title">)([^<]*)(</h1>)'))
_RUN_OUTCOMES = ("passed", "failed", "xpassed", "xfailed")  # what pytest-html's "N tests took" counts


def _escape(text: str) -> str:
    import markupsafe  # what pytest-html's template escapes with

    return str(markupsafe.escape(text))


def _seconds(text: str) -> float:
    text = text.strip()
    if text.endswith(" ms"):
        return float(text[:-3]) / 1000
    parts = [int(p) for p in text.split(":")]
    return float(parts[0] * 3600 + parts[1] * 60 + parts[2]) if len(parts) == 3 else 0.0


def _duration(seconds: float) -> str:
    from pytest_html.basereport import _format_duration

    return _format_duration(seconds)


def merge_html(files: list[Path], order: dict[str, int], summary: dict, title: str | None) -> str:
    texts = [path.read_text(encoding="utf-8") for path in files]
    blobs, took = [], 0.0
    for path, text in zip(files, texts, strict=True):
        match = _BLOB.search(text)
        if not match:
            raise HarnessError(f"{path}: not a pytest-html report (no data container)")
        blobs.append(json.loads(html.unescape(match.group(2))))
        run = _RUN_COUNT.search(text)
        if run:
            took = max(took, _seconds(run.group(2)))
    merged = dict(blobs[0])
    tests: dict[str, list] = {}
    for blob in blobs:
        for nodeid, entries in blob.get("tests", {}).items():
            tests.setdefault(nodeid, entries)  # a collection error every slice reports: once
    merged["tests"] = {k: tests[k] for k in sorted(tests, key=lambda k: order.get(k, -1))}
    counts: dict[str, int] = {}  # pytest-html counts one outcome per row it shows
    for entries in tests.values():
        for entry in entries:
            result = str(entry.get("result", "")).lower()
            counts[result] = counts.get(result, 0) + 1
    if title:
        merged["title"] = title
    text = texts[0]
    text = _BLOB.sub(lambda m: m.group(1) + _escape(json.dumps(merged)) + m.group(3), text, count=1)
    text = _FILTER.sub(lambda m: (m.group(1) + ("" if counts.get(m.group(2), 0) else "disabled") + m.group(4)
                                  + str(counts.get(m.group(2), 0)) + m.group(6)), text)
    ran = sum(counts.get(outcome, 0) for outcome in _RUN_OUTCOMES)
    text = _RUN_COUNT.sub(lambda m: f'<p class="run-count">{ran} {"tests" if ran > 1 else "test"} took '
                                    f"{_duration(took)}.</p>", text, count=1)
    from harness.reporting.plugin import summary_table_html

    table = summary_table_html(*group_stats(summary))
    table = table[table.index("<table id='harness-summary'>"):]
    text = _TABLE.sub(lambda m: table, text, count=1)
    if title:
        for pattern in _TITLES:
            text = pattern.sub(lambda m: m.group(1) + _escape(title) + m.group(3), text, count=1)
    return text


# ---------------------------------------------------------------------------- the whole merge
def _kind_files(slices: list[Slice], name: str) -> list[Path] | None:
    present = [s.folder / name for s in slices if (s.folder / name).is_file()]
    if not present:
        return None
    if len(present) != len(slices):
        lacking = [str(s.folder) for s in slices if not (s.folder / name).is_file()]
        raise HarnessError(f"{name} is missing in {', '.join(lacking)} (present in the other slices)")
    return present


def merge(folders: list[Path]) -> Merged:
    slices = load_slices(folders)
    order = positions(slices)
    summary = merge_summaries(slices, order)
    result = Merged(summary)
    junit = _kind_files(slices, JUNIT)
    if junit:
        result.junit = merge_junit(junit, order)
    pages = _kind_files(slices, HTML)
    if pages:
        title = None if summary["run_id"] else "Dynamics harness run (merged: " + ", ".join(
            summary["merged"]["run_ids"]) + ")"
        result.html = merge_html(pages, order, summary, title)
    return result


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write(merged: Merged, out: Path) -> list[Path]:
    """Write the merged reports into ``out`` (each file replaced atomically); returns the paths."""
    from harness.secrets import redact

    out.mkdir(parents=True, exist_ok=True)
    written = []
    text = redact(json.dumps(merged.summary, indent=2, ensure_ascii=False)) + "\n"
    pieces = [(SUMMARY, text.encode("utf-8"))]
    if merged.junit is not None:
        pieces.append((JUNIT, merged.junit))
    if merged.html is not None:
        pieces.append((HTML, merged.html.encode("utf-8")))
    for name, data in pieces:
        _write(out / name, data)
        written.append(out / name)
    return written
