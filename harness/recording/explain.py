"""Readable replay failures: which cassette, which mode, the closest recorded request and what differs.

vcrpy raises :class:`~vcr.errors.CannotOverwriteExistingCassetteException` from inside the HTTP
client; the pytest plugin rewrites its message with :func:`explain` (the traceback still points at
the test line that sent the request). Nothing secret is shown: query values of secret-like
parameters are masked and every line goes through :func:`harness.secrets.redact`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from harness.recording.instance import rewrite_uri
from harness.recording.matching import MATCH_ON, differences
from harness.recording.scrub import is_secret_key
from harness.secrets import redact

MODE_NOTES = {
    "none": "replay only: a request that is not in the cassette is an error (the CI default)",
    "once": "the cassette exists, so 'once' replays it and records nothing new",
    "new_episodes": "replays what matches and records the rest",
    "all": "records everything",
}
EXPLAINED = "_harness_explained"


def shown_uri(uri: str) -> str:
    """``uri`` with secret-like query values masked."""
    return redact(rewrite_uri(uri, lambda text: text,
                              lambda name, value: "***" if value and is_secret_key(name, form=True) else value))


def _describe(request: Any) -> str:
    return f"{request.method} {shown_uri(request.uri)}"


def _relative(path: str, rootdir: Path | None) -> str:
    if rootdir is None:
        return path
    try:
        relative = os.path.relpath(path, rootdir)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative


def _candidates(cassette: Any, request: Any, names: tuple[str, ...]) -> list[tuple[int, int, Any, list]]:
    """(index, play count, recorded request, failures) for every recorded request, closest first."""
    ranked = []
    for index, (recorded, _) in enumerate(cassette.data):
        failed = differences(request, recorded, names)
        lines = sum(message.count("\n") + 1 for _, message in failed)
        played = cassette.play_counts[index]
        ranked.append(((len(failed), played > 0, lines, index), index, played, recorded, failed))
    ranked.sort(key=lambda item: item[0])
    return [(index, played, recorded, failed) for _, index, played, recorded, failed in ranked]


def rerecord_target(nodeid: str) -> str:
    """What to record again: the test, or for a Postman item its whole collection file (its items
    share variables, so one item recorded alone would not see the token and ids the others made)."""
    path = nodeid.split("::", 1)[0]
    return path if path.endswith(".postman_collection.json") else nodeid


def explain(exc: Any, nodeid: str | None = None, rootdir: Path | None = None) -> str:
    """The message for a request the cassette could not answer."""
    cassette = exc.cassette
    request = exc.failed_request
    mode = str(getattr(cassette.record_mode, "value", cassette.record_mode))
    path = str(cassette.path)
    exists = os.path.exists(path)
    names = tuple(getattr(m, "__name__", str(m)) for m in getattr(cassette, "_match_on", ()))
    names = tuple(name for name in names if name in MATCH_ON) or MATCH_ON
    played = sum(1 for count in cassette.play_counts.values() if count)
    lines = [f"This request has no recorded answer in the cassette{f' of {nodeid}' if nodeid else ''}.",
             f"  request:     {_describe(request)}",
             f"  cassette:    {_relative(path, rootdir)} "
             + (f"({len(cassette)} interactions, {played} played so far)" if exists else "(the file does not exist)"),
             f"  record mode: {mode}: {MODE_NOTES.get(mode, 'see pytest-recording')}"]
    candidates = _candidates(cassette, request, names) if len(cassette) else []
    if not exists or not len(cassette):
        lines.append("  problem:     nothing was recorded for this test yet")
    elif candidates and not candidates[0][3]:
        index, count, recorded, _ = candidates[0]
        lines.append(f"  problem:     it matches interaction #{index + 1}, which was already played {count} "
                     "time(s): the test now sends this request more often than when it was recorded")
    else:
        lines.append("  problem:     no recorded request matches it")
        for rank, (index, count, recorded, failed) in enumerate(candidates[:3]):
            state = f"played {count}x" if count else "not played yet"
            title = "closest recorded request" if rank == 0 else "next closest"
            lines.append(f"  {title}: #{index + 1} ({state}) {_describe(recorded)}")
            if rank == 0:
                for name, message in failed:
                    for number, line in enumerate(message.splitlines()):
                        lines.append(f"      {name + ':' if number == 0 else ' ' * (len(name) + 1)} {line}")
            else:
                lines.append(f"      differs in {', '.join(name for name, _ in failed)}")
    target = f'"{rerecord_target(nodeid)}" ' if nodeid else ""
    lines.append(f"  to record it again: pytest {target}--record-mode=rewrite   (records from --target, "
                 "the embedded simulator by default; see cassettes/README.md)")
    return "\n".join(redact(line) for line in lines)


def rewrite_message(exc: BaseException, nodeid: str | None = None, rootdir: Path | None = None) -> bool:
    """Replace the message of vcrpy's replay error (anywhere in the exception chain) in place."""
    from vcr.errors import CannotOverwriteExistingCassetteException, MissingMetadataError

    seen: set[int] = set()
    current: BaseException | None = exc
    changed = False
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if (isinstance(current, CannotOverwriteExistingCassetteException)
                and not isinstance(current, MissingMetadataError)
                and not getattr(current, EXPLAINED, False) and getattr(current, "failed_request", None) is not None):
            current.args = (explain(current, nodeid, rootdir),)
            setattr(current, EXPLAINED, True)
            changed = True
        current = current.__cause__ or current.__context__
    return changed
