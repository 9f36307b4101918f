"""Fault injection for tests: make a simulated host fail the next N matching requests on purpose.

One :class:`FaultInjector` per server (``sim.faults``) holds the armed faults; a
:class:`FaultMiddleware` in front of each host applies them. A fault matches on host, HTTP method
and a glob over the request path, and fires ``count`` times (``None``: until cleared)::

    sim.faults.inject(host="crm", path="/api/data/*/accounts*", status=503, count=2, retry_after=1)
    sim.faults.inject(host="crm", method="POST", kind="reset", phase="after")   # lost response
    sim.faults.inject(host="login", path="*/oauth2/*token", status=429, retry_after=1)
    sim.faults.clear()

Kinds:

* ``status``: answer ``status`` in the host's error shape (``retry_after`` adds the header);
* ``reset``: close the connection without any response (the client sees a dropped connection);
* ``slow``: wait ``delay`` seconds, then answer normally;
* ``timeout``: hold the request ``delay`` seconds (longer than the client's timeout) and then drop
  the connection; the wait ends early once the client hangs up.

``phase="before"`` (default) fails the request before the service sees it; ``phase="after"`` lets the
service process it first (a create is committed) and then applies the fault to the response: the
case where a client cannot know whether its write happened.
"""

from __future__ import annotations

import asyncio
import fnmatch
import threading
import uuid
from dataclasses import asdict, dataclass, field, fields

from simulator.family_errors import default_message, error_reply, send_reply

KINDS = ("status", "reset", "slow", "timeout")
PHASES = ("before", "after")
HOSTS = ("login", "crm", "fno", "bc")
DEFAULT_TIMEOUT_HOLD = 60.0


class FaultSpecError(ValueError):
    """A fault description is invalid (bad kind, status, count...)."""


@dataclass
class Fault:
    """One armed fault. ``hits`` counts how often it fired."""

    host: str | None = None  # None: every host
    path: str = "*"  # fnmatch glob over the request path ("/api/data/*/accounts*")
    method: str | None = None  # None: every method
    kind: str = "status"
    status: int = 503
    count: int | None = 1  # None: fire until cleared
    delay: float = 0.0
    retry_after: int | None = None
    phase: str = "before"
    message: str | None = None
    code: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    hits: int = 0

    def __post_init__(self) -> None:
        if self.host is not None and self.host not in HOSTS:
            raise FaultSpecError(f"host must be one of {', '.join(HOSTS)} (or omitted for all), not {self.host!r}")
        if self.kind not in KINDS:
            raise FaultSpecError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.phase not in PHASES:
            raise FaultSpecError(f"phase must be 'before' or 'after', not {self.phase!r}")
        if not isinstance(self.path, str) or not self.path:
            raise FaultSpecError("path must be a non-empty glob such as '/api/data/*/accounts*'")
        if self.method is not None:
            if not isinstance(self.method, str) or not self.method.isalpha():
                raise FaultSpecError(f"method must be an HTTP method name, not {self.method!r}")
            self.method = self.method.upper()
        if isinstance(self.status, bool) or not isinstance(self.status, int) or not 400 <= self.status <= 599:
            raise FaultSpecError(f"status must be an HTTP error status (400-599), not {self.status!r}")
        if self.count is not None and (isinstance(self.count, bool) or not isinstance(self.count, int)
                                       or self.count < 1):
            raise FaultSpecError(f"count must be a positive integer or null (forever), not {self.count!r}")
        if isinstance(self.delay, bool) or not isinstance(self.delay, int | float) or self.delay < 0:
            raise FaultSpecError(f"delay must be a non-negative number of seconds, not {self.delay!r}")
        if self.kind == "timeout" and not self.delay:
            self.delay = DEFAULT_TIMEOUT_HOLD
        if self.retry_after is not None and (isinstance(self.retry_after, bool)
                                             or not isinstance(self.retry_after, int) or self.retry_after < 0):
            raise FaultSpecError(f"retry_after must be a non-negative integer, not {self.retry_after!r}")

    @classmethod
    def from_dict(cls, data: dict, default_host: str | None = None) -> Fault:
        """Build from JSON (the ``POST /_sim/faults`` body); unknown fields are an error."""
        if not isinstance(data, dict):
            raise FaultSpecError("the fault must be a JSON object")
        allowed = {f.name for f in fields(cls)} - {"id", "hits"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise FaultSpecError(f"unknown fault field(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
        values = dict(data)
        if "host" not in values:
            values["host"] = default_host
        elif values["host"] in ("*", "any"):
            values["host"] = None
        try:
            return cls(**values)
        except TypeError as exc:  # pragma: no cover - guarded by the field check above
            raise FaultSpecError(str(exc)) from None

    def matches(self, host: str, method: str, path: str) -> bool:
        return ((self.host is None or self.host == host) and (self.method is None or self.method == method)
                and fnmatch.fnmatchcase(path, self.path))

    def to_dict(self) -> dict:
        return asdict(self)


class FaultInjector:
    """The armed faults of one server; thread-safe (tests arm them, the server's loop fires them)."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        #: Every fired fault as ``(host, method, path, kind)``, for assertions.
        self.fired: list[tuple[str, str, str, str]] = []

    def inject(self, host: str | None = None, path: str = "*", method: str | None = None, *,
               status: int = 503, count: int | None = 1, kind: str = "status", delay: float = 0.0,
               retry_after: int | None = None, phase: str = "before", message: str | None = None,
               code: str | None = None) -> Fault:
        """Arm a fault; returns it (``fault.hits`` tells how often it fired)."""
        return self.add(Fault(host=host, path=path, method=method, kind=kind, status=status, count=count,
                              delay=delay, retry_after=retry_after, phase=phase, message=message, code=code))

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault_id: str) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        """Disarm every fault and forget what fired."""
        with self._lock:
            self._faults.clear()
            self.fired.clear()

    @property
    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    @property
    def armed(self) -> bool:
        """Is any fault armed (for any host)?"""
        return bool(self._faults)

    def take(self, host: str, method: str, path: str) -> Fault | None:
        """The first armed fault matching the request, counted as fired (None when nothing matches)."""
        if not self._faults:  # the hot path: nothing armed
            return None
        with self._lock:
            for fault in self._faults:
                if fault.matches(host, method, path):
                    fault.hits += 1
                    if fault.count is not None and fault.hits >= fault.count:
                        self._faults.remove(fault)
                    self.fired.append((host, method, path, fault.kind))
                    return fault
        return None


# ---------------------------------------------------------------------- ASGI middleware
def _transport_of(send):
    """The connection's asyncio transport (uvicorn keeps it on the object ``send`` is bound to)."""
    return getattr(getattr(send, "__self__", None), "transport", None)


async def _drain(receive) -> None:
    """Read the request body so the client is done sending before the connection drops."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _drop(send) -> None:
    """Close the connection without a response; the server then has nothing left to send."""
    transport = _transport_of(send)
    if transport is None:
        raise ConnectionAbortedError("fault injection: connection reset")
    transport.abort()
    # Let the server see the closed connection before this request ends, so it does not log
    # "returned without starting response" or try to send a 500 on a dead socket.
    for _ in range(3):
        await asyncio.sleep(0)


async def _hold(receive, seconds: float) -> None:
    """Wait up to ``seconds``, returning as soon as the client disconnects."""
    try:
        await asyncio.wait_for(_until_disconnect(receive), timeout=seconds)
    except TimeoutError:
        pass


async def _until_disconnect(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _discard(message) -> None:
    """A ``send`` that throws the service's response away (the response is "lost")."""


class FaultMiddleware:
    """Apply the armed faults of a :class:`FaultInjector` to one host."""

    def __init__(self, app, host: str, injector: FaultInjector):
        self.app = app
        self.host = host
        self.injector = injector

    def __getattr__(self, name: str):
        return getattr(self.app, name)

    def passes(self, scope) -> bool:
        """Would this guard hand the HTTP request ``scope`` on unchanged (no fault armed at all)?"""
        return not self.injector.armed

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fault = self.injector.take(self.host, scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.phase == "before":
            await self.before(fault, scope, receive, send)
        else:
            await self.after(fault, scope, receive, send)

    async def before(self, fault: Fault, scope, receive, send) -> None:
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            await self.app(scope, receive, send)
            return
        await _drain(receive)
        if fault.kind == "status":
            await asyncio.sleep(fault.delay)
            await send_reply(send, self.reply(fault, scope))
        elif fault.kind == "reset":
            await _drop(send)
        else:  # timeout
            await _hold(receive, fault.delay)
            await _drop(send)

    async def after(self, fault: Fault, scope, receive, send) -> None:
        if fault.kind == "slow":
            held: list = []

            async def keep(message):
                held.append(message)

            await self.app(scope, receive, keep)
            await asyncio.sleep(fault.delay)
            for message in held:
                await send(message)
            return
        await self.app(scope, receive, _discard)
        if fault.kind == "status":
            await send_reply(send, self.reply(fault, scope))
        elif fault.kind == "reset":
            await _drop(send)
        else:  # timeout
            await _hold(receive, fault.delay)
            await _drop(send)

    def reply(self, fault: Fault, scope):
        server = scope.get("server") or ("127.0.0.1", 0)
        return error_reply(self.host, fault.status, fault.message or default_message(fault.status),
                           code=fault.code, retry_after=fault.retry_after,
                           base_url=f"{scope.get('scheme', 'http')}://{server[0]}:{server[1]}")
