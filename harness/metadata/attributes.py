"""How CSDL attribute values read (booleans, facets), shared by the full parser and the compact reader.

Kept apart from :mod:`harness.metadata.parser` so that the compact reading does not import lxml
(5.8 MiB and 20 ms an all-sets conversion does not need).
"""

from __future__ import annotations


def read_bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() == "true"


def read_int_or_keyword(value: str | None) -> int | str | None:
    """A facet such as MaxLength: a number, or a keyword (``max``, ``variable``) in lower case."""
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return value.strip().lower()
