"""Trust a private CA (the https simulator's) for some origins of one ``requests`` session only.

``session.verify = bundle`` is not enough: requests lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``
from the environment win over it (psf/requests#3829), and setting those variables would change
every other request of the process. An adapter mounted on the simulator's origins pins the CA
for exactly those URLs, whatever the environment says; every other URL keeps the normal checks.
"""

from __future__ import annotations

from pathlib import Path

import requests
from requests.adapters import HTTPAdapter


class PinnedCAAdapter(HTTPAdapter):
    """Verify against ``bundle`` unless the caller switched verification off or named its own CA."""

    def __init__(self, bundle: str | Path, **kwargs):
        self.bundle = str(bundle)
        super().__init__(**kwargs)

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        if verify is not False:
            verify = self.bundle
        return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)


def trust_ca(session: requests.Session, bundle: str | Path, origins: list[str]) -> requests.Session:
    """Mount :class:`PinnedCAAdapter` on each ``https://host:port`` of ``origins``; returns ``session``."""
    adapter = PinnedCAAdapter(bundle)
    for origin in dict.fromkeys(origins):
        if origin.startswith("https://"):
            session.mount(origin.rstrip("/") + "/", adapter)
    return session
