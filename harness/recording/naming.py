"""Where a test's cassette lives: ``<cassette dir>/<module path>/<test id>.<serializer>``.

The folder mirrors the test module below ``tests/`` (``tests/suites/test_crm_crud.py`` ->
``suites/test_crm_crud``); the file name is the test id as pytest-recording would write it
(class prefix, parametrize id, forbidden characters replaced), further limited to a safe character
set and length. When characters had to be replaced or the id was cut, a short hash of the full id
is appended so two ids can never share a file.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pytest_recording.plugin import get_default_cassette_name

MAX_NAME_LENGTH = 120  # leaves room for the suffix and the folder on any file system
HASH_LENGTH = 10
_UNSAFE = re.compile(r"[^A-Za-z0-9._\-\[\]=,+@]")
_TEST_ROOTS = ("tests", "test")


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def cassette_name(test_class: type | None, test_name: str) -> str:
    """A file name (without suffix) for one test id, safe on every file system."""
    original = f"{test_class.__name__}.{test_name}" if test_class else test_name
    name = get_default_cassette_name(test_class, test_name)
    name = _UNSAFE.sub("-", name).strip(".") or "test"
    if name == original and len(name) <= MAX_NAME_LENGTH:
        return name
    digest = short_hash(original)
    return f"{name[:MAX_NAME_LENGTH - HASH_LENGTH - 1]}-{digest}"


def module_folder(module_path: Path, rootdir: Path) -> Path:
    """``suites/test_crm_crud`` for ``<rootdir>/tests/suites/test_crm_crud.py``."""
    try:
        relative = module_path.resolve().relative_to(rootdir.resolve())
    except ValueError:  # outside the rootdir (pytest --postman /elsewhere/x.postman_collection.json)
        return Path(_UNSAFE.sub("-", module_path.name.split(".")[0] or module_path.stem))
    parts = list(relative.with_suffix("").parts)
    if len(parts) > 1 and parts[0] in _TEST_ROOTS:
        parts = parts[1:]
    parts[-1] = parts[-1].split(".")[0] or parts[-1]  # "crm.postman_collection" -> "crm"
    return Path(*[_UNSAFE.sub("-", part) for part in parts])


def cassette_root(config) -> Path:
    """The cassette folder of a pytest run: ``--cassette-dir``, default ``<rootdir>/cassettes``."""
    option = config.getoption("cassette_dir", default=None)
    return Path(option).resolve() if option else config.rootpath / "cassettes"
