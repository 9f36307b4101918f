"""The pytest plugin's reliability defaults: retries on, faults cleared per test, --max-rps, --retry-attempts."""

from __future__ import annotations

import pytest


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


def test_retry_attempts_and_max_rps_options(pytester: pytest.Pytester):
    pytester.makepyfile(test_options="""
        import pytest
        from harness.odata import ODataError

        def test_options_reach_the_client(crm, sim_faults):
            assert crm.retry is None
            assert crm.throttle is not None and crm.throttle.rate == 7
            sim_faults.inject(host="crm", path="*/WhoAmI", status=503)
            with pytest.raises(ODataError):
                crm.whoami()
    """)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider",
                                           "--retry-attempts=1", "--max-rps=7")
    result.assert_outcomes(passed=1)
