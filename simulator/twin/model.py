"""Turn a read `$metadata` document into the simulator's :class:`~simulator.odata.model.EntityModel`.

What a real Dataverse document contains, and what the twin does with it:

* inheritance: keys and columns come from base types first (``crmbaseentity``, ``principal`` gives
  ``systemuser`` and ``team`` their ``ownerid`` key, ``activitypointer`` gives activities
  ``activityid``); abstract types without an entity set only contribute members;
* lookups: a single-valued navigation with a ReferentialConstraint makes its ``_x_value`` column a
  lookup (written only through ``nav@odata.bind``, like Dataverse); a ``_x_value`` column without
  one is read-only; a polymorphic lookup (``_parentcustomerid_value`` behind
  ``parentcustomerid_account`` and ``parentcustomerid_contact``) is annotated as its first
  navigation, whichever table the bound record is in; a navigation to an abstract type (``ownerid`` -> ``principal``) is served by the
  entity set of a derived type keyed by the referenced property (``systemusers`` first);
* collection navigations are the inverse of their Partner lookup; many-to-many ones (the partner
  is a collection too) are left out;
* alternate keys (``OData.Community.Keys.V1.AlternateKeys``) become alternate keys;
* complex-typed, collection-typed and stream properties are left out (the store has no column type
  for them), as are columns whose name differs from another one only in case (SQLite column names
  are case-insensitive); every omission is listed in :attr:`TwinModel.notes`;
* enum and type-definition properties keep their type (enums by name, definitions by their
  underlying primitive type).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.odata.model import (
    EntityModel,
    EntitySet,
    EntityType,
    EnumType,
    Navigation,
    Operation,
    Property,
)
from simulator.twin.csdl import RawDocument, RawNavigation, RawType, TwinError

# SQLite's default SQLITE_MAX_COLUMN is 2000; the store adds one version column per table.
MAX_COLUMNS = 1999
SUPPORTED_PRIMITIVES = frozenset({
    "Edm.String", "Edm.Guid", "Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.Decimal",
    "Edm.Double", "Edm.Single", "Edm.Boolean", "Edm.Date", "Edm.DateTimeOffset", "Edm.TimeOfDay",
    "Edm.Duration", "Edm.Binary",
})
PREFERRED_TARGET_SETS = ("systemusers",)  # owner lookups point at users in a twin (its only seeded rows)
PRIMARY_NAME_CANDIDATES = ("name", "fullname", "subject", "title")
READ_ONLY_SETS = frozenset()  # every set of a twin accepts writes, like an org where you are administrator


@dataclass
class TwinModel:
    """The entity model to serve, the document it came from, and what could not be kept."""

    model: EntityModel
    source: str
    users_set: str | None
    notes: list[str] = field(default_factory=list)


def _collection(type_name: str) -> bool:
    return type_name.startswith("Collection(")


class _Builder:
    def __init__(self, document: RawDocument):
        self.doc = document
        self.notes: list[str] = []
        self.enums: dict[str, EnumType] = {}
        self.types: dict[str, EntityType] = {}
        self.set_of_type: dict[str, str] = {}

    # ------------------------------------------------------------------ types
    def chain(self, raw: RawType) -> list[RawType]:
        """`raw` and its base types, most basic first."""
        chain, seen = [raw], {raw.qualified}
        while chain[0].base:
            base = self.doc.types.get(self.doc.resolve(chain[0].base))
            if base is None:
                raise TwinError(f"{self.doc.source}: the base type {chain[0].base!r} of {chain[0].name!r} is not "
                                "defined in the document")
            if base.qualified in seen:
                raise TwinError(f"{self.doc.source}: the base types of {raw.name!r} form a cycle")
            seen.add(base.qualified)
            chain.insert(0, base)
        return chain

    def property_type(self, type_name: str) -> str | None:
        """The simulator type of a declared type, or None when the store cannot hold it."""
        if _collection(type_name):
            return None
        resolved = self.doc.resolve(type_name)
        if resolved in self.doc.type_definitions:
            resolved = self.doc.type_definitions[resolved]
        if resolved in SUPPORTED_PRIMITIVES:
            return resolved
        raw_enum = self.doc.enums.get(resolved)
        if raw_enum is not None:
            if raw_enum.name not in self.enums:
                self.enums[raw_enum.name] = EnumType(raw_enum.name, dict(raw_enum.members))
            return raw_enum.name
        return None

    def entity_type(self, raw: RawType) -> EntityType:
        chain = self.chain(raw)
        key = next((t.key for t in reversed(chain) if t.key), [])
        if not key:
            raise TwinError(f"{self.doc.source}: the entity type {raw.name!r} has no key, not even from a base type")
        properties: list[Property] = []
        lowered: dict[str, str] = {}
        skipped: list[str] = []
        for declaring in chain:
            for declared in declaring.properties:
                simulator_type = self.property_type(declared.type)
                if simulator_type is None:
                    skipped.append(f"{declared.name} ({declared.type})")
                    continue
                clash = lowered.get(declared.name.lower())
                if clash is not None:
                    if declared.name in key:  # keep the key column, drop the other spelling
                        properties = [p for p in properties if p.name != clash]
                    else:
                        skipped.append(f"{declared.name} (same column name as {clash} in SQLite)")
                        continue
                lowered[declared.name.lower()] = declared.name
                read_only = declared.read_only and declared.name not in key
                if declared.name.startswith("_") and declared.name.endswith("_value"):
                    read_only = True  # a lookup column; set_lookups() allows binds for the real ones
                properties.append(Property(declared.name, simulator_type, nullable=declared.nullable or declared.name
                                           in key, max_length=declared.max_length, read_only=read_only,
                                           description=declared.description, precision=declared.precision,
                                           scale=declared.scale))
        if skipped:
            self.notes.append(f"{raw.name}: left out {len(skipped)} column(s) the store cannot hold: "
                              + ", ".join(skipped))
        if len(properties) > MAX_COLUMNS:
            raise TwinError(f"{self.doc.source}: the entity type {raw.name!r} has {len(properties)} columns; SQLite "
                            f"tables hold at most {MAX_COLUMNS} besides the version column")
        names = {p.name for p in properties}
        missing = [k for k in key if k not in names]
        if missing:
            raise TwinError(f"{self.doc.source}: the key {', '.join(missing)} of {raw.name!r} is not a column the "
                            "twin can store")
        alternate: list[list[str]] = []
        for declaring in chain:
            for alt in declaring.alternate_keys:
                if alt not in alternate and all(part in names for part in alt):
                    alternate.append(alt)
        # Dataverse names a custom table's primary column <publisher prefix>_name (he_employee -> he_name).
        custom = f"{raw.name.split('_', 1)[0]}_name" if "_" in raw.name else None
        primary = next((n for n in (*PRIMARY_NAME_CANDIDATES, custom) if n in names), None) or next(
            (p.name for p in properties if p.type == "Edm.String" and p.name.endswith("name")
             and not p.name.startswith("_")), None)
        return EntityType(raw.name, list(key), properties, alternate_keys=alternate, primary_name=primary,
                          base_type=raw.base)

    # ------------------------------------------------------------------ navigation
    def target_set(self, source_set: str, nav: RawNavigation, bindings: dict[str, str],
                   referenced: str | None) -> str | None:
        bound = bindings.get(nav.name)
        if bound:
            bound = bound.rpartition("/")[2]
            if bound in self.model_sets:
                return bound
        target = self.doc.resolve(nav.type)
        if target in self.set_of_type:
            return self.set_of_type[target]
        # An abstract target (principal, crmbaseentity): a set of a derived type keyed by the referenced column.
        candidates = []
        for type_name, set_name in self.set_of_type.items():
            raw = self.doc.types[type_name]
            if any(t.qualified == target for t in self.chain(raw)[:-1]):
                if referenced is None or self.types[type_name].key == [referenced]:
                    candidates.append(set_name)
        preferred = [name for name in PREFERRED_TARGET_SETS if name in candidates]
        return (preferred or candidates or [None])[0]

    def navigations(self, raw_set_name: str, raw: RawType, bindings: dict[str, str]) -> list[Navigation]:
        entity = self.types[raw.qualified]
        columns = {p.name for p in entity.properties}
        navigations: list[Navigation] = []
        left_out: list[str] = []
        for declaring in self.chain(raw):
            for nav in declaring.navigations:
                made = self.navigation(raw_set_name, nav, bindings, columns)
                if made is None:
                    left_out.append(nav.name)
                elif all(n.name != made.name for n in navigations):
                    navigations.append(made)
        if left_out:
            self.notes.append(f"{raw_set_name}: left out {len(left_out)} navigation(s) without a usable "
                              f"foreign key (many-to-many or unknown target): " + ", ".join(left_out))
        return navigations

    def navigation(self, set_name: str, nav: RawNavigation, bindings: dict[str, str],
                   columns: set[str]) -> Navigation | None:
        if not nav.collection:
            if len(nav.constraints) != 1:
                return None
            fk, referenced = nav.constraints[0]
            target = self.target_set(set_name, nav, bindings, referenced)
            if target is None or fk not in columns:
                return None
            target_type = self.model_sets[target]
            principal = referenced if referenced != target_type.key[0] else None
            if referenced not in {p.name for p in target_type.properties}:
                return None
            return Navigation(nav.name, target, False, fk, nav.partner, principal=principal)
        target = self.target_set(set_name, nav, bindings, None)
        if target is None or not nav.partner:
            return None
        target_raw = self.doc.types[self.doc.resolve(self.raw_set_types[target])]
        partner = next((n for t in self.chain(target_raw) for n in t.navigations if n.name == nav.partner), None)
        if partner is None or partner.collection or len(partner.constraints) != 1:
            return None
        fk, referenced = partner.constraints[0]
        target_type = self.model_sets[target]
        if fk not in {p.name for p in target_type.properties}:
            return None
        source_type = self.model_sets[set_name]
        principal = referenced if referenced != source_type.key[0] else None
        if referenced not in {p.name for p in source_type.properties}:
            return None
        return Navigation(nav.name, target, True, fk, nav.partner, principal=principal)

    # ------------------------------------------------------------------ everything
    def build(self) -> TwinModel:
        doc = self.doc
        sets: list[tuple[str, RawType, dict[str, str]]] = []
        seen_lower: dict[str, str] = {}
        for raw_set in doc.entity_sets:
            type_name = doc.resolve(raw_set.type)
            raw = doc.types.get(type_name)
            if raw is None or raw.complex:
                raise TwinError(f"{doc.source}: the entity set {raw_set.name!r} has the unknown entity type "
                                f"{raw_set.type!r}")
            if raw_set.name.lower() in seen_lower:
                self.notes.append(f"{raw_set.name}: left out, its table name clashes with {seen_lower[raw_set.name.lower()]}"
                                  " (SQLite table names are case-insensitive)")
                continue
            seen_lower[raw_set.name.lower()] = raw_set.name
            if type_name in self.set_of_type:
                self.notes.append(f"{raw_set.name}: shares its type with {self.set_of_type[type_name]}")
            else:
                self.set_of_type[type_name] = raw_set.name
            sets.append((raw_set.name, raw, raw_set.bindings))
        for _, raw, _ in sets:
            if raw.qualified not in self.types:
                self.types[raw.qualified] = self.entity_type(raw)
        self.model_sets = {name: self.types[raw.qualified] for name, raw, _ in sets}
        self.raw_set_types = {name: raw.qualified for name, raw, _ in sets}
        navigations = {name: self.navigations(name, raw, bindings) for name, raw, bindings in sets}
        for name, raw, _ in sets:
            entity = self.types[raw.qualified]
            for nav in navigations[name]:
                if entity.nav(nav.name) is None:
                    entity.add_navigation(nav)
            for nav in entity.navigations:
                if not nav.collection:
                    column = entity.prop(nav.fk)
                    if column is not None and column.lookup_of is None:  # polymorphic: the first target
                        column.lookup_of = nav.name
        entity_sets = [EntitySet(name, self.types[raw.qualified], writable=name not in READ_ONLY_SETS,
                                 logical_name=raw.name) for name, raw, _ in sets]
        operations = self.operations()
        model = EntityModel(doc.namespace, doc.alias, doc.container, entity_sets, list(self.enums.values()),
                            operations)
        users = "systemusers" if model.entity_set("systemusers") is not None else None
        return TwinModel(model, doc.source, users, self.notes)

    def operations(self) -> list[Operation]:
        """WhoAmI, when the document has it (the only unbound operation the Dataverse dialect answers)."""
        ignored = [name for name in self.doc.function_imports + self.doc.action_imports if name != "WhoAmI"]
        if ignored:
            self.notes.append(f"{len(ignored)} function/action imports other than WhoAmI are not served")
        if "WhoAmI" not in self.doc.function_imports:
            return []
        response = next((t for t in self.doc.types.values() if t.complex and t.name == "WhoAmIResponse"), None)
        properties = [Property(p.name, p.type) for p in response.properties] if response else [
            Property("BusinessUnitId", "Edm.Guid"), Property("UserId", "Edm.Guid"),
            Property("OrganizationId", "Edm.Guid")]
        return [Operation("WhoAmI", "Function", "WhoAmIResponse", properties)]


def build_twin_model(document: RawDocument) -> TwinModel:
    """The entity model of a twin org, with notes on what was left out."""
    return _Builder(document).build()
