"""Post-parse resolution: aliases, base-type inheritance, out-of-line annotations, sanity checks.

Done after the whole document is read because CSDL allows forward references (a base type or
alias declared later in the document).
"""

from __future__ import annotations

from sys import intern
from typing import Any

from .annotations import apply_annotation
from .errors import MetadataError
from .model import CsdlModel, EntityType, StructuredType

PRIMITIVE_NAMESPACE = "Edm."


def finalize(model: CsdlModel, pending: list[tuple[str, str, Any, int | None]]) -> None:
    _resolve_aliases(model)
    _inherit(model, model.entity_types)
    _inherit(model, model.complex_types)
    _check_keys(model)
    _check_entity_sets(model)
    for target, term, value, _line in pending:
        resolved = _annotation_target(model, target)
        if resolved is not None:
            apply_annotation(resolved, term, value)


def _resolve_aliases(model: CsdlModel) -> None:
    if not model.aliases:
        return  # nothing to replace (F&O declares no alias): skip a walk over every property
    resolved_names: dict[str, str] = {}  # most names recur (a type per property): resolved once

    def resolve(name: str) -> str:
        resolved = resolved_names.get(name)
        if resolved is None:
            resolved = resolved_names[name] = model.resolve_name(name)
        return resolved

    for table in (model.entity_types, model.complex_types):
        for structured in table.values():
            if structured.base_type:
                structured.base_type = resolve(structured.base_type)
            for prop in structured.declared_properties.values():
                resolved = resolve(prop.type)
                if resolved != prop.type:
                    prop.type = intern(resolved)
            for nav in structured.declared_navigation.values():
                resolved = resolve(nav.type)
                if resolved != nav.type:
                    nav.type = intern(resolved)
    for enum in model.enum_types.values():
        enum.underlying_type = resolve(enum.underlying_type)
    for definition in model.type_definitions.values():
        definition.underlying_type = resolve(definition.underlying_type)
    for table in (model.actions, model.functions):
        for overloads in table.values():
            for operation in overloads:
                for parameter in operation.parameters:
                    parameter.type = resolve(parameter.type)
                if operation.return_type is not None:
                    operation.return_type.type = resolve(operation.return_type.type)
    for container in model.containers:
        for entity_set in container.entity_sets.values():
            entity_set.entity_type = resolve(entity_set.entity_type)
        for singleton in container.singletons.values():
            singleton.type = resolve(singleton.type)
        for imported in (*container.action_imports.values(), *container.function_imports.values()):
            imported.operation = resolve(imported.operation)


def _inherit(model: CsdlModel, table: dict[str, StructuredType]) -> None:
    """Fill effective properties/navigation/key, base type members first (as services serialise them)."""
    done: set[str] = set()

    def visit(structured: StructuredType, chain: tuple[str, ...]) -> None:
        name = structured.full_name
        if name in done:
            return
        if name in chain:
            cycle = " -> ".join((*chain, name))
            raise MetadataError(f"base type cycle: {cycle}", source=model.source, line=structured.line)
        properties: dict = {}
        navigation: dict = {}
        key: list[str] = []
        if structured.base_type:
            base = table.get(structured.base_type)
            if base is None:
                kind = "entity" if isinstance(structured, EntityType) else "complex"
                raise MetadataError(
                    f"BaseType {structured.base_type!r} of {kind} type {structured.name!r} is not defined "
                    f"as an {kind} type in the document",
                    source=model.source,
                    line=structured.line,
                )
            visit(base, (*chain, name))
            properties.update(base.properties.items())
            navigation.update(base.navigation_properties.items())
            if isinstance(base, EntityType):
                key = list(base.key)
        if structured.base_type:
            properties.update(structured.declared_properties.items())
            navigation.update(structured.declared_navigation)
            structured.properties = properties
            structured.navigation_properties = navigation
        else:
            # Nothing inherited: share the declared dicts instead of copying (F&O has no base types).
            structured.properties = structured.declared_properties
            structured.navigation_properties = structured.declared_navigation
        if isinstance(structured, EntityType):
            # CSDL forbids re-declaring an inherited key, but Dataverse does it (appointment re-declares
            # activitypointer's `activityid`): the type's own <Key> wins.
            structured.key = list(structured.declared_key) or key
        done.add(name)

    for structured in table.values():
        visit(structured, ())


def _check_keys(model: CsdlModel) -> None:
    for entity_type in model.entity_types.values():
        for name in entity_type.declared_key:
            if name not in entity_type.properties:
                raise MetadataError(
                    f"key property {name!r} of entity type {entity_type.name!r} is not a property of the type",
                    source=model.source,
                    line=entity_type.line,
                )


def _check_entity_sets(model: CsdlModel) -> None:
    for container in model.containers:
        for entity_set in container.entity_sets.values():
            if entity_set.entity_type not in model.entity_types:
                raise MetadataError(
                    f"entity set {entity_set.name!r} refers to the undefined entity type {entity_set.entity_type!r}",
                    source=model.source,
                    line=entity_set.line,
                )


def _annotation_target(model: CsdlModel, target: str) -> object | None:
    """Resolve an `<Annotations Target="…">` path to a model object (types, properties, sets)."""
    head, _, rest = target.partition("/")
    head = model.resolve_name(head)
    structured = model.entity_types.get(head) or model.complex_types.get(head)
    if structured is not None:
        if not rest:
            return structured
        return structured.properties.get(rest) or structured.navigation_properties.get(rest)
    for container in model.containers:
        if head == container.full_name and rest:
            return container.entity_sets.get(rest) or container.singletons.get(rest)
    return model.enum_types.get(head) if not rest else None
