"""A compact, one-pass reading of a whole CSDL document for the all-sets OpenAPI conversion.

:func:`harness.metadata.parse_csdl` keeps one :class:`~harness.metadata.model.Property` per
property: 330,000 objects and 4,400 dicts (88 MiB) for a 31 MiB F&O document, built from
``iterparse`` elements. Here lxml calls a parser target with each tag and attribute dict (no tree,
no element objects), and properties with the same facets (type, nullability, length, precision,
annotations, ...) share one ``Property`` object (its ``name`` is empty): a type keeps a tuple of
names and a tuple of those shared objects (:class:`PropertyTable`; a type with a base type gets
the dict ``resolve`` makes of both). The OpenAPI builder reads no property's ``name`` (it uses the
table's keys), so the model converts to the same document, for a fraction of the memory and time
(F&O: 31 MiB read in about 1.1 s into 21 MiB). It is meant for that conversion only; the diff
and the contract tests use ``parse_csdl``'s model.

Whatever this reading does not handle in one pass — anything malformed (so that
``parse_csdl`` names the problem and its line), out-of-line ``<Annotations>`` (they could change
one of the shared objects for every property that uses it) — makes :func:`read_compact` return
None, and the caller parses the usual way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from sys import intern
from typing import Any

from lxml import etree

from ._gc import gc_paused
from .annotations import annotation_value, apply_annotation, inline_value
from .errors import MetadataError
from .model import (
    ComplexType,
    CsdlModel,
    EntityContainer,
    EntitySet,
    EntityType,
    EnumMember,
    EnumType,
    NavigationProperty,
    Operation,
    OperationImport,
    Parameter,
    Property,
    ReferentialConstraint,
    ReturnType,
    Schema,
    Singleton,
    TypeDefinition,
    split_collection,
)
from .parser import _bool, parse_csdl
from .parser import _int_or_keyword as _number  # facets read as parse_csdl reads them
from .resolve import finalize

EDMX = "{http://docs.oasis-open.org/odata/ns/edmx}"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
PROPERTY = EDM + "Property"
ANNOTATION = EDM + "Annotation"


class Unsupported(Exception):
    """The document needs the full parser (to be explained, or for a construct read only there)."""


class PropertyTable(Mapping):
    """Property name -> shared ``Property`` (its ``name`` is not this one's: read the keys)."""

    __slots__ = ("names", "props")

    def __init__(self, names: tuple[str, ...], props: tuple[Property, ...]) -> None:
        self.names = names
        self.props = props

    def __getitem__(self, name: str) -> Property:
        try:
            return self.props[self.names.index(name)]
        except ValueError:
            raise KeyError(name) from None

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def items(self):  # type: ignore[override]
        return zip(self.names, self.props, strict=True)

    def values(self):  # type: ignore[override]
        return self.props


def read_compact(source: str | os.PathLike | bytes) -> CsdlModel | None:
    """The model of a CSDL file (or its bytes) with shared property objects, or None: then
    :func:`~harness.metadata.parse_csdl` reads it (and names what is wrong, if anything is)."""
    name = "<bytes>" if isinstance(source, bytes) else str(source)
    reader = _Target(name)
    parser = etree.XMLParser(target=reader, remove_comments=True, remove_pis=True, resolve_entities=False,
                             no_network=True)
    try:
        with gc_paused():
            if isinstance(source, bytes):
                etree.fromstring(source, parser)
            else:
                etree.parse(name, parser)
            return reader.finish()
    except (Unsupported, MetadataError, etree.XMLSyntaxError, OSError, ValueError, KeyError, TypeError,
            AttributeError, IndexError, AssertionError):
        return None


def load_model(source: str | os.PathLike | bytes) -> CsdlModel:
    """The compact model when :func:`read_compact` can read ``source``, else ``parse_csdl``'s."""
    model = read_compact(source)
    return model if model is not None else parse_csdl(source)


def _required(attrib: Mapping[str, str], name: str) -> str:
    value = attrib.get(name)
    if value is None or not value.strip():
        raise Unsupported(name)
    return value.strip()


class _Target:
    """lxml parser target: builds the model from start/end events, one dict lookup per element."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.model: CsdlModel | None = None
        self.schema: Schema | None = None
        self.structured: EntityType | ComplexType | None = None
        self.names: list[str] = []
        self.props: list[Property] = []
        self.enum: EnumType | None = None
        self.operation: Operation | None = None
        self.container: EntityContainer | None = None
        self.child: EntitySet | Singleton | None = None
        self.navigation: NavigationProperty | None = None
        self.in_key = False
        self.targets: list[object | None] = []
        self.pending: Property | None = None  # the property being read, when an annotation needs an object
        self.pending_raw: tuple = ()
        self.in_property = False
        self.shared: dict[tuple, Property] = {}  # facets -> the one Property object with them
        self.by_raw: dict[tuple, Property] = {}  # a property's attributes but its name -> the same
        self.facets: dict[tuple, tuple] = {}  # a property's attributes but its name -> its facets
        self.annotation: etree.TreeBuilder | None = None
        self.annotation_head: tuple[str, dict[str, str]] = ("", {})
        self.depth = 0
        self.data_services = False
        self.starts = {EDM + name[7:]: getattr(self, name) for name in dir(self) if name.startswith("_start_")}
        self.ends = {EDM + name[5:]: getattr(self, name) for name in dir(self) if name.startswith("_end_")}

    # -- lxml target protocol --------------------------------------------------------------
    def start(self, tag: str, attrib: dict[str, str], nsmap: Any = None) -> None:
        if self.depth:  # inside an <Annotation>: its children make a small tree for annotation_value
            if self.annotation is None:
                self.annotation = etree.TreeBuilder()
                self.annotation.start(*self.annotation_head)
            self.depth += 1
            self.annotation.start(tag, attrib)
            return
        if tag == PROPERTY:
            name = attrib.pop("Name", None)
            if self.structured is None or self.in_property or not name:
                raise Unsupported(tag)
            name = intern(name.strip())
            if not name:
                raise Unsupported(tag)
            # F&O repeats a few thousand attribute combinations 330,000 times: read each combination once
            raw = tuple(attrib.items())
            shared = self.by_raw.get(raw)
            if shared is None:
                shared = self.by_raw[raw] = self._property(self._facets(raw))
            self.names.append(name)
            self.props.append(shared)
            self.in_property, self.pending_raw = True, raw
            return
        if tag == ANNOTATION:
            if self.in_property and self.pending is None:
                # the property gets an object of its own, shared by its final facets at its end
                self.pending = Property("", *self._facets(self.pending_raw))
            self.annotation_head = (tag, attrib)  # most annotations are one empty element (String="...")
            self.depth = 1
            return
        if self.model is None:
            if tag != EDMX + "Edmx":
                raise Unsupported(tag)
            self.model = CsdlModel(source=self.source, version=attrib.get("Version", ""))
            return
        handler = self.starts.get(tag)
        if handler is not None:
            handler(attrib)
        elif tag == EDMX + "DataServices":
            self.data_services = True
        elif tag == EDMX + "Include" and attrib.get("Alias"):
            self.model.aliases[attrib["Alias"]] = _required(attrib, "Namespace")

    def data(self, text: str) -> None:
        if self.annotation is not None:
            self.annotation.data(text)

    def end(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1
            if self.annotation is not None:
                self.annotation.end(tag)
            if self.depth == 0:
                attrib = self.annotation_head[1]
                if self.annotation is None:  # no children: the value is in an attribute, or a Tag's true
                    value = inline_value(attrib)
                    value = True if value is None else value
                else:
                    value = annotation_value(self.annotation.close())
                    self.annotation = None
                assert self.model is not None
                term = self.model.resolve_name(_required(attrib, "Term"))
                target = self.pending if self.in_property else self.targets[-1] if self.targets else None
                if target is not None:
                    apply_annotation(target, term, value)
            return
        if tag == PROPERTY:
            prop = self.pending
            if prop is not None:
                key = (prop.type, prop.nullable, prop.max_length, prop.precision, prop.scale, prop.default_value,
                       prop.concurrency_token, prop.description, prop.computed, prop.read_only, prop.immutable)
                shared = self.shared.get(key)
                if shared is None:
                    shared = self.shared[key] = prop
                self.props[-1] = shared
                self.pending = None
            self.in_property = False
            return
        handler = self.ends.get(tag)
        if handler is not None:
            handler()

    def close(self) -> None:
        return None

    def _facets(self, raw: tuple) -> tuple:
        facets = self.facets.get(raw)
        if facets is None:
            facets = self.facets[raw] = self._read_facets(raw)
        return facets

    @staticmethod
    def _read_facets(raw: tuple) -> tuple:
        attrib = dict(raw)
        get = attrib.get
        return (intern(_required(attrib, "Type")), _bool(get("Nullable"), True), _number(get("MaxLength")),
                _number(get("Precision")), _number(get("Scale")), get("DefaultValue"),
                get("ConcurrencyMode") == "Fixed")

    def _property(self, facets: tuple) -> Property:
        """The shared object for the facets of a property read from its attributes only."""
        full = (*facets, None, False, False, False)
        shared = self.shared.get(full)
        if shared is None:
            shared = self.shared[full] = Property("", *facets)
        return shared

    def finish(self) -> CsdlModel:
        if self.model is None or not self.data_services or not self.model.schemas:
            raise Unsupported("not CSDL")
        finalize(self.model, [])
        return self.model

    # -- schema level ----------------------------------------------------------------------
    def _namespace(self) -> str:
        if self.schema is None:
            raise Unsupported("outside <Schema>")
        return self.schema.namespace

    def _start_Schema(self, attrib: dict[str, str]) -> None:
        assert self.model is not None
        if not self.data_services:
            raise Unsupported("Schema")
        self.schema = Schema(namespace=_required(attrib, "Namespace"), alias=attrib.get("Alias"))
        self.model.schemas.append(self.schema)
        if self.schema.alias:
            self.model.aliases[self.schema.alias] = self.schema.namespace

    def _end_Schema(self) -> None:
        self.schema = None

    def _start_Annotations(self, attrib: dict[str, str]) -> None:
        raise Unsupported("out-of-line annotations")

    def _start_EntityType(self, attrib: dict[str, str]) -> None:
        self._start_structured(EntityType(
            name=_required(attrib, "Name"), namespace=self._namespace(), base_type=attrib.get("BaseType"),
            abstract=_bool(attrib.get("Abstract"), False), open_type=_bool(attrib.get("OpenType"), False),
            has_stream=_bool(attrib.get("HasStream"), False)))

    def _start_ComplexType(self, attrib: dict[str, str]) -> None:
        self._start_structured(ComplexType(
            name=_required(attrib, "Name"), namespace=self._namespace(), base_type=attrib.get("BaseType"),
            abstract=_bool(attrib.get("Abstract"), False), open_type=_bool(attrib.get("OpenType"), False)))

    def _start_structured(self, structured: EntityType | ComplexType) -> None:
        if self.structured is not None:
            raise Unsupported("nested type")
        self.structured = structured
        self.names, self.props = [], []
        self.targets.append(structured)

    def _end_EntityType(self) -> None:
        assert self.model is not None
        self._end_structured(self.model.entity_types)

    def _end_ComplexType(self) -> None:
        assert self.model is not None
        self._end_structured(self.model.complex_types)

    def _end_structured(self, table: dict) -> None:
        structured = self.structured
        assert structured is not None
        if structured.full_name in table or len(set(self.names)) != len(self.names):
            raise Unsupported("declared twice")
        structured.declared_properties = PropertyTable(tuple(self.names), tuple(self.props))  # type: ignore[assignment]
        table[structured.full_name] = structured
        self.structured = None
        self.targets.pop()

    def _start_Key(self, attrib: dict[str, str]) -> None:
        if not isinstance(self.structured, EntityType):
            raise Unsupported("Key")
        self.in_key = True

    def _end_Key(self) -> None:
        self.in_key = False

    def _start_PropertyRef(self, attrib: dict[str, str]) -> None:
        if self.in_key and isinstance(self.structured, EntityType):
            self.structured.declared_key.append(_required(attrib, "Name"))

    def _start_NavigationProperty(self, attrib: dict[str, str]) -> None:
        if self.structured is None:
            raise Unsupported("NavigationProperty")
        element_type, is_collection = split_collection(_required(attrib, "Type"))
        self.navigation = NavigationProperty(
            name=intern(_required(attrib, "Name")), type=intern(element_type), collection=is_collection,
            nullable=_bool(attrib.get("Nullable"), True), partner=attrib.get("Partner"),
            contains_target=_bool(attrib.get("ContainsTarget"), False))
        self.structured.declared_navigation[self.navigation.name] = self.navigation
        self.targets.append(self.navigation)

    def _end_NavigationProperty(self) -> None:
        self.navigation = None
        self.targets.pop()

    def _start_ReferentialConstraint(self, attrib: dict[str, str]) -> None:
        if self.navigation is not None:
            self.navigation.referential_constraints.append(ReferentialConstraint(
                property=_required(attrib, "Property"), referenced_property=_required(attrib, "ReferencedProperty")))

    def _start_EnumType(self, attrib: dict[str, str]) -> None:
        self.enum = EnumType(name=_required(attrib, "Name"), namespace=self._namespace(),
                             underlying_type=attrib.get("UnderlyingType", "Edm.Int32"),
                             is_flags=_bool(attrib.get("IsFlags"), False))
        self.targets.append(self.enum)

    def _start_Member(self, attrib: dict[str, str]) -> None:
        if self.enum is None:
            raise Unsupported("Member")
        raw = attrib.get("Value")
        value = (self.enum.members[-1].value + 1 if self.enum.members else 0) if raw is None else int(raw)
        self.enum.members.append(EnumMember(name=_required(attrib, "Name"), value=value))
        self.targets.append(None)

    def _end_Member(self) -> None:
        self.targets.pop()

    def _end_EnumType(self) -> None:
        assert self.model is not None and self.enum is not None
        self.model.enum_types[self.enum.full_name] = self.enum
        self.enum = None
        self.targets.pop()

    def _start_TypeDefinition(self, attrib: dict[str, str]) -> None:
        assert self.model is not None
        definition = TypeDefinition(name=_required(attrib, "Name"), namespace=self._namespace(),
                                    underlying_type=_required(attrib, "UnderlyingType"),
                                    max_length=_number(attrib.get("MaxLength")))
        self.model.type_definitions[definition.full_name] = definition

    def _start_Action(self, attrib: dict[str, str]) -> None:
        self._start_operation(attrib, "action")

    def _start_Function(self, attrib: dict[str, str]) -> None:
        self._start_operation(attrib, "function")

    def _start_operation(self, attrib: dict[str, str], kind: str) -> None:
        self.operation = Operation(
            kind=kind, name=_required(attrib, "Name"), namespace=self._namespace(),
            is_bound=_bool(attrib.get("IsBound"), False), is_composable=_bool(attrib.get("IsComposable"), False),
            entity_set_path=attrib.get("EntitySetPath"))
        self.targets.append(None)

    def _start_Parameter(self, attrib: dict[str, str]) -> None:
        if self.operation is not None:
            self.operation.parameters.append(Parameter(name=_required(attrib, "Name"), type=_required(attrib, "Type"),
                                                       nullable=_bool(attrib.get("Nullable"), True)))

    def _start_ReturnType(self, attrib: dict[str, str]) -> None:
        if self.operation is not None:
            self.operation.return_type = ReturnType(type=_required(attrib, "Type"),
                                                    nullable=_bool(attrib.get("Nullable"), True))

    def _end_Action(self) -> None:
        self._end_operation("actions")

    def _end_Function(self) -> None:
        self._end_operation("functions")

    def _end_operation(self, table: str) -> None:
        assert self.model is not None and self.operation is not None
        if self.operation.is_bound and not self.operation.parameters:
            raise Unsupported("bound operation without a binding parameter")
        getattr(self.model, table).setdefault(self.operation.full_name, []).append(self.operation)
        self.operation = None
        self.targets.pop()

    # -- container -------------------------------------------------------------------------
    def _start_EntityContainer(self, attrib: dict[str, str]) -> None:
        assert self.model is not None
        self.container = EntityContainer(name=_required(attrib, "Name"), namespace=self._namespace(),
                                         extends=attrib.get("Extends"))
        self.model.containers.append(self.container)

    def _end_EntityContainer(self) -> None:
        self.container = None

    def _in_container(self) -> EntityContainer:
        if self.container is None:
            raise Unsupported("outside <EntityContainer>")
        return self.container

    def _start_EntitySet(self, attrib: dict[str, str]) -> None:
        entity_set = EntitySet(name=_required(attrib, "Name"), entity_type=_required(attrib, "EntityType"))
        self._in_container().entity_sets[entity_set.name] = entity_set
        self.child = entity_set
        self.targets.append(entity_set)

    def _start_Singleton(self, attrib: dict[str, str]) -> None:
        singleton = Singleton(name=_required(attrib, "Name"), type=_required(attrib, "Type"))
        self._in_container().singletons[singleton.name] = singleton
        self.child = singleton
        self.targets.append(singleton)

    def _end_EntitySet(self) -> None:
        self.child = None
        self.targets.pop()

    _end_Singleton = _end_EntitySet

    def _start_NavigationPropertyBinding(self, attrib: dict[str, str]) -> None:
        if self.child is None:
            raise Unsupported("NavigationPropertyBinding")
        self.child.navigation_bindings[_required(attrib, "Path")] = _required(attrib, "Target")

    def _start_ActionImport(self, attrib: dict[str, str]) -> None:
        imported = OperationImport(kind="action", name=_required(attrib, "Name"), operation=_required(attrib, "Action"),
                                   entity_set=attrib.get("EntitySet"))
        self._in_container().action_imports[imported.name] = imported

    def _start_FunctionImport(self, attrib: dict[str, str]) -> None:
        imported = OperationImport(
            kind="function", name=_required(attrib, "Name"), operation=_required(attrib, "Function"),
            entity_set=attrib.get("EntitySet"),
            include_in_service_document=_bool(attrib.get("IncludeInServiceDocument"), False))
        self._in_container().function_imports[imported.name] = imported
