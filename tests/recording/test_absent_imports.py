"""harness.recording.absent_imports: vcrpy's imports of missing HTTP libraries fail fast, and
nothing else about vcrpy's patching changes (recording, replay, nesting, un-patching)."""

from __future__ import annotations

import http.client
import importlib
import os
import sys

import pytest
import requests
import urllib3.connection
import urllib3.connectionpool
import vcr.patch

from harness.recording import InstanceMap, RecordingContext, absent_imports, configure_vcr
from simulator.server import SimulatorServer

NAME = "zz_harness_absent_probe"


@pytest.fixture
def finder(tmp_path, monkeypatch):
    """A fresh finder, with ``tmp_path`` (empty) on ``sys.path``."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, NAME, raising=False)
    return absent_imports.AbsentModules()


def _import_fails(finder: absent_imports.AbsentModules) -> bool:
    finder.refresh()
    with finder.active():
        try:
            importlib.import_module(NAME)
        except ModuleNotFoundError:
            return True
    return False


def test_a_missing_module_is_looked_up_once(finder):
    assert _import_fails(finder) and NAME in finder.missing
    assert finder.looked_up == 1
    assert _import_fails(finder) and _import_fails(finder)
    assert finder.looked_up == 1  # answered from memory
    assert finder not in sys.meta_path  # only there while vcrpy's calls run


def test_a_module_installed_later_is_found(finder, tmp_path):
    assert _import_fails(finder)
    (tmp_path / f"{NAME}.py").write_text("VALUE = 1\n")
    stat = os.stat(tmp_path)
    os.utime(tmp_path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a coarse clock would hide it
    importlib.invalidate_caches()  # Python's own directory listing (what a fresh process would see)
    assert not _import_fails(finder)
    assert sys.modules[NAME].VALUE == 1


def test_a_new_sys_path_entry_is_searched(finder, tmp_path, monkeypatch):
    assert _import_fails(finder)
    other = tmp_path / "more"
    other.mkdir()
    (other / f"{NAME}.py").write_text("VALUE = 2\n")
    monkeypatch.syspath_prepend(str(other))
    assert not _import_fails(finder)
    assert sys.modules[NAME].VALUE == 2


def test_present_modules_and_submodules_import_as_usual(finder):
    with finder.active():
        assert importlib.import_module("json").dumps([]) == "[]"
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module("json.zz_not_there")
    assert "json" not in finder.missing and not any("." in name for name in finder.missing)


def _patch_targets(patchers) -> list[tuple[object, str, object]]:
    return [(p.getter(), p.attribute, p.new) for p in patchers if hasattr(p, "attribute")]


def test_vcrpy_builds_and_resets_the_same_patches(tmp_path):
    vcr_ = configure_vcr(RecordingContext(), tmp_path)
    assert vcr.patch.reset_patchers is absent_imports.reset_patchers
    original_reset, original_build = absent_imports.originals()
    with vcr_.use_cassette("empty", record_mode="none") as cassette:
        ours = _patch_targets(vcr.patch.CassettePatcherBuilder(cassette).build())
        theirs = _patch_targets(original_build(vcr.patch.CassettePatcherBuilder(cassette)))
        assert [item[:2] for item in ours] == [item[:2] for item in theirs] and ours
        # the replacements are classes made for this cassette, so only their bases can be compared
        assert [getattr(item[2], "__bases__", item[2].__class__) for item in ours if isinstance(item[2], type)] == \
               [getattr(item[2], "__bases__", item[2].__class__) for item in theirs if isinstance(item[2], type)]
        assert _patch_targets(vcr.patch.reset_patchers()) == _patch_targets(original_reset())


def test_the_reset_patches_are_worked_out_again_when_sys_path_changes(tmp_path, monkeypatch):
    list(vcr.patch.reset_patchers())
    computed = absent_imports.RESET.computed
    for _ in range(3):
        with vcr.patch.force_reset():
            assert http.client.HTTPConnection is absent_imports.originals()[0].__globals__["_HTTPConnection"]
    assert absent_imports.RESET.computed == computed
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _patch_targets(vcr.patch.reset_patchers()) == _patch_targets(absent_imports.originals()[0]())
    assert absent_imports.RESET.computed == computed + 1


def _real_classes() -> tuple:
    return (http.client.HTTPConnection, http.client.HTTPSConnection, urllib3.connection.HTTPConnection,
            urllib3.connectionpool.HTTPConnectionPool.ConnectionCls)


@pytest.fixture(scope="module")
def server():
    with SimulatorServer() as running:
        yield running


def test_record_replay_nesting_and_unpatching(tmp_path, server):
    real = _real_classes()
    context = RecordingContext(InstanceMap.build({"crm": server.config.crm_url}))
    vcr_ = configure_vcr(context, tmp_path)
    root = f"{server.config.crm_url}/api/data/v9.2"
    with vcr_.use_cassette("outer", record_mode="once") as outer, requests.Session() as session:
        assert _real_classes() != real
        with vcr.patch.force_reset():
            assert _real_classes() == real  # a real request inside a cassette uses the real classes
        first = session.get(f"{root}/$metadata").status_code
        with vcr_.use_cassette("inner", record_mode="once") as inner, requests.Session() as nested:
            assert nested.get(f"{root}/accounts?$top=1").status_code == 401
        assert len(inner.data) == 1 and len(outer.data) == 1  # each cassette got its own request
        assert session.get(f"{root}/contacts?$top=1").status_code == 401
    assert _real_classes() == real and absent_imports.FINDER not in sys.meta_path
    with vcr_.use_cassette("outer", record_mode="none") as outer, requests.Session() as session:
        assert session.get(f"{root}/$metadata").status_code == first
        with vcr_.use_cassette("inner", record_mode="none"), requests.Session() as nested:
            assert nested.get(f"{root}/accounts?$top=1").status_code == 401
        assert session.get(f"{root}/contacts?$top=1").status_code == 401
        assert outer.all_played
    assert _real_classes() == real
