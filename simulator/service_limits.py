"""Service-protection limits as data: what each simulated host allows (enforced by :mod:`simulator.throttling`).

Kept apart from the middleware so that :mod:`simulator.config`, the ground floor, can hold them
without importing any HTTP code.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class ServiceLimits:
    """The limits of one simulated host; the defaults are the documented production values."""

    requests: int = 6000  # per user per window
    window: float = 300.0  # seconds, sliding
    concurrent: int = 52  # requests in flight per user
    execution_seconds: float | None = 1200.0  # combined execution time per window (None: not enforced)
    queue: int = 0  # requests over ``concurrent`` that wait instead of failing (Business Central: 95)
    queue_timeout: float = 480.0  # a queued request gives up with 503 after this long (BC: 8 minutes)

    def update(self, **changes) -> None:
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown service-protection setting(s): {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(known))}")
        for name, value in changes.items():
            setattr(self, name, value)
        self.validate()

    def validate(self) -> None:
        if not isinstance(self.requests, int) or self.requests < 1:
            raise ValueError("requests must be a positive integer")
        if not isinstance(self.concurrent, int) or self.concurrent < 1:
            raise ValueError("concurrent must be a positive integer")
        if not isinstance(self.queue, int) or self.queue < 0:
            raise ValueError("queue must be a non-negative integer")
        for name in ("window", "queue_timeout"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive number of seconds")
        if self.execution_seconds is not None and (
                not isinstance(self.execution_seconds, int | float) or self.execution_seconds <= 0):
            raise ValueError("execution_seconds must be a positive number of seconds or null")


def default_service_limits() -> dict[str, ServiceLimits]:
    """Documented defaults per host: Dataverse and F&O alike; BC with 5 concurrent + a queue of 95."""
    return {"crm": ServiceLimits(), "fno": ServiceLimits(),
            "bc": ServiceLimits(concurrent=5, execution_seconds=None, queue=95)}

__all__ = ["ServiceLimits", "default_service_limits"]
