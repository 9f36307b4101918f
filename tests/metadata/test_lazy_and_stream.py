"""Selective conversion (only what a selection needs is parsed) and the streamed writer: both must
give exactly the document the whole-model ``to_openapi`` gives, and a valid one."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.metadata import parse_csdl, to_openapi
from harness.metadata.errors import OpenApiOptionError
from harness.metadata.lazy import load_selection
from harness.metadata.stream import write_openapi
from tests.metadata.conftest import CRM_SCHEMA, DATA, DYNAMICS_CRM
from tests.metadata.openapi_checks import assert_valid_full

REPO = Path(__file__).resolve().parents[2]
SMALL = [(DATA / "dataverse_small.xml", "dataverse"), (DATA / "fno_small.xml", "fno"), (DATA / "bc_small.xml", "bc"),
         (REPO / "cassettes" / "metadata" / "crm.xml", "dataverse"),
         (REPO / "cassettes" / "metadata" / "fno.xml", "fno"), (REPO / "cassettes" / "metadata" / "bc.xml", "bc")]


def same(a: dict, b: dict) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A 2 MiB F&O-like document from the benchmark's generator (navigation, enums, bound actions)."""
    spec = importlib.util.spec_from_file_location("bench_metadata", REPO / "benchmarks" / "bench_metadata.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    path = tmp_path_factory.mktemp("csdl") / "fno_generated.xml"
    bench.write_fno_csdl(path, 2 * 2**20)
    return path


@pytest.mark.parametrize(("path", "dialect"), SMALL, ids=lambda v: getattr(v, "name", v))
def test_each_set_alone_equals_the_whole_models_answer(path, dialect):
    full = parse_csdl(path)
    for name in full.entity_sets:
        model, chosen, _ = load_selection(path, [name])
        assert chosen == [name]
        assert same(to_openapi(model, dialect, [name]), to_openapi(full, dialect, [name])), name
        assert len(model.entity_types) <= len(full.entity_types)


def test_generated_document_one_set_parses_a_fraction(generated):
    full = parse_csdl(generated)
    for name in ["CustomersV3", *list(full.entity_sets)[7::97]]:
        model, _, _ = load_selection(generated, [name])
        assert same(to_openapi(model, "fno", [name]), to_openapi(full, "fno", [name])), name
        assert len(model.entity_types) < len(full.entity_types) / 20  # the rest was never parsed
    model, _, _ = load_selection(generated, ["CustomersV3"])
    assert_valid_full(to_openapi(model, "fno", ["CustomersV3"]))


@pytest.mark.parametrize("corpus", [DYNAMICS_CRM, CRM_SCHEMA], ids=lambda p: p.name)
def test_real_dataverse_documents_with_globs_and_imports(corpus):
    if not corpus.exists():
        pytest.skip(f"corpus file {corpus} is not available")
    full = parse_csdl(corpus)
    for selection in (["account*"], ["contacts", "systemusers"], ["new_*"] if any(
            n.startswith("new_") for n in full.entity_sets) else ["incidents"]):
        model, chosen, imports = load_selection(corpus, selection, ["WhoAmI"])
        assert imports == ["WhoAmI"]
        expected = to_openapi(full, "dataverse", selection, operation_imports=["WhoAmI"])
        assert same(to_openapi(model, "dataverse", chosen, operation_imports=imports), expected), selection


def test_unknown_names_fail_like_a_full_conversion():
    path = DATA / "dataverse_small.xml"
    with pytest.raises(OpenApiOptionError, match="no entity set named 'acounts'.*did you mean accounts"):
        load_selection(path, ["acounts"])
    with pytest.raises(OpenApiOptionError, match="pattern 'zz\\*' matches nothing"):
        load_selection(path, ["zz*"])


@pytest.mark.parametrize(("path", "dialect"), SMALL[:3], ids=lambda v: getattr(v, "name", v))
@pytest.mark.parametrize("indent", [None, 2])
def test_streamed_document_equals_to_openapi_and_is_valid(path, dialect, indent):
    model = parse_csdl(path)
    imports = "all" if model.container and (model.container.function_imports or model.container.action_imports) \
        else None
    out = io.StringIO()
    paths = write_openapi(model, dialect, "all", None, out, operation_imports=imports, indent=indent)
    streamed = json.loads(out.getvalue())
    expected = json.loads(json.dumps(to_openapi(model, dialect, "all", operation_imports=imports)))
    assert streamed == expected and paths == len(expected["paths"])
    assert_valid_full(streamed)


def test_streamed_generated_document(generated):
    model = parse_csdl(generated)
    out = io.StringIO()
    write_openapi(model, "fno", "all", None, out)
    assert json.loads(out.getvalue()) == json.loads(json.dumps(to_openapi(model, "fno", "all")))


def test_cli_select_compact_and_nothing_half_written(tmp_path, capsys, generated):
    out = tmp_path / "one.json"
    assert main(["metadata", "openapi", str(generated), "--dialect", "fno", "--select", "Customers*",
                 "--indent", "0", "--out", str(out)]) == 0
    document = json.loads(out.read_text())
    assert "/CustomersV3" in document["paths"] and "\n" not in out.read_text().strip()
    assert "wrote" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    assert main(["metadata", "openapi", str(generated), "--dialect", "fno", "--select", "NoSuchSet",
                 "--out", str(bad)]) == 2
    assert "no entity set named 'NoSuchSet'" in capsys.readouterr().err
    assert not bad.exists() and not list(tmp_path.glob(".bad.json*"))
