"""Metadata drift: what changed between two `$metadata` documents, and which changes break clients.

A contract suite pins the `$metadata` it was written against; this report tells whether a newer
service still honours it. Structural members are compared as the wire sees them (inherited
properties and keys included), so moving a property to a base type is not reported as drift.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from .model import (
    CsdlModel,
    EntityType,
    EnumType,
    NavigationProperty,
    Operation,
    Property,
    StructuredType,
)

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
_SYMBOL = {ADDED: "+", REMOVED: "-", CHANGED: "~"}
_CATEGORY_ORDER = {
    name: index
    for index, name in enumerate(
        ("entity_set", "singleton", "entity_type", "key", "property", "navigation", "complex_type", "enum_type",
         "enum_member", "action", "function", "action_import", "function_import")
    )
}
_PROPERTY_FACETS = ("type", "nullable", "max_length", "precision", "scale", "computed", "read_only")


@dataclass(slots=True)
class Change:
    """One difference. `path` names the member (`<type>/<property>`, `<enum>/<member>`, set name)."""

    kind: str  # added | removed | changed
    category: str  # entity_set, entity_type, complex_type, property, navigation, key, enum_type, ...
    path: str
    detail: str = ""  # the facet that changed (type, nullable, base_type, ...)
    old: Any = None
    new: Any = None
    breaking: bool = False

    def describe(self) -> str:
        what = f"{self.category.replace('_', ' ')} {self.path}"
        if self.kind == CHANGED:
            return f"{_SYMBOL[self.kind]} {what}: {self.detail} {_show(self.old)} -> {_show(self.new)}"
        value = self.new if self.kind == ADDED else self.old
        suffix = f" ({_show(value)})" if value not in (None, "") else ""
        return f"{_SYMBOL[self.kind]} {self.kind} {what}{suffix}"


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(str, value)) + "]"
    return repr(value) if isinstance(value, str) and value == "" else str(value)


@dataclass(slots=True)
class MetadataDiff:
    old_source: str
    new_source: str
    changes: list[Change] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.changes

    @property
    def breaking(self) -> list[Change]:
        return [change for change in self.changes if change.breaking]

    def of(self, category: str, kind: str | None = None) -> list[Change]:
        return [c for c in self.changes if c.category == category and (kind is None or c.kind == kind)]

    def summary(self) -> dict[str, dict[str, int]]:
        """Counts per category (in report order) and kind."""
        counts: dict[str, dict[str, int]] = {}
        ordered = sorted(self.changes, key=lambda c: _CATEGORY_ORDER.get(c.category, 99))
        for change in ordered:
            bucket = counts.setdefault(change.category, {ADDED: 0, REMOVED: 0, CHANGED: 0})
            bucket[change.kind] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old_source,
            "new": self.new_source,
            "breaking": len(self.breaking),
            "summary": self.summary(),
            "changes": [asdict(change) for change in self.changes],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """Machine-readable report (stable key order, JSON-safe values)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, default=str)

    def to_text(self) -> str:
        """Readable report: a summary line per category, then breaking changes, then the rest."""
        lines = [f"Metadata drift: {self.old_source} -> {self.new_source}"]
        if self.is_empty:
            lines.append("No differences.")
            return "\n".join(lines)
        for category, counts in self.summary().items():
            parts = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
            lines.append(f"  {category.replace('_', ' ')}: {parts}")
        breaking = self.breaking
        lines.append("")
        lines.append(f"Breaking changes ({len(breaking)}):" if breaking else "Breaking changes: none")
        lines.extend(f"  {change.describe()}" for change in breaking)
        others = [change for change in self.changes if not change.breaking]
        if others:
            lines.append("")
            lines.append(f"Other changes ({len(others)}):")
            lines.extend(f"  {change.describe()}" for change in others)
        return "\n".join(lines)


def diff_metadata(old: CsdlModel, new: CsdlModel) -> MetadataDiff:
    """Compare two parsed documents; additions are compatible, removals and type changes break."""
    result = MetadataDiff(old_source=old.source, new_source=new.source)
    _Differ(result.changes).run(old, new)
    return result


class _Differ:
    def __init__(self, changes: list[Change]) -> None:
        self.changes = changes

    def add(self, kind: str, category: str, path: str, **kwargs: Any) -> None:
        breaking = kwargs.pop("breaking", kind == REMOVED)
        self.changes.append(Change(kind, category, path, breaking=breaking, **kwargs))

    def run(self, old: CsdlModel, new: CsdlModel) -> None:
        self._entity_sets(old, new)
        self._named(old.singletons, new.singletons, "singleton", lambda s: s.type, "type")
        self._structured(old.entity_types, new.entity_types, "entity_type")
        self._structured(old.complex_types, new.complex_types, "complex_type")
        self._enums(old.enum_types, new.enum_types)
        self._operations(old.actions, new.actions, "action")
        self._operations(old.functions, new.functions, "function")
        old_container, new_container = old.container, new.container
        self._named(
            old_container.action_imports if old_container else {},
            new_container.action_imports if new_container else {},
            "action_import",
            lambda i: i.operation,
            "operation",
        )
        self._named(
            old_container.function_imports if old_container else {},
            new_container.function_imports if new_container else {},
            "function_import",
            lambda i: i.operation,
            "operation",
        )
        self.changes.sort(key=lambda c: (_CATEGORY_ORDER.get(c.category, 99), c.path, c.detail))

    def _entity_sets(self, old: CsdlModel, new: CsdlModel) -> None:
        self._named(old.entity_sets, new.entity_sets, "entity_set", lambda s: s.entity_type, "entity_type")

    def _named(self, old: dict, new: dict, category: str, attribute, facet: str) -> None:
        for name in old.keys() - new.keys():
            self.add(REMOVED, category, name, old=attribute(old[name]))
        for name in new.keys() - old.keys():
            self.add(ADDED, category, name, new=attribute(new[name]))
        for name in old.keys() & new.keys():
            before, after = attribute(old[name]), attribute(new[name])
            if before != after:
                self.add(CHANGED, category, name, detail=facet, old=before, new=after, breaking=True)

    def _structured(self, old: dict[str, StructuredType], new: dict[str, StructuredType], category: str) -> None:
        for name in sorted(old.keys() - new.keys()):
            self.add(REMOVED, category, name)
        for name in sorted(new.keys() - old.keys()):
            self.add(ADDED, category, name)
        for name in sorted(old.keys() & new.keys()):
            before, after = old[name], new[name]
            if before.base_type != after.base_type:
                self.add(CHANGED, category, name, detail="base_type", old=before.base_type, new=after.base_type,
                         breaking=False)  # members are compared as inherited, so the effect shows there
            if before.abstract != after.abstract:
                self.add(CHANGED, category, name, detail="abstract", old=before.abstract, new=after.abstract,
                         breaking=after.abstract)
            if before.open_type != after.open_type:
                self.add(CHANGED, category, name, detail="open_type", old=before.open_type, new=after.open_type,
                         breaking=not after.open_type)
            if isinstance(before, EntityType) and isinstance(after, EntityType):
                if before.key != after.key:
                    self.add(CHANGED, "key", name, detail="key", old=before.key, new=after.key, breaking=True)
                old_alt = sorted({k.properties for k in before.alternate_keys})
                new_alt = sorted({k.properties for k in after.alternate_keys})
                if old_alt != new_alt:
                    removed_alt = [k for k in old_alt if k not in new_alt]
                    self.add(CHANGED, "key", name, detail="alternate_keys", old=[",".join(k) for k in old_alt],
                             new=[",".join(k) for k in new_alt], breaking=bool(removed_alt))
            self._properties(name, before.properties, after.properties)
            self._navigation(name, before.navigation_properties, after.navigation_properties)

    def _properties(self, owner: str, old: dict[str, Property], new: dict[str, Property]) -> None:
        for name in sorted(old.keys() - new.keys()):
            self.add(REMOVED, "property", f"{owner}/{name}", old=old[name].type)
        for name in sorted(new.keys() - old.keys()):
            prop = new[name]
            # A new required (non-nullable, writable, no default) property breaks existing create calls.
            required = not prop.nullable and not (prop.computed or prop.read_only) and prop.default_value is None
            self.add(ADDED, "property", f"{owner}/{name}", new=prop.type, breaking=required)
        for name in sorted(old.keys() & new.keys()):
            before, after = old[name], new[name]
            for facet in _PROPERTY_FACETS:
                was, now = getattr(before, facet), getattr(after, facet)
                if was != now:
                    self.add(CHANGED, "property", f"{owner}/{name}", detail=facet, old=was, new=now,
                             breaking=_facet_breaks(facet, was, now))

    def _navigation(self, owner: str, old: dict[str, NavigationProperty], new: dict[str, NavigationProperty]) -> None:
        for name in sorted(old.keys() - new.keys()):
            self.add(REMOVED, "navigation", f"{owner}/{name}", old=_nav_type(old[name]))
        for name in sorted(new.keys() - old.keys()):
            self.add(ADDED, "navigation", f"{owner}/{name}", new=_nav_type(new[name]))
        for name in sorted(old.keys() & new.keys()):
            before, after = old[name], new[name]
            if _nav_type(before) != _nav_type(after):
                self.add(CHANGED, "navigation", f"{owner}/{name}", detail="type", old=_nav_type(before),
                         new=_nav_type(after), breaking=True)
            if before.partner != after.partner:
                self.add(CHANGED, "navigation", f"{owner}/{name}", detail="partner", old=before.partner,
                         new=after.partner)
            if before.nullable != after.nullable:
                self.add(CHANGED, "navigation", f"{owner}/{name}", detail="nullable", old=before.nullable,
                         new=after.nullable, breaking=after.nullable)
            old_rc = [f"{c.property}->{c.referenced_property}" for c in before.referential_constraints]
            new_rc = [f"{c.property}->{c.referenced_property}" for c in after.referential_constraints]
            if old_rc != new_rc:
                self.add(CHANGED, "navigation", f"{owner}/{name}", detail="referential_constraints", old=old_rc,
                         new=new_rc, breaking=True)

    def _enums(self, old: dict[str, EnumType], new: dict[str, EnumType]) -> None:
        for name in sorted(old.keys() - new.keys()):
            self.add(REMOVED, "enum_type", name)
        for name in sorted(new.keys() - old.keys()):
            self.add(ADDED, "enum_type", name)
        for name in sorted(old.keys() & new.keys()):
            before, after = old[name], new[name]
            if before.is_flags != after.is_flags:
                self.add(CHANGED, "enum_type", name, detail="is_flags", old=before.is_flags, new=after.is_flags,
                         breaking=True)
            old_members = {m.name: m.value for m in before.members}
            new_members = {m.name: m.value for m in after.members}
            for member in sorted(old_members.keys() - new_members.keys()):
                self.add(REMOVED, "enum_member", f"{name}/{member}", old=old_members[member])
            for member in sorted(new_members.keys() - old_members.keys()):
                # A new member can appear in responses that a strict client does not expect.
                self.add(ADDED, "enum_member", f"{name}/{member}", new=new_members[member])
            for member in sorted(old_members.keys() & new_members.keys()):
                if old_members[member] != new_members[member]:
                    self.add(CHANGED, "enum_member", f"{name}/{member}", detail="value", old=old_members[member],
                             new=new_members[member], breaking=True)

    def _operations(self, old: dict[str, list[Operation]], new: dict[str, list[Operation]], category: str) -> None:
        old_ops = {op.signature: op for overloads in old.values() for op in overloads}
        new_ops = {op.signature: op for overloads in new.values() for op in overloads}
        for signature in sorted(old_ops.keys() - new_ops.keys()):
            self.add(REMOVED, category, signature)
        for signature in sorted(new_ops.keys() - old_ops.keys()):
            self.add(ADDED, category, signature)
        for signature in sorted(old_ops.keys() & new_ops.keys()):
            was = _return(old_ops[signature])
            now = _return(new_ops[signature])
            if was != now:
                self.add(CHANGED, category, signature, detail="return_type", old=was, new=now, breaking=True)


def _nav_type(nav: NavigationProperty) -> str:
    return f"Collection({nav.type})" if nav.collection else nav.type


def _return(operation: Operation) -> str | None:
    return operation.return_type.type if operation.return_type else None


def _facet_breaks(facet: str, was: Any, now: Any) -> bool:
    if facet in ("type", "precision", "scale"):
        return True
    if facet == "nullable":
        return True  # null where none was expected, or a value now required
    if facet == "max_length":
        return not (now == "max" or now is None or (isinstance(was, int) and isinstance(now, int) and now > was))
    if facet in ("computed", "read_only"):
        return bool(now)  # a writable property became server-owned
    return False
