"""Streaming CSDL (OData v4 `$metadata`) reader.

F&O's `$metadata` is 28 MB and more, so the document is read with `lxml.etree.iterparse` and
every top-level schema element is discarded as soon as it has been turned into model objects:
peak memory stays near the size of the model, not of the XML tree.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from sys import intern
from typing import IO, Any

from lxml import etree

from harness.gc_pause import gc_paused

from .annotations import annotation_value, apply_annotation
from .attributes import read_bool as _bool
from .attributes import read_int_or_keyword as _int_or_keyword
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
    StructuredType,
    TypeDefinition,
    split_collection,
)
from .resolve import finalize

EDMX_NS = "http://docs.oasis-open.org/odata/ns/edmx"
EDM_NS = "http://docs.oasis-open.org/odata/ns/edm"
ANNOTATION_TAG = f"{{{EDM_NS}}}Annotation"
# Namespaces of OData v1-v3 CSDL: recognised only to say clearly that they are not supported.
LEGACY_NAMESPACES = {
    "http://schemas.microsoft.com/ado/2007/06/edmx",
    "http://schemas.microsoft.com/ado/2006/04/edm",
    "http://schemas.microsoft.com/ado/2008/09/edm",
    "http://schemas.microsoft.com/ado/2009/11/edm",
}

Source = str | os.PathLike | bytes | bytearray | IO[bytes]


def parse_csdl(source: Source) -> CsdlModel:
    """Parse a CSDL document from a path, XML bytes/text, or a binary file object.

    Raises `MetadataError` (naming the source and line) when the input is not well-formed XML,
    not OData v4 CSDL, or structurally unusable (e.g. an undefined base type).
    """
    name, stream, owned = _open(source)
    try:
        with gc_paused():
            return _Reader(name).read(stream)
    finally:
        if owned:
            stream.close()


def _open(source: Source) -> tuple[str, IO[bytes], bool]:
    if isinstance(source, (bytes, bytearray)):
        return "<bytes>", io.BytesIO(bytes(source)), True
    if isinstance(source, str) and source.lstrip("\ufeff \t\r\n").startswith("<"):
        return "<string>", io.BytesIO(source.encode("utf-8")), True
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            return str(path), path.open("rb"), True
        except OSError as exc:
            raise MetadataError(f"cannot read the file: {exc.strerror or exc}", source=str(path)) from None
    if hasattr(source, "read"):
        return str(getattr(source, "name", "<stream>")), source, False
    raise TypeError(f"parse_csdl() expects a path, bytes or a binary file, not {type(source).__name__}")


def _local(tag: object) -> tuple[str, str]:
    if not isinstance(tag, str):
        return "", ""
    qname = etree.QName(tag)
    return qname.namespace or "", qname.localname


class _Reader:
    """One parse: a small state machine over iterparse events."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.model: CsdlModel | None = None
        self.schema: Schema | None = None
        self.structured: StructuredType | None = None
        self.enum: EnumType | None = None
        self.operation: Operation | None = None
        self.container: EntityContainer | None = None
        self.container_child: EntitySet | Singleton | None = None
        self.navigation: NavigationProperty | None = None
        self.in_key = False
        # Model objects that an <Annotation> child applies to (innermost last); None = not modelled.
        self.targets: list[object | None] = []
        self.annotation_depth = 0
        self.outline_target: tuple[str, int | None] | None = None
        self.pending: list[tuple[str, str, Any, int | None]] = []  # out-of-line Annotations
        self.seen_data_services = False
        # Dispatch tables keyed by the Clark-notation tag: one dict lookup per event.
        self.start_handlers = self._handlers("_start_")
        self.end_handlers = self._handlers("_end_")

    def _handlers(self, prefix: str) -> dict[str, Any]:
        table = {}
        for attribute in dir(self):
            if attribute.startswith(prefix + "edmx_"):
                table[f"{{{EDMX_NS}}}{attribute[len(prefix) + 5:]}"] = getattr(self, attribute)
            elif attribute.startswith(prefix) and attribute[len(prefix):][:1].isupper():
                table[f"{{{EDM_NS}}}{attribute[len(prefix):]}"] = getattr(self, attribute)
        return table

    # -- driver -----------------------------------------------------------------------------

    def read(self, stream: IO[bytes]) -> CsdlModel:
        events = etree.iterparse(
            stream, events=("start", "end"), remove_comments=True, remove_pis=True,
            resolve_entities=False, no_network=True,  # never expand entities or fetch DTDs (XXE)
        )
        try:
            for event, elem in events:
                if event == "start":
                    self._start(elem)
                else:
                    self._end(elem)
        except etree.XMLSyntaxError as exc:
            line = exc.lineno or getattr(exc, "position", (None,))[0]
            message = exc.msg or str(exc)
            if any(text in message for text in ("Document is empty", "no element found", "Start tag expected")):
                message = f"not an XML document ({message}); expected OData v4 CSDL ($metadata XML)"
            else:
                message = f"malformed XML: {message}"
            raise MetadataError(message, source=self.source, line=line) from None
        except ValueError as exc:  # lxml: e.g. an undeclared namespace prefix ("Invalid tag name")
            line = getattr(getattr(events, "root", None), "sourceline", None)
            raise MetadataError(f"malformed XML: {exc} (is a namespace prefix used without its xmlns "
                                "declaration?)", source=self.source, line=line) from None
        if self.model is None:
            raise MetadataError("empty document; expected OData v4 CSDL", source=self.source)
        if not self.seen_data_services or not self.model.schemas:
            raise MetadataError(
                "no <edmx:DataServices>/<Schema> element; expected an OData v4 CSDL document",
                source=self.source,
            )
        finalize(self.model, self.pending)
        return self.model

    def _fail(self, message: str, elem: etree._Element) -> MetadataError:
        return MetadataError(message, source=self.source, line=elem.sourceline)

    def _required(self, elem: etree._Element, attribute: str) -> str:
        value = elem.get(attribute)
        if value is None or not value.strip():
            _, local = _local(elem.tag)
            raise self._fail(f"<{local}> is missing the required attribute {attribute!r}", elem)
        return value.strip()

    def _term(self, elem: etree._Element) -> str:
        assert self.model is not None
        return self.model.resolve_name(self._required(elem, "Term"))

    # -- start events -----------------------------------------------------------------------

    def _start(self, elem: etree._Element) -> None:
        tag = elem.tag
        if self.model is None:
            ns, local = _local(tag)
            self._root(elem, ns, local)
            return
        if self.annotation_depth:
            if tag == ANNOTATION_TAG:
                self.annotation_depth += 1
            return
        handler = self.start_handlers.get(tag)
        if handler is not None:
            handler(elem)

    def _start_edmx_DataServices(self, elem: etree._Element) -> None:
        self.seen_data_services = True

    def _start_edmx_Include(self, elem: etree._Element) -> None:
        assert self.model is not None
        alias = elem.get("Alias")
        if alias:
            self.model.aliases[alias] = self._required(elem, "Namespace")

    def _root(self, elem: etree._Element, ns: str, local: str) -> None:
        if ns in LEGACY_NAMESPACES:
            raise self._fail(
                f"this is OData v1-v3 CSDL (namespace {ns}); expected OData v4 CSDL (namespace {EDMX_NS})", elem
            )
        if (ns, local) != (EDMX_NS, "Edmx"):
            found = f"{{{ns}}}{local}" if ns else local
            raise self._fail(
                f"expected the root element <edmx:Edmx xmlns:edmx=\"{EDMX_NS}\"> of an OData v4 CSDL document, "
                f"found <{found}>",
                elem,
            )
        self.model = CsdlModel(source=self.source, version=elem.get("Version", ""))

    def _start_Schema(self, elem: etree._Element) -> None:
        assert self.model is not None
        if not self.seen_data_services:
            raise self._fail("<Schema> must be inside <edmx:DataServices>", elem)
        namespace = self._required(elem, "Namespace")
        alias = elem.get("Alias")
        self.schema = Schema(namespace=namespace, alias=alias)
        self.model.schemas.append(self.schema)
        if alias:
            self.model.aliases[alias] = namespace

    def _schema_namespace(self, elem: etree._Element) -> str:
        if self.schema is None:
            _, local = _local(elem.tag)
            raise self._fail(f"<{local}> must be inside <Schema>", elem)
        return self.schema.namespace

    def _start_EntityType(self, elem: etree._Element) -> None:
        self.structured = EntityType(
            name=self._required(elem, "Name"),
            namespace=self._schema_namespace(elem),
            base_type=elem.get("BaseType"),
            abstract=_bool(elem.get("Abstract"), False),
            open_type=_bool(elem.get("OpenType"), False),
            has_stream=_bool(elem.get("HasStream"), False),
            line=elem.sourceline,
        )
        self.targets.append(self.structured)

    def _start_ComplexType(self, elem: etree._Element) -> None:
        self.structured = ComplexType(
            name=self._required(elem, "Name"),
            namespace=self._schema_namespace(elem),
            base_type=elem.get("BaseType"),
            abstract=_bool(elem.get("Abstract"), False),
            open_type=_bool(elem.get("OpenType"), False),
            line=elem.sourceline,
        )
        self.targets.append(self.structured)

    def _start_Key(self, elem: etree._Element) -> None:
        if not isinstance(self.structured, EntityType):
            raise self._fail("<Key> must be inside <EntityType>", elem)
        self.in_key = True

    def _start_Property(self, elem: etree._Element) -> None:
        if self.structured is None:
            raise self._fail("<Property> must be inside <EntityType> or <ComplexType>", elem)
        # Names and type references repeat thousands of times in F&O documents: intern them.
        prop = Property(
            name=intern(self._required(elem, "Name")),
            type=intern(self._required(elem, "Type")),
            nullable=_bool(elem.get("Nullable"), True),
            max_length=_int_or_keyword(elem.get("MaxLength")),
            precision=_int_or_keyword(elem.get("Precision")),  # type: ignore[arg-type]
            scale=_int_or_keyword(elem.get("Scale")),
            default_value=elem.get("DefaultValue"),
            concurrency_token=elem.get("ConcurrencyMode") == "Fixed",
        )
        if prop.name in self.structured.declared_properties:
            raise self._fail(f"property {prop.name!r} is declared twice in {self.structured.name!r}", elem)
        self.structured.declared_properties[prop.name] = prop
        self.targets.append(prop)

    def _start_NavigationProperty(self, elem: etree._Element) -> None:
        if self.structured is None:
            raise self._fail("<NavigationProperty> must be inside <EntityType> or <ComplexType>", elem)
        element_type, is_collection = split_collection(self._required(elem, "Type"))
        self.navigation = NavigationProperty(
            name=intern(self._required(elem, "Name")),
            type=intern(element_type),
            collection=is_collection,
            nullable=_bool(elem.get("Nullable"), True),
            partner=elem.get("Partner"),
            contains_target=_bool(elem.get("ContainsTarget"), False),
        )
        self.structured.declared_navigation[self.navigation.name] = self.navigation
        self.targets.append(self.navigation)

    def _start_EnumType(self, elem: etree._Element) -> None:
        self.enum = EnumType(
            name=self._required(elem, "Name"),
            namespace=self._schema_namespace(elem),
            underlying_type=elem.get("UnderlyingType", "Edm.Int32"),
            is_flags=_bool(elem.get("IsFlags"), False),
            line=elem.sourceline,
        )
        self.targets.append(self.enum)

    def _start_Action(self, elem: etree._Element) -> None:
        self._start_operation(elem, "action")

    def _start_Function(self, elem: etree._Element) -> None:
        self._start_operation(elem, "function")

    def _start_operation(self, elem: etree._Element, kind: str) -> None:
        self.operation = Operation(
            kind=kind,
            name=self._required(elem, "Name"),
            namespace=self._schema_namespace(elem),
            is_bound=_bool(elem.get("IsBound"), False),
            is_composable=_bool(elem.get("IsComposable"), False),
            entity_set_path=elem.get("EntitySetPath"),
            line=elem.sourceline,
        )
        self.targets.append(None)

    def _start_EntityContainer(self, elem: etree._Element) -> None:
        assert self.model is not None
        self.container = EntityContainer(
            name=self._required(elem, "Name"), namespace=self._schema_namespace(elem), extends=elem.get("Extends")
        )
        self.model.containers.append(self.container)

    def _container(self, elem: etree._Element) -> EntityContainer:
        if self.container is None:
            _, local = _local(elem.tag)
            raise self._fail(f"<{local}> must be inside <EntityContainer>", elem)
        return self.container

    def _start_EntitySet(self, elem: etree._Element) -> None:
        container = self._container(elem)
        entity_set = EntitySet(
            name=self._required(elem, "Name"), entity_type=self._required(elem, "EntityType"), line=elem.sourceline
        )
        container.entity_sets[entity_set.name] = entity_set
        self.container_child = entity_set
        self.targets.append(entity_set)

    def _start_Singleton(self, elem: etree._Element) -> None:
        container = self._container(elem)
        singleton = Singleton(name=self._required(elem, "Name"), type=self._required(elem, "Type"), line=elem.sourceline)
        container.singletons[singleton.name] = singleton
        self.container_child = singleton
        self.targets.append(singleton)

    def _start_Member(self, elem: etree._Element) -> None:
        self.targets.append(None)  # member annotations must not land on the enum type

    def _start_Annotations(self, elem: etree._Element) -> None:
        self.outline_target = (self._required(elem, "Target"), elem.sourceline)

    def _start_Annotation(self, elem: etree._Element) -> None:
        self.annotation_depth = 1

    # -- end events -------------------------------------------------------------------------

    def _end(self, elem: etree._Element) -> None:
        tag = elem.tag
        if self.annotation_depth:
            if tag == ANNOTATION_TAG:
                self.annotation_depth -= 1
                if self.annotation_depth == 0:
                    self._end_annotation(elem)
            return
        handler = self.end_handlers.get(tag)
        if handler is not None:
            handler(elem)

    @staticmethod
    def _discard(elem: etree._Element) -> None:
        """Free a processed subtree and the already-processed siblings before it."""
        elem.clear(keep_tail=False)
        parent = elem.getparent()
        if parent is not None:
            while elem.getprevious() is not None:
                del parent[0]

    def _end_annotation(self, elem: etree._Element) -> None:
        term = self._term(elem)
        value = annotation_value(elem)
        if self.outline_target is not None and not self.targets:
            target, line = self.outline_target
            self.pending.append((target, term, value, line))
        elif self.targets and self.targets[-1] is not None:
            apply_annotation(self.targets[-1], term, value)
        elem.clear(keep_tail=False)

    def _end_Annotations(self, elem: etree._Element) -> None:
        self.outline_target = None
        self._discard(elem)

    def _end_PropertyRef(self, elem: etree._Element) -> None:
        if self.in_key and isinstance(self.structured, EntityType):
            self.structured.declared_key.append(self._required(elem, "Name"))

    def _end_Key(self, elem: etree._Element) -> None:
        self.in_key = False

    def _end_Property(self, elem: etree._Element) -> None:
        self.targets.pop()

    def _end_ReferentialConstraint(self, elem: etree._Element) -> None:
        if self.navigation is not None:
            self.navigation.referential_constraints.append(
                ReferentialConstraint(
                    property=self._required(elem, "Property"),
                    referenced_property=self._required(elem, "ReferencedProperty"),
                )
            )

    def _end_NavigationProperty(self, elem: etree._Element) -> None:
        self.navigation = None
        self.targets.pop()

    def _end_EntityType(self, elem: etree._Element) -> None:
        self._end_structured(elem, "entity_types")

    def _end_ComplexType(self, elem: etree._Element) -> None:
        self._end_structured(elem, "complex_types")

    def _end_structured(self, elem: etree._Element, table: str) -> None:
        assert self.model is not None and self.structured is not None
        types = getattr(self.model, table)
        if self.structured.full_name in types:
            raise self._fail(f"type {self.structured.full_name!r} is declared twice", elem)
        types[self.structured.full_name] = self.structured
        self.structured = None
        self.targets.pop()
        self._discard(elem)

    def _end_Member(self, elem: etree._Element) -> None:
        if self.enum is None:
            raise self._fail("<Member> must be inside <EnumType>", elem)
        raw = elem.get("Value")
        if raw is None:
            value = self.enum.members[-1].value + 1 if self.enum.members else 0
        else:
            try:
                value = int(raw)
            except ValueError:
                raise self._fail(f"enum member Value {raw!r} is not an integer", elem) from None
        self.enum.members.append(EnumMember(name=self._required(elem, "Name"), value=value))
        self.targets.pop()

    def _end_EnumType(self, elem: etree._Element) -> None:
        assert self.model is not None and self.enum is not None
        self.model.enum_types[self.enum.full_name] = self.enum
        self.enum = None
        self.targets.pop()
        self._discard(elem)

    def _end_TypeDefinition(self, elem: etree._Element) -> None:
        assert self.model is not None
        definition = TypeDefinition(
            name=self._required(elem, "Name"),
            namespace=self._schema_namespace(elem),
            underlying_type=self._required(elem, "UnderlyingType"),
            max_length=_int_or_keyword(elem.get("MaxLength")),
        )
        self.model.type_definitions[definition.full_name] = definition
        self._discard(elem)

    def _end_Parameter(self, elem: etree._Element) -> None:
        if self.operation is None:
            return
        self.operation.parameters.append(
            Parameter(
                name=self._required(elem, "Name"),
                type=self._required(elem, "Type"),
                nullable=_bool(elem.get("Nullable"), True),
            )
        )

    def _end_ReturnType(self, elem: etree._Element) -> None:
        if self.operation is not None:
            self.operation.return_type = ReturnType(
                type=self._required(elem, "Type"), nullable=_bool(elem.get("Nullable"), True)
            )

    def _end_Action(self, elem: etree._Element) -> None:
        self._end_operation(elem, "actions")

    def _end_Function(self, elem: etree._Element) -> None:
        self._end_operation(elem, "functions")

    def _end_operation(self, elem: etree._Element, table: str) -> None:
        assert self.model is not None and self.operation is not None
        if self.operation.is_bound and not self.operation.parameters:
            raise self._fail(f"bound operation {self.operation.name!r} has no binding parameter", elem)
        getattr(self.model, table).setdefault(self.operation.full_name, []).append(self.operation)
        self.operation = None
        self.targets.pop()
        self._discard(elem)

    def _end_NavigationPropertyBinding(self, elem: etree._Element) -> None:
        if self.container_child is None:
            raise self._fail("<NavigationPropertyBinding> must be inside <EntitySet> or <Singleton>", elem)
        self.container_child.navigation_bindings[self._required(elem, "Path")] = self._required(elem, "Target")

    def _end_EntitySet(self, elem: etree._Element) -> None:
        self.container_child = None
        self.targets.pop()
        self._discard(elem)

    _end_Singleton = _end_EntitySet

    def _end_ActionImport(self, elem: etree._Element) -> None:
        container = self._container(elem)
        imported = OperationImport(
            kind="action",
            name=self._required(elem, "Name"),
            operation=self._required(elem, "Action"),
            entity_set=elem.get("EntitySet"),
            line=elem.sourceline,
        )
        container.action_imports[imported.name] = imported
        self._discard(elem)

    def _end_FunctionImport(self, elem: etree._Element) -> None:
        container = self._container(elem)
        imported = OperationImport(
            kind="function",
            name=self._required(elem, "Name"),
            operation=self._required(elem, "Function"),
            entity_set=elem.get("EntitySet"),
            include_in_service_document=_bool(elem.get("IncludeInServiceDocument"), False),
            line=elem.sourceline,
        )
        container.function_imports[imported.name] = imported
        self._discard(elem)

    def _end_EntityContainer(self, elem: etree._Element) -> None:
        self.container = None
        self._discard(elem)

    def _end_Schema(self, elem: etree._Element) -> None:
        self.schema = None
        self._discard(elem)
