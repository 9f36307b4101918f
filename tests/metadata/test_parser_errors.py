"""Unusable `$metadata` input gives a MetadataError naming the file, the line and what was expected."""

from __future__ import annotations

import pytest

from harness.errors import HarnessError
from harness.metadata import MetadataError, parse_csdl

from .conftest import DATA
from .test_parser import csdl

KEYED = '<EntityType Name="X"><Key><PropertyRef Name="i"/></Key><Property Name="i" Type="Edm.Int32"/></EntityType>'


def line_of(text: str, snippet: str) -> int:
    """1-based line of the first line containing `snippet`."""
    return next(number for number, line in enumerate(text.splitlines(), 1) if snippet in line)


def parse_error(source) -> MetadataError:
    with pytest.raises(MetadataError) as caught:
        parse_csdl(source)
    return caught.value


def test_is_a_harness_error():
    assert issubclass(MetadataError, HarnessError)


def test_truncated_file_names_file_and_line(tmp_path):
    full = (DATA / "dataverse_small.xml").read_text().splitlines(keepends=True)
    path = tmp_path / "truncated.xml"
    path.write_text("".join(full[:40]))  # cut inside an EntityType
    error = parse_error(path)
    assert error.source == str(path)
    assert error.line is not None and error.line >= 40
    assert str(error).startswith(f"{path}:{error.line}: malformed XML")


def test_mismatched_tag_points_at_its_line():
    text = csdl('<EntityType Name="X">\n<Key><PropertyRef Name="i"/></Key>\n<Property Name="i" Type="Edm.Int32">\n</EntityType>')
    error = parse_error(text.encode())
    assert error.source == "<bytes>"
    assert error.line == line_of(text, "</EntityType>")  # closes <Property> early
    assert "malformed XML" in str(error) and "mismatch" in str(error).lower()


def test_json_is_not_csdl(tmp_path):
    path = tmp_path / "metadata.json"
    path.write_text('{"$Version": "4.0", "Microsoft.Dynamics.CRM": {}}')
    error = parse_error(path)
    assert str(path) in str(error) and ":1:" in str(error)
    assert "not an XML document" in str(error) and "expected OData v4 CSDL" in str(error)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.xml"
    path.write_bytes(b"")
    error = parse_error(path)
    assert str(path) in str(error) and "expected OData v4 CSDL" in str(error)


def test_html_root_is_rejected_with_line():
    error = parse_error(b"<?xml version='1.0'?>\n\n<html><body>Sign in</body></html>")
    assert error.line == 3
    assert "expected the root element <edmx:Edmx" in str(error) and "found <html>" in str(error)


def test_odata_v3_csdl_is_rejected():
    text = b'<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx"><edmx:DataServices/></edmx:Edmx>'
    error = parse_error(text)
    assert error.line == 1 and "OData v1-v3 CSDL" in str(error) and "expected OData v4" in str(error)


def test_edmx_without_schema():
    error = parse_error(b'<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"/>')
    assert "no <edmx:DataServices>/<Schema>" in str(error)


def test_missing_required_attribute():
    text = csdl('<EntityType Name="X">\n<Key><PropertyRef Name="i"/></Key>\n<Property Name="i"/>\n</EntityType>')
    error = parse_error(text)
    assert error.line == line_of(text, '<Property Name="i"/>')
    assert "<Property> is missing the required attribute 'Type'" in str(error)


def test_property_outside_a_type():
    text = csdl('\n<Property Name="i" Type="Edm.Int32"/>')
    error = parse_error(text)
    assert error.line == line_of(text, "<Property") and "must be inside <EntityType> or <ComplexType>" in str(error)


def test_undefined_base_type():
    text = csdl('<EntityType Name="A" BaseType="t.Missing"/>\n' + KEYED)
    error = parse_error(text)
    assert error.line == line_of(text, 'Name="A"')
    assert "BaseType 'Test.NS.Missing' of entity type 'A' is not defined" in str(error)


def test_base_type_cycle():
    error = parse_error(csdl('<EntityType Name="A" BaseType="t.B"/>\n<EntityType Name="B" BaseType="t.A"/>'))
    assert "base type cycle" in str(error) and "Test.NS.A" in str(error)


def test_key_property_that_does_not_exist():
    text = csdl('<EntityType Name="A"><Key><PropertyRef Name="nope"/></Key></EntityType>')
    error = parse_error(text)
    assert error.line == line_of(text, 'Name="A"') and "key property 'nope' of entity type 'A' is not a property" in str(error)


def test_entity_set_of_unknown_type():
    text = csdl(KEYED + '\n<EntityContainer Name="C">\n<EntitySet Name="Ys" EntityType="t.Y"/>\n</EntityContainer>')
    error = parse_error(text)
    assert error.line == line_of(text, "<EntitySet") and "entity set 'Ys' refers to the undefined entity type 'Test.NS.Y'" in str(error)


def test_duplicate_type():
    error = parse_error(csdl(KEYED + "\n" + KEYED))
    assert "type 'Test.NS.X' is declared twice" in str(error)


def test_non_integer_enum_value():
    text = csdl('<EnumType Name="E">\n<Member Name="A" Value="one"/>\n</EnumType>')
    error = parse_error(text)
    assert error.line == line_of(text, "<Member") and "enum member Value 'one' is not an integer" in str(error)


def test_missing_file(tmp_path):
    error = parse_error(tmp_path / "nope.xml")
    assert str(tmp_path / "nope.xml") in str(error) and "cannot read the file" in str(error)


XXE_DOCUMENT = (  # an entity that would read a local file
    '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>'
    '<Schema Namespace="N" xmlns="http://docs.oasis-open.org/odata/ns/edm">'
    '<ComplexType Name="C"><Annotation Term="Org.OData.Core.V1.Description"><String>&e;</String></Annotation>'
    "</ComplexType></Schema></edmx:DataServices></edmx:Edmx>"
)


def test_entities_are_not_expanded():
    # An XXE attempt must neither read the file nor crash: the entity stays unresolved.
    model = parse_csdl(XXE_DOCUMENT.encode())
    assert "root:" not in str(model.complex_types["N.C"].description)
