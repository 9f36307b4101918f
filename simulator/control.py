"""The ``/_sim/`` control API on every simulated host, and the middleware stack around each service.

Tests in the same process use ``sim.faults`` and ``sim.throttling`` directly; a test driving a
simulator in another process (``python -m simulator``) uses the same controls over HTTP, in the
spirit of moto's server mode. Every host answers (no authentication: the simulator is loopback-only):

* ``GET /_sim/faults``: the armed faults; ``POST /_sim/faults`` arms one (JSON body with the fields of
  :class:`~simulator.faults.Fault`; ``host`` defaults to the host that received the call, ``"*"``
  means every host) and answers 201 with the fault; ``DELETE /_sim/faults`` disarms all;
  ``DELETE /_sim/faults/{id}`` disarms one.
* ``GET /_sim/throttling``: service-protection state; ``POST /_sim/throttling`` changes it (JSON:
  ``enabled``, optional ``host``, and limit fields ``requests``, ``window``, ``concurrent``,
  ``execution_seconds``, ``queue``, ``queue_timeout``; ``advance_clock`` slides the windows).
* ``POST /_sim/reset``: disarm every fault and reset service protection to its configuration.

Malformed calls get 400 ``{"error": {"code": "BadRequest", "message": ...}}`` naming the problem.
"""

from __future__ import annotations

import json

from simulator.faults import Fault as FaultSpec
from simulator.faults import FaultInjector, FaultMiddleware, FaultSpecError
from simulator.limits import RequestLimits
from simulator.odata import json_body
from simulator.throttling import ServiceProtection, ServiceProtectionMiddleware

PREFIX = "/_sim/"


async def _read_json(receive):
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    raw = b"".join(chunks).strip()
    if not raw:
        return {}
    try:
        return json_body.loads(raw)
    except ValueError as exc:
        raise FaultSpecError(f"the body is not valid JSON ({exc})") from None


async def _send_json(send, status: int, payload) -> None:
    body = b"" if payload is None else json.dumps(payload).encode()
    headers = [(b"content-length", str(len(body)).encode())]
    if payload is not None:
        headers.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _problem(message: str) -> dict:
    return {"error": {"code": "BadRequest", "message": message}}


class ControlEndpoint:
    """Serve ``/_sim/...`` for one host; everything else goes to the wrapped app."""

    def __init__(self, app, host: str, faults: FaultInjector, protection: ServiceProtection,
                 guards: tuple = (), inner=None):
        self.app = app
        self.host = host
        self.faults = faults
        self.protection = protection
        self._guards = guards  # the guards inside ``app``, each able to tell whether it would pass a request on
        self._inner = inner  # the app inside those guards

    def __getattr__(self, name: str):
        return getattr(self.app, name)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            if self._inner is not None and scope["type"] == "http" and all(g.passes(scope) for g in self._guards):
                await self._inner(scope, receive, send)  # what every guard would do: pass it on
            else:
                await self.app(scope, receive, send)
            return
        try:
            status, payload = await self.handle(scope["method"], scope["path"][len(PREFIX):].rstrip("/"), receive)
        except (FaultSpecError, ValueError) as exc:
            status, payload = 400, _problem(str(exc))
        await _send_json(send, status, payload)

    async def handle(self, method: str, path: str, receive) -> tuple[int, object]:
        if path == "faults":
            if method == "GET":
                return 200, {"faults": [f.to_dict() for f in self.faults.active]}
            if method == "POST":
                fault = FaultSpec.from_dict(await _read_json(receive), default_host=self.host)
                return 201, self.faults.add(fault).to_dict()
            if method == "DELETE":
                self.faults.clear()
                return 204, None
            return 405, _problem(f"{method} is not allowed on /_sim/faults (use GET, POST or DELETE)")
        if path.startswith("faults/"):
            if method != "DELETE":
                return 405, _problem(f"{method} is not allowed on /_sim/faults/{{id}} (use DELETE)")
            if self.faults.remove(path.split("/", 1)[1]):
                return 204, None
            return 404, _problem(f"no armed fault with id {path.split('/', 1)[1]!r}")
        if path == "throttling":
            if method == "GET":
                return 200, self.protection.describe()
            if method == "POST":
                return 200, self.configure_throttling(await _read_json(receive))
            return 405, _problem(f"{method} is not allowed on /_sim/throttling (use GET or POST)")
        if path == "reset":
            if method != "POST":
                return 405, _problem(f"{method} is not allowed on /_sim/reset (use POST)")
            self.faults.clear()
            self.protection.reset()
            return 204, None
        return 404, _problem(f"unknown control endpoint /_sim/{path}; use /_sim/faults, /_sim/throttling "
                             "or /_sim/reset")

    def configure_throttling(self, data) -> dict:
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        data = dict(data)
        advance = data.pop("advance_clock", None)
        enabled = data.pop("enabled", True)
        host = data.pop("host", None)
        if not isinstance(enabled, bool):
            raise ValueError("enabled must be true or false")
        self.protection.configure(host, enabled=enabled, **data)
        if advance is not None:
            if isinstance(advance, bool) or not isinstance(advance, int | float) or advance < 0:
                raise ValueError("advance_clock must be a non-negative number of seconds")
            self.protection.advance_clock(advance)
        return self.protection.describe()


def wrap_service(app, host: str, faults: FaultInjector, protection: ServiceProtection):
    """Control API → request limits (simulator/limits.py) → service protection → fault injection → the app.

    Protection sits outside the faults so an injected slow or failing request still counts against
    the caller's budget and holds a concurrency slot, as a slow request on the real service would.
    A request that no guard would act on (URL within the limit, no fault armed, protection off for the
    host: the usual case) goes straight to the app; the checks are the guards' own.
    """
    faulted = FaultMiddleware(app, host, faults)
    protected = ServiceProtectionMiddleware(faulted, host, protection)
    limited = RequestLimits(protected, host)
    return ControlEndpoint(limited, host, faults, protection, guards=(limited, protected, faulted), inner=app)
