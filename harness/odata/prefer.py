"""Build ``Prefer`` header values and read ``Preference-Applied`` (RFC 7240, OData v4 preferences).

The exact text matters: Dataverse echoes what it honoured in ``Preference-Applied``, and a paging
client must send the same ``Prefer`` with every ``@odata.nextLink`` it follows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_PREFERENCE = re.compile(r'\s*([^=,;\s]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^,;]*))?((?:\s*;[^,]*)?)\s*(?:,|$)')


def prefer(return_representation: bool | None = None, maxpagesize: int | None = None,
           include_annotations: str | Iterable[str] | None = None, continue_on_error: bool = False,
           extra: Iterable[str] = ()) -> str | None:
    """The ``Prefer`` value for the given preferences, or ``None`` when none is asked for.

    ``prefer(True, 10, "*")`` -> ``return=representation,odata.maxpagesize=10,odata.include-annotations="*"``.
    ``return_representation=False`` asks explicitly for ``return=minimal``.
    """
    parts: list[str] = []
    if return_representation is not None:
        parts.append("return=representation" if return_representation else "return=minimal")
    if maxpagesize is not None:
        if isinstance(maxpagesize, bool) or not isinstance(maxpagesize, int) or maxpagesize < 1:
            raise ValueError(f"odata.maxpagesize must be a positive integer, not {maxpagesize!r}")
        parts.append(f"odata.maxpagesize={maxpagesize}")
    if include_annotations:
        names = [include_annotations] if isinstance(include_annotations, str) else list(include_annotations)
        parts.append(f'odata.include-annotations="{",".join(names)}"')
    if continue_on_error:
        parts.append("odata.continue-on-error")
    parts.extend(extra)
    return ",".join(parts) or None


def parse_preferences(value: str | None) -> dict[str, str | None]:
    """``{"return": "representation", "odata.maxpagesize": "10", ...}`` from a Prefer-style header.

    Names are lowercased, quoted values unquoted (``"*"`` -> ``*``), valueless preferences map to
    ``None`` and ``;parameters`` are dropped.
    """
    found: dict[str, str | None] = {}
    if not value:
        return found
    for match in _PREFERENCE.finditer(value):
        name, raw = match.group(1), match.group(2)
        if not name:
            continue
        if raw is not None:
            raw = raw.strip()
            if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
                raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        found[name.lower()] = raw
    return found
