"""Errors of the contract layer: a service that will not hand out its `$metadata`, a bad cassette path."""

from __future__ import annotations

from harness.errors import HarnessError


class ContractError(HarnessError):
    """The contract cannot be built or checked (no `$metadata`, unknown root, unreadable input)."""
