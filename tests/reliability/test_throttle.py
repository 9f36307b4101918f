"""Client-side throttling: the token bucket never exceeds a sliding-window limit, the concurrency cap
holds across threads, a 429 pauses every thread, and a throttled client gets no 429 from a service
whose limit an unthrottled client trips."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.odata.throttle import SERVICE_LIMITS, RateLimiter, limiter_for, shared_limiter


class FakeClock:
    """A clock that only moves when the limiter sleeps: deterministic, and no real waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _limiter(rate: float, burst: float, clock: FakeClock) -> RateLimiter:
    return RateLimiter(rate, burst=burst, clock=clock, sleep=clock.sleep)


def test_burst_then_steady_rate():
    clock = FakeClock()
    limiter = _limiter(rate=10, burst=5, clock=clock)
    for _ in range(5):
        assert limiter.acquire() == 0.0
    assert limiter.acquire() == pytest.approx(0.1)
    assert limiter.acquire() == pytest.approx(0.1)
    assert clock.now == pytest.approx(0.2)
    assert limiter.acquired == 7


@settings(max_examples=60, deadline=None, derandomize=True)
@given(rate=st.floats(0.5, 50), burst=st.integers(1, 40), gaps=st.lists(st.floats(0, 2), min_size=1, max_size=400))
def test_no_window_ever_holds_more_than_burst_plus_rate_times_window(rate, burst, gaps):
    clock = FakeClock()
    limiter = _limiter(rate, burst, clock)
    starts = []
    for gap in gaps:
        clock.now += gap  # the caller idles between requests
        limiter.acquire()
        starts.append(clock.now)
    window = 3.0
    allowed = burst + rate * window + 1e-6
    j = 0
    for i, start in enumerate(starts):
        while starts[j] <= start - window:
            j += 1
        assert i - j + 1 <= allowed


def test_default_limits_stay_under_the_documented_ones():
    for name, limits in SERVICE_LIMITS.items():
        limiter = RateLimiter.for_service(limits)
        assert limiter.burst + limiter.rate * limits.window < limits.requests, name
        assert limiter.max_concurrent <= limits.concurrent, name
    dataverse = RateLimiter.for_service(SERVICE_LIMITS["dataverse"])
    assert dataverse.rate == pytest.approx(18.0) and dataverse.max_concurrent == 46
    assert RateLimiter.for_service(SERVICE_LIMITS["business_central"]).max_concurrent == 5
    assert RateLimiter.for_service(SERVICE_LIMITS["fno"], max_rps=3).rate == 3


def test_parallel_workers_split_the_budget():
    whole = RateLimiter.for_service(SERVICE_LIMITS["dataverse"])
    quarter = RateLimiter.for_service(SERVICE_LIMITS["dataverse"], share=4)
    assert quarter.rate == pytest.approx(whole.rate / 4)
    assert quarter.max_concurrent == whole.max_concurrent // 4
    assert RateLimiter.for_service(SERVICE_LIMITS["business_central"], share=8).max_concurrent == 1


def test_pause_holds_everyone_back():
    clock = FakeClock()
    limiter = _limiter(rate=100, burst=10, clock=clock)
    limiter.pause(2.5)
    assert limiter.acquire() == pytest.approx(2.5)
    assert limiter.pauses == 1
    limiter.pause(0.5)
    limiter.pause(0.1)  # a shorter pause does not shorten the longer one
    assert limiter.acquire() == pytest.approx(0.5)


def test_concurrency_cap_holds_across_threads():
    limiter = RateLimiter(rate=10_000, burst=10_000, max_concurrent=3)
    lock = threading.Lock()
    current = peak = 0

    def work(_):
        nonlocal current, peak
        with limiter.slot():
            with lock:
                current += 1
                peak = max(peak, current)
            time.sleep(0.005)
            with lock:
                current -= 1

    with ThreadPoolExecutor(12) as pool:
        list(pool.map(work, range(60)))
    assert peak == 3
    assert limiter.acquired == 60


def test_limiters_are_shared_per_target_and_user():
    first = limiter_for("dataverse", ("https://org.crm.dynamics.com/api/data/v9.2", "app", None))
    again = limiter_for("dataverse", ("https://org.crm.dynamics.com/api/data/v9.2", "app", None))
    other_user = limiter_for("dataverse", ("https://org.crm.dynamics.com/api/data/v9.2", "app", "bob"))
    assert first is again and first is not other_user
    assert shared_limiter(("x",), lambda: RateLimiter(1)) is shared_limiter(("x",), lambda: RateLimiter(2))
    assert limiter_for("unknown", ("x",)) is None
    with pytest.raises(ValueError, match="rate must be positive"):
        RateLimiter(0)


@pytest.mark.sim_only
def test_throttled_client_stays_under_the_service_limit(sim, sim_throttling, make_client):
    sim_throttling.configure("crm", requests=25, window=1)

    def burst(client) -> list[int]:
        with ThreadPoolExecutor(6) as pool:
            return list(pool.map(lambda _: client.get("WhoAmI", raise_for_status=False).status, range(30)))

    unthrottled = make_client(retry=None)
    unthrottled.whoami()  # token first
    sim_throttling.reset()
    sim_throttling.configure("crm", requests=25, window=1)
    assert 429 in burst(unthrottled)  # the control: the limit really trips

    sim_throttling.reset()
    sim_throttling.configure("crm", requests=25, window=1)
    throttled = make_client(retry=None)
    throttled.throttle = RateLimiter(rate=10, burst=10, max_concurrent=4)
    statuses = burst(throttled)
    assert statuses.count(200) == 30
    assert not sim_throttling.rejections


@pytest.mark.sim_only
def test_a_429_pauses_the_shared_limiter(sim, sim_faults, make_client):
    client = make_client(retry=None)
    client.throttle = RateLimiter(rate=1000, burst=1000)
    client.whoami()
    sim_faults.inject(host="crm", status=429, retry_after=1)
    assert client.get("WhoAmI", raise_for_status=False).status == 429
    assert client.throttle.pauses == 1
    assert client.get("WhoAmI").status == 200  # after the pause

