"""Lazy package exports (PEP 562): a package names what it exports and pays for an import on first use.

Keeps ``harness --help`` and ``import harness`` cheap while ``from harness.odata import ODataClient``
keeps working; every package that wants this asks :func:`lazy_exports` instead of writing its own
module-level ``__getattr__``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(namespace: dict[str, Any], exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``exports[name]`` on first use and caches the value."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__
