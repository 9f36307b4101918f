"""A compact, one-pass reading of a whole CSDL document for the all-sets OpenAPI conversion.

:func:`harness.metadata.parse_csdl` keeps one :class:`~harness.metadata.model.Property` per
property: 330,000 objects and 4,400 dicts (88 MiB) for a 31 MiB F&O document, built from
``iterparse`` elements. Here expat (``pyexpat``) calls back with each tag and attribute list (no
tree, no element objects; a type's properties are read together at its end), and properties with the same facets (type, nullability, length, precision,
annotations, ...) share one ``Property`` object (its ``name`` is empty): a type keeps a tuple of
names and a tuple of those shared objects (:class:`PropertyTable`; a type with a base type gets
the dict ``resolve`` makes of both). The OpenAPI builder reads no property's ``name`` (it uses the
table's keys), so the model converts to the same document, for a fraction of the memory and time
(F&O: 31 MiB read in about 1.0 s into 21 MiB). It is meant for that conversion only; the diff
and the contract tests use ``parse_csdl``'s model.

A big file (>= 8 MiB) is read by two processes while another core is idle: this one up to an
``<EntityType`` a little past the middle, a forked child the rest (:func:`_read_in_two`; F&O:
about 0.6 s instead of 1.0 s). The reading imports no lxml: an annotation's value is read from its
attributes, or from its children as light :class:`~harness.metadata.annotations.Node` objects, and
only for the terms the harness uses on that target (``annotation_setter``); others are skipped.

Whatever this reading does not handle in one pass — anything malformed (so that
``parse_csdl`` names the problem and its line), a DOCTYPE (entities are parse_csdl's to refuse
safely), an encoding expat does not know, out-of-line ``<Annotations>`` (they could change
one of the shared objects for every property that uses it) — makes :func:`read_compact` return
None, and the caller parses the usual way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from operator import itemgetter
from pyexpat import ExpatError, ParserCreate
from sys import intern
from typing import Any

from harness.gc_pause import gc_paused

from . import halves
from .annotations import Node, Setter, annotation_setter, annotation_value, inline_value
from .attributes import read_bool as _bool
from .attributes import read_int_or_keyword as _number  # facets read as parse_csdl reads them
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
from .resolve import finalize

# element names as expat reports them with namespace_separator=" "
EDMX = "http://docs.oasis-open.org/odata/ns/edmx "
EDM = "http://docs.oasis-open.org/odata/ns/edm "
PROPERTY = EDM + "Property"
_FRAME = (EDMX + "Edmx", EDMX + "DataServices", EDM + "Schema")
ANNOTATION = EDM + "Annotation"
ANNOTATION_TAG = "Annotation"  # a Node's tag: the local name


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
    try:
        with gc_paused():
            if isinstance(source, bytes):
                reader = _Reader(name)
                reader.feed(source, True)
                return reader.finish()
            model = _read_in_two(name)
            return model if model is not None else _read_file(name)
    except _FAILURES:
        return None


_FAILURES = (Unsupported, MetadataError, ExpatError, OSError, ValueError, KeyError, TypeError, AttributeError,
             IndexError, AssertionError)


def _read_file(path: str) -> CsdlModel:
    reader = _Reader(path)
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            reader.feed(chunk, False)
    reader.feed(b"", True)
    return reader.finish()


# -- a big document read by two processes ---------------------------------------------------------
SPLIT_MIN_BYTES = 8 << 20
# the child also forks, pickles its part and copies pages it touches; the parent unpickles after:
# measured on a 31 MiB document, both finish together when the parent reads a little more than half
_PARENT_SHARE = 0.56
_QNAME = re.compile(rb"<([^\s/>]+)")
_ENCODING = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']+)")


def _read_in_two(path: str) -> CsdlModel | None:
    """A big file read by two processes: here up to an ``<EntityType`` near its middle, in a forked
    child the rest, after the document's start up to the first element of its first schema (the
    same open elements and namespaces). Each half must be well-formed in that frame, so the whole
    is; the child hands back its types, operations and container (pickled) and they are added here
    in the document's order before the one :func:`~harness.metadata.resolve.finalize`. None when
    the file is small, cannot be split so, or anything fails: then one process reads it all."""
    size = os.path.getsize(path)
    if size < SPLIT_MIN_BYTES or not halves.wanted(2, 2):
        return None
    reader = _Reader(path)
    with open(path, "rb") as handle:
        first = handle.read(min(_CHUNK, size // 4))  # enough to find where the first schema's content starts
        encoding = _ENCODING.match(first)
        if first.startswith((b"\xfe\xff", b"\xff\xfe")) or (
                encoding is not None and encoding.group(1).lower().replace(b"-", b"") != b"utf8"):
            return None
        reader.feed(first, False)
        inside, opened = reader.first_inside, reader.opened
        if inside is None or len(opened) != 3 or reader.model is None or len(reader.model.schemas) != 1:
            return None
        fd = handle.fileno()
        middle = int(size * _PARENT_SHARE)
        found = os.pread(fd, _CHUNK, middle).find(b"<EntityType ")
        split = middle + found
        if found < 0 or split <= len(first):
            return None
        names = [_QNAME.match(os.pread(fd, 512, offset)) for offset in opened]
        if None in names:
            return None
        closers = b"".join(b"</" + match.group(1) + b">" for match in reversed(names))  # type: ignore[union-attr]
        child = halves.Child()
        try:
            child.start(lambda _: _read_rest(path, inside, split))
            position = len(first)
            while position < split and (chunk := handle.read(min(_CHUNK, split - position))):
                reader.feed(chunk, False)
                position += len(chunk)
            if not reader.between_types():
                return None
            reader.feed(closers, True)
            reader.release()  # before the child's part arrives: the peak is then
            part = child.join(CsdlModel)
        except _FAILURES:  # e.g. the split fell in a comment: one process reads it (and names any error)
            return None
        finally:
            child.close()
    if part is None:
        return None
    model = reader.model
    for table in ("entity_types", "complex_types", "enum_types", "type_definitions"):
        mine, theirs = getattr(model, table), getattr(part, table)
        if mine.keys() & theirs.keys():
            return None  # declared twice: the one-process reading says so
        mine.update(theirs)
    for table in ("actions", "functions"):
        mine = getattr(model, table)
        for name, overloads in getattr(part, table).items():
            mine.setdefault(name, []).extend(overloads)
    model.containers.extend(part.containers)
    model.schemas.extend(part.schemas[1:])  # its first is the schema it started in, ours
    model.aliases.update(part.aliases)
    return reader.finish()


def _read_rest(path: str, inside: int, split: int) -> CsdlModel:
    """In the child: the document's start up to ``inside``, then from ``split`` to its end."""
    reader = _Reader(path)
    with open(path, "rb") as handle:
        reader.feed(os.pread(handle.fileno(), inside, 0), False)
        if reader.first_inside is not None or len(reader.opened) != 3:
            raise Unsupported("split")
        handle.seek(split)
        while chunk := handle.read(_CHUNK):
            reader.feed(chunk, False)
    reader.feed(b"", True)
    return reader.part()


def load_model(source: str | os.PathLike | bytes) -> CsdlModel:
    """The compact model when :func:`read_compact` can read ``source``, else ``parse_csdl``'s."""
    model = read_compact(source)
    if model is not None:
        return model
    from .parser import parse_csdl  # (lxml: only when needed)

    return parse_csdl(source)


def _required(attrib: Mapping[str, str], name: str) -> str:
    value = attrib.get(name)
    if value is None or not value.strip():
        raise Unsupported(name)
    return value.strip()


def _attrib(attrs: list[str]) -> dict[str, str]:
    """An attribute dict from expat's ordered ``[name, value, name, value, ...]`` (a namespaced
    attribute's name is ``"uri local"``: never one CSDL reads)."""
    return dict(zip(attrs[::2], attrs[1::2], strict=True))


_CHUNK = 1 << 20  # fed to expat a MiB at a time: the document is never held whole
_NAME = itemgetter(1)
_FIRST = itemgetter(0)
_REST = itemgetter(slice(2, None))
_JOIN = "\0".join


class _Reader:
    """Builds the model from expat's start/end events (no tree, no element objects).

    ``<Property>``, 330,000 of the 380,000 elements of an F&O document, costs one list append: a
    type's properties are read together at its end, in C where it can be (``map``). The rarer
    states (inside an ``<Annotation>``, a property with annotations) swap in their own handlers
    rather than adding a test to every element's.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.model: CsdlModel | None = None
        self.schema: Schema | None = None
        self.structured: EntityType | ComplexType | None = None
        self.pending_props: list[list[str]] = []  # the current type's properties' attributes, as expat gives them
        self.closed_props: list[None] = []  # one entry per </Property> of the current type
        self.annotated: dict[int, Property] = {}  # index in pending_props -> that property's own object
        self.enum: EnumType | None = None
        self.operation: Operation | None = None
        self.container: EntityContainer | None = None
        self.child: EntitySet | Singleton | None = None
        self.navigation: NavigationProperty | None = None
        self.in_key = False
        self.targets: list[object | None] = []
        self.shared: dict[tuple, Property] = {}  # facets -> the one Property object with them
        self.names: dict[str, str] = {}  # property names, each kept once
        self.by_raw: dict[str, Property] = {}  # a property's attributes but its name, joined -> the same
        self.facets: dict[tuple, tuple] = {}  # a property's attributes but its name -> its facets
        # while an element-form annotation is read: its setter, target and open nodes
        self.annotation: tuple[Setter, object, list[Node]] | None = None
        self.terms: dict[str, str] = {}  # an annotation's Term as written -> resolved (aliases)
        self.outer: tuple[Callable, Callable] = (None, None)  # type: ignore[assignment]  # handlers to restore
        self.depth = 0  # the open elements of the annotation being read
        self.mark = 0  # how many properties were read when it started
        self.data_services = False
        self.opened: list[int] = []  # where <Edmx>, <DataServices> and the first <Schema> start
        self.first_inside: int | None = None  # where the first schema's first element starts
        self.starts = {EDM + name[7:]: getattr(self, name) for name in dir(self) if name.startswith("_start_")}
        self.ends = {EDM + name[5:]: getattr(self, name) for name in dir(self) if name.startswith("_end_")}
        # expat interns names in this dict: seeded, a tag read from the document *is* our constant
        names = {PROPERTY: PROPERTY, ANNOTATION: ANNOTATION, **{tag: tag for tag in (*self.starts, *self.ends)}}
        self.parser = parser = ParserCreate(None, " ", intern=names)
        parser.ordered_attributes = True
        parser.buffer_text = True
        parser.StartDoctypeDeclHandler = self._doctype  # entities, external subsets: parse_csdl's job
        parser.StartElementHandler, parser.EndElementHandler = self._handlers()
        self.normal = (parser.StartElementHandler, parser.EndElementHandler)
        self.feed = parser.Parse

    @staticmethod
    def _doctype(*_: Any) -> None:
        raise Unsupported("DOCTYPE")

    def _handlers(self) -> tuple[Callable, Callable]:
        pending, closed = self.pending_props, self.closed_props
        pending_append, closed_append = pending.append, closed.append
        other_start, other_end, annotation_start = self._start_other, self._end_other, self._start_annotation

        def start(tag: str, attrs: list[str]) -> None:
            if tag == PROPERTY:
                if len(pending) != len(closed):  # a property inside a property
                    raise Unsupported(tag)
                pending_append(attrs)
            elif tag == ANNOTATION:
                annotation_start(attrs)
            else:
                other_start(tag, attrs)

        def end(tag: str) -> None:
            if tag == PROPERTY:
                closed_append(None)
            else:
                other_end(tag)

        return start, end

    def _start_other(self, tag: str, attrs: list[str]) -> None:
        if self.depth:  # inside an annotation read at its start
            return self._start_skipping()
        if self.first_inside is None:
            if self.schema is not None:
                self.first_inside = self.parser.CurrentByteIndex
            elif tag in _FRAME:
                self.opened.append(self.parser.CurrentByteIndex)
        attrib = _attrib(attrs)
        if self.model is None:
            if tag != EDMX + "Edmx":
                raise Unsupported(tag)
            self.model = CsdlModel(source=self.source, version=attrib.get("Version", ""))
            return None
        handler = self.starts.get(tag)
        if handler is not None:
            handler(attrib)
        elif tag == EDMX + "DataServices":
            self.data_services = True
        elif tag == EDMX + "Include" and attrib.get("Alias"):
            self.model.aliases[attrib["Alias"]] = _required(attrib, "Namespace")
            self.terms.clear()  # resolved with the aliases known so far
        return None

    def _end_other(self, tag: str) -> None:
        handler = self.ends.get(tag)
        if handler is not None:
            handler()

    # -- annotations ----------------------------------------------------------------------------
    # Most are one empty element whose value is in an attribute (String="..."): read at its start,
    # with the usual handlers kept (its end is _end_Annotation). Only when an element turns up
    # inside one do the skipping handlers take over; an element-form value of a term the harness
    # uses is read into light nodes by handlers of its own.
    def _start_annotation(self, attrs: list[str]) -> None:
        if self.depth:  # inside an annotation already read: skip what it holds
            return self._start_skipping()
        if self.first_inside is None and self.schema is not None:
            self.first_inside = self.parser.CurrentByteIndex
        attrib = _attrib(attrs)
        term = self.terms.get(attrib.get("Term"))  # type: ignore[arg-type]
        if term is None:
            assert self.model is not None
            term = self.terms[attrib["Term"]] = self.model.resolve_name(_required(attrib, "Term"))
        pending = self.pending_props
        parser = self.parser
        if len(pending) != len(self.closed_props):  # on the property being read
            index = len(pending) - 1
            target = self.annotated.get(index)
            if target is None:
                # the property gets an object of its own, shared by its final facets at its end
                target = Property("", *self._facets(self._name_and_raw(pending[index])[1]))
                setter = annotation_setter(target, term)
                if setter is not None:
                    self.annotated[index] = target
                    parser.EndElementHandler = self._end_annotated_property
            else:
                setter = annotation_setter(target, term)
        else:
            target = self.targets[-1] if self.targets else None
            setter = None if target is None else annotation_setter(target, term)
        self.depth = 1
        self.mark = len(pending)
        if setter is not None:
            value = inline_value(attrib)
            if value is None:  # element form (or a Tag's true): its children as light nodes
                self.annotation = (setter, target, [Node(ANNOTATION_TAG, attrib)])
                self.outer = (parser.StartElementHandler, parser.EndElementHandler)
                parser.StartElementHandler, parser.EndElementHandler = self._node_start, self._node_end
                parser.CharacterDataHandler = self._node_text
                return None
            setter(target, value)
        return None

    def _end_Annotation(self) -> None:
        """The end of an annotation read at its start (nothing inside it, or nothing but properties)."""
        self.depth = 0
        if len(self.pending_props) != self.mark:
            raise Unsupported("a property inside an annotation")

    def _start_skipping(self) -> None:
        """The first element inside an annotation read at its start: skip to the annotation's end."""
        parser = self.parser
        self.outer = (parser.StartElementHandler, parser.EndElementHandler)
        parser.StartElementHandler, parser.EndElementHandler = self._skip_start, self._skip_end
        self.depth += 1

    def _skip_start(self, tag: str, attrs: list[str]) -> None:
        self.depth += 1

    def _skip_end(self, tag: str) -> None:
        self.depth -= 1
        if not self.depth:
            self.parser.StartElementHandler, self.parser.EndElementHandler = self.outer
            self._end_Annotation()

    def _node_start(self, tag: str, attrs: list[str]) -> None:
        node = Node(tag.rpartition(" ")[2], _attrib(attrs))
        nodes = self.annotation[2]
        nodes[-1].children.append(node)
        nodes.append(node)

    def _node_text(self, text: str) -> None:
        node = self.annotation[2][-1]
        if not node.children:  # lxml's .text: what comes before the first child
            node.text = text if node.text is None else node.text + text

    def _node_end(self, tag: str) -> None:
        setter, target, nodes = self.annotation
        node = nodes.pop()
        if nodes:
            return
        self.annotation = None
        parser = self.parser
        parser.CharacterDataHandler = None
        parser.StartElementHandler, parser.EndElementHandler = self.outer
        self.depth = 0
        setter(target, annotation_value(node))

    def _end_annotated_property(self, tag: str) -> None:
        if tag != PROPERTY:
            return self._end_other(tag)
        index = len(self.closed_props)
        prop = self.annotated[index]
        key = (prop.type, prop.nullable, prop.max_length, prop.precision, prop.scale, prop.default_value,
               prop.concurrency_token, prop.description, prop.computed, prop.read_only, prop.immutable)
        shared = self.shared.get(key)
        if shared is None:
            shared = self.shared[key] = prop
        self.annotated[index] = shared
        self.closed_props.append(None)
        self.parser.EndElementHandler = self.normal[1]
        return None

    # -- properties: a type's together, at its end ----------------------------------------------
    @staticmethod
    def _name_and_raw(attrs: list[str]) -> tuple[str, tuple]:
        """A property's name and its other attributes (flat: name, value, ...), the key of its facets."""
        if attrs and attrs[0] == "Name":
            return attrs[1], tuple(attrs[2:])
        attrib = _attrib(attrs)
        name = attrib.pop("Name", "")
        return name, tuple(item for pair in attrib.items() for item in pair)

    def _read_properties(self) -> tuple[tuple[str, ...], tuple[Property, ...]]:
        pending = self.pending_props
        if len(pending) != len(self.closed_props):
            raise Unsupported("unclosed property")
        if pending and set(map(_FIRST, pending)) == {"Name"}:  # as every generator writes them
            names = list(map(_NAME, pending))
            # one string per property (expat refuses NUL in XML, so the join is unambiguous): hashed
            # and compared faster than a tuple of its attributes
            raws = list(map(_JOIN, map(_REST, pending)))
        else:
            pairs = [self._name_and_raw(attrs) for attrs in pending]
            names, raws = [pair[0] for pair in pairs], [_JOIN(pair[1]) for pair in pairs]
        stripped = list(map(str.strip, names))
        if "" in stripped:
            raise Unsupported(PROPERTY)
        names = list(map(self.names.setdefault, stripped, stripped))  # one str per name (cheaper than intern)
        props = list(map(self.by_raw.get, raws))
        if not all(props):  # (not `None in props`: that calls the dataclass's __eq__ on each)
            props = [prop or self._shared_by_raw(raw) for prop, raw in zip(props, raws, strict=True)]
        for index, prop in self.annotated.items():
            props[index] = prop
        pending.clear()
        self.closed_props.clear()
        self.annotated.clear()
        return tuple(names), tuple(props)

    def _shared_by_raw(self, raw: str) -> Property:
        shared = self.by_raw.get(raw)
        if shared is None:
            shared = self.by_raw[raw] = self._property(self._facets(tuple(raw.split("\0")) if raw else ()))
        return shared

    def _facets(self, raw: tuple) -> tuple:
        facets = self.facets.get(raw)
        if facets is None:
            facets = self.facets[raw] = self._read_facets(raw)
        return facets

    @staticmethod
    def _read_facets(raw: tuple) -> tuple:
        attrib = dict(zip(raw[::2], raw[1::2], strict=True))
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

    def release(self) -> None:
        """Drop the parser and the reading's caches (the model stays)."""
        self.parser = self.feed = None  # type: ignore[assignment]
        self.by_raw, self.facets, self.names = {}, {}, {}
        self.shared = {}

    def between_types(self) -> bool:
        """Whether the reading stands between two elements of the first schema (split there)."""
        model = self.model
        return (model is not None and len(model.schemas) == 1 and self.schema is model.schemas[0]
                and self.structured is None and self.enum is None and self.operation is None
                and self.container is None and self.child is None and self.navigation is None and not self.depth
                and not self.pending_props and not self.closed_props and self.annotation is None
                and self.parser.StartElementHandler is self.normal[0])

    def part(self) -> CsdlModel:
        """What a child read from a split point (resolved only once joined to the first part)."""
        if self.pending_props or self.closed_props or self.model is None or not self.data_services:
            raise Unsupported("not CSDL")
        return self.model

    def finish(self) -> CsdlModel:
        if self.pending_props or self.closed_props:
            raise Unsupported("a property outside a type")
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
            self.terms.clear()

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
        if self.structured is not None or self.pending_props:
            raise Unsupported("nested type, or a property outside a type")
        self.structured = structured
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
        names, props = self._read_properties()
        if structured.full_name in table or len(set(names)) != len(names):
            raise Unsupported("declared twice")
        structured.declared_properties = PropertyTable(names, props)  # type: ignore[assignment]
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
