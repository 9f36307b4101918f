"""What a collection asks for that the harness cannot (fully) honour, with item paths.

Bruno's importer showed that users need an explicit list of what was not translated; Newman
silently skips OAuth2 helpers and ``script.src``. The import report says it up front, and the
runner adds run-time findings (unresolved variables, missing tokens) to a report of the same kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field

UNSUPPORTED = "unsupported"
WARNING = "warning"
INFO = "info"
_ORDER = {UNSUPPORTED: 0, WARNING: 1, INFO: 2}


@dataclass(frozen=True)
class ReportEntry:
    severity: str  # "unsupported" | "warning" | "info"
    item_path: str  # "" for the collection itself
    feature: str  # short key, e.g. "auth:oauth2", "body:file", "script:pm.visualizer"
    message: str

    def __str__(self) -> str:
        where = self.item_path or "(collection)"
        return f"[{self.severity}] {where}: {self.message}"


@dataclass
class ImportReport:
    """A list of :class:`ReportEntry`, printable as text."""

    source: str = ""
    entries: list[ReportEntry] = field(default_factory=list)

    def add(self, severity: str, item_path: str, feature: str, message: str) -> None:
        entry = ReportEntry(severity, item_path, feature, message)
        if entry not in self.entries:
            self.entries.append(entry)

    def extend(self, other: ImportReport) -> None:
        for entry in other.entries:
            if entry not in self.entries:
                self.entries.append(entry)

    def by_feature(self, feature: str) -> list[ReportEntry]:
        return [e for e in self.entries if e.feature == feature]

    def features(self) -> set[str]:
        return {e.feature for e in self.entries}

    def for_item(self, item_path: str) -> list[ReportEntry]:
        return [e for e in self.entries if e.item_path == item_path]

    @property
    def unsupported(self) -> list[ReportEntry]:
        return [e for e in self.entries if e.severity == UNSUPPORTED]

    @property
    def warnings(self) -> list[ReportEntry]:
        return [e for e in self.entries if e.severity == WARNING]

    def __bool__(self) -> bool:
        return bool(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def to_text(self) -> str:
        title = f"Postman import report: {self.source}" if self.source else "Postman import report"
        if not self.entries:
            return f"{title}\n  everything in the collection is supported"
        lines = [title]
        ordered = sorted(self.entries, key=lambda e: (_ORDER.get(e.severity, 9), e.item_path, e.feature))
        for entry in ordered:
            lines.append(f"  {entry}")
        counts = {sev: sum(1 for e in self.entries if e.severity == sev) for sev in _ORDER}
        labels = {UNSUPPORTED: "unsupported", WARNING: "warning(s)", INFO: "info"}
        lines.append("  " + ", ".join(f"{n} {labels[sev]}" for sev, n in counts.items() if n))
        return "\n".join(lines)

    __str__ = to_text
