"""The dialect-neutral view of one request, shared by the HTTP layer, dialects and operations.

It lives apart from :mod:`simulator.odata.service` so dialects, operations and routing can use it
without importing the request flow (and the flow can import them without a cycle).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from simulator.odata.paths import split_path


@dataclass
class RequestContext:
    method: str
    root_url: str  # absolute service root, no trailing slash (…/api/data/v9.2, …/data)
    path: str  # below the root, no leading slash, percent-decoded
    params: dict[str, str]  # decoded query parameters (last value wins)
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    claims: dict = field(default_factory=dict)
    version: str = ""
    extras: dict = field(default_factory=dict)
    _split: tuple[str, list] | None = field(default=None, repr=False, compare=False)

    def segments(self) -> list:
        """``split_path(self.path)``, split once per path text: routing and the dialect's own checks both
        need it (a dialect may still rewrite ``path``, which splits again). Callers must not change it."""
        split = self._split
        if split is None or split[0] != self.path:
            split = self._split = (self.path, split_path(self.path))
        return split[1]

    @property
    def prefer(self) -> dict[str, str]:
        return dict(_parsed_prefer(self.headers.get("prefer", "")))  # a copy: callers may change theirs

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@lru_cache(maxsize=256)
def _parsed_prefer(value: str) -> dict[str, str]:
    """A request reads its ``Prefer`` header several times, and clients send the same few values."""
    return parse_prefer(value)


def parse_prefer(value: str) -> dict[str, str]:
    """``Prefer`` header preferences by lower-case name (quoted values unquoted)."""
    prefs: dict[str, str] = {}
    for part in re.split(r",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", value):
        part = part.strip()
        if not part:
            continue
        name, _, val = part.partition("=")
        prefs[name.strip().lower()] = val.strip().strip('"')
    return prefs
