"""``--sim-tls``: the suites' clients talk https to the simulator; nothing else in the process trusts its CA."""

from __future__ import annotations

import pytest


def test_sim_tls_option_serves_https_and_only_the_harness_trusts_it(pytester: pytest.Pytester):
    pytester.makepyfile(test_over_tls="""
        import os

        import pytest
        import requests
        from harness.odata import Query

        def test_clients_read_and_write_over_https(sim, crm, fno, values):
            assert sim.config.crm_url.startswith("https://")
            assert crm.api_root.startswith("https://")
            rows = list(crm.iter_all("accounts", Query(top=2)))
            assert rows
            created = crm.create("accounts", {"name": values.name("Tls")})
            assert created
            assert list(fno.iter_all("CustomersV3", Query(top=1)))

        def test_the_rest_of_the_process_does_not_trust_the_simulator(sim):
            assert os.environ.get("REQUESTS_CA_BUNDLE") != str(sim.ca_bundle)
            with pytest.raises(requests.exceptions.SSLError):
                requests.get(sim.config.crm_url + "/api/data/v9.2/", timeout=10)
    """)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--sim-tls")
    result.assert_outcomes(passed=2)
