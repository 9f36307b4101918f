"""The device authorization grant (RFC 8628) as Entra runs it: ``/devicecode``, a sign-in page, polling.

A client posts its ``client_id`` and ``scope`` (v2) or ``resource`` (v1) to ``/devicecode`` and gets
a ``device_code`` to poll with and a short ``user_code`` the user types on the verification page
(here the simulator's own ``/devicelogin``, where real Entra shows ``https://microsoft.com/devicelogin``).
Until the user signs in, polling answers ``authorization_pending`` (AADSTS70016); after
``expires_in`` seconds ``expired_token`` (AADSTS70019). A code is redeemed once. Tests can approve
without the page through :meth:`DeviceCodes.approve`.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from simulator.identity.errors import entra_error
from simulator.identity.scopes import Target
from simulator.identity.state import fingerprint, new_opaque

DEVICE_GRANT_V2 = "urn:ietf:params:oauth:grant-type:device_code"
DEVICE_GRANT_V1 = "device_code"
USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no look-alikes (0/O, 1/I)
DEVICE_CODE_LIFETIME = 900  # Entra: 15 minutes
POLL_INTERVAL = 5  # Entra's answer


@dataclass
class DeviceCode:
    """One pending device sign-in; ``upn`` is set once the user signed in on the verification page."""

    client_id: str
    target: Target
    version: int
    issued_at: float
    expires_in: int
    user_code: str
    upn: str | None = None
    redeemed: bool = False

    def expired(self, now: float) -> bool:
        return now - self.issued_at > self.expires_in


class DeviceCodes:
    """Outstanding device codes by device code (fingerprinted) and by user code."""

    def __init__(self) -> None:
        self._by_device: dict[str, DeviceCode] = {}
        self._by_user: dict[str, DeviceCode] = {}
        self._lock = threading.Lock()

    def issue(self, record: DeviceCode) -> str:
        device_code = new_opaque("DAQABAAEAAA")
        with self._lock:
            self._by_device[fingerprint(device_code)] = record
            self._by_user[record.user_code] = record
        return device_code

    def by_device_code(self, device_code: str) -> DeviceCode | None:
        with self._lock:
            return self._by_device.get(fingerprint(device_code))

    def by_user_code(self, user_code: str) -> DeviceCode | None:
        with self._lock:
            return self._by_user.get(user_code.strip().upper().replace("-", ""))

    def approve(self, user_code: str, upn: str) -> bool:
        """Mark the code as signed in by ``upn`` (what the verification page does); False if unknown."""
        record = self.by_user_code(user_code)
        if record is None:
            return False
        record.upn = upn
        return True

    def clear(self) -> None:
        with self._lock:
            self._by_device.clear()
            self._by_user.clear()


def new_user_code() -> str:
    return "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(9))


def device_code_reply(device_code: str, record: DeviceCode, verification_uri: str, interval: int) -> dict:
    """The ``/devicecode`` answer: v2 uses ``verification_uri`` and numbers, v1 ``verification_url`` and strings."""
    message = (f"To sign in, use a web browser to open the page {verification_uri} and enter the code "
               f"{record.user_code} to authenticate.")
    if record.version == 1:
        return {"user_code": record.user_code, "device_code": device_code, "verification_url": verification_uri,
                "expires_in": str(record.expires_in), "interval": str(interval), "message": message}
    return {"user_code": record.user_code, "device_code": device_code, "verification_uri": verification_uri,
            "expires_in": record.expires_in, "interval": interval, "message": message}


def check_redeemable(record: DeviceCode | None, client_id: str, now: float) -> DeviceCode:
    """The polling answer's error, if any: unknown, other client, expired, pending, already used."""
    if record is None:
        raise entra_error(70000, message="The provided value for the 'device_code' parameter is not valid.")
    if record.client_id.lower() != client_id.lower():
        raise entra_error(70000, message="The device code was issued to a different client.")
    if record.expired(now):
        raise entra_error(70019)
    if record.redeemed:
        raise entra_error(54005)
    if record.upn is None:
        raise entra_error(70016)
    return record
