"""Service-protection limits (HTTP 429 + ``Retry-After``) like Dataverse's, F&O's and Business Central's.

Real services count, per user and per web server over a sliding window: the number of requests,
their combined execution time, and the requests in flight (reference dataverse.md §6, fno_bc.md A8,
B7). The simulator keeps one :class:`ServiceProtection` per server with one budget per
``(host, user)``; the user is the token's ``oid`` (an app token's ``appid``). Limits are off by
default so ordinary tests are never throttled; tests switch them on with small numbers::

    sim.throttling.configure("crm", requests=5, window=2)     # enables protection
    sim.throttling.advance_clock(2)                            # slide the window without sleeping
    sim.throttling.reset()                                     # counters cleared, config restored

Rules kept from the documentation: the request and execution-time limits trip only once exceeded
(the request that crosses the execution limit still runs), the concurrency limit trips at once, and
``Retry-After`` is an integer number of seconds. Business Central queues requests over its
concurrency limit (5) up to a queue length (95) before answering 429.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import math
import threading
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field

from starlette.datastructures import MutableHeaders

from simulator.family_errors import error_reply, send_reply
from simulator.odata import json_body
from simulator.service_limits import ServiceLimits, default_service_limits

BURST_HEADER = "x-ms-ratelimit-burst-remaining-xrm-requests"
TIME_HEADER = "x-ms-ratelimit-time-remaining-xrm-requests"
QUEUE_POLL_SECONDS = 0.005


@dataclass
class Rejection:
    """Why a request was throttled: ``limit`` is ``requests``, ``execution``, ``concurrent`` or ``queue``."""

    limit: str
    retry_after: int
    status: int = 429


@dataclass
class _Budget:
    """One user's usage on one host."""

    arrivals: deque = field(default_factory=deque)  # admission times (throttling clock)
    executions: deque = field(default_factory=deque)  # (finished at, seconds)
    in_flight: int = 0
    waiting: int = 0


def user_of(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller a budget belongs to: the bearer token's ``oid`` (``appid`` for app tokens).

    The signature is not checked here: the service rejects bad tokens itself, and a request with
    no readable token is counted under ``anonymous``.
    """
    for name, value in headers:
        if name.lower() != b"authorization":
            continue
        parts = value.decode("latin-1").split()
        if len(parts) != 2 or parts[0].lower() != "bearer":
            break
        segments = parts[1].split(".")
        if len(segments) != 3:
            break
        try:
            payload = segments[1] + "=" * (-len(segments[1]) % 4)
            claims = json_body.loads(base64.urlsafe_b64decode(payload))
        except (ValueError, TypeError):
            break
        if isinstance(claims, dict):
            for claim in ("oid", "appid", "azp", "sub"):
                if isinstance(claims.get(claim), str) and claims[claim]:
                    return claims[claim].lower()
        break
    return "anonymous"


class ServiceProtection:
    """Per-host, per-user request budgets; thread-safe, shared by every host of one server."""

    def __init__(self, limits: dict[str, ServiceLimits] | None = None, enabled: bool = False):
        self._initial_limits = copy.deepcopy(limits or default_service_limits())
        self._initial_enabled = enabled
        self.limits = copy.deepcopy(self._initial_limits)
        self.enabled = enabled
        self._budgets: dict[tuple[str, str], _Budget] = {}
        self._lock = threading.Lock()
        self._offset = 0.0
        #: How many requests were throttled, by ``(host, limit)``; tests assert on it.
        self.rejections: Counter = Counter()

    # ------------------------------------------------------------------ controls
    def configure(self, host: str | None = None, *, enabled: bool = True, **limits) -> None:
        """Change the limits of ``host`` (every host when None) and switch protection on or off."""
        with self._lock:
            hosts = [host] if host else list(self.limits)
            for name in hosts:
                if name not in self.limits:
                    raise ValueError(f"no service-protection limits for host {name!r}; "
                                     f"hosts: {', '.join(self.limits)}")
                updated = copy.deepcopy(self.limits[name])
                updated.update(**limits)
                self.limits[name] = updated
            self.enabled = enabled

    def active(self, host: str) -> bool:
        """Does protection apply to requests to ``host`` now?"""
        return self.enabled and host in self.limits

    def enable(self) -> None:
        self.enabled = True

    def disable(self) -> None:
        self.enabled = False

    def reset(self) -> None:
        """Forget all usage and go back to the configured limits (and on/off state)."""
        with self._lock:
            self.limits = copy.deepcopy(self._initial_limits)
            self.enabled = self._initial_enabled
            self._budgets.clear()
            self._offset = 0.0
            self.rejections.clear()

    def advance_clock(self, seconds: float) -> None:
        """Slide every window forward, as if ``seconds`` had passed."""
        with self._lock:
            self._offset += seconds

    def now(self) -> float:
        return time.monotonic() + self._offset

    def describe(self) -> dict:
        with self._lock:
            return {"enabled": self.enabled, "limits": {h: asdict(lim) for h, lim in self.limits.items()}}

    # ------------------------------------------------------------------ accounting
    def _budget(self, host: str, user: str) -> _Budget:
        budget = self._budgets.get((host, user))
        if budget is None:
            budget = self._budgets[(host, user)] = _Budget()
        return budget

    @staticmethod
    def _expire(budget: _Budget, now: float, window: float) -> None:
        while budget.arrivals and budget.arrivals[0] <= now - window:
            budget.arrivals.popleft()
        while budget.executions and budget.executions[0][0] <= now - window:
            budget.executions.popleft()

    def admit(self, host: str, user: str) -> Rejection | None:
        """Count one arriving request, or say why it is throttled (it then is not counted)."""
        with self._lock:
            limits = self.limits[host]
            budget = self._budget(host, user)
            now = self.now()
            self._expire(budget, now, limits.window)
            if len(budget.arrivals) >= limits.requests:
                return self._reject(host, "requests", budget.arrivals[0] + limits.window - now)
            if limits.execution_seconds is not None:
                used = sum(seconds for _, seconds in budget.executions)
                if used > limits.execution_seconds:
                    return self._reject(host, "execution", self._execution_wait(budget, used, limits, now))
            budget.arrivals.append(now)
            return None

    def _execution_wait(self, budget: _Budget, used: float, limits: ServiceLimits, now: float) -> float:
        """Seconds until enough execution time leaves the window to be back under the limit."""
        for finished, seconds in budget.executions:
            used -= seconds
            if used <= limits.execution_seconds:
                return finished + limits.window - now
        return limits.window

    def _reject(self, host: str, limit: str, wait: float, status: int = 429) -> Rejection:
        self.rejections[(host, limit)] += 1
        return Rejection(limit, max(1, math.ceil(wait)), status)

    def try_start(self, host: str, user: str, queued: bool) -> Rejection | None | bool:
        """Take a concurrency slot: None = started; a Rejection = refused; True = wait in the queue."""
        with self._lock:
            limits = self.limits[host]
            budget = self._budget(host, user)
            if budget.in_flight < limits.concurrent:
                budget.in_flight += 1
                if queued:
                    budget.waiting -= 1
                return None
            if queued:
                return True
            if budget.waiting < limits.queue:
                budget.waiting += 1
                return True
            self._uncount(budget)
            return self._reject(host, "queue" if limits.queue else "concurrent", 1)

    def give_up_waiting(self, host: str, user: str) -> Rejection:
        with self._lock:
            budget = self._budget(host, user)
            budget.waiting -= 1
            self._uncount(budget)
            return self._reject(host, "queue_timeout", 1, status=503)

    @staticmethod
    def _uncount(budget: _Budget) -> None:
        """A refused request does not use up the request budget (only served requests do)."""
        if budget.arrivals:
            budget.arrivals.pop()

    def finish(self, host: str, user: str, seconds: float) -> None:
        """A request ended: free its slot and charge its execution time."""
        with self._lock:
            budget = self._budget(host, user)
            budget.in_flight = max(0, budget.in_flight - 1)
            budget.executions.append((self.now(), seconds))

    def in_flight(self, host: str) -> int:
        """Requests of every user being served on ``host`` right now."""
        with self._lock:
            return sum(b.in_flight for (h, _), b in self._budgets.items() if h == host)

    def waiting(self, host: str) -> int:
        """Requests of every user queued on ``host`` (Business Central's queue)."""
        with self._lock:
            return sum(b.waiting for (h, _), b in self._budgets.items() if h == host)

    def remaining(self, host: str, user: str) -> tuple[int, float | None]:
        """``(requests left, execution seconds left)`` in the current window."""
        with self._lock:
            limits = self.limits[host]
            budget = self._budget(host, user)
            now = self.now()
            self._expire(budget, now, limits.window)
            burst = max(0, limits.requests - len(budget.arrivals))
            if limits.execution_seconds is None:
                return burst, None
            used = sum(seconds for _, seconds in budget.executions)
            return burst, max(0.0, limits.execution_seconds - used)


# ---------------------------------------------------------------------- messages per family
def _grouped(number: float) -> str:
    return f"{number:,.0f}" if float(number).is_integer() else f"{number:,}"


def rejection_reply(host: str, rejection: Rejection, limits: ServiceLimits, base_url: str = ""):
    """The 429 (or 503 for a BC queue timeout) each family sends, with its documented code and text."""
    requests, window, concurrent = limits.requests, _grouped(limits.window), limits.concurrent
    execution = limits.execution_seconds or 0
    if host == "crm":
        code, message = {
            "requests": ("0x80072322", f"Number of requests exceeded the limit of {requests} over time window "
                                       f"of {window} seconds."),
            "execution": ("0x80072321", "Combined execution time of incoming requests exceeded limit of "
                                        f"{_grouped(execution * 1000)} milliseconds over time window of {window} "
                                        "seconds. Decrease number of concurrent requests or reduce the duration "
                                        "of requests and try again later."),
            "concurrent": ("0x80072326", f"Number of concurrent requests exceeded the limit of {concurrent}."),
        }.get(rejection.limit, ("0x80072326", f"Number of concurrent requests exceeded the limit of {concurrent}."))
    elif host == "fno":
        code = ""
        message = {  # the documentation's spelling ("exeeded") is kept on purpose
            "requests": f"Number of requests exeeded the limit of {requests} over the time window of {window} "
                        "seconds.",
            "execution": f"Combined execution time of incoming requests exceeded limit of {_grouped(execution)} "
                         f"seconds over time window of {window} seconds. Decrease number of concurrent requests "
                         "or reduce the duration of requests and try again later.",
        }.get(rejection.limit, f"Number of concurrent requests exceeded the limit of {concurrent}.")
    else:
        code = "Application_TooManyRequests"
        if rejection.limit == "requests":
            message = f"Too many requests reached. Actual ({requests + 1}). Maximum ({requests})."
        elif rejection.limit == "queue_timeout":
            code, message = "Internal_ServiceUnavailable", ("The request waited too long in the queue of "
                                                              "concurrent requests. Try again later.")
        else:
            message = (f"Too many requests reached. Actual ({concurrent + limits.queue + 1}). "
                       f"Maximum ({concurrent + limits.queue}).")
    return error_reply(host, rejection.status, message, code=code, retry_after=rejection.retry_after,
                       base_url=base_url)


def time_remaining_text(seconds: float) -> str:
    """``1,200.00``: Dataverse's format (comma grouping, two decimals)."""
    return f"{seconds:,.2f}"


# ---------------------------------------------------------------------- ASGI middleware
class ServiceProtectionMiddleware:
    """Enforce :class:`ServiceProtection` for one host; a pass-through while protection is off."""

    def __init__(self, app, host: str, protection: ServiceProtection):
        self.app = app
        self.host = host
        self.protection = protection

    def __getattr__(self, name: str):  # ``sim.apps.crm.state`` still reaches the service app
        return getattr(self.app, name)

    def passes(self, scope) -> bool:
        """Would this guard hand the HTTP request ``scope`` on unchanged (protection off for the host)?"""
        return not self.protection.active(self.host)

    async def __call__(self, scope, receive, send):
        protection = self.protection
        if scope["type"] != "http" or not protection.active(self.host):
            await self.app(scope, receive, send)
            return
        host = self.host
        user = user_of(scope.get("headers", []))
        base_url = _base_url(scope)
        rejection = protection.admit(host, user)
        if rejection is None:
            rejection = await self._start(user)
        if rejection is not None:
            await send_reply(send, rejection_reply(host, rejection, protection.limits[host], base_url))
            return

        async def send_with_budget(message):
            if message["type"] == "http.response.start" and host == "crm":
                burst, seconds = protection.remaining(host, user)
                headers = MutableHeaders(scope=message)
                headers[BURST_HEADER] = str(burst)
                if seconds is not None:
                    headers[TIME_HEADER] = time_remaining_text(seconds)
            await send(message)

        started = time.monotonic()
        try:
            await self.app(scope, receive, send_with_budget)
        finally:
            protection.finish(host, user, time.monotonic() - started)

    async def _start(self, user: str) -> Rejection | None:
        protection = self.protection
        outcome = protection.try_start(self.host, user, queued=False)
        if outcome is not True:
            return outcome
        deadline = time.monotonic() + protection.limits[self.host].queue_timeout
        while True:
            await asyncio.sleep(QUEUE_POLL_SECONDS)
            outcome = protection.try_start(self.host, user, queued=True)
            if outcome is not True:
                return outcome
            if time.monotonic() >= deadline:
                return protection.give_up_waiting(self.host, user)


def _base_url(scope) -> str:
    server = scope.get("server") or ("127.0.0.1", 0)
    return f"{scope.get('scheme', 'http')}://{server[0]}:{server[1]}"
