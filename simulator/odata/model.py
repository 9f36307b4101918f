"""The entity model: types, properties, navigation and entity sets of one OData service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Property:
    """A structural property. ``read_only`` ones are computed by the service, never written."""

    name: str
    type: str = "Edm.String"  # Edm.* or a qualified enum type name
    nullable: bool = True
    max_length: int | None = None
    read_only: bool = False
    description: str = ""
    # Dataverse presentation hints (used for FormattedValue annotations)
    options: dict[int, str] | None = None  # option-set labels
    money: bool = False
    # A lookup column (Dataverse ``_x_value``): the navigation property it belongs to
    lookup_of: str | None = None
    precision: int | None = None
    scale: int | None = None


@dataclass
class Navigation:
    """A navigation property.

    Single-valued: ``fk`` is the local column that holds the target's key.
    Collection-valued: ``fk`` is the column on the target that points back at this entity.
    """

    name: str
    target_set: str
    collection: bool
    fk: str
    partner: str | None = None
    # The principal column ``fk`` refers to (default: the principal's first key property) and
    # columns that must also be equal on both ends (F&O's ``dataAreaId`` in composite keys).
    principal: str | None = None
    match: tuple[str, ...] = ()

    def link_pairs(self, principal_type: EntityType) -> list[tuple[str, str]]:
        """(dependent column, principal column) pairs that join the two ends of this navigation."""
        return [(self.fk, self.principal or principal_type.key[0])] + [(c, c) for c in self.match]


@dataclass
class EnumType:
    name: str
    members: dict[str, int]


@dataclass
class EntityType:
    name: str
    key: list[str]
    properties: list[Property]
    navigations: list[Navigation] = field(default_factory=list)
    alternate_keys: list[list[str]] = field(default_factory=list)
    primary_name: str | None = None  # the "name" column Dataverse shows for lookups
    base_type: str | None = None

    def __post_init__(self) -> None:
        self._props = {p.name: p for p in self.properties}
        self._navs = {n.name: n for n in self.navigations}

    def prop(self, name: str) -> Property | None:
        return self._props.get(name)

    def nav(self, name: str) -> Navigation | None:
        return self._navs.get(name)

    def add_navigation(self, nav: Navigation) -> None:
        self.navigations.append(nav)
        self._navs[nav.name] = nav


@dataclass
class EntitySet:
    name: str
    type: EntityType
    writable: bool = True
    logical_name: str = ""  # Dataverse table logical name (account)
    writes: str = "CUD"  # which writes a writable set allows (C insert, U update, D delete), per Capabilities
    default_order: tuple[str, ...] = ()  # the service's list order when $orderby does not decide (BC: No., Code)

    @property
    def label(self) -> str:
        return self.logical_name or self.type.name


@dataclass(frozen=True)
class Parameter:
    """A declared parameter of a function or action (the binding parameter is implied)."""

    name: str
    type: str = "Edm.String"  # Edm.*, Collection(Edm.*) or a type name of the schema
    nullable: bool = True


@dataclass
class Operation:
    """A function or action (Dataverse ``WhoAmI``, BC ``Microsoft.NAV.post``, F&O DMF actions).

    ``return_type`` is an ``Edm.*`` type, a type of the schema (unqualified), or None for an
    action without a result; ``return_properties`` declare it as a complex type when given.
    ``binding`` names the entity set a bound operation is called on; ``handler`` serves it
    (see :mod:`simulator.odata.operations`).
    """

    name: str
    kind: str  # "Function" | "Action"
    return_type: str | None
    return_properties: list[Property] = field(default_factory=list)
    parameters: list[Parameter] = field(default_factory=list)
    binding: str | None = None
    bound_collection: bool = False
    returns_collection: bool = False
    handler: Callable | None = field(default=None, compare=False, repr=False)


@dataclass
class EntityModel:
    namespace: str
    alias: str
    container: str
    entity_sets: list[EntitySet]
    enums: list[EnumType] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sets = {s.name: s for s in self.entity_sets}
        self._sets_ci = {s.name.lower(): s for s in self.entity_sets}

    def entity_set(self, name: str) -> EntitySet | None:
        return self._sets.get(name)

    def entity_set_ci(self, name: str) -> EntitySet | None:
        return self._sets_ci.get(name.lower())

    def set_of_type(self, type_name: str) -> EntitySet | None:
        return next((s for s in self.entity_sets if s.type.name == type_name), None)

    def operation(self, name: str) -> Operation | None:
        """An unbound operation by name."""
        return next((o for o in self.operations if o.name == name and o.binding is None), None)

    def enum(self, name: str) -> EnumType | None:
        short = name.rsplit(".", 1)[-1]
        return next((e for e in self.enums if e.name == short), None)

    def qualified(self, type_name: str) -> str:
        return f"{self.namespace}.{type_name}"
