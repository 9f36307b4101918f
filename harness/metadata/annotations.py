"""Reading CSDL annotation values and applying the few terms the harness uses.

Annotations carry facts the rest of the CSDL cannot: which properties the server computes
(never sent in requests), which are read-only, alternate keys, descriptions and per-set
capabilities such as Dataverse's `SkipSupported=false`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, KeysView
from functools import partial
from typing import TYPE_CHECKING, Any

from .model import AlternateKey, EntitySet, EntityType, Property

if TYPE_CHECKING:  # no lxml import at run time: the compact reader does without it
    from lxml import etree

CORE = "Org.OData.Core.V1."
CAPABILITIES = "Org.OData.Capabilities.V1."
ALTERNATE_KEYS = "OData.Community.Keys.V1.AlternateKeys"

_INLINE_VALUE_ATTRIBUTES = (
    "String", "Bool", "Int", "Decimal", "Float", "EnumMember", "Path", "PropertyPath",
    "NavigationPropertyPath", "AnnotationPath", "Date", "DateTimeOffset", "Guid", "Duration",
)
_INLINE_KINDS = frozenset(_INLINE_VALUE_ATTRIBUTES)


def _local(tag: object) -> str:
    """The local name of an element's ``{namespace}name`` tag ("" for comments and the like)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _scalar(kind: str, text: str) -> Any:
    if kind == "Bool":
        return text.strip().lower() == "true"
    if kind == "Int":
        try:
            return int(text)
        except ValueError:
            return text
    return text


def inline_value(attributes: Any) -> Any:
    """The value an `<Annotation>`/`<PropertyValue>` gives in an attribute (`String="…"`, `Bool="true"`),
    or None; `attributes` is the element or its attribute dict (anything with `.keys` and `.get`)."""
    present = _INLINE_KINDS.intersection(attributes.keys())
    if not present:
        return None
    if len(present) == 1:
        (kind,) = present
    else:  # more than one: the first in the list wins
        kind = next(kind for kind in _INLINE_VALUE_ATTRIBUTES if kind in present)
    return _scalar(kind, attributes.get(kind))


class Node:
    """An element inside an ``<Annotation>`` read without lxml (the compact reader's): what
    :func:`annotation_value` reads of an lxml element — its tag (a local name here), attributes,
    children and the text before its first child."""

    __slots__ = ("tag", "attrib", "children", "text")

    def __init__(self, tag: str, attrib: dict[str, str]) -> None:
        self.tag = tag
        self.attrib = attrib
        self.children: list[Node] = []
        self.text: str | None = None

    def get(self, name: str, default: Any = None) -> Any:
        return self.attrib.get(name, default)

    def keys(self) -> KeysView[str]:
        return self.attrib.keys()

    def __iter__(self) -> Iterator[Node]:
        return iter(self.children)


def annotation_value(elem: etree._Element | Node) -> Any:
    """The value of an `<Annotation>` or `<PropertyValue>`: attribute form, element form, or Tag default."""
    value = inline_value(elem)
    if value is not None:
        return value
    for child in elem:
        if _local(child.tag) == "Annotation":
            continue
        return _expression(child)
    # A term of type Core.Tag written without a value means "true".
    return True


def _expression(elem: etree._Element | Node) -> Any:
    kind = _local(elem.tag)
    if kind == "Collection":
        return [_expression(child) for child in elem if _local(child.tag) != "Annotation"]
    if kind == "Record":
        return {
            child.get("Property"): annotation_value(child)
            for child in elem
            if _local(child.tag) == "PropertyValue" and child.get("Property")
        }
    if kind == "Null":
        return None
    return _scalar(kind, elem.text or "")


def _permissions_read_only(value: Any) -> bool:
    """Core.Permissions is a flags enum: "…PermissionType/Read" alone means the property is read-only."""
    items = value if isinstance(value, list) else [value]
    members: set[str] = set()
    for item in items:
        if isinstance(item, str):
            members.update(part.rpartition("/")[2] for part in item.split())
    return "Read" in members and not members & {"Write", "ReadWrite"}


def _alternate_keys(value: Any) -> list[AlternateKey]:
    keys: list[AlternateKey] = []
    for record in value if isinstance(value, list) else []:
        parts = record.get("Key") if isinstance(record, dict) else None
        if not isinstance(parts, list):
            continue
        names = [str(p.get("Name")) for p in parts if isinstance(p, dict) and p.get("Name")]
        aliases = [str(p.get("Alias") or p.get("Name")) for p in parts if isinstance(p, dict) and p.get("Name")]
        if names:
            keys.append(AlternateKey(properties=tuple(names), aliases=tuple(aliases)))
    return keys


Setter = Callable[[Any, Any], None]  # (target, value)


def _set_description(target: Any, value: Any) -> None:
    if isinstance(value, str):
        target.description = value


def _set_computed(target: Property, value: Any) -> None:
    target.computed = value is True


def _set_immutable(target: Property, value: Any) -> None:
    target.immutable = value is True


def _set_read_only(target: Property, value: Any) -> None:
    target.read_only = _permissions_read_only(value)


def _set_alternate_keys(target: EntityType, value: Any) -> None:
    target.alternate_keys = _alternate_keys(value)


def _set_capability(short: str, target: EntitySet, value: Any) -> None:
    if isinstance(value, bool):
        target.capabilities[short] = value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, bool):
                target.capabilities[f"{short}.{key}"] = item


_PROPERTY_SETTERS: dict[str, Setter] = {
    CORE + "Computed": _set_computed, CORE + "Immutable": _set_immutable, CORE + "Permissions": _set_read_only,
}


def annotation_setter(target: object, term: str) -> Setter | None:
    """What recording a (fully qualified) term on a model object does with its value, called as
    ``setter(target, value)``; None for a term the harness does not use there (its value need not
    be read). The one list of the terms the harness uses."""
    if term == CORE + "Description":
        return _set_description if hasattr(target, "description") else None
    if isinstance(target, Property):
        return _PROPERTY_SETTERS.get(term)
    if isinstance(target, EntityType):
        return _set_alternate_keys if term == ALTERNATE_KEYS else None
    if isinstance(target, EntitySet) and term.startswith(CAPABILITIES):
        return partial(_set_capability, term[len(CAPABILITIES):])
    return None


def apply_annotation(target: object, term: str, value: Any) -> None:
    """Record a (fully qualified) term on a model object; terms the harness does not use are ignored."""
    setter = annotation_setter(target, term)
    if setter is not None:
        setter(target, value)
