"""Where a setting came from and what is wrong with it, collected before anything is raised.

Users fix a ``.env`` faster when every problem is listed at once with its key and line, so the
loader gathers :class:`Problem` items and raises a single :class:`SettingsError` at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError
from harness.secrets import redact


@dataclass(frozen=True)
class Origin:
    """Where a value was read: a real environment variable or a line of a ``.env`` file."""

    path: Path | None = None  # None: the process environment
    line: int | None = None

    def __str__(self) -> str:
        if self.path is None:
            return "environment variable"
        if self.line is None:
            return str(self.path)
        return f"{self.path} line {self.line}"


ENVIRONMENT = Origin()

# C0/C1 control characters (ESC, BEL, CSI...) that a terminal would act on; newline and tab excepted.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with control characters shown as ``\\x1b`` escapes, so a ``.env`` cannot drive the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


@dataclass(frozen=True)
class Problem:
    """One mistake: the key it concerns (or None for file-level problems), where, and what is expected."""

    key: str | None
    message: str
    origin: Origin | None = None

    def __str__(self) -> str:
        where = f" ({self.origin})" if self.origin is not None else ""
        message = redact(self.message)  # a registered secret never comes back in a message
        if self.key:
            return printable(f"{self.key}{where}: {message}")
        return printable(f"{str(self.origin) + ': ' if self.origin else ''}{message}")


class SettingsError(HarnessError):
    """The settings (``.env`` + environment) are incomplete or malformed; lists every problem."""

    def __init__(self, problems: list[Problem], env_file: Path | None = None, notes: list[str] | None = None):
        self.problems = list(problems)
        self.env_file = env_file
        self.notes = [printable(note) for note in notes or []]  # e.g. "CRM_PASWORD: unknown key; did you mean..."
        source = f" (env file: {env_file})" if env_file else ""
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        lines += "".join(f"\n  note: {note}" for note in self.notes)
        count = len(self.problems)
        super().__init__(f"{count} settings problem{'s' if count != 1 else ''}{source}:\n{lines}")

    def keys(self) -> list[str | None]:
        """The keys named by the problems, in order (handy in tests and for the CLI)."""
        return [problem.key for problem in self.problems]
