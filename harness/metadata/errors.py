"""Errors raised for unusable `$metadata` documents."""

from __future__ import annotations

from harness.errors import HarnessError


class MetadataError(HarnessError):
    """A CSDL document is malformed or not CSDL; the message names the source and line."""

    def __init__(self, message: str, *, source: str, line: int | None = None) -> None:
        self.source = source
        self.line = line
        self.reason = message
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")


class OpenApiOptionError(HarnessError):
    """A bad option for OpenAPI generation (unknown dialect, entity set that does not exist)."""
