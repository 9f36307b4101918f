"""Run the simulator: one uvicorn server, one listening socket per simulated host.

Real Dynamics puts the identity provider, the Dataverse org, the F&O environment and Business
Central on different hosts, and tokens are bound to a host (the audience). The simulator keeps
that shape by giving each service its own loopback port and dispatching on the socket a request
arrived on, so one thread and one event loop serve them all.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import uvicorn

from simulator.app import build_apps
from simulator.config import SimConfig
from simulator.faults import FaultInjector
from simulator.limits import MAX_REQUEST_HEAD
from simulator.throttling import ServiceProtection
from simulator.tls import LocalCA

SERVICES = ("login", "crm", "fno", "bc")


class HostDispatcher:
    """ASGI app that forwards to the service app bound to the local port of the connection."""

    def __init__(self, apps_by_port: dict[int, Callable]):
        self.apps_by_port = apps_by_port

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            message = await receive()
            while message["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
                message = await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        port = (scope.get("server") or ("", 0))[1]
        app = self.apps_by_port.get(port)
        if app is None:  # pragma: no cover - only if a socket is not ours
            await send({"type": "http.response.start", "status": 421, "headers": []})
            await send({"type": "http.response.body", "body": b"Misdirected Request"})
            return
        await app(scope, receive, send)


def _bind(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP (not 0) lets asyncio set TCP_NODELAY on accepted connections; without it every
    # response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def uvicorn_config(app, log_level: str, **ssl_options) -> uvicorn.Config:
    """How the simulator runs uvicorn (also used by ``benchmarks/bench_simulator.py`` for its peer)."""
    return uvicorn.Config(app, log_level=log_level, lifespan="on", access_log=False, timeout_keep_alive=30,
                          h11_max_incomplete_event_size=MAX_REQUEST_HEAD, **ssl_options)


class SimulatorServer:
    """Start/stop the whole simulated estate; usable as a context manager.

    ``ports`` maps a service name to a port (0 = any free port). After :meth:`start`,
    ``config.login_url``/``crm_url``/``fno_url``/``bc_url`` hold the base URLs. With ``tls=True``
    every host serves https with a certificate from the local CA in ``tls_dir``
    (simulator/tls.py); ``ca_bundle`` is then the PEM file clients must trust.
    """

    def __init__(self, config: SimConfig | None = None, host: str = "127.0.0.1",
                 ports: dict[str, int] | None = None, log_level: str = "warning", *,
                 tls: bool = False, tls_dir: str | Path | None = None):
        self.config = config or SimConfig()
        self.host = host
        self.ports = {name: 0 for name in SERVICES} | (ports or {})
        self.log_level = log_level
        self.tls = tls
        self.tls_dir = tls_dir
        self.ca_bundle: Path | None = None
        self._ssl_options: dict[str, str] = {}
        self._key_dir: str | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sockets: list[socket.socket] = []
        self.apps = None
        self.on_ready: Callable[[], None] | None = None
        #: Test controls (usable before start): injected failures and service-protection limits.
        self.faults = FaultInjector()
        self.throttling = ServiceProtection(self.config.service_limits, self.config.service_protection)

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    # ------------------------------------------------------------------ lifecycle
    def _prepare_tls(self) -> None:
        """Issue this run's server certificate; its key goes to a private temporary directory."""
        ca = LocalCA.load_or_create(self.tls_dir)
        self._key_dir = tempfile.mkdtemp(prefix="dynamics-sim-tls-")
        certfile, keyfile = ca.issue(self.host).write(Path(self._key_dir), "server")
        self.ca_bundle = ca.bundle_path
        self._ssl_options = {"ssl_certfile": str(certfile), "ssl_keyfile": str(keyfile)}

    def _prepare(self) -> HostDispatcher:
        if self.tls:
            self._prepare_tls()
        by_service: dict[str, socket.socket] = {}
        try:
            for name in SERVICES:
                by_service[name] = _bind(self.host, self.ports[name])
        except OSError:  # e.g. a port in use or not allowed: release the ones already bound
            for sock in by_service.values():
                sock.close()
            self._remove_keys()
            raise
        self._sockets = list(by_service.values())
        for name, sock in by_service.items():
            port = sock.getsockname()[1]
            self.ports[name] = port
            default_port = port == (443 if self.tls else 80)  # URLs leave out the scheme's own port
            setattr(self.config, f"{name}_url",
                    f"{self.scheme}://{self._url_host()}" + ("" if default_port else f":{port}"))
        try:
            self.apps = build_apps(self.config, faults=self.faults, protection=self.throttling)
        except BaseException:  # e.g. an unusable twin $metadata file: do not leave the ports bound
            for sock in self._sockets:
                sock.close()
            self._remove_keys()
            raise
        return HostDispatcher({by_service[name].getsockname()[1]: getattr(self.apps, name)
                               for name in SERVICES})

    def start(self) -> SimulatorServer:
        dispatcher = self._prepare()
        self._server = uvicorn.Server(uvicorn_config(dispatcher, self.log_level, **self._ssl_options))
        self._thread = threading.Thread(target=self._run, name="dynamics-simulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulator did not start")
            time.sleep(0.01)
        return self

    def _run(self) -> None:
        assert self._server is not None
        asyncio.run(self._server.serve(sockets=self._sockets))

    def serve_forever(self) -> None:
        """Foreground mode for ``python -m simulator``; ``on_ready`` runs once the sockets are bound."""
        dispatcher = self._prepare()
        if self.on_ready is not None:
            self.on_ready()
        uv_config = uvicorn.Config(dispatcher, log_level=self.log_level, lifespan="on",
                                   h11_max_incomplete_event_size=MAX_REQUEST_HEAD, **self._ssl_options)
        self._server = uvicorn.Server(uv_config)
        try:
            asyncio.run(self._server.serve(sockets=self._sockets))
        finally:
            for sock in self._sockets:
                sock.close()
            if self.apps is not None:
                self.apps.close()
            self._remove_keys()

    def _url_host(self) -> str:
        """The host name in URLs: the bound address (``localhost`` for a wildcard bind)."""
        return "localhost" if self.host in ("0.0.0.0", "::", "") else self.host

    def _remove_keys(self) -> None:
        if self._key_dir is not None:
            shutil.rmtree(self._key_dir, ignore_errors=True)
            self._key_dir = None

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        for sock in self._sockets:
            sock.close()
        if self.apps is not None:
            self.apps.close()
        self._remove_keys()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
