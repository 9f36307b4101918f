"""``--shard K/N`` and ``harness reports merge``: slices that cover a run, and one report from them.

The merged reports must be the unsharded run's: the same test cases in the same order with the same
outcomes and messages, the same counts per group. Only what measures the run itself may differ
(times; HTTP requests, since every slice repeats session set-up such as getting a token).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import lxml.html
import pytest

from harness.cli import main as harness_main
from harness.errors import HarnessError
from harness.reporting.merge import merge
from harness.sharding import ShardSpec, assign
from tests.reporting.test_main_job import clean_env

REPO = Path(__file__).resolve().parents[2]

INNER = '''
import pytest


@pytest.mark.crm
@pytest.mark.parametrize("n", range(7))
def test_numbered(n):
    assert n != 5, "five is wrong"


@pytest.mark.fno
def test_skipped():
    pytest.skip("no F&O today")


@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")


@pytest.mark.bc
def test_setup_error(broken):
    pass


def test_unmarked():
    print("hello")
'''

BROKEN = "import nothing_by_this_name\n"


def mini_collection(url: str) -> dict:
    def item(name: str, path: str, status: int) -> dict:
        return {"name": name, "request": {"method": "GET", "url": url + path},
                "event": [{"listen": "test", "script": {"exec": [
                    f"pm.test('status {status}', function () {{ pm.response.to.have.status({status}); }});"]}}]}

    return {"info": {"name": "Mini API",
                     "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
            "item": [item("First", "/ok", 200), item("Second", "/ok", 200), item("Third", "/redirect", 201),
                     item("Fourth", "/ok", 200)]}


# ---------------------------------------------------------------------------- canonical forms
def steady(text: str | None) -> str | None:
    """A message without the response time a Postman failure quotes."""
    return re.sub(r"\(\d+ ms\)", "(N ms)", text) if text else text


def canonical_summary(path: Path) -> dict:
    doc = json.loads(path.read_text())
    drop = ("duration", "requests")
    return {"totals": {k: v for k, v in doc["totals"].items() if k not in drop},
            "groups": [{k: v for k, v in g.items() if k not in drop} for g in doc["groups"]],
            "failures": [{**f, "message": steady(f["message"])} for f in doc["failures"]], "exit_status": doc["exit_status"], "target": doc["target"]}


def canonical_junit(path: Path) -> tuple:
    suites = ET.parse(path).getroot().findall("testsuite")
    assert len(suites) == 1
    (suite,) = suites
    counts = {k: suite.get(k) for k in ("name", "tests", "failures", "errors", "skipped")}
    cases = [(c.get("classname"), c.get("name"), [(x.tag, steady(x.get("message")), steady(x.text)) for x in c
                                                   if x.tag in ("failure", "error", "skipped")])
             for c in suite.findall("testcase")]
    return counts, cases


def canonical_html(path: Path) -> tuple:
    root = lxml.html.parse(str(path)).getroot()
    blob = json.loads(root.get_element_by_id("data-container").get("data-jsonblob"))
    tests = [(nodeid, [(e["result"], e["testId"]) for e in entries]) for nodeid, entries in blob["tests"].items()]
    filters = [(i.get("data-test-result"), i.get("disabled") is not None, i.getnext().text)
               for i in root.find_class("filter") if i.tag == "input"]
    run_count = root.find_class("run-count")[0].text.split(" took ")[0]
    table = [[td.text for td in tr.findall("td")][:5] for tr in root.get_element_by_id("harness-summary").iter("tr")]
    return root.findtext(".//title"), tests, filters, run_count, table


def assert_same_reports(single: Path, merged: Path) -> None:
    assert canonical_summary(merged / "summary.json") == canonical_summary(single / "summary.json")
    assert canonical_junit(merged / "junit.xml") == canonical_junit(single / "junit.xml")
    assert canonical_html(merged / "report.html") == canonical_html(single / "report.html")


# ---------------------------------------------------------------------------- unit
@pytest.mark.parametrize("text", ["", "2", "0/4", "5/4", "2/0", "a/b", "-1/3", "1/2/3"])
def test_bad_shard_specs_are_refused(text):
    with pytest.raises(ValueError, match="--shard"):
        ShardSpec.parse(text)


def test_assignment_is_balanced_and_independent_of_order():
    units = {"collection:a.json": 6, "test:t1": 1, "test:t2": 1, "test:t3": 1, "collection:b.json": 3,
             "test:t4": 1, "test:t5": 1}
    slots = assign(units, 3)
    assert slots == assign(dict(reversed(units.items())), 3)
    loads = [sum(n for k, n in units.items() if slots[k] == s) for s in range(3)]
    assert sorted(loads) == [4, 4, 6]  # the 6-item collection cannot be split


# ---------------------------------------------------------------------------- in pytest
@pytest.fixture
def inner(pytester: pytest.Pytester, counting_server) -> pytest.Pytester:
    pytester.makepyfile(test_inner=INNER)
    (pytester.path / "mini.postman_collection.json").write_text(json.dumps(mini_collection(counting_server.url)))
    return pytester


def ids(collected) -> list[str]:
    """Test ids a run keeps (inline_genitems also lists the deselected ones)."""
    items, recorder = collected
    dropped = {item.nodeid for call in recorder.getcalls("pytest_deselected") for item in call.items}
    return [item.nodeid for item in items if item.nodeid not in dropped]


def test_slices_are_disjoint_cover_the_selection_and_keep_a_collection_together(inner):
    args = ("--postman", "mini.postman_collection.json", "-p", "no:randomly")
    everything = ids(inner.inline_genitems(*args))
    assert len(everything) == 14
    slices = [ids(inner.inline_genitems(*args, "--shard", f"{k}/3")) for k in (1, 2, 3)]
    assert sorted(sum(slices, [])) == sorted(everything)
    assert all(slices)  # balanced: nobody idle
    holding = [n for n, s in enumerate(slices) if any("postman" in nodeid for nodeid in s)]
    assert len(holding) == 1
    collection = [nodeid for nodeid in everything if "postman" in nodeid]
    assert [nodeid for nodeid in slices[holding[0]] if "postman" in nodeid] == collection  # together, in order
    for piece in slices:  # each slice keeps the collection order
        assert piece == [nodeid for nodeid in everything if nodeid in piece]
    # -k narrows first, then the slices split what is left
    narrowed = [ids(inner.inline_genitems(*args, "-k", "numbered", "--shard", f"{k}/2")) for k in (1, 2)]
    assert sorted(sum(narrowed, [])) == sorted(n for n in everything if "numbered" in n)


def test_a_bad_shard_is_a_usage_error(inner):
    result = inner.runpytest_subprocess("--shard", "5/4")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--shard 5/4: K must be between 1 and N" in result.stderr.str()


def test_an_empty_slice_passes(pytester: pytest.Pytester):
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    assert pytester.runpytest_subprocess("--shard", "2/2").ret in (0, pytest.ExitCode.OK)
    assert pytester.runpytest_subprocess("--shard", "1/2").ret == pytest.ExitCode.OK


def run_reports(pytester: pytest.Pytester, folder: str, *extra: str):
    return pytester.runpytest_subprocess(
        "--postman", "mini.postman_collection.json", "-p", "no:randomly", "--run-id", "same-run",
        "--summary-json", f"{folder}/summary.json", "--junitxml", f"{folder}/junit.xml",
        "--html", f"{folder}/report.html", "--self-contained-html", "--continue-on-collection-errors", *extra)


def test_merged_slices_equal_the_single_run(inner):
    (inner.path / "test_broken.py").write_text(BROKEN)  # a collection error, reported by every slice
    run_reports(inner, "single")
    for k in (1, 2, 3):
        run_reports(inner, f"slice{k}", "--shard", f"{k}/3")
    # one slice run on two xdist workers: the controller still records the slice
    run_reports(inner, "slice2x", "--shard", "2/3", "-n", "2")
    assert json.loads((inner.path / "slice2x/summary.json").read_text())["shard"]["tests"] == \
        json.loads((inner.path / "slice2/summary.json").read_text())["shard"]["tests"]

    folders = [inner.path / f"slice{k}" for k in (3, 1, 2)]  # any order on the command line
    assert harness_main(["reports", "merge", *map(str, folders), "-o", str(inner.path / "merged")]) == 1  # failures
    assert_same_reports(inner.path / "single", inner.path / "merged")
    summary = json.loads((inner.path / "merged/summary.json").read_text())
    assert summary["totals"]["tests"] == 14 and summary["totals"]["collection_errors"] == 1
    assert summary["run_id"] == "same-run" and summary["merged"]["slices"] == 3
    assert [f["nodeid"].split("::")[-1] for f in summary["failures"]][1:] == \
        ["Third", "test_numbered[5]", "test_setup_error"]


def test_merge_refuses_missing_duplicate_and_foreign_slices(inner, capsys):
    for k in (1, 2):
        run_reports(inner, f"s{k}", "--shard", f"{k}/3")
    run_reports(inner, "other", "--shard", "3/3", "-k", "numbered")
    run_reports(inner, "plain")
    with pytest.raises(HarnessError, match="slice\\(s\\) 3 of 3 missing"):
        merge([inner.path / "s1", inner.path / "s2"])
    with pytest.raises(HarnessError, match="given twice"):
        merge([inner.path / "s1", inner.path / "s1", inner.path / "s2"])
    with pytest.raises(HarnessError, match="another run"):
        merge([inner.path / "s1", inner.path / "s2", inner.path / "other"])
    with pytest.raises(HarnessError, match="not a slice's summary"):
        merge([inner.path / "plain"])
    assert harness_main(["reports", "merge", str(inner.path / "s1"), "-o", str(inner.path / "out")]) == 2
    assert "missing" in capsys.readouterr().err
    assert not (inner.path / "out").exists()  # nothing half-written
    run_reports(inner, "s3", "--shard", "3/3")
    (inner.path / "s2" / "report.html").unlink()
    with pytest.raises(HarnessError, match="report.html is missing in .*s2"):
        merge([inner.path / "s1", inner.path / "s2", inner.path / "s3"])


# ---------------------------------------------------------------------------- harness test, four processes
def test_four_shards_of_harness_test_merge_into_the_single_run(tmp_path):
    selection = ["--roots", "bc", "--collections", str(REPO / "collections" / "fno-crud.postman_collection.json"),
                 "--run-id", "shardcheck"]
    env = clean_env(tmp_path)

    def start(*args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "harness.cli", "test", *selection, *args, "--",
                                 "-p", "no:randomly"], cwd=tmp_path, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    processes = [start("--reports", "single")]
    processes += [start("--reports", f"slice{k}", "--shard", f"{k}/4") for k in (1, 2, 3, 4)]
    for process in processes:
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, output[-3000:]
    slices = [json.loads((tmp_path / f"slice{k}" / "summary.json").read_text())["shard"] for k in (1, 2, 3, 4)]
    tests = json.loads((tmp_path / "single" / "summary.json").read_text())["totals"]["tests"]
    assert sum(len(s["tests"]) for s in slices) == slices[0]["selected"] == tests > 8
    assert all(s["tests"] for s in slices)
    holding = [s for s in slices if any("postman_collection" in t for t in s["tests"])]
    assert len(holding) == 1 and sum("postman_collection" in t for t in holding[0]["tests"]) == 8  # fno-crud: token + 7 items, kept together

    merged = subprocess.run([sys.executable, "-m", "harness.cli", "reports", "merge",
                             *(f"slice{k}" for k in (1, 2, 3, 4)), "--out", "merged"],
                            cwd=tmp_path, env=env, text=True, capture_output=True, timeout=120)
    assert merged.returncode == 0, merged.stderr
    assert f"merged 4 slice(s): {tests} tests, {tests} passed" in merged.stdout
    assert_same_reports(tmp_path / "single", tmp_path / "merged")
    single = json.loads((tmp_path / "single/summary.json").read_text())
    both = json.loads((tmp_path / "merged/summary.json").read_text())
    assert both["totals"]["requests"] >= single["totals"]["requests"] > 0
    assert os.path.getsize(tmp_path / "merged/report.html") > 0
