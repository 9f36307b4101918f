"""Token cache: reuse access tokens across test sessions and processes until shortly before expiry.

Entries are keyed by (authority, tenant, client, resource, user, grant) and hold only what the IdP
returned (access + refresh token, expiry): never a password or client secret. The file cache lives
outside the repository by default (``~/.cache/dynamics-harness/tokens.json``), is created with mode
0600 in a 0700 directory, and is updated under an ``fcntl`` lock with write-to-temp + atomic
rename, so parallel pytest-xdist workers and CLI runs can share it safely.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.auth.token import AccessToken, safe_claims
from harness.errors import HarnessError
from harness.secrets import Secret, register_secret
from harness.settings.target_settings import TargetSettings

try:  # POSIX only; elsewhere the cache still works, without cross-process locking
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("harness.auth")
FORMAT_VERSION = 1


def cache_key(target: TargetSettings, grant: str | None = None) -> str:
    """The cache key of a target's tokens: authority, tenant, client, resource, user, grant."""
    parts = [target.authority, target.tenant_id or "", target.client_id or "", target.audience,
             target.username or "", grant or target.grant_type]
    return "|".join(part.lower() for part in parts)


@dataclass(frozen=True)
class CacheEntry:
    """What is stored per key. ``access_token`` is None after the service rejected it."""

    access_token: Secret | None
    expires_at: float
    token_type: str = "Bearer"
    refresh_token: Secret | None = None
    stored_at: float = 0.0

    @classmethod
    def from_token(cls, token: AccessToken) -> CacheEntry:
        return cls(token.value, token.expires_at, token.token_type, token.refresh_token, time.time())

    def usable(self, skew: float, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return self.access_token is not None and self.expires_at - skew > now

    def to_token(self) -> AccessToken:
        assert self.access_token is not None
        return AccessToken(self.access_token, self.expires_at, self.token_type, self.refresh_token,
                           safe_claims(self.access_token.reveal()), source="cache")

    def without_access_token(self) -> CacheEntry:
        return CacheEntry(None, 0.0, self.token_type, self.refresh_token, self.stored_at)

    def to_json(self) -> dict:
        return {"access_token": self.access_token.reveal() if self.access_token else None,
                "expires_at": self.expires_at, "token_type": self.token_type,
                "refresh_token": self.refresh_token.reveal() if self.refresh_token else None,
                "stored_at": self.stored_at}

    @classmethod
    def from_json(cls, data: dict) -> CacheEntry:
        access, refresh = data.get("access_token"), data.get("refresh_token")
        for value, label in ((access, "ACCESS_TOKEN"), (refresh, "REFRESH_TOKEN")):
            if value:
                register_secret(value, label)
        return cls(Secret(access) if isinstance(access, str) and access else None,
                   float(data.get("expires_at") or 0), str(data.get("token_type") or "Bearer"),
                   Secret(refresh) if isinstance(refresh, str) and refresh else None,
                   float(data.get("stored_at") or 0))


class TokenCache(ABC):
    """Storage of :class:`CacheEntry` by key. ``hits``/``misses`` count :meth:`get` outcomes."""

    def __init__(self) -> None:
        self.hits = 0
        self.misses = 0

    @abstractmethod
    def _load(self, key: str) -> CacheEntry | None: ...

    @abstractmethod
    def _update(self, key: str, entry: CacheEntry | None) -> None: ...

    def get(self, key: str) -> CacheEntry | None:
        entry = self._load(key)
        if entry is None:
            self.misses += 1
        else:
            self.hits += 1
        return entry

    def put(self, key: str, entry: CacheEntry) -> None:
        self._update(key, entry)

    def remove(self, key: str) -> None:
        self._update(key, None)

    def invalidate_access(self, key: str) -> None:
        """Forget the access token (the service rejected it) but keep the refresh token."""
        entry = self._load(key)
        if entry is not None:
            self._update(key, entry.without_access_token())


class MemoryTokenCache(TokenCache):
    """Process-local cache (tests, ``HARNESS_TOKEN_CACHE=off``)."""

    def __init__(self) -> None:
        super().__init__()
        self._entries: dict[str, CacheEntry] = {}
        self._lock = threading.Lock()

    def _load(self, key: str) -> CacheEntry | None:
        with self._lock:
            return self._entries.get(key)

    def _update(self, key: str, entry: CacheEntry | None) -> None:
        with self._lock:
            if entry is None:
                self._entries.pop(key, None)
            else:
                self._entries[key] = entry

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._entries)


def _make_private_dirs(directory: Path) -> None:
    """Create ``directory`` and missing parents with mode 0700 (only the ones created here)."""
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            continue
        os.chmod(path, 0o700)  # mkdir's mode is reduced by the umask


class FileTokenCache(TokenCache):
    """JSON file cache, mode 0600, shared safely between processes."""

    def __init__(self, path: str | Path, *, skew: float = 120):
        super().__init__()
        self.path = Path(path).expanduser()
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.skew = skew
        self._thread_lock = threading.Lock()

    # ------------------------------------------------------------------ file access
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._thread_lock:
            try:
                _make_private_dirs(self.path.parent)
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                raise HarnessError(f"cannot use the token cache {self.path} ({exc.strerror}); set "
                                   "HARNESS_TOKEN_CACHE to a writable path or to 'off'") from exc
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)

    def _read_all(self) -> dict[str, dict]:
        try:
            with open(self.path, encoding="utf-8") as handle:
                mode = os.fstat(handle.fileno()).st_mode
                if mode & 0o077:
                    log.warning("token cache %s was readable by others; setting its mode to 0600", self.path)
                    os.fchmod(handle.fileno(), 0o600)
                data = json.load(handle)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("token cache %s is unreadable (%s); starting a new one", self.path, type(exc).__name__)
            return {}
        tokens = data.get("tokens") if isinstance(data, dict) else None
        if not isinstance(tokens, dict) or data.get("version") != FORMAT_VERSION:
            log.warning("token cache %s has an unknown format; starting a new one", self.path)
            return {}
        return {key: value for key, value in tokens.items() if isinstance(value, dict)}

    def _write_all(self, tokens: dict[str, dict]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"version": FORMAT_VERSION, "tokens": tokens}, handle, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    # ------------------------------------------------------------------ TokenCache
    def _load(self, key: str) -> CacheEntry | None:
        data = self._read_all().get(key)  # atomic rename: readers never see a half-written file
        if data is None:
            return None
        try:
            return CacheEntry.from_json(data)
        except (TypeError, ValueError):
            return None

    def _update(self, key: str, entry: CacheEntry | None) -> None:
        with self._locked():
            tokens = self._read_all()
            if entry is None:
                tokens.pop(key, None)
            else:
                tokens[key] = entry.to_json()
            now = time.time()
            # Housekeeping: drop entries that can no longer give a token.
            tokens = {k: v for k, v in tokens.items()
                      if v.get("refresh_token") or float(v.get("expires_at") or 0) > now}
            self._write_all(tokens)

    def invalidate_access(self, key: str) -> None:
        """Read-modify-write under the lock, so a token another process just stored is not lost."""
        with self._locked():
            tokens = self._read_all()
            if key in tokens:
                tokens[key] = {**tokens[key], "access_token": None, "expires_at": 0.0}
                self._write_all(tokens)

    def keys(self) -> list[str]:
        return list(self._read_all())


def open_cache(path: str | Path | None) -> TokenCache:
    """A :class:`FileTokenCache` at ``path`` or a :class:`MemoryTokenCache` when ``path`` is None."""
    return MemoryTokenCache() if path is None else FileTokenCache(path)
