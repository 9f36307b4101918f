"""Retries with backoff for transient failures, and the rules that keep a retry from doing harm.

Dynamics answers 429 (service protection) and 503 with ``Retry-After``; networks drop connections
and time out. Retrying is right for those, but a retry must never change the outcome: a create
sent twice must not make two records. The rules, by what the first failure says about the request:

* **Not processed**: the service refused it (429, 503) or it never left the client (connection
  refused, connect timeout, token endpoint throttled or unreachable). Any method is retried, except
  that a ``POST`` counts a 429 or 503 as not processed only when the answer proves it: Dataverse's
  service-protection 429s (error codes ``0x80072322``/``0x80072321``/``0x80072326``, documented as
  refused before processing). Any other 429/503 to a create may come from a layer that answered after
  the service committed, so it is treated as *outcome unknown* below (probe first).
* **Outcome unknown**: the response was lost (connection reset after sending, read timeout) or a
  gateway failed in front of the service (502, 504). Retried only when sending again cannot differ
  from sending once:

  - ``GET``/``HEAD``/``OPTIONS``/``PUT``/``DELETE``: idempotent by definition; retried.
  - ``PATCH`` without ``If-Match``/``If-None-Match`` or with ``If-Match: *``: it sets the same values
    again (Dataverse's PATCH is an upsert, but the key is in the URL, so a second send updates the
    record the first one made); retried.
  - ``PATCH``/``DELETE`` with a specific ``If-Match`` ETag, or ``If-None-Match: *``: if the first
    send landed, the retry fails with 412 for a change that actually succeeded, and no read can tell
    our change from someone else's; not retried, :class:`OutcomeUnknownError` says so.
  - ``POST``: retried only with a *probe*, a read that tells whether the record exists (by a
    client-generated key in the body or by a unique value). The probe runs before every re-send;
    if the record is there the create is complete and is not sent again. A later attempt that
    fails with a 4xx (a duplicate key) is probed too, so a first send that landed late still counts.

``Retry-After`` is honoured up to :attr:`RetryPolicy.max_retry_after`; a longer wait ends the
retries (the error says how long the service asked to wait) instead of hammering a throttled
service. Every retry is logged at INFO on ``harness.odata.retry`` (method and redacted URL, never
headers or bodies) and counted in :class:`RetryStats`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from harness.odata.errors import ODataConnectionError, redact_url

log = logging.getLogger("harness.odata.retry")

NOT_PROCESSED = "not_processed"
UNKNOWN = "unknown"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# 4xx answers to a re-sent create that may mean "the first send already made it" (duplicate key).
DUPLICATE_STATUSES = frozenset({400, 409, 412})
# Dataverse service-protection error codes: the request was refused before it was processed.
SERVICE_PROTECTION_CODES = frozenset({"0x80072322", "0x80072321", "0x80072326"})


class OutcomeUnknownError(ODataConnectionError):
    """A write failed in a way that leaves its outcome unknown, and re-sending it could do harm."""

    def __init__(self, message: str, *, method: str, url: str, attempts: int):
        super().__init__(message)
        self.method = method
        self.url = url
        self.attempts = attempts


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry. ``max_attempts`` counts the first try (1 = no retry)."""

    max_attempts: int = 4
    backoff: float = 0.5  # first wait without Retry-After; doubles per attempt
    max_backoff: float = 8.0
    max_retry_after: float = 30.0  # longest Retry-After honoured; a longer one ends the retries
    retry_statuses: frozenset[int] = frozenset({429, 502, 503, 504})
    not_processed_statuses: frozenset[int] = frozenset({429, 503})
    jitter: float = 0.2  # +/- fraction added to backoff waits (not to Retry-After)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.backoff < 0 or self.max_backoff < 0 or self.max_retry_after < 0:
            raise ValueError("backoff, max_backoff and max_retry_after must not be negative")

    def backoff_for(self, retry_number: int) -> float:
        """The wait before retry ``retry_number`` (1-based) when the service gave no ``Retry-After``."""
        base = min(self.max_backoff, self.backoff * (2 ** (retry_number - 1)))
        return max(0.0, base * (1 + random.uniform(-self.jitter, self.jitter)))


NO_RETRY = RetryPolicy(max_attempts=1)


@dataclass
class RetryStats:
    """Counters a test (or a run summary) can read; thread-safe."""

    requests: int = 0  # logical requests (each may take several attempts)
    attempts: int = 0
    retries: int = 0
    gave_up: int = 0
    recovered: int = 0  # creates confirmed by a probe instead of being sent again
    reasons: Counter = field(default_factory=Counter)  # "429", "503", "timeout", "connection", "token 503"...
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def reason(self, reason: str) -> None:
        with self._lock:
            self.reasons[reason] += 1


@dataclass
class Failure:
    """One failed attempt: why, whether the service may have acted on it, and what it asked for."""

    reason: str
    processed: str  # NOT_PROCESSED or UNKNOWN
    retry_after: float | None = None
    response: requests.Response | None = None
    error: BaseException | None = None


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date); None when absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def classify_response(response: requests.Response, policy: RetryPolicy) -> Failure | None:
    """A retryable failure for an error status, or None."""
    status = response.status_code
    if status not in policy.retry_statuses:
        return None
    processed = NOT_PROCESSED if status in policy.not_processed_statuses else UNKNOWN
    return Failure(str(status), processed, parse_retry_after(response.headers.get("Retry-After")), response)


def proves_not_processed(response: requests.Response) -> bool:
    """Whether an error answer itself shows the service did not act on the request."""
    if response.status_code != 429:
        return False
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return False
    return isinstance(error, dict) and str(error.get("code", "")).lower() in SERVICE_PROTECTION_CODES


def classify_exception(exc: BaseException) -> Failure | None:
    """A retryable failure for a transport or token-endpoint exception, or None."""
    from harness.auth.errors import AuthError  # lazily: the OData layer does not need auth to load

    if isinstance(exc, AuthError):
        # The token request failed; no service request was sent. Only outages are worth retrying:
        # a wrong password stays wrong.
        cause = exc.__cause__
        if exc.status in (429, 503) or exc.error == "temporarily_unavailable":
            return Failure(f"token {exc.status}", NOT_PROCESSED, parse_retry_after(exc.retry_after), error=exc)
        if isinstance(cause, requests.Timeout | requests.ConnectionError):
            return Failure("token connection", NOT_PROCESSED, error=exc)
        return None
    if isinstance(exc, requests.ConnectTimeout):
        return Failure("connect timeout", NOT_PROCESSED, error=exc)
    if isinstance(exc, requests.Timeout):
        return Failure("timeout", UNKNOWN, error=exc)
    if isinstance(exc, requests.ConnectionError):
        if _never_connected(exc):
            return Failure("connection refused", NOT_PROCESSED, error=exc)
        return Failure("connection", UNKNOWN, error=exc)
    return None


def _never_connected(exc: requests.ConnectionError) -> bool:
    """True when the TCP connection was never made, so the request cannot have reached the service."""
    import urllib3.exceptions

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, urllib3.exceptions.NewConnectionError | ConnectionRefusedError):
            return True
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException) and id(reason) not in seen:
            current = reason
            continue
        current = current.__cause__ or current.__context__
        if current is None and exc.args and isinstance(exc.args[0], BaseException) and id(exc.args[0]) not in seen:
            current = exc.args[0]
    return False


def replay_is_safe(method: str, headers: Mapping[str, Any]) -> bool:
    """Whether re-sending a request whose outcome is unknown cannot change the result (see module doc)."""
    method = method.upper()
    lowered = {k.lower(): v for k, v in headers.items() if v is not None}
    conditional = lowered.get("if-none-match") is not None or (
        lowered.get("if-match") not in (None, "*"))
    if method in ("PATCH", "DELETE"):
        return not conditional
    return method in IDEMPOTENT_METHODS


Probe = Callable[[], Any]  # returns a truthy result when the record exists, else None
Send = Callable[[], requests.Response]


class Retrier:
    """Runs one logical request through :class:`RetryPolicy`; raises or returns the last answer."""

    def __init__(self, policy: RetryPolicy, stats: RetryStats | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 on_throttled: Callable[[float], None] | None = None):
        self.policy = policy
        self.stats = stats or RetryStats()
        self.sleep = sleep
        self.on_throttled = on_throttled

    def run(self, send: Send, *, method: str, url: str, headers: Mapping[str, Any],
            probe: Probe | None = None) -> tuple[requests.Response | None, Any]:
        """``(response, None)`` normally; ``(None, result)`` when the work turned out to be done already:
        a probe found the created record (``result`` is the probe's answer), or a re-sent DELETE
        answered 404 after the first attempt's response was lost (``result`` is that 404 response,
        which the caller should not treat as an error)."""
        policy = self.policy
        method = method.upper()
        shown = f"{method} {redact_url(url)}"
        self.stats.add(requests=1)
        unknown_before = False
        for attempt in range(1, policy.max_attempts + 1):
            if attempt > 1 and unknown_before and probe is not None:
                found = probe()
                if found:
                    self.stats.add(recovered=1)
                    log.info("%s: the earlier attempt had landed (found by probe); not sending again", shown)
                    return None, found
            self.stats.add(attempts=1)
            try:
                response = send()
            except Exception as exc:  # noqa: BLE001 - classified below, re-raised when not retryable
                failure = classify_exception(exc)
                if failure is None:
                    raise
            else:
                if attempt > 1 and unknown_before and method == "DELETE" and response.status_code == 404:
                    self.stats.add(recovered=1)
                    log.info("%s: 404 on the re-sent delete; the earlier attempt had deleted it", shown)
                    return None, response
                if (attempt > 1 and unknown_before and probe is not None
                        and response.status_code in DUPLICATE_STATUSES):
                    found = probe()
                    if found:
                        self.stats.add(recovered=1)
                        log.info("%s: re-send answered %s but the first attempt had landed (found by probe)",
                                 shown, response.status_code)
                        return None, found
                failure = classify_response(response, policy)
                if failure is None:
                    return response, None
                if method == "POST" and failure.processed == NOT_PROCESSED and not proves_not_processed(response):
                    failure.processed = UNKNOWN  # a create may have committed before the 429/503: probe first
            if failure.retry_after is not None and failure.reason in ("429", "token 429") \
                    and self.on_throttled is not None:
                self.on_throttled(failure.retry_after)
            verdict = self._verdict(failure, attempt, method, headers, probe)
            if verdict is not None:
                self.stats.add(gave_up=1)
                return self._give_up(failure, verdict, shown, method, url, attempt)
            unknown_before = unknown_before or failure.processed == UNKNOWN
            wait = failure.retry_after if failure.retry_after is not None else policy.backoff_for(attempt)
            self.stats.add(retries=1)
            self.stats.reason(failure.reason)
            log.info("%s failed (%s, attempt %d of %d); retrying in %.2f s", shown, failure.reason, attempt,
                     policy.max_attempts, wait)
            if failure.response is not None:
                failure.response.close()
            self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _verdict(self, failure: Failure, attempt: int, method: str, headers: Mapping[str, Any],
                 probe: Probe | None) -> str | None:
        """Why not to retry (None: retry)."""
        if attempt >= self.policy.max_attempts:
            return f"gave up after {attempt} attempt(s)"
        if failure.retry_after is not None and failure.retry_after > self.policy.max_retry_after:
            return (f"the service asked to wait {failure.retry_after:g} s (Retry-After), more than "
                    f"max_retry_after={self.policy.max_retry_after:g} s")
        if failure.processed == UNKNOWN and not replay_is_safe(method, headers) and probe is None:
            return "unsafe"
        return None

    def _give_up(self, failure: Failure, verdict: str, shown: str, method: str, url: str,
                 attempt: int) -> tuple[requests.Response | None, Any]:
        if verdict == "unsafe":
            what = ("a create (POST) without a client-generated key or unique value to check for"
                    if method == "POST" else "a conditional write (If-Match / If-None-Match)")
            message = (f"{shown}: {failure.reason}; the service may or may not have applied it, and it was not "
                       f"sent again because it is {what}, so a retry could duplicate or wrongly reject it. "
                       "Read the record to find out"
                       + (", or pass the key in the body / unique_field= so retries can check."
                          if method == "POST" else "."))
            log.warning("%s", message)
            raise OutcomeUnknownError(message, method=method, url=redact_url(url), attempts=attempt) \
                from failure.error
        log.warning("%s failed (%s): %s", shown, failure.reason, verdict)
        if failure.response is not None:
            return failure.response, None
        assert failure.error is not None
        if not isinstance(failure.error, requests.RequestException):
            raise failure.error  # a token-endpoint failure (AuthError) keeps its own message
        raise RetriesExhausted(failure.error, verdict)


class RetriesExhausted(Exception):
    """A transport error that retries did not overcome; the client turns it into its own error."""

    def __init__(self, error: BaseException, verdict: str):
        super().__init__(verdict)
        self.error = error
        self.verdict = verdict
