"""Keep secrets out of reprs, logs and error messages: the values seen in this run.

:class:`Secret` wraps a sensitive string so that printing a settings object, a dataclass or an
exception can never show it by accident; code that really needs the value calls ``reveal()``.
Every secret the harness sees (settings, issued tokens, secret Postman variables) is passed to
:func:`register_secret`; :func:`redact` masks those values plus whatever the policy
(:mod:`harness.secrets.policy`) says is secret-shaped, and the cassette persister scrubs them too
(:func:`registered_secrets`). :class:`RedactingFilter` applies :func:`redact` to log records.
"""

from __future__ import annotations

import hmac
import logging
import re
import threading

from harness.secrets.policy import MASK, POLICY

_SHOWN = "********"
# Shorter values are not registered: masking "a" or "1" everywhere would make logs unreadable.
MIN_REGISTERED_LENGTH = 4


class Secret:
    """A string that only shows itself through :meth:`reveal`.

    ``str``/``repr``/``format`` give ``Secret('********')``. It is deliberately *not* a ``str``
    subclass, so ``json.dumps`` refuses it and string concatenation fails loudly instead of
    leaking the value.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str):
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError(f"Secret wraps a str, not {type(value).__name__}")
        self._value = value

    def reveal(self) -> str:
        """The real value; call it only where the value is sent to the identity provider."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{_SHOWN}')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("harness.Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self):  # pickling keeps the value (multiprocessing needs it) but never prints it
        return (Secret, (self._value,))


# --------------------------------------------------------------------------- registry
_lock = threading.Lock()
_registered: dict[str, str] = {}  # value -> placeholder label (PASSWORD, REFRESH_TOKEN...)
_registered_pattern: re.Pattern[str] | None = None
# Looser than the policy's JWT rule (for logs, a truncated JWT is still masked).
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_AUTH_HEADER = re.compile(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+")


def register_secret(value: str | Secret | None, label: str = "SECRET") -> None:
    """Remember ``value`` so :func:`redact`, :class:`RedactingFilter` and the cassette scrubber mask
    it from now on (``label`` names its cassette placeholder, ``<LABEL_n>``)."""
    global _registered_pattern
    if value is None:
        return
    text = value.reveal() if isinstance(value, Secret) else str(value)
    if len(text) < MIN_REGISTERED_LENGTH:
        return
    with _lock:
        if text in _registered:
            return
        _registered[text] = label
        _registered_pattern = None  # rebuilt on the next redact(): registering many is cheap


def _pattern() -> re.Pattern[str] | None:
    global _registered_pattern
    with _lock:
        if _registered_pattern is None and _registered:
            # Longest first, so a secret containing another one is masked as a whole.
            ordered = sorted(_registered, key=len, reverse=True)
            _registered_pattern = re.compile("|".join(re.escape(item) for item in ordered))
        return _registered_pattern


def registered_secrets() -> list[tuple[str, str]]:
    """(value, label) of every secret registered so far in this process."""
    with _lock:
        return list(_registered.items())


def is_registered(value: str) -> bool:
    with _lock:
        return value in _registered


def redact(text: str) -> str:
    """``text`` with registered secrets and everything the policy calls secret-shaped masked."""
    if not text:
        return text
    pattern = _pattern()
    if pattern is not None:
        text = pattern.sub(MASK, text)
    text = _JWT.sub(MASK, text)
    text = _AUTH_HEADER.sub(lambda m: f"{m.group(1)} {MASK}" if m.group(0).split()[-1] != MASK else m.group(0),
                            text)
    return POLICY.mask_text(text)


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites each record's message with :func:`redact`.

    Attach it to a logger (records created there) or to a handler (every record it emits). The
    message is formatted once here, so arguments holding secrets are masked too; a traceback is
    pre-formatted and masked as well.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to logging's own error handling
            return True
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# Libraries that log request and response contents where the record is made: vcrpy's "Appending
# request ... and response ..." (a token reply, before the harness has learned the new refresh token),
# its replay lines, urllib3's request lines. A filter on their own loggers masks each record before
# it propagates to any handler (pytest's, --log-file, a user's logging.basicConfig).
LIBRARY_LOGGERS = ("vcr", "vcr.cassette", "vcr.stubs", "vcr.matchers", "vcr.request", "vcr.patch",
                   "urllib3.connectionpool", "requests_oauthlib.oauth2_session")


def guard_library_loggers() -> None:
    """Put a :class:`RedactingFilter` on each of :data:`LIBRARY_LOGGERS` (idempotent)."""
    for name in LIBRARY_LOGGERS:
        install_redaction(logging.getLogger(name))


def install_redaction(target: logging.Logger | logging.Handler) -> RedactingFilter:
    """Add one :class:`RedactingFilter` to a logger or handler (idempotent)."""
    for existing in target.filters:
        if isinstance(existing, RedactingFilter):
            return existing
    flt = RedactingFilter()
    target.addFilter(flt)
    return flt
