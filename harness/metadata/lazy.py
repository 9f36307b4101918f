"""Convert a few entity sets of a huge `$metadata` without parsing the rest of it.

A 30 MB F&O document holds ~4,400 entity types; ``--entity-sets CustomersV3`` needs one of them
and what it refers to. This module indexes the raw bytes (one regular-expression pass, no XML
tree, no model objects): where each schema, type, operation, out-of-line ``<Annotations>`` block
and container child starts and ends. From the selection it follows exactly what the OpenAPI
builder reads —

- the selected sets and their entity types,
- base types, and the types of structural properties (complex, enum, type definitions), recursively,
- the sets their ``NavigationPropertyBinding``s point to and those sets' entity types with their
  base types but not their properties' types (Dataverse ``nav@odata.bind`` reads only the target's
  key), BC's ``companies`` set (the company scope),
- the selected operation imports with their actions/functions and parameter/return types,
- ``<Annotations>`` blocks that target any of the above —

and copies those byte ranges, in document order and inside their original ``<Schema>`` and
``<EntityContainer>`` start tags (namespaces, aliases and references kept), into a small CSDL
document that :func:`harness.metadata.parse_csdl` reads as usual. The OpenAPI document made from it
equals the one made from the whole model for the same selection (tests compare them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import MetadataError
from .model import CsdlModel
from .openapi import select_names
from .parser import parse_csdl

_P = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix
_SCHEMA = re.compile(rb"<" + _P + rb"Schema\b[^>]*>")
_SCHEMA_END = re.compile(rb"</" + _P + rb"Schema\s*>")
_TOP = re.compile(rb"<(" + _P + rb")(EntityType|ComplexType|EnumType|TypeDefinition|Action|Function|EntityContainer|"
                  rb"Annotations|Term)\b([^>]*?)(/?)>")
_CHILD = re.compile(rb"<(" + _P + rb")(EntitySet|Singleton|ActionImport|FunctionImport)\b([^>]*?)(/?)>")
_ATTR = re.compile(rb'([\w.:]+)\s*=\s*"([^"]*)"')
_PROPERTY_TYPE = re.compile(rb'<' + _P + rb'(?:Property|Parameter|ReturnType|Member)\b[^>]*?\bType\s*=\s*"([^"]+)"')
_BINDING_TARGET = re.compile(rb'<' + _P + rb'NavigationPropertyBinding\b[^>]*?\bTarget\s*=\s*"([^"]+)"')
TYPE_KINDS = (b"EntityType", b"ComplexType", b"EnumType", b"TypeDefinition")


@dataclass
class _Element:
    kind: bytes
    attrs: dict[bytes, bytes]
    start: int
    end: int
    schema: int  # index into the schema list

    @property
    def name(self) -> str:
        return self.attrs.get(b"Name", b"").decode()


@dataclass
class _Schema:
    start_tag: tuple[int, int]
    end: tuple[int, int]
    namespace: str
    alias: str | None
    elements: list[_Element] = field(default_factory=list)


def _attrs(text: bytes) -> dict[bytes, bytes]:
    return dict(_ATTR.findall(text))


def _close(data: bytes, prefix: bytes, kind: bytes, open_end: int, self_closing: bool) -> int:
    if self_closing:
        return open_end
    closing = b"</" + prefix + kind
    at = data.find(closing, open_end)
    if at < 0:
        raise ValueError(f"<{kind.decode()}> is never closed")
    return data.index(b">", at) + 1


class CsdlIndex:
    """Byte ranges of a CSDL document's schema-level elements (no XML parsing)."""

    def __init__(self, data: bytes, source: str):
        self.data = data
        self.source = source
        self.schemas: list[_Schema] = []
        self.types: dict[str, _Element] = {}
        self.operations: dict[str, list[_Element]] = {}
        self.annotations: list[_Element] = []
        self.container: _Element | None = None
        self.children: dict[tuple[bytes, str], _Element] = {}  # (kind, name) -> container child
        self.aliases: dict[str, str] = {}
        try:
            self._scan()
        except ValueError as exc:
            raise MetadataError(f"not well-formed CSDL ({exc})", source=source) from None

    def _scan(self) -> None:
        data = self.data
        position = 0
        while True:
            match = _SCHEMA.search(data, position)
            if match is None:
                break
            end = _SCHEMA_END.search(data, match.end())
            if end is None:
                raise ValueError("<Schema> is never closed")
            attrs = _attrs(match.group(0))
            namespace = attrs.get(b"Namespace", b"").decode()
            alias = attrs.get(b"Alias", b"").decode() or None
            schema = _Schema((match.start(), match.end()), (end.start(), end.end()), namespace, alias)
            if alias:
                self.aliases[alias] = namespace
            self._scan_schema(schema, len(self.schemas), match.end(), end.start())
            self.schemas.append(schema)
            position = end.end()
        if not self.schemas:
            raise ValueError("no <Schema>")

    def _scan_schema(self, schema: _Schema, number: int, start: int, stop: int) -> None:
        data = self.data
        position = start
        while True:
            match = _TOP.search(data, position, stop)
            if match is None:
                return
            prefix, kind, attributes, slash = match.group(1), match.group(2), match.group(3), match.group(4)
            end = _close(data, prefix, kind, match.end(), bool(slash))
            element = _Element(kind, _attrs(attributes), match.start(), end, number)
            schema.elements.append(element)
            qualified = f"{schema.namespace}.{element.name}"
            if kind in TYPE_KINDS:
                self.types[qualified] = element
            elif kind in (b"Action", b"Function"):
                self.operations.setdefault(qualified, []).append(element)
            elif kind == b"Annotations":
                self.annotations.append(element)
            elif kind == b"EntityContainer" and self.container is None:
                self.container = element
                self._scan_container(element, match.end())
            position = end

    def _scan_container(self, container: _Element, start: int) -> None:
        data = self.data
        position = start
        while True:
            match = _CHILD.search(data, position, container.end)
            if match is None:
                return
            end = _close(data, match.group(1), match.group(2), match.end(), bool(match.group(4)))
            child = _Element(match.group(2), _attrs(match.group(3)), match.start(), end, container.schema)
            self.children[(child.kind, child.name)] = child
            position = end

    # ------------------------------------------------------------------ names
    def qualify(self, name: str) -> str:
        name = name.strip()
        if name.startswith("Collection(") and name.endswith(")"):
            name = name[len("Collection("):-1]
        head, dot, rest = name.rpartition(".")
        return f"{self.aliases[head]}.{rest}" if dot and head in self.aliases else name

    def names(self, kind: bytes) -> dict[str, None]:
        return {name: None for (k, name) in self.children if k == kind}

    def fragment(self, element: _Element) -> bytes:
        return self.data[element.start:element.end]


class _Selection:
    """What to copy: elements (by identity) and the container children."""

    def __init__(self, index: CsdlIndex):
        self.index = index
        self.elements: dict[int, _Element] = {}
        self.children: dict[int, _Element] = {}
        self.types: set[str] = set()  # included
        self.deep: set[str] = set()  # included with the types of their properties
        self.followed: set[int] = set()

    def add_type(self, name: str, *, with_properties: bool = True) -> None:
        """Include a type and its base types; with its properties' types too unless only its key is read."""
        qualified = self.index.qualify(name)
        element = self.index.types.get(qualified)
        if element is None or qualified in (self.deep if with_properties else self.types):
            return
        self.types.add(qualified)
        self.elements[element.start] = element
        if with_properties:
            self.deep.add(qualified)
        base = element.attrs.get(b"BaseType")
        if base:
            self.add_type(base.decode(), with_properties=with_properties)
        if with_properties:
            for type_name in _PROPERTY_TYPE.findall(self.index.fragment(element)):
                self.add_type(type_name.decode())

    def add_set(self, name: str, *, follow_bindings: bool) -> None:
        """A selected set (its type in full, and its binding targets) or a binding target (only what
        ``nav@odata.bind`` reads of it: the set and its entity type's key)."""
        element = self.index.children.get((b"EntitySet", name))
        if element is None:
            return
        self.children[element.start] = element
        self.add_type(element.attrs.get(b"EntityType", b"").decode(), with_properties=follow_bindings)
        if follow_bindings and element.start not in self.followed:  # a binding target chosen itself later
            self.followed.add(element.start)
            for target in _BINDING_TARGET.findall(self.index.fragment(element)):
                self.add_set(target.decode().rpartition("/")[2], follow_bindings=False)

    def add_import(self, kind: bytes, name: str) -> None:
        element = self.index.children[(kind, name)]
        self.children[element.start] = element
        operation = element.attrs.get(b"Action" if kind == b"ActionImport" else b"Function", b"").decode()
        for overload in self.index.operations.get(self.index.qualify(operation), []):
            self.elements[overload.start] = overload
            for type_name in _PROPERTY_TYPE.findall(self.index.fragment(overload)):
                self.add_type(type_name.decode())
        entity_set = element.attrs.get(b"EntitySet")
        if entity_set:
            self.add_set(entity_set.decode().rpartition("/")[2], follow_bindings=False)

    def add_annotations(self) -> None:
        container = self.index.container
        container_name = ""
        if container is not None:
            container_name = f"{self.index.schemas[container.schema].namespace}.{container.name}"
        chosen_sets = {child.name for child in self.children.values()}
        for block in self.index.annotations:
            target = block.attrs.get(b"Target", b"").decode()
            head, _, rest = target.partition("/")
            qualified = self.index.qualify(head)
            if qualified in self.types or (qualified == container_name and rest.partition("/")[0] in chosen_sets):
                self.elements[block.start] = block


def reduced_document(index: CsdlIndex, selection: _Selection) -> bytes:
    """The CSDL made of the selected byte ranges inside their schemas and container."""
    data = index.data
    parts = [data[:index.schemas[0].start_tag[0]]]
    by_schema: dict[int, list[_Element]] = {}
    for element in sorted(selection.elements.values(), key=lambda e: e.start):
        by_schema.setdefault(element.schema, []).append(element)
    container = index.container
    for number, schema in enumerate(index.schemas):
        parts.append(data[schema.start_tag[0]:schema.start_tag[1]])
        parts.extend(index.fragment(element) for element in by_schema.get(number, []))
        if container is not None and container.schema == number:
            open_end = data.index(b">", container.start) + 1
            opening = data[container.start:open_end]
            if opening.endswith(b"/>"):
                parts.append(opening)
            else:
                parts.append(opening)
                parts.extend(index.fragment(child) for child in sorted(selection.children.values(),
                                                                         key=lambda e: e.start))
                close_at = data.rindex(b"</", container.start, container.end)
                parts.append(data[close_at:container.end])
        parts.append(data[schema.end[0]:schema.end[1]])
        if number + 1 < len(index.schemas):
            gap = data[schema.end[1]:index.schemas[number + 1].start_tag[0]]
            parts.append(gap)
    parts.append(data[index.schemas[-1].end[1]:])
    return b"".join(parts)


def load_selection(source: str | Path | bytes, entity_sets: str | list[str], operation_imports=None,
                   *, source_name: str | None = None) -> tuple[CsdlModel, list[str], list[str]]:
    """The model of just what ``entity_sets`` / ``operation_imports`` need, and the chosen names.

    Names and globs are resolved against the whole document's container (the same messages as a
    full conversion for names that do not exist).
    """
    if isinstance(source, bytes):
        data, name = source, source_name or "<bytes>"
    else:
        path = Path(source)
        data, name = path.read_bytes(), source_name or str(source)
    index = CsdlIndex(data, name)
    set_names = select_names(index.names(b"EntitySet"), entity_sets, "entity set", name)
    imports: dict[str, bytes] = {n: b"FunctionImport" for n in index.names(b"FunctionImport")}
    imports.update({n: b"ActionImport" for n in index.names(b"ActionImport")})
    import_names = [] if operation_imports is None else select_names(
        dict.fromkeys(imports), operation_imports, "action/function import", name)
    selection = _Selection(index)
    for set_name in set_names:
        selection.add_set(set_name, follow_bindings=True)
    if (b"EntitySet", "companies") in index.children:  # BC: every set lives under companies({id})
        selection.add_set("companies", follow_bindings=False)
    for import_name in import_names:
        selection.add_import(imports[import_name], import_name)
    selection.add_annotations()
    model = parse_csdl(reduced_document(index, selection))
    model.source = name
    return model, set_names, import_names
