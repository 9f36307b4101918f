"""Write the OpenAPI document a set at a time instead of holding it (or its JSON text) whole.

:func:`harness.metadata.to_openapi` returns one dict, and ``json.dumps`` of an all-sets F&O
document is a 130-230 MB string on top of it. Here the same builder runs set by set: after each
set its paths go straight to the output, and its new schemas and parameters to temporary UTF-8
spool files that are copied into ``components`` at the end; the builder keeps only their names (to
emit each once). Peak memory is the model plus one set's worth of output, whatever the output size.

Most of that output repeats: every property's schema in the type and in its create and update
bodies, the same operations for every set. :class:`_RawBuilder` encodes each property object's
schema once, joins the property-listing components from those strings, and encodes each operation
shape once as a template into which a set's and its type's names are put; the shapes themselves
stay :class:`~harness.metadata.openapi._Builder`'s.

With many sets and an idle core, the later half of the sets is written by a forked child
(:mod:`harness.metadata.halves`) into spool files the parent copies in order: the same bytes.

The document is the same as ``to_openapi``'s (equal once parsed; tests compare them); only the key
order differs (``paths`` before ``tags``; components in the order they were made rather than sorted).
The text is byte for byte what ``json.dumps`` writes for that document, compact or with ``indent=N``
(:class:`Layout`: the templates and encoded schemas are made in the indented layout too, so
indenting costs little more than the larger output).
"""

from __future__ import annotations

import codecs
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import IO, Any

from harness.gc_pause import gc_paused

from . import halves
from .dialects import get_dialect
from .edm_schema import component_ref
from .model import CsdlModel, EntitySet, EntityType, NavigationProperty
from .openapi import OPENAPI_VERSION, _Builder, select_names


class _Drained(dict):
    """A dict the builder fills; :meth:`drain` hands out and forgets the new entries, keeping their
    names so ``name in d`` stays true (the builder's "already emitted" test)."""

    def __init__(self, remember: bool = True) -> None:
        super().__init__()
        self.seen: set[str] = set()
        self.remember = remember  # False for paths: the builder never asks whether one was made

    def __contains__(self, key: object) -> bool:
        return key in self.seen or dict.__contains__(self, key)

    def setdefault(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        """As ``dict``'s, but a name already drained is not made again (it would be written twice)."""
        if key in self.seen:
            return default
        return dict.setdefault(self, key, default)

    def drain(self) -> list[tuple[str, Any]]:
        items = list(self.items())
        if self.remember:
            self.seen.update(self.keys())
        self.clear()
        return items


class Raw(str):
    """A component or operation already encoded (see :class:`_RawBuilder`), compact or, indented,
    placed at :data:`RAW_LEVEL`."""

    __slots__ = ()


def _unserialisable(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# json.dumps(value, ensure_ascii=False, separators=(",", ":")) without its per-call JSONEncoder:
# the same C encoder, made once (thousands of calls per document). Without the C module: dumps.
try:
    _C_ENCODER = c_make_encoder(None, _unserialisable, encode_basestring, None, ":", ",", False, False, True)
except TypeError:  # no C module (None), or another signature
    _C_ENCODER = None


def _compact(value: Any) -> str:
    if _C_ENCODER is None:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return "".join(_C_ENCODER(value, 0))


_string = encode_basestring  # a str as a JSON string, as _compact would write it (C, no dumps overhead)

# Where every :class:`Raw` goes: an operation (document -> paths -> path -> method) and a component
# (document -> components -> schemas/parameters -> name) both sit 3 levels deep. Built there, they are
# written as they are, with no pass over their text to indent them.
RAW_LEVEL = 3


class Layout:
    """Compact JSON (``indent=None``) or the layout of ``json.dumps(..., indent=N)``, written fast.

    json indents only in its pure-Python encoder (16 s for an all-sets F&O document against 1 s
    compact). Here every repeated piece is encoded once as a *fragment* -- a value's JSON as it reads
    at nesting level 0 -- and put ``levels`` deeper by indenting its continuation lines: a
    ``str.replace`` of ``"\\n"``, safe because a JSON string never holds a raw newline. Objects are
    joined from members already at their level. With ``indent=None`` every helper gives what the
    compact C encoder gives (no newlines, ``":"`` between key and value).
    """

    def __init__(self, indent: int | None) -> None:
        self.indent = indent
        self.colon = ":" if indent is None else ": "
        self._pads: list[str] = []

    def pad(self, level: int) -> str:
        """A newline and the indentation of ``level`` ("" when compact)."""
        if self.indent is None:
            return ""
        pads = self._pads
        while len(pads) <= level:
            pads.append("\n" + " " * (self.indent * len(pads)))
        return pads[level]

    def shift(self, fragment: str, level: int) -> str:
        """``fragment`` (at level 0) placed at ``level``."""
        if self.indent is None or not level:
            return fragment
        return fragment.replace("\n", self.pad(level))

    def member(self, key: str, fragment: str) -> str:
        return _string(key) + self.colon + fragment

    def obj(self, members: list[str], level: int = 0) -> str:
        """An object at ``level`` from members already placed at ``level + 1``."""
        if not members:
            return "{}"
        inner = self.pad(level + 1)
        return "{" + inner + ("," + inner).join(members) + self.pad(level) + "}"

    def array(self, items: list[str], level: int = 0) -> str:
        """An array at ``level`` from items already placed at ``level + 1``."""
        if not items:
            return "[]"
        inner = self.pad(level + 1)
        return "[" + inner + ("," + inner).join(items) + self.pad(level) + "]"

    def encode(self, value: Any, level: int = 0) -> str:
        """``value`` (which may hold :class:`Raw` fragments as dict values) placed at ``level``."""
        kind = type(value)
        if kind is Raw:
            if level == RAW_LEVEL or self.indent is None:
                return value
            return value.replace(self.pad(RAW_LEVEL), self.pad(level))  # its lines are all that deep
        if self.indent is None:
            if kind is dict and any(type(item) is Raw for item in value.values()):  # a path's operations
                return "{" + ",".join(_string(key) + ":" + (item if type(item) is Raw else _compact(item))
                                      for key, item in value.items()) + "}"
            return _compact(value)  # one-shot dumps without indent uses the C encoder
        if kind is str:
            return _string(value)
        if kind is dict:
            if not all(type(key) is str for key in value):
                return self.shift(json.dumps(value, ensure_ascii=False, indent=self.indent), level)
            inner = level + 1
            return self.obj([_string(key) + ": " + self.encode(item, inner) for key, item in value.items()], level)
        if kind is list or kind is tuple:
            inner = level + 1
            return self.array([self.encode(item, inner) for item in value], level)
        # numbers, booleans, null (and str subclasses): what json.dumps writes for them
        return _compact(value)


class _Writer:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout

    def members(self, target: IO[bytes], items: Iterable[tuple[str, Any]], first: bool, level: int) -> bool:
        """Write ``"key": value`` members of an object at ``level - 1`` (after a comma unless
        ``first``) as UTF-8; returns ``first``."""
        layout = self.layout
        pad, colon, encode = layout.pad(level), layout.colon, layout.encode
        parts = []
        for name, value in items:
            parts.append(("" if first else ",") + pad + _string(name) + colon + encode(value, level))
            first = False
        if parts:
            target.write("".join(parts).encode("utf-8"))
        return first


# Stand-ins for a set's and its type's names in an operation template (a private-use character:
# a name holding one is built without a template).
_STAND_IN = "\ue000"
_SET = _STAND_IN + "S"
_TYPE = _STAND_IN + "T." + _STAND_IN


class _RawBuilder(_Builder):
    """The builder, with the three components that list every property of a type (the type's
    schema and the set's create/update bodies: 70 of the 130 MiB of an all-sets F&O document)
    joined from JSON encoded once per property object and name, instead of built as dicts and
    encoded each time. The shapes are :class:`_Builder`'s (``_entity_schemas``,
    ``_request_schema``); tests compare the two documents. A type whose member names could
    collide (a name with ``@``, a navigation property named like a property) takes the dict path.
    """

    def __init__(self, model: CsdlModel, dialect: Any, layout: Layout | None = None) -> None:
        super().__init__(model, dialect)
        self.layout = layout or Layout(None)
        self._json_by_id: dict[int, tuple[str, bool, bool]] = {}
        # the current set's type: (name, in a create body, in an update body, "name":schema)
        self._members: list[tuple[str, bool, bool, str]] | None = None
        self._templates: dict[tuple, str] = {}
        self._shells: dict[tuple[str, str], tuple[str, str, int]] = {}
        self._companions: list[tuple[str, str]] | None = None  # ("-entity", template), ("-collection", ...)
        self._stamps: dict[object, str] = {}

    def _stamped(self, key: object, make: Callable[[str], Any], text: str) -> str:
        """``make(text)`` encoded as a property's schema, from a template made once per ``key`` with a
        stand-in for ``text``."""
        if _STAND_IN in text:
            return self.layout.encode(make(text), RAW_LEVEL + 2)
        template = self._stamps.get(key)
        if template is None:
            template = self._stamps[key] = self.layout.encode(make(_STAND_IN), RAW_LEVEL + 2)
        return template.replace(_STAND_IN, _string(text)[1:-1])

    def _encoded(self, prop: Any) -> tuple[str, bool, bool]:
        """(the property's schema as JSON, whether a create body takes it, whether an update body does)."""
        creatable = not (prop.computed or prop.read_only or prop.type == "Edm.Stream")
        # placed where a schema's properties sit: type or body -> "properties" -> member
        described = prop.description
        if described and _STAND_IN not in prop.type:
            # a described property (Dataverse: most) is its facets' schema with the text stamped in:
            # one template per (type, length, nullability), not a schema built and encoded per property
            schema = self._stamped(("property", prop.type, prop.max_length, prop.nullable),
                                   lambda text: self.mapper.property_schema(replace(prop, description=text)),
                                   described)
        else:
            schema = self.layout.encode(self._property_schema(prop), RAW_LEVEL + 2)
        encoded = self._json_by_id[id(prop)] = (schema, creatable, creatable and not prop.immutable)
        return encoded

    def add_entity_set(self, entity_set: EntitySet) -> None:
        entity_type = self.model.entity_types[entity_set.entity_type]
        properties = entity_type.properties
        if "@" in "".join(properties) or any(name in properties for name in entity_type.navigation_properties):
            self._members = None
        else:
            # in C where it can be (map, zip): this runs once per property of every set
            names, props = tuple(properties), tuple(properties.values())
            encoded = list(map(self._json_by_id.get, map(id, props)))
            if None in encoded:
                encoded = [known or self._encoded(prop) for known, prop in zip(encoded, props, strict=True)]
            colon = self.layout.colon
            self._members = list(zip(names, [e[1] for e in encoded], [e[2] for e in encoded],
                                     [key + colon + e[0] for key, e in zip(map(_string, names), encoded, strict=True)],
                                     strict=True))
        super().add_entity_set(entity_set)
        self._members = None

    def _entity_schemas(self, entity_type: EntityType) -> None:
        """The builder's three schemas of a type; the two that only name it (``-entity``,
        ``-collection``) from templates encoded once."""
        name = entity_type.full_name
        if name in self.schemas or _STAND_IN in name:
            return super()._entity_schemas(entity_type)
        companions = self._companions
        if companions is None:
            scratch = _Builder(self.model, self.dialect)
            scratch._entity_schemas(EntityType(name=_STAND_IN, namespace=_STAND_IN + "T"))
            companions = self._companions = [(key[len(_TYPE):], self.layout.encode(value, RAW_LEVEL))
                                             for key, value in scratch.schemas.items() if key != _TYPE]
        self.schemas[name] = self._entity_schema(entity_type)
        escaped = _string(name)[1:-1]
        for suffix, template in companions:
            self.schemas[name + suffix] = Raw(template.replace(_TYPE, escaped))
        return None

    def _entity_schema(self, entity_type: EntityType) -> Any:
        members = self._members
        if members is None:
            return super()._entity_schema(entity_type)
        name, layout = entity_type.full_name, self.layout
        parts = [layout.member("@odata.etag", self._stamped("etag", lambda _: {"type": "string"}, "")),
                 *(member[3] for member in members)]
        for nav_name, nav in entity_type.navigation_properties.items():
            if nav.collection:
                value = self._stamped("to-many", lambda target: {
                    "type": "array", "items": {"type": "object"},
                    "description": f"Expanded navigation property to {target}"}, nav.type)
            else:
                value = self._stamped("to-one", lambda target: {
                    "type": "object", "nullable": True, "description": f"Expanded navigation property to {target}"},
                    nav.type)
            parts.append(layout.member(nav_name, value))
        top = [layout.member("type", '"object"'), layout.member("title", _string(name)),
               layout.member("properties", layout.obj(parts, RAW_LEVEL + 1)),
               layout.member("additionalProperties", "true")]
        if entity_type.description:
            top.append(layout.member("description", layout.encode(entity_type.description, RAW_LEVEL + 1)))
        return Raw(layout.obj(top, RAW_LEVEL))

    def _request_schema(self, entity_set: EntitySet, entity_type: EntityType, purpose: str) -> dict[str, str]:
        members = self._members
        if members is None:
            return super()._request_schema(entity_set, entity_type, purpose)
        name = f"{entity_set.name}-{purpose}"
        if name not in self.schemas:
            self.schemas[name] = self._raw_request_schema(entity_set, entity_type, purpose, members)
        return component_ref(name)

    def _enum_list_parameter(self, name: str, values: list[str], description: str) -> Any:  # type: ignore[override]
        """The builder's parameter, its enum joined from the names encoded in C (F&O: 23 MiB of them)."""
        shell = self._shells.get((name, description))
        layout = self.layout
        if shell is None:
            encoded = layout.encode(_Builder._enum_list_parameter(name, [], description), RAW_LEVEL)
            head, _, tail = encoded.partition(layout.member("enum", "[]"))
            level = len(head.rpartition("\n")[2]) // layout.indent if layout.indent else 0  # the key's
            shell = self._shells[(name, description)] = (head + layout.member("enum", ""), tail, level)
        return Raw(shell[0] + layout.array(list(map(_string, values)), shell[2]) + shell[1])

    # -- operations: one encoded template per shape, the set's and type's names put in ----------

    def _templated(self, make: Callable[..., dict[str, Any]], entity_set: EntitySet, entity_type: EntityType | None,
                   *args: Any) -> Any:
        """``make(self, entity_set, entity_type, *args)`` as JSON, from a template encoded the first time a
        set with the same capabilities (and with or without navigation) needs it."""
        names = entity_set.name + (entity_type.full_name if entity_type is not None else "")
        if _STAND_IN in names:
            return make(self, entity_set, entity_type, *args) if entity_type is not None else make(self, entity_set)
        navigable = entity_type is not None and bool(entity_type.navigation_properties)
        key = (make.__name__, args, tuple(sorted(entity_set.capabilities.items())), navigable)
        template = self._templates.get(key)
        if template is None:
            # the real call registers the shared parameters/responses this shape refers to
            if entity_type is not None:
                make(self, entity_set, entity_type, *args)
            else:
                make(self, entity_set)
            stand_in_set = EntitySet(name=_SET, entity_type=_TYPE, capabilities=entity_set.capabilities)
            stand_in_type = EntityType(name=_STAND_IN, namespace=_STAND_IN + "T")
            if navigable:
                stand_in_type.navigation_properties = {_STAND_IN: NavigationProperty(_STAND_IN, _TYPE)}
            scratch = _Builder(self.model, self.dialect)  # takes the stand-ins' components
            made = make(scratch, stand_in_set, stand_in_type, *args) if entity_type is not None else make(
                scratch, stand_in_set)
            template = self._templates[key] = self.layout.encode(made, RAW_LEVEL)
        encoded = template.replace(_SET, _string(entity_set.name)[1:-1])
        if entity_type is not None:
            encoded = encoded.replace(_TYPE, _string(entity_type.full_name)[1:-1])
        return Raw(encoded)

    def _list_operation(self, entity_set: EntitySet, entity_type: EntityType) -> Any:
        self._projection_parameters(entity_set, entity_type)
        self._orderby_parameter(entity_type)
        return self._templated(_Builder._list_operation, entity_set, entity_type)

    def _count_operation(self, entity_set: EntitySet) -> Any:
        return self._templated(_Builder._count_operation, entity_set, None)

    def _create_operation(self, entity_set: EntitySet, entity_type: EntityType) -> Any:
        self._request_schema(entity_set, entity_type, "create")
        return self._templated(_Builder._create_operation, entity_set, entity_type)

    def _read_operation(self, entity_set: EntitySet, entity_type: EntityType) -> Any:
        self._projection_parameters(entity_set, entity_type)
        return self._templated(_Builder._read_operation, entity_set, entity_type)

    def _update_operation(self, entity_set: EntitySet, entity_type: EntityType, method: str) -> Any:
        self._request_schema(entity_set, entity_type, "update")
        return self._templated(_Builder._update_operation, entity_set, entity_type, method)

    def _delete_operation(self, entity_set: EntitySet) -> Any:
        return self._templated(_Builder._delete_operation, entity_set, None)

    def _raw_request_schema(self, entity_set: EntitySet, entity_type: EntityType, purpose: str,
                            members: list[tuple[str, bool, bool, str]]) -> Raw:
        bind = self.dialect.odata_bind
        if purpose == "update":
            key = entity_type.key
            chosen = [member for member in members if member[2] and member[0] not in key]
        else:
            chosen = [member for member in members if member[1]]
        if bind:  # Dataverse lookups are set through `nav@odata.bind`, never `_x_value`
            chosen = [member for member in chosen if not (member[0].startswith("_") and member[0].endswith("_value"))]
        layout = self.layout
        parts = [member[3] for member in chosen]
        if bind:
            parts.extend(layout.member(k, layout.encode(v, RAW_LEVEL + 2))
                         for k, v in self._bind_properties(entity_set, entity_type).items())
        if self.dialect.name == "fno":
            parts.append(layout.member("@odata.type", self._stamped(
                "odata.type", lambda name: {"type": "string", "enum": [f"#{name}"]}, entity_type.full_name)))
        return Raw(layout.obj([layout.member("type", '"object"'),
                               layout.member("title", _string(f"{entity_type.full_name} ({purpose})")),
                               layout.member("properties", layout.obj(parts, RAW_LEVEL + 1)),
                               layout.member("additionalProperties", "false")], RAW_LEVEL))


def write_openapi(model: CsdlModel, dialect: str, entity_sets: str | Iterable[str], server_url: str | None,
                  out: IO[str], *, operation_imports: str | Iterable[str] | None = None, title: str | None = None,
                  version: str = "1.0.0", indent: int | None = None) -> int:
    """Stream the OpenAPI document for ``entity_sets`` to ``out``; returns the number of paths."""
    profile = get_dialect(dialect)
    set_names = select_names(model.entity_sets, entity_sets, "entity set", model.source)
    imports: dict[str, Any] = {}
    import_names: list[str] = []
    if operation_imports is not None and model.container is not None:
        imports = {**model.container.function_imports, **model.container.action_imports}
        import_names = select_names(imports, operation_imports, "action/function import", model.source)
    layout = Layout(indent)
    builder = _RawBuilder(model, profile, layout)
    builder.paths, builder.schemas, builder.parameters = _Drained(remember=False), _Drained(), _Drained()
    writer = _Writer(layout)
    head = {"openapi": OPENAPI_VERSION,
            "info": {"title": title or f"{profile.title} ({Path(model.source).name})", "version": version,
                     "description": f"Generated from CSDL by harness.metadata for the {profile.name} dialect."},
            "servers": [{"url": (server_url or profile.default_server_url).rstrip("/")}]}
    paths = 0
    # the later sets in a forked child, on the other core (same bytes: see halves.py)
    split = max(1, int(len(set_names) * halves.PARENT_SHARE)) if halves.wanted(len(set_names)) else len(set_names)
    child = halves.Child() if split < len(set_names) else None
    try:
        if child is not None:
            child.start(lambda child: _write_half(builder, writer, model, set_names[split:], child))
        paths = _write_document(builder, writer, layout, head, model, set_names[:split], imports, import_names,
                                out, child, set_names[split:])
    finally:
        if child is not None:
            child.close()
    return paths


def _write_document(builder: _RawBuilder, writer: _Writer, layout: Layout, head: dict[str, Any], model: CsdlModel,
                    set_names: list[str], imports: dict[str, Any], import_names: list[str], out: IO[str],
                    child: halves.Child | None, child_sets: list[str]) -> int:
    """The document with ``set_names`` built here and ``child_sets`` taken from ``child`` (or built
    here after all, if it failed); returns the number of paths."""
    paths = 0
    sink = _Utf8Sink(out)
    pad1, pad2, member, encode = layout.pad(1), layout.pad(2), layout.member, layout.encode

    def closed(level: int, empty: bool) -> str:  # the end of an object whose members were streamed
        return "}" if empty else layout.pad(level) + "}"

    sink.write(("{" + pad1 + ("," + pad1).join(member(key, encode(value, 1)) for key, value in head.items())
                + "," + pad1 + member("paths", "{")).encode("utf-8"))
    with tempfile.TemporaryFile() as schemas, tempfile.TemporaryFile() as parameters, \
            tempfile.TemporaryFile() as schemas_after, tempfile.TemporaryFile() as parameters_after, gc_paused():
        first_path = first_schema = first_parameter = True
        # (spool, offset, length) pieces of the two sections, written in order at the end
        schema_pieces: list[tuple[IO[bytes], int, int | None]] = [(schemas, 0, None)]
        parameter_pieces: list[tuple[IO[bytes], int, int | None]] = [(parameters, 0, None)]

        def run(steps: Iterable[Callable[[], None]]) -> None:
            nonlocal paths, first_path, first_schema, first_parameter
            for work in steps:
                work()
                drained = builder.paths.drain()
                paths += len(drained)
                first_path = writer.members(sink, drained, first_path, 2)
                first_schema = writer.members(schemas, builder.schemas.drain(), first_schema, 3)
                first_parameter = writer.members(parameters, builder.parameters.drain(), first_parameter, 3)

        run(_steps(builder, model, set_names, [], []))
        result = child.join() if child is not None else None
        if result is None:
            run(_steps(builder, model, child_sets, [], []))
        else:  # what a single process would have written next: the child's paths, its new components
            assert child is not None
            paths += result.paths
            sink.copy(child.paths)
            runs, first_schema = halves.new_ranges(result.schemas, builder.schemas.seen, first_schema)
            schema_pieces += [(child.components, offset, length) for offset, length in runs]
            runs, first_parameter = halves.new_ranges(result.parameters, builder.parameters.seen, first_parameter)
            parameter_pieces += [(child.components, offset, length) for offset, length in runs]
            builder.tags.extend(result.tags)
            for key, value in result.responses.items():
                builder.responses.setdefault(key, value)
            for name in result.referenced:
                found = model.find_type(name)
                if found is not None:
                    builder.mapper.referenced.setdefault(name, found)  # type: ignore[arg-type]
            schemas, parameters = schemas_after, parameters_after  # what comes after the child's
            schema_pieces.append((schemas, 0, None))
            parameter_pieces.append((parameters, 0, None))
        run(_steps(builder, model, [], imports, import_names))
        builder._emit_referenced_types()
        first_schema = writer.members(schemas, builder.schemas.drain(), first_schema, 3)
        sink.write((closed(1, first_path) + "," + pad1 + member("tags", encode(builder.tags, 1))
                    + "," + pad1 + member("components", "{" + pad2 + member("schemas", "{"))).encode("utf-8"))
        for piece in schema_pieces:
            sink.copy(*piece)
        sink.write((closed(2, first_schema) + "," + pad2 + member("parameters", "{")).encode("utf-8"))
        for piece in parameter_pieces:
            sink.copy(*piece)
        security = {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
        sink.write((closed(2, first_parameter) + "," + pad2 + member("responses", encode(builder.responses, 2))
                    + "," + pad2 + member("securitySchemes", encode(security, 2)) + closed(1, False)
                    + "," + pad1 + member("security", encode([{"bearer": []}], 1)) + closed(0, False)
                    + "\n").encode("utf-8"))
    return paths


def _write_half(builder: _RawBuilder, writer: _Writer, model: CsdlModel, set_names: list[str],
                child: halves.Child) -> halves.Result:
    """In the forked child: the paths of ``set_names`` (after the parent's, so each after a comma) and
    every component they make, as records the parent filters."""
    result = halves.Result()
    layout = writer.layout
    pad, colon = layout.pad(3), layout.colon

    def members(items: list[tuple[str, Any]]) -> Iterator[tuple[str, str]]:
        for name, value in items:
            yield name, "," + pad + _string(name) + colon + layout.encode(value, 3)

    with gc_paused():
        for work in _steps(builder, model, set_names, {}, []):
            work()
            drained = builder.paths.drain()
            result.paths += len(drained)
            writer.members(child.paths, drained, False, 2)
            halves.record(child.components, result.schemas, members(builder.schemas.drain()))
            halves.record(child.components, result.parameters, members(builder.parameters.drain()))
    result.tags = builder.tags
    result.responses = builder.responses
    result.referenced = list(builder.mapper.referenced)
    return result


class _Utf8Sink:
    """Bytes to a text stream: straight to its binary buffer when it has one (a file), else decoded;
    spooled bytes go file to file in the kernel (``os.sendfile``) where it can."""

    def __init__(self, out: IO[str]):
        self.out = out
        self.decoder = codecs.getincrementaldecoder("utf-8")()  # a spool's chunk may end inside a character
        self.buffer = getattr(out, "buffer", None)
        if self.buffer is not None and (getattr(out, "encoding", "") or "").lower().replace("-", "") != "utf8":
            self.buffer = None  # not a UTF-8 file: let the text layer encode
        self.fd: int | None = None
        if self.buffer is not None:
            out.flush()
            if type(self.buffer) is io.BufferedWriter and hasattr(os, "sendfile"):  # (not a read/write file)
                try:
                    self.fd = self.buffer.fileno()
                except (OSError, ValueError):
                    self.fd = None

    def write(self, data: bytes) -> None:
        if self.buffer is not None:
            self.buffer.write(data)
        else:
            self.out.write(self.decoder.decode(data))

    def copy(self, spool: IO[bytes], offset: int = 0, length: int | None = None) -> None:
        """``length`` bytes of ``spool`` from ``offset`` (to its end when None)."""
        spool.flush()
        if length is None:
            length = spool.seek(0, os.SEEK_END) - offset
        if self.fd is not None and self.buffer is not None:
            self.buffer.flush()
            source = spool.fileno()
            while length > 0:
                try:
                    sent = os.sendfile(self.fd, source, offset, length)
                except OSError:  # not a file the kernel copies to: read and write the rest
                    self.fd = None
                    break
                if not sent:
                    break
                offset, length = offset + sent, length - sent
        spool.seek(offset)
        while length > 0 and (chunk := spool.read(min(length, 1 << 20))):
            self.write(chunk)
            length -= len(chunk)


def _steps(builder: _Builder, model: CsdlModel, set_names: list[str], imports: dict[str, Any],
           import_names: list[str]) -> Iterator:
    for name in set_names:
        yield lambda name=name: builder.add_entity_set(model.entity_sets[name])
    for name in import_names:
        yield lambda name=name: builder.add_operation_import(imports[name])
