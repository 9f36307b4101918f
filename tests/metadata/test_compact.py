"""The compact one-pass reading used for whole-document conversions: the OpenAPI document made from
it (and streamed by the raw-JSON builder) must equal the one ``to_openapi`` makes from the full
model, and whatever it cannot read must go to ``parse_csdl`` with the same error."""

from __future__ import annotations

import io
import json
import os
import tracemalloc
from pathlib import Path

import pytest

from harness.cli import main
from harness.metadata import MetadataError, parse_csdl, to_openapi
from harness.metadata.compact import PropertyTable, load_model, read_compact
from harness.metadata.stream import write_openapi
from tests.metadata.conftest import CRM_SCHEMA, DATA, DYNAMICS_CRM
from tests.metadata.openapi_checks import assert_valid_full
from tests.metadata.test_lazy_and_stream import SMALL, generated  # noqa: F401 - the fixture
from tests.metadata.test_parser import csdl
from tests.metadata.test_parser_errors import XXE_DOCUMENT

CORPUS = [(DYNAMICS_CRM, "dataverse"), (CRM_SCHEMA, "dataverse")]


def expected_document(path: Path, dialect: str, imports=None) -> dict:
    """What the full model's ``to_openapi`` gives (the reference), as parsed JSON."""
    return json.loads(json.dumps(to_openapi(parse_csdl(path), dialect, "all", operation_imports=imports)))


def streamed(model, dialect: str, *, indent=None, imports=None) -> dict:
    return json.loads(streamed_text(model, dialect, indent=indent, imports=imports))


def streamed_text(model, dialect: str, *, indent=None, imports=None, selected="all") -> str:
    out = io.StringIO()
    write_openapi(model, dialect, selected, None, out, operation_imports=imports, indent=indent)
    return out.getvalue()


def assert_dumps_layout(model, dialect: str, document: dict, imports=None, indents=(2, 4, 1)) -> None:
    """Indented output is byte for byte what ``json.dumps(document, indent=N)`` writes (plus a newline),
    and compact output what it writes with ``separators=(",", ":")``."""
    compact = json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert streamed_text(model, dialect, imports=imports) == compact
    for indent in indents:
        text = streamed_text(model, dialect, indent=indent, imports=imports)
        assert text == json.dumps(document, ensure_ascii=False, indent=indent) + "\n", f"indent={indent}"


@pytest.mark.parametrize(("path", "dialect"), SMALL + CORPUS, ids=lambda v: getattr(v, "name", v))
def test_compact_streamed_document_equals_the_full_models(path, dialect):
    if not path.exists():
        pytest.skip(f"{path} is not available")
    model = read_compact(path)
    assert model is not None, "read in one pass"
    imports = "all" if model.container and (model.container.function_imports or model.container.action_imports) \
        else None
    document = streamed(model, dialect, imports=imports)
    assert document == expected_document(path, dialect, imports)
    assert_dumps_layout(model, dialect, document, imports)
    if path.stat().st_size < 2**20:
        assert_valid_full(document)


def test_generated_fno_document_equal_valid_and_shared(generated):  # noqa: F811 - the fixture
    model = read_compact(generated)
    assert model is not None
    document = streamed(model, "fno")
    assert document == expected_document(generated, "fno")
    assert_dumps_layout(model, "fno", document, indents=(2,))
    assert_valid_full(document)
    # The point of the compact model: one object per distinct set of facets, not per property.
    tables = [t.properties for t in model.entity_types.values()]
    assert all(isinstance(table, PropertyTable) for table in tables)
    properties = sum(len(table) for table in tables)
    distinct = {id(prop) for table in tables for prop in table.values()}
    assert properties > 10_000 and len(distinct) < properties / 5
    # ... and every name still maps to the facets the full parse gives it.
    full = parse_csdl(generated)
    for name, entity_type in list(full.entity_types.items())[::50]:
        compact = model.entity_types[name].properties
        assert list(compact) == list(entity_type.properties)
        for prop_name, prop in entity_type.properties.items():
            shared = compact[prop_name]
            assert (shared.type, shared.nullable, shared.max_length, shared.precision, shared.scale) == (
                prop.type, prop.nullable, prop.max_length, prop.precision, prop.scale)


def test_annotations_on_properties_do_not_leak_to_properties_with_the_same_facets():
    text = csdl(
        '<EntityType Name="A"><Key><PropertyRef Name="id"/></Key>'
        '<Property Name="id" Type="Edm.Guid" Nullable="false"/>'
        '<Property Name="made" Type="Edm.String"><Annotation Term="Org.OData.Core.V1.Computed" Bool="true"/>'
        '</Property><Property Name="plain" Type="Edm.String"/>'
        '<Property Name="told" Type="Edm.String"><Annotation Term="Org.OData.Core.V1.Description" String="d"/>'
        '</Property></EntityType>'
        '<EntityContainer Name="C"><EntitySet Name="As" EntityType="t.A"/></EntityContainer>'
    ).encode()
    model = read_compact(text)
    assert model is not None
    props = model.entity_types["Test.NS.A"].properties
    assert props["made"].computed and not props["plain"].computed and props["plain"].description is None
    assert props["told"].description == "d" and not props["told"].computed
    create = streamed(model, "fno")["components"]["schemas"]["As-create"]["properties"]
    assert "made" not in create and {"plain", "told"} <= set(create)


UNUSUAL_PROPERTIES = csdl(
    '<EntityType Name="A"><Key><PropertyRef Name="id"/></Key>'
    '<Property Name="id" Type="Edm.Guid" Nullable="false"/>'
    '<Property Type="Edm.String" Name=" late " MaxLength="10"/>'  # Name not first, padded
    '<Property Name="rec" Type="Edm.String"><Annotation Term="Org.OData.Core.V1.Description">'
    '<String>said &amp; done</String></Annotation>'
    '<Annotation Term="Org.OData.Core.V1.Permissions"><Collection>'
    '<EnumMember>Org.OData.Core.V1.Permission/Read</EnumMember></Collection></Annotation></Property>'
    '<Property Name="same" Type="Edm.String"/>'
    '<Annotation Term="Org.OData.Core.V1.Description" String="the type"/></EntityType>'
    '<EntityContainer Name="C"><EntitySet Name="As" EntityType="t.A">'
    '<Annotation Term="Org.OData.Capabilities.V1.DeleteRestrictions"><Record>'
    '<PropertyValue Property="Deletable" Bool="false"/></Record></Annotation></EntitySet></EntityContainer>'
)


def test_properties_read_together_at_the_types_end_keep_order_annotations_and_names():
    """The expat reader batches a type's properties: attribute order, padded names, element-form
    annotations on a property (its own object) and on the type and set come out as parse_csdl's."""
    model = read_compact(UNUSUAL_PROPERTIES.encode())
    assert model is not None
    props = model.entity_types["Test.NS.A"].properties
    assert list(props) == ["id", "late", "rec", "same"]
    assert props["late"].max_length == 10
    assert props["rec"].description == "said & done" and props["rec"].read_only
    assert props["same"].description is None and not props["same"].read_only
    assert model.entity_types["Test.NS.A"].description == "the type"
    document = streamed(model, "dataverse")
    expected = to_openapi(parse_csdl(UNUSUAL_PROPERTIES.encode()), "dataverse", "all")
    assert document == json.loads(json.dumps(expected))
    assert "delete" not in document["paths"]["/As({id})"]


MALFORMED = [
    UNUSUAL_PROPERTIES.replace("<Key>", "<Key", 1),  # a broken tag
    UNUSUAL_PROPERTIES.replace('Name="same"', 'Name="same" Name="again"', 1),  # a duplicate attribute
    UNUSUAL_PROPERTIES.replace("said &amp; done", "said &nbsp; done", 1),  # an undeclared entity
    UNUSUAL_PROPERTIES.replace('<Property Name="same" Type="Edm.String"/>',
                               '<Property Name="same" Type="Edm.String"><Property Name="in" Type="Edm.String"/>'
                               '</Property>', 1),  # a property inside a property
    UNUSUAL_PROPERTIES.replace('<EntityType Name="A">', '<Property Name="out" Type="Edm.String"/><EntityType Name="A">',
                               1),  # a property outside a type
    UNUSUAL_PROPERTIES.replace('<?xml version="1.0" encoding="utf-8"?>',
                               '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE edmx:Edmx>', 1),  # any DOCTYPE
]


@pytest.mark.parametrize("text", MALFORMED, ids=range(len(MALFORMED)))
def test_what_expat_reads_unusually_goes_to_the_full_parse(text):
    assert text != UNUSUAL_PROPERTIES
    assert read_compact(text.encode()) is None


OUT_OF_LINE = csdl(
    '<EntityType Name="A"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.Int32"/>'
    '<Property Name="x" Type="Edm.String"/><Property Name="y" Type="Edm.String"/></EntityType>'
    '<EntityContainer Name="C"><EntitySet Name="As" EntityType="t.A"/></EntityContainer>'
    '<Annotations Target="t.A/x"><Annotation Term="Org.OData.Core.V1.Computed" Bool="true"/></Annotations>'
)


def test_out_of_line_annotations_go_to_the_full_parse():
    assert read_compact(OUT_OF_LINE.encode()) is None
    model = load_model(OUT_OF_LINE.encode())
    assert model.entity_types["Test.NS.A"].properties["x"].computed
    assert not model.entity_types["Test.NS.A"].properties["y"].computed


BROKEN = [
    csdl('<EntityType Name="X">\n<Key><PropertyRef Name="i"/></Key>\n<Property Name="i"/>\n</EntityType>'),
    csdl('\n<Property Name="i" Type="Edm.Int32"/>'),
    csdl('<EntityType Name="A" BaseType="t.Missing"/>'),
    csdl('<EntityType Name="A" BaseType="t.B"/>\n<EntityType Name="B" BaseType="t.A"/>'),
    csdl('<EntityType Name="A"><Key><PropertyRef Name="nope"/></Key></EntityType>'),
    csdl('<EnumType Name="E">\n<Member Name="A" Value="one"/>\n</EnumType>'),
    csdl('<EntityType Name="A"><Property Name="p" Type="Edm.String"/><Property Name="p" Type="Edm.Int32"/>'
         '</EntityType>'),
    (DATA / "dataverse_small.xml").read_text()[:3000],  # truncated
    '{"not": "xml"}',
]


@pytest.mark.parametrize("text", BROKEN, ids=range(len(BROKEN)))
def test_what_the_compact_reading_refuses_fails_exactly_like_parse_csdl(text):
    assert read_compact(text.encode()) is None
    with pytest.raises(MetadataError) as full:
        parse_csdl(text.encode())
    with pytest.raises(MetadataError) as compact:
        load_model(text.encode())
    assert (str(compact.value), compact.value.line) == (str(full.value), full.value.line)


def test_entities_are_not_expanded():
    model = load_model(XXE_DOCUMENT.encode())
    assert "root:" not in str(model.complex_types["N.C"].description)


@pytest.mark.parametrize(("path", "dialect"), CORPUS[:1], ids=lambda v: getattr(v, "name", v))
def test_cli_all_sets_equals_the_full_models_document(tmp_path, path, dialect):
    if not path.exists():
        pytest.skip(f"{path} is not available")
    out = tmp_path / "all.json"
    assert main(["metadata", "openapi", str(path), "--dialect", dialect, "--indent", "0", "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == expected_document(path, dialect)


def test_indented_streaming_does_not_pile_up_memory(generated):  # noqa: F811 - the fixture
    """Indented output is streamed like compact output: json's indenting encoder (which leaves
    reference cycles behind every call; with the collector paused they grew with the output, 12 MiB
    traced for this document's 11 MiB output) is no longer used."""
    model = read_compact(generated)
    with open(os.devnull, "w", encoding="utf-8") as sink:
        tracemalloc.start()
        try:
            write_openapi(model, "fno", "all", None, sink, indent=2)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 6 * 2**20, f"{peak / 2**20:.1f} MiB traced while streaming"


@pytest.mark.parametrize("select", [None, "Customers*"])
def test_cli_default_indent_is_json_dumps_layout(tmp_path, generated, select):  # noqa: F811 - the fixture
    """The command's default (`--indent 2`), for all sets and for a selection, writes what
    `json.dumps(document, indent=2)` writes."""
    out = tmp_path / "indented.json"
    args = ["metadata", "openapi", str(generated), "--dialect", "fno", "--out", str(out)]
    assert main(args + (["--select", select] if select else [])) == 0
    text = out.read_text(encoding="utf-8")
    document = json.loads(text)
    assert len(document["paths"]) >= (3 if select else 500)
    assert text == json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def test_dict_built_types_and_descriptions_keep_the_layout():
    """Types the raw builder leaves to the dict path (a name with `@`, a navigation property named
    like a property) and descriptions sit in the indented layout like everything else."""
    text = csdl(
        '<EntityType Name="A"><Key><PropertyRef Name="id"/></Key>'
        '<Property Name="id" Type="Edm.Guid" Nullable="false"/><Property Name="x@y" Type="Edm.String"/>'
        '<Annotation Term="Org.OData.Core.V1.Description" String="An &quot;A&quot; with\nlines"/></EntityType>'
        '<EntityType Name="B"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.Int32" Nullable="false"/>'
        '<Property Name="a" Type="Edm.String"/><NavigationProperty Name="a" Type="Test.NS.A"/></EntityType>'
        '<EntityContainer Name="C"><EntitySet Name="as" EntityType="Test.NS.A"/><EntitySet Name="bs" EntityType="Test.NS.B"/>'
        '</EntityContainer>'
    )
    model = load_model(text.encode())
    document = json.loads(streamed_text(model, "dataverse"))
    assert set(document["paths"]) >= {"/as", "/bs"}
    assert_dumps_layout(model, "dataverse", document)
