"""Writing files so that readers never see half of one (cassettes, pinned ``$metadata``, reports)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, content: str | bytes) -> None:
    """A temporary file in the same folder, then a rename; text is UTF-8 with ``\\n`` line ends.

    ``mkstemp`` creates the file 0600, which is for secrets: a new file gets 0644 (committed,
    shared files), an existing one keeps its mode.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    try:
        if isinstance(content, bytes):
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
        else:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(content)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
