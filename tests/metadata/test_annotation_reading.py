"""Annotations read by the compact (expat) reader without lxml: element-form values from light
nodes, terms the harness does not use skipped, and every value equal to what ``parse_csdl`` reads
from lxml elements with the same ``annotation_value``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from lxml import etree

from harness.metadata import parse_csdl, to_openapi
from harness.metadata.annotations import Node, annotation_setter, annotation_value, apply_annotation
from harness.metadata.compact import read_compact
from harness.metadata.model import EntitySet, EntityType, NavigationProperty, Property
from tests.metadata.conftest import DYNAMICS_CRM
from tests.metadata.test_parser import EDMX_HEAD, EDMX_TAIL, csdl

CORE_REFERENCE = (
    '<edmx:Reference Uri="https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml">'
    '<edmx:Include Namespace="Org.OData.Core.V1" Alias="Core"/></edmx:Reference>\n'
)

ANNOTATED = (
    EDMX_HEAD.replace("<edmx:DataServices>", CORE_REFERENCE + "<edmx:DataServices>")
    + '<Schema Namespace="Test.NS" Alias="t" xmlns="http://docs.oasis-open.org/odata/ns/edm">'
    '<EntityType Name="A"><Key><PropertyRef Name="id"/></Key>'
    '<Property Name="id" Type="Edm.Guid" Nullable="false">'
    '<Annotation Term="Core.Computed"/></Property>'  # aliased, a Tag without a value: true
    '<Property Name="ro" Type="Edm.String">'
    '<Annotation Term="Org.OData.Core.V1.Permissions"><EnumMember>Org.OData.Core.V1.PermissionType/Read'
    '</EnumMember></Annotation></Property>'
    '<Property Name="rw" Type="Edm.String">'
    '<Annotation Term="Core.Permissions"><Collection><EnumMember>Core.PermissionType/Read</EnumMember>'
    '<EnumMember>Core.PermissionType/Write</EnumMember></Collection></Annotation></Property>'
    '<Property Name="said" Type="Edm.String">'
    '<Annotation Term="Org.OData.Display.V1.Label"><Record><PropertyValue Property="x" String="y"/>'
    '<Annotation Term="Core.Description" String="not the property\'s"/></Record>'
    '<Annotation Term="Core.Description" String="nor this"/></Annotation>'  # an unused term, skipped
    '<Annotation Term="Core.Description"><!-- c --><String>said <![CDATA[&]]> done</String></Annotation>'
    '<Annotation Term="Core.Immutable" Bool="true"><Annotation Term="Core.Computed" Bool="true"/></Annotation>'
    '</Property>'
    '<Property Name="plain" Type="Edm.String"><Annotation Term="Some.Other.Term" String="x"/></Property>'
    '<Property Name="noted" Type="Edm.String"><Annotation Term="Core.Description"><Null/></Annotation>'
    '</Property>'
    '<NavigationProperty Name="b" Type="t.A"><Annotation Term="Core.Description">'
    '<String>a link</String></Annotation></NavigationProperty>'
    '<Annotation Term="OData.Community.Keys.V1.AlternateKeys"><Collection><Record>'
    '<PropertyValue Property="Key"><Collection><Record><PropertyValue Property="Alias" String="r"/>'
    '<PropertyValue Property="Name" PropertyPath="ro"/></Record></Collection></PropertyValue>'
    '</Record></Collection></Annotation>'
    '</EntityType>'
    '<EntityContainer Name="C"><EntitySet Name="As" EntityType="t.A">'
    '<Annotation Term="Org.OData.Capabilities.V1.DeleteRestrictions"><Record>'
    '<PropertyValue Property="Deletable" Bool="false"/><PropertyValue Property="Max" Int="3"/></Record></Annotation>'
    '<Annotation Term="Org.OData.Capabilities.V1.SkipSupported"><Bool>false</Bool></Annotation>'
    '<Annotation Term="Org.OData.Capabilities.V1.TopSupported">\n  <Bool> true </Bool>\n</Annotation>'
    '</EntitySet></EntityContainer></Schema>'
    + EDMX_TAIL
)


def _facts(model) -> dict:
    entity = model.entity_types["Test.NS.A"]
    props = {name: (prop.description, prop.computed, prop.read_only, prop.immutable)
             for name, prop in entity.properties.items()}
    return {"properties": props, "navigation": entity.declared_navigation["b"].description,
            "keys": entity.alternate_keys, "capabilities": model.entity_sets["As"].capabilities}


def test_element_form_annotations_read_without_lxml_equal_parse_csdls():
    compact = read_compact(ANNOTATED.encode())
    assert compact is not None, "read in one pass"
    facts = _facts(compact)
    assert facts == _facts(parse_csdl(ANNOTATED.encode()))
    props = facts["properties"]
    assert props["id"] == (None, True, False, False)
    assert props["ro"] == (None, False, True, False) and props["rw"] == (None, False, False, False)
    # the nested annotations belong to the annotation, not to the property
    assert props["said"] == ("said & done", False, False, True)
    assert props["plain"] == (None, False, False, False) and props["noted"] == (None, False, False, False)
    assert facts["navigation"] == "a link"
    assert [(key.properties, key.aliases) for key in facts["keys"]] == [(("ro",), ("r",))]
    assert facts["capabilities"] == {"DeleteRestrictions.Deletable": False, "SkipSupported": False,
                                     "TopSupported": True}


def test_an_unused_term_on_a_property_gives_it_no_object_of_its_own():
    model = read_compact(ANNOTATED.encode())
    assert model is not None
    props = model.entity_types["Test.NS.A"].properties
    assert props["plain"] is props["noted"]  # same facets, nothing recorded: one shared object


def _node(elem: etree._Element) -> Node:
    node = Node(etree.QName(elem).localname, dict(elem.attrib))
    node.text = elem.text
    node.children = [_node(child) for child in elem if isinstance(child.tag, str)]
    return node


@pytest.mark.parametrize("xml", [
    '<Annotation Term="T" Int="12"/>',
    '<Annotation Term="T"><Int>x1</Int></Annotation>',
    '<Annotation Term="T"><Collection><String>a</String><Null/><Bool>TRUE</Bool></Collection></Annotation>',
    '<Annotation Term="T"><Record><PropertyValue Property="a"><Record><PropertyValue Property="b" Bool="false"/>'
    '</Record></PropertyValue><PropertyValue String="no property"/></Record></Annotation>',
    '<Annotation Term="T"><Annotation Term="U" String="skipped"/><EnumMember>E/x E/y</EnumMember></Annotation>',
    '<Annotation Term="T"/>',
])
def test_annotation_value_reads_a_node_as_it_reads_the_lxml_element(xml):
    elem = etree.fromstring(xml.replace("<Annotation ", '<Annotation xmlns="http://docs.oasis-open.org/odata/ns/edm" ',
                                        1))
    assert annotation_value(_node(elem)) == annotation_value(elem)


def test_annotation_setter_names_the_terms_the_harness_uses():
    prop, entity, entity_set = Property("p", "Edm.String"), EntityType("E", "N"), EntitySet("Es", "N.E")
    core = "Org.OData.Core.V1."
    assert annotation_setter(prop, core + "Computed") is not None
    assert annotation_setter(prop, core + "Description") is not None
    assert annotation_setter(prop, "Org.OData.Display.V1.Label") is None
    assert annotation_setter(entity, "OData.Community.Keys.V1.AlternateKeys") is not None
    assert annotation_setter(entity, core + "Computed") is None
    assert annotation_setter(entity_set, "Org.OData.Capabilities.V1.SkipSupported") is not None
    assert annotation_setter(NavigationProperty("n", "N.E"), core + "Description") is not None
    assert annotation_setter(object(), core + "Description") is None
    apply_annotation(entity_set, "Org.OData.Capabilities.V1.InsertRestrictions", {"Insertable": False, "x": "y"})
    assert entity_set.capabilities == {"InsertRestrictions.Insertable": False}


def test_the_all_sets_conversion_of_a_dataverse_document_imports_no_lxml(tmp_path):
    if not DYNAMICS_CRM.exists():
        pytest.skip(f"{DYNAMICS_CRM} is not available")
    code = ("import sys\nfrom harness.cli import main\n"
            f"code = main(['metadata', 'openapi', {str(DYNAMICS_CRM)!r}, '--dialect', 'dataverse', "
            f"'--out', {str(tmp_path / 'out.json')!r}])\n"
            "assert code == 0, code\nprint(sorted(name for name in sys.modules if name.startswith('lxml')))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def _with_type_annotation(inside: str) -> str:
    text = ANNOTATED.replace('<Annotation Term="OData.Community.Keys.V1.AlternateKeys">',
                             f'<Annotation Term="Core.Description" String="x">{inside}</Annotation>'
                             '<Annotation Term="OData.Community.Keys.V1.AlternateKeys">', 1)
    assert text != ANNOTATED
    assert "odd" not in parse_csdl(text.encode()).entity_types["Test.NS.A"].properties
    return text


@pytest.mark.parametrize("inside", [
    '<Property Name="odd" Type="Edm.String"/>',  # what parse_csdl skips: not a property of the type
    '<Property Name="odd" Type="Edm.String"/><Record/>',
])
def test_a_property_first_inside_a_type_annotation_goes_to_the_full_parse(inside):
    assert read_compact(_with_type_annotation(inside).encode()) is None


def test_a_property_after_another_element_inside_an_annotation_is_skipped_as_parse_csdl_skips_it():
    model = read_compact(_with_type_annotation('<Record/><Property Name="odd" Type="Edm.String"/>').encode())
    assert model is not None
    assert "odd" not in model.entity_types["Test.NS.A"].properties
    assert model.entity_types["Test.NS.A"].description == "x"


DESCRIBED = csdl(
    '<ComplexType Name="Address"><Property Name="line" Type="Edm.String"/></ComplexType>'
    '<EntityType Name="D"><Key><PropertyRef Name="id"/></Key>'
    '<Property Name="id" Type="Edm.Guid" Nullable="false"><Annotation Term="Org.OData.Core.V1.Description" '
    'String="the key"/></Property>'
    '<Property Name="a" Type="Edm.String" MaxLength="10"><Annotation Term="Org.OData.Core.V1.Description" '
    'String="&quot;quoted&quot;&#10;caf&#233; \\ back"/></Property>'
    '<Property Name="b" Type="Edm.String" MaxLength="10"><Annotation Term="Org.OData.Core.V1.Description" '
    'String="another"/></Property>'
    '<Property Name="c" Type="Edm.String" MaxLength="10" Nullable="false">'
    '<Annotation Term="Org.OData.Core.V1.Description" String="another"/></Property>'
    '<Property Name="d" Type="t.Address"><Annotation Term="Org.OData.Core.V1.Description" String="where"/></Property>'
    '<Property Name="e" Type="t.Address" Nullable="false"><Annotation Term="Org.OData.Core.V1.Description" '
    'String="there"/></Property>'
    '<Property Name="f" Type="Collection(Edm.String)"><Annotation Term="Org.OData.Core.V1.Description" '
    'String="many"/></Property>'
    '<Property Name="g" Type="Edm.String" MaxLength="10"><Annotation Term="Org.OData.Core.V1.Description" '
    'String="odd &#57344;S stand-in"/></Property>'
    '</EntityType>'
    '<EntityContainer Name="C"><EntitySet Name="Ds" EntityType="t.D"/></EntityContainer>'
)


def test_described_properties_stamped_from_one_template_equal_the_full_models_document():
    """The streamed writer stamps a property's description into its facets' template: the bytes are
    to_openapi's document, in json.dumps's layout (quotes, newlines, non-ASCII, the writer's stand-in char)."""
    from tests.metadata.test_compact import assert_dumps_layout, streamed

    model = read_compact(DESCRIBED.encode())
    assert model is not None
    document = streamed(model, "dataverse")
    assert document == json.loads(json.dumps(to_openapi(parse_csdl(DESCRIBED.encode()), "dataverse", "all")))
    schema = document["components"]["schemas"]["Test.NS.D"]["properties"]
    assert schema["a"]["description"] == '"quoted"\ncafé \\ back' and schema["d"]["allOf"]
    assert schema["g"]["description"] == "odd \ue000S stand-in"
    assert_dumps_layout(model, "dataverse", document)
