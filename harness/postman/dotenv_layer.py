"""The ``.env`` file as the lowest variable layer of a collection run (``harness run`` and the pytest plugin).

Both front-ends read it the same way: the settings loader's parser (so a malformed line is one
message naming the file and line), a named file that does not exist is an error, and a default
``.env`` that does not exist is simply no layer.
"""

from __future__ import annotations

from pathlib import Path

from harness.errors import HarnessError


def dotenv_layer(named: str | Path | None, default: Path, *, option: str) -> dict[str, str]:
    """The values of ``named`` (a file the user gave with ``option``) or else of ``default`` if it exists."""
    path = Path(named) if named else default
    if not path.is_file():
        if named:
            raise HarnessError(f"{option} {named}: no such file")
        return {}
    from harness.settings.envfile import read_env_file  # here: without a .env, the loader is not imported

    env = read_env_file(path)
    if env.problems:
        raise HarnessError("; ".join(str(p) for p in env.problems))
    return dict(env.values)
