"""The converter's door to the one dialect table, :mod:`harness.odata.dialects`.

``to_openapi(dialect=...)`` and ``harness metadata openapi --dialect`` accept a dialect's name or its
service root's name; :data:`CHOICES` are the ones offered (``bc`` is Business Central's root name).
"""

from __future__ import annotations

from harness.odata.dialects import BUSINESS_CENTRAL, DATAVERSE, FNO, Dialect, find_dialect

from .errors import OpenApiOptionError

CHOICES: tuple[str, ...] = (DATAVERSE.name, FNO.name, BUSINESS_CENTRAL.root)


def get_dialect(name: str | Dialect) -> Dialect:
    found = find_dialect(name)
    if found is None:
        raise OpenApiOptionError(f"unknown dialect {name!r}; expected one of {', '.join(CHOICES)}")
    return found


__all__ = ["CHOICES", "Dialect", "get_dialect"]
