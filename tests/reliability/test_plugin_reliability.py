"""The pytest plugin's reliability defaults: retries on, faults cleared per test, --max-rps, --retry-attempts."""

from __future__ import annotations

import pytest

from harness.odata import DATAVERSE, ODataClient
from harness.odata.retry import RetryStats
from harness.pytest_plugin import _reliability


def test_fixture_clients_retry_by_default_and_faults_are_per_test(pytester: pytest.Pytester):
    pytester.makepyfile(test_defaults="""
        def test_503s_are_ridden_out(crm, sim_faults):
            assert crm.retry is not None and crm.retry.max_attempts == 4
            assert crm.throttle is None  # the simulator is not throttled client-side
            sim_faults.inject(host="crm", path="*/WhoAmI", status=503, retry_after=0, count=2)
            assert crm.whoami()["UserId"]

        def test_faults_from_the_previous_test_are_gone(sim):
            assert sim.faults.active == []
            sim.throttling.configure("crm", requests=1)

        def test_the_fixture_starts_from_the_configuration(sim_throttling):
            assert sim_throttling.describe()["enabled"] is False  # the test above left it on
            sim_throttling.configure("crm", requests=1)

        def test_reset_after_the_fixture(sim):
            assert sim.throttling.describe()["enabled"] is False
    """)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["*dynamics harness: 2 request retries*"])


class _Config:
    """The two plugin options and the session stats, as ``pytest.Config`` would hold them."""

    def __init__(self, target: str, retry_attempts: int, max_rps: float | None):
        self.options = {"target": target, "retry_attempts": retry_attempts, "max_rps": max_rps}
        self.harness_retry_stats = RetryStats()

    def getoption(self, name: str):
        return self.options[name]


@pytest.mark.sim_only
@pytest.mark.parametrize("target, attempts, max_rps, expect_retry, expect_rate", [
    ("sim", 4, None, 4, None),  # simulator: retries, no client throttling
    ("sim", 1, 7, None, 7),  # --retry-attempts=1 --max-rps=7
    ("live", 4, None, 4, 18),  # live: under Dataverse's 6000/300 s with a 10 % margin
    ("live", 3, 0, 3, None),  # --max-rps=0 switches client throttling off
])
def test_retry_attempts_and_max_rps_options(harness_targets, target, attempts, max_rps, expect_retry,
                                            expect_rate):
    config = _Config(target, attempts, max_rps)
    client = ODataClient("https://org.crm.dynamics.com/api/data/v9.2", DATAVERSE)
    _reliability(config, harness_targets["crm"], client)
    assert (client.retry.max_attempts if client.retry else None) == expect_retry
    assert (client.throttle.rate if client.throttle else None) == pytest.approx(expect_rate)
    assert client.retry_stats is config.harness_retry_stats
