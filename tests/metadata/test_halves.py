"""The all-sets document written by two processes (the later sets in a forked child) is byte for
byte the single process's, compact and indented, whatever the child's half shares with the parent's."""

from __future__ import annotations

import io
import json
import os

import pytest

from harness.cli import main
from harness.metadata import MetadataError, compact, halves, parse_csdl, stream
from harness.metadata.compact import load_model
from harness.metadata.model import CsdlModel
from tests.metadata.test_compact import CORPUS
from tests.metadata.test_lazy_and_stream import SMALL, generated  # noqa: F401 - the fixture

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork here")


def written(model, dialect: str, monkeypatch, processes: str, *, indent=None, imports=None) -> str:
    monkeypatch.setenv(halves.ENV, processes)
    out = io.StringIO()
    stream.write_openapi(model, dialect, "all", None, out, operation_imports=imports, indent=indent)
    return out.getvalue()


@pytest.fixture
def joins(monkeypatch) -> list:
    """The results the parent took from its children (None: a child failed)."""
    seen: list = []
    original = halves.Child.join

    def join(self, *args):
        result = original(self, *args)
        seen.append(result)
        return result

    monkeypatch.setattr(halves.Child, "join", join)
    return seen


@pytest.mark.parametrize(("path", "dialect"), SMALL + CORPUS, ids=lambda v: getattr(v, "name", v))
def test_two_processes_write_the_single_process_bytes(path, dialect, monkeypatch, joins):
    if not path.exists():
        pytest.skip(f"{path} is not available")
    model = load_model(path)
    container = model.container
    imports = "all" if container and (container.function_imports or container.action_imports) else None
    for indent in (None, 2):
        joins.clear()
        single = written(model, dialect, monkeypatch, "1", indent=indent, imports=imports)
        assert not joins
        two = written(model, dialect, monkeypatch, "2", indent=indent, imports=imports)
        if len(model.entity_sets) >= 2:
            assert joins and joins[-1] is not None and joins[-1].paths > 0, "the child wrote its half"
        assert two == single, f"indent={indent}"
        json.loads(two)


def test_generated_fno_document_in_two_processes(generated, monkeypatch, joins):  # noqa: F811 - the fixture
    model = load_model(generated)
    single = written(model, "fno", monkeypatch, "1")
    two = written(model, "fno", monkeypatch, "2")
    assert joins[-1] is not None and joins[-1].schemas, "the child made components"
    # the two halves share components (enum types, shared parameters): each is written once
    document = json.loads(two)
    assert two == single and len(document["paths"]) > 500
    assert written(model, "fno", monkeypatch, "2", indent=2) == written(model, "fno", monkeypatch, "1", indent=2)


def test_a_failed_child_leaves_the_work_to_the_parent(generated, monkeypatch, joins):  # noqa: F811 - the fixture
    model = load_model(generated)
    single = written(model, "fno", monkeypatch, "1")

    def broken(*args):
        raise RuntimeError("the child fails")

    monkeypatch.setattr(stream, "_write_half", broken)
    assert written(model, "fno", monkeypatch, "2") == single
    assert joins == [None]


def test_cli_writes_the_same_file_either_way(tmp_path, generated, monkeypatch):  # noqa: F811 - the fixture
    files = []
    for processes in ("1", "2"):
        monkeypatch.setenv(halves.ENV, processes)
        out = tmp_path / f"{processes}.json"
        assert main(["metadata", "openapi", str(generated), "--dialect", "fno", "--out", str(out)]) == 0
        files.append(out.read_bytes())
    assert files[0] == files[1]


def test_when_a_child_is_used(monkeypatch):
    monkeypatch.delenv(halves.ENV, raising=False)
    monkeypatch.setattr(halves.os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    monkeypatch.setattr(halves.threading, "active_count", lambda: 1)  # (pytest-xdist runs threads)
    monkeypatch.setattr(halves, "_running", lambda: 1)  # only ourselves: the other core is idle
    assert halves.wanted(halves.MIN_SETS)
    monkeypatch.setattr(halves, "_running", lambda: 3)  # two other tasks: both cores are busy
    assert not halves.wanted(halves.MIN_SETS)
    monkeypatch.setattr(halves, "_running", lambda: None)  # no count: assume the machine is ours
    assert halves.wanted(halves.MIN_SETS)
    assert not halves.wanted(halves.MIN_SETS - 1)
    monkeypatch.setenv(halves.ENV, "1")
    assert not halves.wanted(10 * halves.MIN_SETS)
    monkeypatch.setenv(halves.ENV, "2")
    monkeypatch.setattr(halves, "_running", lambda: 3)
    assert halves.wanted(2) and not halves.wanted(1)  # forced: whatever the load


# -- reading a big document in two processes -------------------------------------------------------


@pytest.fixture
def split_reading(monkeypatch):
    """Every file is read in two processes when it can be split (not only big ones)."""
    monkeypatch.setattr(compact, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setenv(halves.ENV, "2")


def read_alone(path, monkeypatch):
    monkeypatch.setenv(halves.ENV, "1")
    model = compact.read_compact(path)
    monkeypatch.setenv(halves.ENV, "2")
    return model


@pytest.mark.parametrize(("path", "dialect"), [*CORPUS, (SMALL[3][0], "dataverse")],
                         ids=lambda v: getattr(v, "name", v))
def test_a_document_read_in_two_processes_converts_to_the_same_bytes(path, dialect, split_reading, monkeypatch,
                                                                     joins):
    if not path.exists():
        pytest.skip(f"{path} is not available")
    model = compact.read_compact(path)
    assert any(isinstance(result, CsdlModel) for result in joins), "the child read the second half"
    alone = read_alone(path, monkeypatch)
    assert list(model.entity_types) == list(alone.entity_types)
    assert list(model.entity_sets) == list(alone.entity_sets)
    assert written(model, dialect, monkeypatch, "1") == written(alone, dialect, monkeypatch, "1")


def test_generated_document_read_in_two_processes(generated, split_reading, monkeypatch, joins):  # noqa: F811
    model = compact.read_compact(generated)
    assert any(isinstance(result, CsdlModel) for result in joins)
    alone = read_alone(generated, monkeypatch)
    assert [len(t.properties) for t in model.entity_types.values()] == [
        len(t.properties) for t in alone.entity_types.values()]
    assert written(model, "fno", monkeypatch, "2", indent=2) == written(alone, "fno", monkeypatch, "1", indent=2)


def middle_entity_type(text: str) -> int:
    return text.index("<EntityType ", len(text.encode()) // 2)


def test_a_split_inside_a_comment_is_read_by_one_process(generated, tmp_path, split_reading, monkeypatch):  # noqa: F811
    text = generated.read_text(encoding="utf-8")
    start = text.rindex("\n<EntityType ", 0, middle_entity_type(text))
    # a comment as long as the document around its middle: the `<EntityType` found there is in it
    commented = text[:start] + "\n<!-- " + text.replace("--", "") + " -->" + text[start:]
    path = tmp_path / "fno_generated.xml"
    path.write_text(commented, encoding="utf-8")
    model = compact.read_compact(path)
    assert model is not None
    alone = read_alone(generated, monkeypatch)
    assert written(model, "fno", monkeypatch, "1") == written(alone, "fno", monkeypatch, "1")


def test_a_type_declared_in_both_halves_goes_to_the_full_parse(generated, tmp_path, split_reading):  # noqa: F811
    text = generated.read_text(encoding="utf-8")
    first = text[text.index("<EntityType "):text.index("</EntityType>") + len("</EntityType>")]
    at = middle_entity_type(text)
    path = tmp_path / "twice.xml"
    path.write_text(text[:at] + first + "\n" + text[at:], encoding="utf-8")
    assert compact.read_compact(path) is None
    with pytest.raises(MetadataError):
        compact.load_model(path)


def test_a_broken_second_half_is_named_like_parse_csdl_names_it(generated, tmp_path, split_reading):  # noqa: F811
    text = generated.read_text(encoding="utf-8")
    at = text.index("<Property ", middle_entity_type(text) + 1000)
    path = tmp_path / "broken.xml"
    path.write_text(text[:at] + "<Property Name=broken/>" + text[at:], encoding="utf-8")
    with pytest.raises(MetadataError) as compact_error:
        compact.load_model(path)
    with pytest.raises(MetadataError) as full_error:
        parse_csdl(path)
    assert (str(compact_error.value), compact_error.value.line) == (str(full_error.value), full_error.value.line)
