"""A small streaming reader for the parts of a Dataverse `$metadata` document a twin org needs.

It reads with ``lxml.etree.iterparse`` and clears every schema child once it has been turned into a
plain record, so a 4 MB org document never sits in memory as a tree. Only what the simulator can
serve is kept: entity and complex types (properties, keys, navigation, alternate keys, the Core
annotations that make a column read-only), enum types, type definitions, entity sets with their
navigation bindings, and function import names. The simulator must not depend on the harness, so
this is deliberately separate from ``harness.metadata``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

EDMX = "http://docs.oasis-open.org/odata/ns/edmx"
EDM = "http://docs.oasis-open.org/odata/ns/edm"
LEGACY_EDM = ("http://schemas.microsoft.com/ado/",)
READ_PERMISSION = "Org.OData.Core.V1.PermissionType/Read"
ALTERNATE_KEYS = ("OData.Community.Keys.V1.AlternateKeys", "Keys.AlternateKeys")


class TwinError(ValueError):
    """The document cannot be served as a twin org: says which file, where and why."""


@dataclass
class RawProperty:
    name: str
    type: str
    nullable: bool = True
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    read_only: bool = False
    description: str = ""


@dataclass
class RawNavigation:
    name: str
    type: str  # element type, qualified as written (alias or namespace)
    collection: bool
    partner: str | None = None
    constraints: list[tuple[str, str]] = field(default_factory=list)  # (property, referenced property)


@dataclass
class RawType:
    name: str
    namespace: str
    base: str | None = None
    abstract: bool = False
    key: list[str] = field(default_factory=list)
    properties: list[RawProperty] = field(default_factory=list)
    navigations: list[RawNavigation] = field(default_factory=list)
    alternate_keys: list[list[str]] = field(default_factory=list)
    complex: bool = False

    @property
    def qualified(self) -> str:
        return f"{self.namespace}.{self.name}"


@dataclass
class RawEnum:
    name: str
    namespace: str
    members: dict[str, int]


@dataclass
class RawEntitySet:
    name: str
    type: str
    bindings: dict[str, str] = field(default_factory=dict)


@dataclass
class RawDocument:
    """Everything read from one document; type names are qualified with the schema namespace."""

    source: str
    namespace: str = ""
    alias: str = ""
    container: str = ""
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> namespace
    types: dict[str, RawType] = field(default_factory=dict)
    enums: dict[str, RawEnum] = field(default_factory=dict)
    type_definitions: dict[str, str] = field(default_factory=dict)  # qualified name -> underlying type
    entity_sets: list[RawEntitySet] = field(default_factory=list)
    function_imports: list[str] = field(default_factory=list)
    action_imports: list[str] = field(default_factory=list)

    def resolve(self, name: str) -> str:
        """`mscrm.account` -> `Microsoft.Dynamics.CRM.account`; Edm names and unknown prefixes unchanged."""
        prefix, dot, rest = name.rpartition(".")
        if dot and prefix in self.aliases:
            return f"{self.aliases[prefix]}.{rest}"
        return name


def _tag(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None  # "max", "variable", "floating"


def _annotations(element) -> tuple[bool, str]:
    """(read-only, description) from Core.Computed / Core.Permissions=Read / Core.Description."""
    read_only, description = False, ""
    for child in element:
        if _tag(child) != "Annotation":
            continue
        term = child.get("Term", "")
        if term.endswith("Core.V1.Computed") and child.get("Bool", "true").lower() == "true":
            read_only = True
        elif term.endswith("Core.V1.Permissions"):
            members = child.get("EnumMember") or " ".join((e.text or "") for e in child.iter(f"{{{EDM}}}EnumMember"))
            if members.strip() == READ_PERMISSION:
                read_only = True
        elif term.endswith("Core.V1.Description"):
            description = child.get("String") or ""
    return read_only, description


def _alternate_keys(annotation) -> list[list[str]]:
    keys: list[list[str]] = []
    for record in annotation.iter(f"{{{EDM}}}Record"):
        if not record.get("Type", "").endswith("AlternateKey"):
            continue
        parts = [value.get("PropertyPath") for value in record.iter(f"{{{EDM}}}PropertyValue")
                 if value.get("Property") == "Name" and value.get("PropertyPath")]
        if parts and parts not in keys:
            keys.append(parts)
    return keys


def _structured(element, namespace: str) -> RawType:
    raw = RawType(element.get("Name", ""), namespace, element.get("BaseType"),
                  element.get("Abstract", "false").lower() == "true", complex=_tag(element) == "ComplexType")
    for child in element:
        tag = _tag(child)
        if tag == "Key":
            raw.key = [ref.get("Name") for ref in child if _tag(ref) == "PropertyRef"]
        elif tag == "Property":
            read_only, description = _annotations(child)
            raw.properties.append(RawProperty(
                child.get("Name", ""), child.get("Type", "Edm.String"),
                child.get("Nullable", "true").lower() != "false", _int(child.get("MaxLength")),
                _int(child.get("Precision")), _int(child.get("Scale")), read_only, description))
        elif tag == "NavigationProperty":
            type_name = child.get("Type", "")
            collection = type_name.startswith("Collection(") and type_name.endswith(")")
            raw.navigations.append(RawNavigation(
                child.get("Name", ""), type_name[len("Collection("):-1] if collection else type_name, collection,
                child.get("Partner"),
                [(c.get("Property"), c.get("ReferencedProperty")) for c in child
                 if _tag(c) == "ReferentialConstraint"]))
        elif tag == "Annotation" and child.get("Term") in ALTERNATE_KEYS:
            raw.alternate_keys = _alternate_keys(child)
    return raw


def _container(element, document: RawDocument) -> None:
    document.container = element.get("Name", "")
    for child in element:
        tag = _tag(child)
        if tag == "EntitySet":
            bindings = {b.get("Path"): b.get("Target") for b in child if _tag(b) == "NavigationPropertyBinding"}
            document.entity_sets.append(RawEntitySet(child.get("Name", ""), child.get("EntityType", ""), bindings))
        elif tag == "FunctionImport":
            document.function_imports.append(child.get("Name", ""))
        elif tag == "ActionImport":
            document.action_imports.append(child.get("Name", ""))


def read_document(path: str | Path) -> RawDocument:
    """Read `path` (a Dataverse `$metadata` XML file) into a :class:`RawDocument`."""
    path = Path(path)
    if not path.is_file():
        raise TwinError(f"{path}: no such $metadata file")
    document = RawDocument(str(path))
    schema_namespace = ""
    root_checked = False
    try:
        for event, element in etree.iterparse(str(path), events=("start", "end"), huge_tree=True,
                                              remove_comments=True, resolve_entities=False, no_network=True):
            if event == "start":
                if not root_checked:
                    root_checked = True
                    _check_root(element, path)
                if element.tag == f"{{{EDM}}}Schema":
                    schema_namespace = element.get("Namespace", "")
                    alias = element.get("Alias")
                    if alias:
                        document.aliases[alias] = schema_namespace
                    if not document.namespace:
                        document.namespace, document.alias = schema_namespace, alias or ""
                elif element.tag == f"{{{EDMX}}}Include" and element.get("Alias"):
                    document.aliases[element.get("Alias")] = element.get("Namespace", "")
                continue
            parent = element.getparent()
            if parent is None or parent.tag != f"{{{EDM}}}Schema":
                continue
            tag = _tag(element)
            if tag in ("EntityType", "ComplexType"):
                raw = _structured(element, schema_namespace)
                document.types[raw.qualified] = raw
            elif tag == "EnumType":
                members, next_value = {}, 0
                for member in element:
                    if _tag(member) == "Member":
                        value = _int(member.get("Value"))
                        members[member.get("Name", "")] = next_value if value is None else value
                        next_value = members[member.get("Name", "")] + 1
                name = element.get("Name", "")
                document.enums[f"{schema_namespace}.{name}"] = RawEnum(name, schema_namespace, members)
            elif tag == "TypeDefinition":
                document.type_definitions[f"{schema_namespace}.{element.get('Name', '')}"] = \
                    element.get("UnderlyingType", "Edm.String")
            elif tag == "EntityContainer":
                _container(element, document)
                document.namespace = schema_namespace
                document.alias = next((a for a, n in document.aliases.items() if n == schema_namespace), "")
            element.clear()
            while element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if getattr(exc, "position", None) else None)
        raise TwinError(f"{path}:{line}: not well-formed XML ({exc.msg})") from None
    if not root_checked:
        raise TwinError(f"{path}: empty document; expected OData v4 $metadata XML")
    if not document.container:
        raise TwinError(f"{path}: no <EntityContainer>; a twin needs the entity sets of a $metadata document")
    return document


def _check_root(element, path: Path) -> None:
    namespace = etree.QName(element).namespace or ""
    if namespace.startswith(LEGACY_EDM):
        raise TwinError(f"{path}: OData v1-v3 CSDL ({namespace}); a twin needs an OData v4 $metadata document")
    if element.tag != f"{{{EDMX}}}Edmx":
        raise TwinError(f"{path}:{element.sourceline}: expected <edmx:Edmx> of an OData v4 $metadata document, "
                        f"found <{etree.QName(element).localname}>")
