"""Plain in-memory model of an OData v4 CSDL document.

Only what the harness needs to generate contract documents and detect drift is kept; the
XML tree itself is thrown away while parsing, so the model is small even for F&O's 28 MB+
`$metadata`. All type references are stored fully qualified (aliases already resolved), e.g.
`Microsoft.Dynamics.CRM.account`, `Edm.Guid`, `Collection(Microsoft.Dynamics.CRM.task)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

COLLECTION_PREFIX = "Collection("


def split_collection(type_name: str) -> tuple[str, bool]:
    """`Collection(X)` -> (`X`, True); `X` -> (`X`, False)."""
    if type_name.startswith(COLLECTION_PREFIX) and type_name.endswith(")"):
        return type_name[len(COLLECTION_PREFIX) : -1], True
    return type_name, False


@dataclass(slots=True)
class Property:
    """A structural property of an entity or complex type."""

    name: str
    type: str
    nullable: bool = True
    max_length: int | str | None = None  # an int, or "max"
    precision: int | None = None
    scale: int | str | None = None  # an int, or "variable" / "floating"
    default_value: str | None = None
    concurrency_token: bool = False
    description: str | None = None
    computed: bool = False
    read_only: bool = False  # Core.Permissions = Read
    immutable: bool = False  # Core.Immutable: settable on create only

    @property
    def element_type(self) -> str:
        return split_collection(self.type)[0]

    @property
    def is_collection(self) -> bool:
        return split_collection(self.type)[1]


@dataclass(slots=True)
class ReferentialConstraint:
    property: str
    referenced_property: str


@dataclass(slots=True)
class NavigationProperty:
    """A navigation property; `type` is the element type, `collection` says whether it is `Collection(...)`."""

    name: str
    type: str
    collection: bool = False
    nullable: bool = True
    partner: str | None = None
    contains_target: bool = False
    referential_constraints: list[ReferentialConstraint] = field(default_factory=list)
    description: str | None = None


@dataclass(slots=True)
class AlternateKey:
    """One `OData.Community.Keys.V1.AlternateKeys` entry: property paths with their URL aliases."""

    properties: tuple[str, ...]
    aliases: tuple[str, ...]


@dataclass(slots=True)
class StructuredType:
    """Fields shared by entity and complex types.

    `declared_*` hold what the type itself declares; `properties`/`navigation_properties` are
    filled after parsing with the inherited members first (base type order), then its own.
    """

    name: str
    namespace: str
    base_type: str | None = None
    abstract: bool = False
    open_type: bool = False
    description: str | None = None
    declared_properties: dict[str, Property] = field(default_factory=dict)
    declared_navigation: dict[str, NavigationProperty] = field(default_factory=dict)
    properties: dict[str, Property] = field(default_factory=dict)
    navigation_properties: dict[str, NavigationProperty] = field(default_factory=dict)
    line: int | None = None

    @property
    def full_name(self) -> str:
        return f"{self.namespace}.{self.name}"


@dataclass(slots=True)
class EntityType(StructuredType):
    """An entity type; `key` is the effective key (own or inherited), `declared_key` its own `<Key>`."""

    has_stream: bool = False
    declared_key: list[str] = field(default_factory=list)
    key: list[str] = field(default_factory=list)
    alternate_keys: list[AlternateKey] = field(default_factory=list)


@dataclass(slots=True)
class ComplexType(StructuredType):
    pass


@dataclass(slots=True)
class EnumMember:
    name: str
    value: int


@dataclass(slots=True)
class EnumType:
    name: str
    namespace: str
    underlying_type: str = "Edm.Int32"
    is_flags: bool = False
    members: list[EnumMember] = field(default_factory=list)
    description: str | None = None
    line: int | None = None

    @property
    def full_name(self) -> str:
        return f"{self.namespace}.{self.name}"


@dataclass(slots=True)
class TypeDefinition:
    name: str
    namespace: str
    underlying_type: str
    max_length: int | str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.namespace}.{self.name}"


@dataclass(slots=True)
class Parameter:
    name: str
    type: str
    nullable: bool = True


@dataclass(slots=True)
class ReturnType:
    type: str
    nullable: bool = True


@dataclass(slots=True)
class Operation:
    """An Action or Function overload. For bound ones the first parameter is the binding parameter."""

    kind: str  # "action" | "function"
    name: str
    namespace: str
    is_bound: bool = False
    is_composable: bool = False
    entity_set_path: str | None = None
    parameters: list[Parameter] = field(default_factory=list)
    return_type: ReturnType | None = None
    line: int | None = None

    @property
    def full_name(self) -> str:
        return f"{self.namespace}.{self.name}"

    @property
    def binding_type(self) -> str | None:
        """The type the operation is bound to (`Collection(...)` for collection-bound), or None."""
        return self.parameters[0].type if self.is_bound and self.parameters else None

    @property
    def signature(self) -> str:
        """A readable identity for an overload, used to tell overloads apart in a drift report."""
        params = ",".join(f"{p.name}:{p.type}" for p in self.parameters)
        return f"{self.full_name}({params})"


@dataclass(slots=True)
class EntitySet:
    name: str
    entity_type: str
    navigation_bindings: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    # Flattened Capabilities annotations, e.g. {"SkipSupported": False, "CountRestrictions.Countable": True}.
    capabilities: dict[str, bool] = field(default_factory=dict)
    line: int | None = None


@dataclass(slots=True)
class Singleton:
    name: str
    type: str
    navigation_bindings: dict[str, str] = field(default_factory=dict)
    line: int | None = None


@dataclass(slots=True)
class OperationImport:
    kind: str  # "action" | "function"
    name: str
    operation: str  # qualified name of the Action/Function
    entity_set: str | None = None
    include_in_service_document: bool = False
    line: int | None = None


@dataclass(slots=True)
class EntityContainer:
    name: str
    namespace: str
    extends: str | None = None
    entity_sets: dict[str, EntitySet] = field(default_factory=dict)
    singletons: dict[str, Singleton] = field(default_factory=dict)
    action_imports: dict[str, OperationImport] = field(default_factory=dict)
    function_imports: dict[str, OperationImport] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.namespace}.{self.name}"


@dataclass(slots=True)
class Schema:
    namespace: str
    alias: str | None = None


@dataclass(slots=True)
class CsdlModel:
    """Everything parsed from one `$metadata` document, keyed by qualified name."""

    source: str
    version: str
    schemas: list[Schema] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> namespace (schemas and edmx:Include)
    entity_types: dict[str, EntityType] = field(default_factory=dict)
    complex_types: dict[str, ComplexType] = field(default_factory=dict)
    enum_types: dict[str, EnumType] = field(default_factory=dict)
    type_definitions: dict[str, TypeDefinition] = field(default_factory=dict)
    actions: dict[str, list[Operation]] = field(default_factory=dict)  # overloads per qualified name
    functions: dict[str, list[Operation]] = field(default_factory=dict)
    containers: list[EntityContainer] = field(default_factory=list)

    @property
    def container(self) -> EntityContainer | None:
        """The entity container (CSDL allows one per service); None for a types-only document."""
        return self.containers[0] if self.containers else None

    @property
    def entity_sets(self) -> dict[str, EntitySet]:
        return self.container.entity_sets if self.container else {}

    @property
    def singletons(self) -> dict[str, Singleton]:
        return self.container.singletons if self.container else {}

    def resolve_name(self, name: str) -> str:
        """Replace a leading alias by its namespace (`mscrm.account` -> `Microsoft.Dynamics.CRM.account`)."""
        inner, is_collection = split_collection(name)
        prefix, dot, rest = inner.rpartition(".")
        if dot and prefix in self.aliases:
            inner = f"{self.aliases[prefix]}.{rest}"
        return f"Collection({inner})" if is_collection else inner

    def entity_type(self, name: str) -> EntityType:
        """Look an entity type up by qualified or aliased name, or by its bare name if that is unique."""
        found = self._lookup(self.entity_types, name)
        if found is None:
            raise KeyError(f"entity type {name!r} is not in {self.source}")
        return found

    def entity_set_type(self, entity_set: str) -> EntityType:
        return self.entity_type(self.entity_sets[entity_set].entity_type)

    def find_type(self, name: str) -> EntityType | ComplexType | EnumType | TypeDefinition | None:
        """Any named type by qualified or aliased name (None for Edm primitives and unknown names)."""
        qualified = self.resolve_name(name)
        for table in (self.entity_types, self.complex_types, self.enum_types, self.type_definitions):
            if qualified in table:
                return table[qualified]
        return None

    def _lookup(self, table: dict, name: str):
        qualified = self.resolve_name(name)
        if qualified in table:
            return table[qualified]
        if "." not in name:
            matches = [value for key, value in table.items() if key.rpartition(".")[2] == name]
            if len(matches) == 1:
                return matches[0]
        return None
