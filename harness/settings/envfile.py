"""Read a ``.env`` file with python-dotenv and remember on which line each key was set.

``dotenv_values`` gives the values (quoting, escapes, ``${VAR}`` interpolation) without touching
``os.environ``. python-dotenv only *warns* about lines it cannot parse, so the file is also walked
with dotenv's own parser to find those lines, keys written without ``=VALUE`` and the line
number of every key, which the validation messages quote.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import Binding, parse_stream

from harness.secrets import POLICY
from harness.settings.problems import Origin, Problem

_KEY_SHAPE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")

# python-dotenv logs its own warning for each unparsable line; the harness reports those lines
# itself, by key and line number, in one SettingsError.
logging.getLogger("dotenv.main").setLevel(logging.ERROR)


@dataclass
class EnvFile:
    """The parsed content of one ``.env`` file."""

    path: Path
    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    duplicates: dict[str, list[int]] = field(default_factory=dict)

    def origin(self, key: str) -> Origin:
        return Origin(self.path, self.lines.get(key))


def _binding_line(binding: Binding) -> int:
    """Line of the statement itself: dotenv's mark sits before any blank lines that precede it."""
    text = binding.original.string
    leading = text[: len(text) - len(text.lstrip())]
    newlines = leading.count("\n") + leading.replace("\r\n", "").count("\r")
    return binding.original.line + newlines


def _may_be_a_value(text: str, before: Binding | None) -> bool:
    """A line without '=' that is not plainly a key: a secret-shaped text, or the line after a secret
    key left empty (``FNO_CLIENT_SECRET=`` and the value wrapped onto the next line)."""
    if not _KEY_SHAPE.fullmatch(text) or POLICY.looks_secret(text):
        return True
    return (before is not None and before.key is not None and not (before.value or "").strip()
            and POLICY.is_secret_setting(before.key))


def read_env_file(path: Path) -> EnvFile:
    """Parse ``path``; unreadable or malformed content becomes :class:`Problem` items, not exceptions."""
    env = EnvFile(path=path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        env.problems.append(Problem(None, f"cannot read the env file: {exc.strerror or exc}", Origin(path)))
        return env
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        env.problems.append(Problem(None, "the file is not valid UTF-8; save it as UTF-8",
                                    Origin(path, line)))
        return env

    seen: dict[str, list[int]] = {}
    previous: Binding | None = None
    for binding in parse_stream(io.StringIO(text)):
        before, previous = previous, binding
        line = _binding_line(binding)
        if binding.error:
            env.problems.append(Problem(
                None, "cannot parse this line; expected KEY=VALUE (quote values that contain spaces, "
                      "'#' or quotes)", Origin(path, line)))
            continue
        if binding.key is None:  # blank line or comment
            continue
        if binding.value is None:
            if _may_be_a_value(binding.key, before):
                env.problems.append(Problem(None, "this line has no '=' (its text is not shown: it may be a "
                                                  "value, such as the rest of a wrapped secret); expected "
                                                  "KEY=VALUE on one line", Origin(path, line)))
            else:
                env.problems.append(Problem(binding.key, "has no '=VALUE'; expected KEY=VALUE",
                                            Origin(path, line)))
            continue
        seen.setdefault(binding.key, []).append(line)

    env.lines = {key: lines[-1] for key, lines in seen.items()}
    env.duplicates = {key: lines for key, lines in seen.items() if len(lines) > 1}
    values = dotenv_values(stream=io.StringIO(text))
    env.values = {key: value for key, value in values.items() if value is not None and key in seen}
    return env
