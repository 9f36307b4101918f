"""Client-side throttling: stay under a live service's protection limits instead of hitting them.

Dataverse and F&O allow 6,000 requests per user per 5 minutes and 52 concurrent requests; Business
Central 6,000 per 5 minutes and 5 concurrent (reference dataverse.md §6, fno_bc.md A8/B7). A test
run against a live instance shares one :class:`RateLimiter` per target (same service, same user)
across all its clients and threads: a token bucket for the rate, a semaphore for concurrency, and
a shared pause when the service answers 429 with ``Retry-After``, so no thread keeps hammering.

The bucket refills at ``rate`` per second up to ``burst``. Over any window of ``W`` seconds it lets
through at most ``burst + rate * W`` requests, so the defaults (90 % of the documented rate, a
burst of two seconds' worth) stay under the sliding-window limit with room to spare.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

SAFETY = 0.9


@dataclass(frozen=True)
class ServiceLimits:
    """A service's documented per-user limits."""

    requests: int
    window: float  # seconds
    concurrent: int


# By harness dialect name (harness.odata.dialects).
SERVICE_LIMITS: dict[str, ServiceLimits] = {
    "dataverse": ServiceLimits(6000, 300, 52),
    "fno": ServiceLimits(6000, 300, 52),
    "business_central": ServiceLimits(6000, 300, 5),
}


class RateLimiter:
    """Token bucket plus concurrency cap, shared by threads; ``slot()`` wraps one request."""

    def __init__(self, rate: float, burst: float | None = None, max_concurrent: int | None = None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        if rate <= 0:
            raise ValueError("rate must be positive (requests per second)")
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(1.0, rate * 2))
        if self.burst < 1:
            raise ValueError("burst must allow at least one request")
        self.max_concurrent = max_concurrent
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._stamp = clock()
        self._paused_until = 0.0
        self._slots = threading.BoundedSemaphore(max_concurrent) if max_concurrent else None
        #: Requests let through, total seconds spent waiting, and pauses caused by 429s.
        self.acquired = 0
        self.waited = 0.0
        self.pauses = 0

    @classmethod
    def for_service(cls, limits: ServiceLimits, max_rps: float | None = None,
                    max_concurrent: int | None = None, share: int = 1) -> RateLimiter:
        """A limiter under ``limits`` (90 % of the documented rate), or at ``max_rps`` when given.

        ``share`` splits the budget between that many processes using the same user (pytest-xdist
        workers each hold their own limiter).
        """
        share = max(1, share)
        rate = (max_rps if max_rps else limits.requests / limits.window * SAFETY) / share
        if max_concurrent:
            concurrent = max_concurrent
        elif limits.concurrent > 5:  # keep a margin under a large cap; BC's 5 is already small
            concurrent = max(1, int(limits.concurrent * SAFETY) // share)
        else:
            concurrent = max(1, limits.concurrent // share)
        return cls(rate, burst=max(1.0, rate * 2), max_concurrent=concurrent)

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate:g}/s, burst={self.burst:g}, max_concurrent={self.max_concurrent})"

    def acquire(self) -> float:
        """Block until one request may start; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                wait = max(0.0, self._paused_until - now)
                if wait == 0.0:
                    if self._tokens >= 1:
                        self._tokens -= 1
                        self.acquired += 1
                        self.waited += waited
                        return waited
                    wait = (1 - self._tokens) / self.rate
            self._sleep(wait)
            waited += wait

    def pause(self, seconds: float) -> None:
        """Hold every request back for ``seconds`` (the service answered 429 with ``Retry-After``)."""
        with self._lock:
            until = self._clock() + seconds
            if until > self._paused_until:
                self._paused_until = until
                self.pauses += 1

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Take a concurrency slot (if capped) and a rate token for the duration of one request."""
        if self._slots is not None:
            self._slots.acquire()
        try:
            self.acquire()
            yield
        finally:
            if self._slots is not None:
                self._slots.release()


_shared: dict[tuple, RateLimiter] = {}
_shared_lock = threading.Lock()


def shared_limiter(key: tuple, factory: Callable[[], RateLimiter]) -> RateLimiter:
    """The process-wide limiter for ``key`` (e.g. ``(api_root, user)``), created once by ``factory``."""
    with _shared_lock:
        limiter = _shared.get(key)
        if limiter is None:
            limiter = _shared[key] = factory()
        return limiter


def limiter_for(dialect_name: str, key: tuple, max_rps: float | None = None, share: int = 1) -> RateLimiter | None:
    """The shared limiter of a target speaking ``dialect_name``; None when no limits are known."""
    limits = SERVICE_LIMITS.get(dialect_name)
    if limits is None and not max_rps:
        return None
    limits = limits or ServiceLimits(int(max_rps * 300), 300, 52)  # type: ignore[operator]
    return shared_limiter((dialect_name, *key, max_rps, share),
                          lambda: RateLimiter.for_service(limits, max_rps, share=share))
