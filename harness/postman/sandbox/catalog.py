"""What the sandbox offers, read from the JavaScript that defines it (for the import scan, without V8).

The requirable module names are the keys registered in ``bundle/entry-core.js`` and
``bundle/entry.js``; the names a script cannot redeclare with ``let``/``const`` are ``PARAMS`` of
``js/pm.js`` (postman-sandbox's scope names). Reading them keeps one list of each.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

_HERE = Path(__file__).parent
_REGISTERED = re.compile(r"^\s*'([^'#][^']*)': function", re.MULTILINE)
_ARRAY = r"var {name} = \[([^\]]*)\]"


@lru_cache(maxsize=1)
def requirable_modules() -> frozenset[str]:
    """The names ``require()`` accepts in the sandbox (as in postman-sandbox 4.7.1)."""
    names: set[str] = set()
    for entry in ("entry-core.js", "entry.js"):
        names.update(_REGISTERED.findall((_HERE / "bundle" / entry).read_text(encoding="utf-8")))
    return frozenset(names)


@lru_cache(maxsize=1)
def scope_names() -> frozenset[str]:
    """Names a script sees as parameters of its function (a top-level ``let``/``const`` of one is a SyntaxError)."""
    source = (_HERE / "js" / "pm.js").read_text(encoding="utf-8")
    names: set[str] = set()
    for array in ("ALLOWED_GLOBALS", "LEGACY_NAMES"):
        match = re.search(_ARRAY.format(name=array), source)
        if match is None:
            raise RuntimeError(f"pm.js no longer defines {array}")
        names.update(re.findall(r"'([^']+)'", match.group(1)))
    return frozenset(names - {"require"})
