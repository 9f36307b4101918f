"""The pytest plugin as a user meets it: options, fixtures, cleanup and error reporting."""

from __future__ import annotations

import pytest

from harness.naming import TAG_PREFIX
from harness.odata import Query, contains


def test_options_and_markers_are_registered(pytester: pytest.Pytester):
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(["*--target=*sim*live*", "*--env-file=ENV_FILE*", "*--keep-records*"])
    markers = pytester.runpytest_subprocess("--markers")
    markers.stdout.fnmatch_lines(["*@pytest.mark.crm:*Dataverse*", "*@pytest.mark.fno:*Finance*",
                                  "*@pytest.mark.bc:*Business Central*"])


def test_records_are_removed_even_when_the_test_fails(pytester: pytest.Pytester):
    pytester.makepyfile(test_leaves_nothing="""
        from harness.odata import Query, contains

        def test_creates_then_fails(crm, values):
            crm.create("accounts", {"name": values.name("Leftover")})
            crm.create("contacts", {"lastname": values.name("Leftover")})
            assert False, "boom"

        def test_nothing_is_left(crm, run_id):
            tag = "zzh-" + run_id
            assert list(crm.iter_all("accounts", Query(filter=contains("name", tag)))) == []
            assert list(crm.iter_all("contacts", Query(filter=contains("lastname", tag)))) == []
    """)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--run-id", "20261127-abc123")
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["*AssertionError: boom*"])


def test_cleanup_runs_on_failure_in_this_process(crm, created_records, values):
    name = values.name("Tracked")
    crm.create("accounts", {"name": name})
    assert len(created_records.records) == 1
    problems = created_records.sweep()
    assert problems == []
    assert list(crm.iter_all("accounts", Query(filter=contains("name", name)))) == []


def test_keep_records_leaves_them_for_the_sweep(pytester: pytest.Pytester):
    pytester.makepyfile(test_keep="""
        from harness.cleanup import sweep_tagged
        from harness.odata import Query, contains

        def test_create(crm, values, request):
            crm.create("accounts", {"name": values.name("Kept")})

        def test_still_there_then_sweep(crm, run_id):
            tag = "zzh-" + run_id
            rows = list(crm.iter_all("accounts", Query(filter=contains("name", tag))))
            assert len(rows) == 1
            found = sweep_tagged(crm, "crm", tag)
            assert len(found) == 1
            assert list(crm.iter_all("accounts", Query(filter=contains("name", tag)))) == []
    """)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--keep-records")
    result.assert_outcomes(passed=2)


def test_names_carry_the_run_tag(values, run_id):
    name = values.name("Account")
    assert name.endswith(f"{TAG_PREFIX}{run_id}")
    assert values.name("Account") != name


def test_live_target_with_bad_env_file_is_a_usage_error(pytester: pytest.Pytester):
    env = pytester.path / "bad.env"
    env.write_text("CRM_URL=not-a-url\nCRM_PASSWORD=hunter2-secret\nJUNK LINE\n")
    pytester.makepyfile(test_live="""
        def test_uses_crm(crm):
            pass
    """)
    result = pytester.runpytest_subprocess("--target=live", f"--env-file={env}")
    assert result.ret != 0
    output = result.stdout.str() + result.stderr.str()
    assert "CRM_URL" in output and "line 1" in output and "line 3" in output
    assert "hunter2-secret" not in output
    assert "Traceback" not in output


def test_live_target_without_settings_skips_the_root(pytester: pytest.Pytester):
    env = pytester.path / "crm_only.env"
    env.write_text("CRM_URL=https://org.crm.dynamics.com\nCRM_TENANT_ID=contoso.onmicrosoft.com\n"
                   "CRM_CLIENT_ID=00000000-0000-0000-0000-000000000001\nCRM_CLIENT_SECRET=s3cret-value\n")
    pytester.makepyfile(test_live="""
        def test_needs_fno(fno):
            pass
    """)
    result = pytester.runpytest_subprocess("--target=live", f"--env-file={env}", "-rs")
    result.stdout.fnmatch_lines(["*no FNO_* settings*"])


def test_sim_only_tests_are_skipped_live(pytester: pytest.Pytester):
    env = pytester.path / "empty.env"
    env.write_text("")
    pytester.makepyfile(test_live="""
        import pytest

        @pytest.mark.sim_only
        def test_simulator_detail():
            pass
    """)
    result = pytester.runpytest_subprocess("--target=live", f"--env-file={env}")
    result.assert_outcomes(skipped=1)
