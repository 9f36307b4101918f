"""The `$metadata` stored next to the cassettes: written when recording, and still what the simulator serves."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.contract import fetch_metadata
from harness.contract.pinning import metadata_path, pin_metadata, recording_requested
from harness.metadata import diff_metadata, parse_csdl

REPO = Path(__file__).resolve().parents[2]
PINNED = REPO / "cassettes"

INI = """
[pytest]
addopts = -p no:cacheprovider -p no:schemathesis -p no:hypothesispytest -p no:anyio
"""
CONFTEST = "from harness.contract.pinning import pinned_contract_metadata  # noqa: F401\n"
RECORDED_TEST = '''
import pytest


@pytest.mark.vcr
def test_whoami(crm):
    assert crm.whoami()["UserId"]
'''


@pytest.mark.sim_only
@pytest.mark.parametrize("root", ["crm", "fno", "bc"])
def test_pinned_metadata_is_what_the_simulator_serves(root, request):
    """If this fails, the simulator's model changed: re-record the contract cassettes (which re-pins)."""
    pinned = metadata_path(PINNED, root)
    if not pinned.exists():
        pytest.skip(f"{pinned} is not in this checkout")
    served = parse_csdl(fetch_metadata(request.getfixturevalue(root)))
    report = diff_metadata(parse_csdl(pinned), served)
    assert report.is_empty, ("the simulator no longer serves the pinned $metadata; re-record with "
                             "`pytest tests/contract/test_contract.py --record-mode=rewrite`\n" + report.to_text())


def test_pin_writes_each_root_and_leaves_an_unchanged_file_alone(tmp_path, crm, fno):
    written = pin_metadata(tmp_path, {"crm": crm, "fno": fno, "other": crm})
    assert set(written) == {"crm", "fno"}
    crm_file = tmp_path / "metadata" / "crm.xml"
    assert written["crm"] == crm_file
    assert crm_file.read_bytes() == fetch_metadata(crm)
    assert parse_csdl(tmp_path / "metadata" / "fno.xml").entity_sets
    assert oct(crm_file.stat().st_mode & 0o777) == "0o644"
    before = crm_file.stat()
    os.utime(crm_file, (before.st_atime - 100, before.st_mtime - 100))
    stamped = crm_file.stat().st_mtime_ns
    pin_metadata(tmp_path, {"crm": crm})
    assert crm_file.stat().st_mtime_ns == stamped  # same content: not rewritten
    crm_file.write_bytes(b"stale")
    pin_metadata(tmp_path, {"crm": crm})
    assert crm_file.read_bytes() == fetch_metadata(crm)
    assert not list(tmp_path.glob("metadata/.*.tmp"))  # atomic writes leave no temporary files


def _project(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "conftest.py").write_text(CONFTEST)
    (pytester.path / "tests" / "test_recorded.py").write_text(RECORDED_TEST)


def test_a_recording_session_pins_the_metadata(pytester: pytest.Pytester):
    _project(pytester)
    recorded = pytester.runpytest_subprocess("tests", "--record-mode=once", "--cassette-dir", "recorded")
    recorded.assert_outcomes(passed=1)
    folder = pytester.path / "recorded" / "metadata"
    assert sorted(p.name for p in folder.iterdir()) == ["bc.xml", "crm.xml", "fno.xml"]
    assert "accounts" in parse_csdl(folder / "crm.xml").entity_sets
    assert list((pytester.path / "recorded").rglob("test_whoami.json"))
    # the $metadata download happens outside the test's cassette: it is not recorded there
    cassette = next((pytester.path / "recorded").rglob("test_whoami.json")).read_text()
    assert "/$metadata\"" not in cassette and "$metadata?" not in cassette  # no GET $metadata interaction



@pytest.mark.parametrize(("options", "expected"), [
    ({}, False),
    ({"record_mode": "none"}, False),
    ({"record_mode": "once"}, True),
    ({"record_mode": "rewrite", "disable_recording": True}, False),
])
def test_only_recording_sessions_pin(options, expected):
    class Config:
        def getoption(self, name, default=None):
            return options.get(name, default)

    assert recording_requested(Config()) is expected
