"""Scan cassettes and reports for secrets that must never be committed or published.

Findings: whatever the secrets policy calls secret-shaped (:mod:`harness.secrets.policy`: JWTs,
opaque refresh tokens, ...), ``Bearer``/``Basic`` credentials and URL passwords that are not
placeholders, any value of the current settings' secrets (``.env`` and environment), and, in
JSON/YAML files, a string under a secret-like key (the policy's name rule) that is not a placeholder. Each finding names file, line and column and shows
only the first characters of what was found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from harness.recording.scrub import is_placeholder
from harness.secrets.policy import BEARER_RE, JWT_RE, POLICY, URL_USERINFO_RE

TEXT_SUFFIXES = {".json", ".yaml", ".yml", ".html", ".htm", ".xml", ".txt", ".log", ".md", ".csv", ".js",
                 ".css", ".har"}
MAX_FILE_BYTES = 50 * 1024 * 1024
MIN_SETTING_LENGTH = 4  # like harness.secrets: shorter values would match everywhere
_JSON_PAIR = re.compile(r'"((?:[^"\\]|\\.)+)"\s*:\s*"((?:[^"\\]|\\.)*)"')
_YAML_PAIR = re.compile(r"^\s*-?\s*([A-Za-z0-9_.$@-]+)\s*:\s*(['\"]?)(.+?)\2\s*$")


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    column: int
    kind: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.kind} ({self.excerpt})"


def excerpt(value: str) -> str:
    """The first few characters and the length: enough to find it, not enough to use it."""
    return f"{value[:6]}… {len(value)} chars" if len(value) > 6 else f"{len(value)} chars"


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_file():
            yield path
        elif path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and (child.suffix.lower() in TEXT_SUFFIXES or not child.suffix):
                    yield child


def _line_findings(path: Path, number: int, line: str, settings: list[str], structured: bool) -> list[Finding]:
    found = []
    for rule, match in POLICY.shaped_secrets(line):
        if rule.percent_encoded and is_placeholder(unquote(match.group(0))):
            continue
        found.append(Finding(path, number, match.start() + 1, rule.description, excerpt(match.group(0))))
    for match in URL_USERINFO_RE.finditer(line):
        if not is_placeholder(match.group(2)):
            found.append(Finding(path, number, match.start() + 1, "password in a URL", excerpt(match.group(2))))
    for match in BEARER_RE.finditer(line):
        token = match.group(2)
        if not is_placeholder(token) and not JWT_RE.fullmatch(token):
            found.append(Finding(path, number, match.start() + 1, f"{match.group(1)} credential", excerpt(token)))
    for value in settings:
        start = line.find(value)
        if start >= 0:
            found.append(Finding(path, number, start + 1, "a secret value from the current settings (.env or "
                                 "environment)", excerpt(value)))
    if structured:
        pairs = _JSON_PAIR.finditer(line) if path.suffix.lower() == ".json" else \
            ([m] if (m := _YAML_PAIR.match(line)) else [])
        for match in pairs:
            key, value = match.group(1), match.group(3 if match.re is _YAML_PAIR else 2)
            if value and POLICY.is_secret_name(key) and not is_placeholder(value) \
                    and not any(not rule.percent_encoded for rule, _ in POLICY.shaped_secrets(value)):
                found.append(Finding(path, number, match.start() + 1,
                                     f"unscrubbed value under the secret-like key {key!r}", excerpt(value)))
    return found


def scan_file(path: Path, settings: list[str]) -> list[Finding]:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return [Finding(path, 0, 0, "file too large to scan", f"{path.stat().st_size} bytes")]
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return [Finding(path, 0, 0, "unreadable file", type(exc).__name__)]
    structured = path.suffix.lower() in (".json", ".yaml", ".yml")
    found: list[Finding] = []
    for number, line in enumerate(text.splitlines(), start=1):
        found.extend(_line_findings(path, number, line, settings, structured))
    return found


def scan(paths: Iterable[Path], settings_values: Iterable[str] = ()) -> list[Finding]:
    """Every finding in ``paths`` (files or folders, recursively)."""
    settings = sorted({v for v in settings_values if v and len(v) >= MIN_SETTING_LENGTH}, key=len, reverse=True)
    return [finding for path in iter_files(paths) for finding in scan_file(path, settings)]
