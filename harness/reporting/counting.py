"""Count HTTP exchanges at the transport, whichever ``requests.Session`` sends them.

Counting in :meth:`requests.adapters.HTTPAdapter.send` sees every exchange of a test: the suite
clients on the shared ``harness_session``, the token endpoint, the Postman runner's own session,
record sweeps at teardown, and each hop of a redirect. It sits above vcrpy's patched connections,
so a replayed exchange counts the same as a recorded or live one. Exchanges sent with other
libraries (``httpx``, ``urllib``) are not counted.
"""

from __future__ import annotations

import functools
import threading

from requests.adapters import HTTPAdapter


class ExchangeCounter:
    """A process-wide counter of ``HTTPAdapter.send`` calls; :meth:`take` reads and resets it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._original = None
        self._wrapper = None
        self._active = False

    def install(self) -> None:
        """Wrap ``HTTPAdapter.send`` (once); :meth:`uninstall` restores it."""
        if self._active:
            return
        original = HTTPAdapter.send
        counter = self

        @functools.wraps(original)
        def send(adapter, request, *args, **kwargs):
            if counter._active:
                with counter._lock:
                    counter._count += 1
            return original(adapter, request, *args, **kwargs)

        self._original, self._wrapper, self._active = original, send, True
        HTTPAdapter.send = send  # type: ignore[method-assign]

    def uninstall(self) -> None:
        """Stop counting; restore ``HTTPAdapter.send`` unless someone wrapped it after us (then
        our wrapper stays in their chain as a pass-through, so their patch is not undone)."""
        if not self._active:
            return
        self._active = False
        if HTTPAdapter.send is self._wrapper:
            HTTPAdapter.send = self._original  # type: ignore[method-assign]

    @property
    def installed(self) -> bool:
        return self._active

    def take(self) -> int:
        """Exchanges since the last call (the phase of the test that just ran)."""
        with self._lock:
            count, self._count = self._count, 0
        return count
