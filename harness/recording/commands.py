"""``harness cassettes lint`` and ``harness cassettes diff``: print a report, return an exit code.

Exit codes: 0 clean / no drift, 1 findings / drift, 2 the command could not run (a path that does
not exist, an unreadable ``.env``, a malformed cassette), with a one-line reason on stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from harness.recording.drift import as_json, cassette_files, compare_folders, render_text
from harness.recording.interactions import CassetteFormatError
from harness.recording.lint import scan
from harness.settings import SettingsError, load_settings

DEFAULT_LINT_PATHS = ("cassettes", "reports")
USAGE_ERROR = 2


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return USAGE_ERROR


def lint_command(paths: Sequence[str | Path] | None = None, env_file: str | Path | None = None) -> int:
    """Scan ``paths`` (default: ``cassettes/`` and ``reports/`` that exist) for leaked secrets.

    Besides JWTs and bearer credentials it looks for every secret value of the current settings
    (``env_file``, else ``$HARNESS_ENV_FILE`` or ``./.env`` when present, plus the environment).
    """
    if paths:
        targets = [Path(p) for p in paths]
        missing = [str(p) for p in targets if not p.exists()]
        if missing:
            return _error(f"no such file or folder: {', '.join(missing)}")
    else:
        targets = [Path(p) for p in DEFAULT_LINT_PATHS if Path(p).exists()]
        if not targets:
            print("nothing to lint: no cassettes/ or reports/ folder here")
            return 0
    try:
        settings_values = load_settings(env_file).values_for_lint()
    except SettingsError as exc:
        return _error(f"cannot read the settings to know which values are secret:\n{exc}")
    findings = scan(targets, settings_values)
    for finding in findings:
        print(finding)
    scanned = ", ".join(str(p) for p in targets)
    if findings:
        files = len({f.path for f in findings})
        print(f"{len(findings)} possible secret(s) in {files} file(s) under {scanned}; scrub or re-record "
              "them before committing (cassettes: pytest <test> --record-mode=rewrite)")
        return 1
    print(f"no secrets found in {scanned} ({len(settings_values)} setting value(s) checked)")
    return 0


def diff_command(old: str | Path, new: str | Path, json_out: str | Path | None = None) -> int:
    """Compare two folders of cassettes; print the drift, optionally write it as JSON to ``json_out``."""
    old_dir, new_dir = Path(old), Path(new)
    for folder in (old_dir, new_dir):
        if not folder.is_dir():
            return _error(f"{folder} is not a folder of cassettes")
    try:
        drifts = compare_folders(old_dir, new_dir)
    except CassetteFormatError as exc:
        return _error(str(exc))
    compared = len(set(cassette_files(old_dir)) | set(cassette_files(new_dir)))
    print(render_text(old_dir, new_dir, drifts, compared))
    if json_out is not None:
        report = as_json(old_dir, new_dir, drifts, compared)
        Path(json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(json_out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 1 if drifts else 0
