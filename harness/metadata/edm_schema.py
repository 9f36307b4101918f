"""Edm type -> OpenAPI 3.0 schema object, as Dynamics services serialise values in JSON.

Named types (complex, enum) become `#/components/schemas/<qualified name>` references; the
mapper records which ones it referenced so the generator can emit exactly those components.
"""

from __future__ import annotations

from typing import Any

from .model import ComplexType, CsdlModel, EntityType, EnumType, Property, TypeDefinition, split_collection

JsonSchema = dict[str, Any]

_INTEGER_RANGES = {
    "Edm.Byte": (0, 255),
    "Edm.SByte": (-128, 127),
    "Edm.Int16": (-32768, 32767),
    "Edm.Int32": (-2147483648, 2147483647),
}

_PRIMITIVES: dict[str, JsonSchema] = {
    "Edm.String": {"type": "string"},
    "Edm.Guid": {"type": "string", "format": "uuid"},
    "Edm.Boolean": {"type": "boolean"},
    "Edm.Int64": {"type": "integer", "format": "int64"},
    # Money and decimals come back as JSON numbers from Dataverse, F&O and BC (no IEEE754Compatible).
    "Edm.Decimal": {"type": "number"},
    "Edm.Double": {"type": "number", "format": "double"},
    "Edm.Single": {"type": "number", "format": "float"},
    "Edm.DateTimeOffset": {"type": "string", "format": "date-time"},
    "Edm.Date": {"type": "string", "format": "date"},
    "Edm.TimeOfDay": {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$"},
    "Edm.Duration": {"type": "string", "format": "duration"},
    "Edm.Binary": {"type": "string", "format": "byte"},
    "Edm.Stream": {"type": "string"},
    "Edm.Untyped": {},
    "Edm.PrimitiveType": {},
}

COMPONENT_PREFIX = "#/components/schemas/"


def component_ref(name: str) -> JsonSchema:
    return {"$ref": COMPONENT_PREFIX + name}


def nullable(schema: JsonSchema) -> JsonSchema:
    """OpenAPI 3.0 ignores siblings of `$ref`, so a nullable reference is wrapped in `allOf`."""
    if "$ref" in schema:
        return {"allOf": [schema], "nullable": True}
    if not schema:
        return schema  # "any value" already admits null
    return {**schema, "nullable": True}


class EdmSchemaMapper:
    """Maps CSDL type names to schemas and remembers which named types were referenced."""

    def __init__(self, model: CsdlModel) -> None:
        self.model = model
        self.referenced: dict[str, ComplexType | EnumType] = {}

    def property_schema(self, prop: Property) -> JsonSchema:
        schema = self.type_schema(prop.type, max_length=prop.max_length)
        if prop.description:
            # OpenAPI 3.0 ignores siblings of $ref, so a described reference goes through allOf.
            base = {"allOf": [schema]} if "$ref" in schema else schema
            schema = {**base, "description": prop.description}
        return nullable(schema) if prop.nullable and not prop.is_collection else schema

    def type_schema(self, type_name: str, *, max_length: int | str | None = None) -> JsonSchema:
        element, is_collection = split_collection(type_name)
        item = self._element_schema(element, max_length)
        if is_collection:
            return {"type": "array", "items": item}
        return item

    def _element_schema(self, name: str, max_length: int | str | None) -> JsonSchema:
        if name in _INTEGER_RANGES:
            low, high = _INTEGER_RANGES[name]
            return {"type": "integer", "format": "int32", "minimum": low, "maximum": high}
        if name in _PRIMITIVES:
            schema = dict(_PRIMITIVES[name])
            if name == "Edm.String" and isinstance(max_length, int):
                schema["maxLength"] = max_length
            return schema
        if name.startswith("Edm.Geography") or name.startswith("Edm.Geometry"):
            return {"type": "object", "description": "GeoJSON"}
        found = self.model.find_type(name)
        if isinstance(found, TypeDefinition):
            return self._element_schema(found.underlying_type, max_length or found.max_length)
        if isinstance(found, (ComplexType, EnumType)):
            self.referenced[found.full_name] = found
            return component_ref(found.full_name)
        if isinstance(found, EntityType):
            # Entity-typed values (action returns, expanded members) are documented loosely.
            return {"type": "object", "description": f"A {found.full_name} entity"}
        return {}

    def enum_schema(self, enum: EnumType) -> JsonSchema:
        """Enums travel as member-name strings; flags as a comma-separated list of names."""
        names = [member.name for member in enum.members]
        schema: JsonSchema = {"type": "string", "title": enum.full_name}
        if enum.is_flags and names:
            choice = "(" + "|".join(names) + ")"
            schema["pattern"] = f"^{choice}(, ?{choice})*$"
        elif names:
            schema["enum"] = names
        if enum.description:
            schema["description"] = enum.description
        return schema

    def complex_schema(self, complex_type: ComplexType) -> JsonSchema:
        properties = {name: self.property_schema(prop) for name, prop in complex_type.properties.items()}
        schema: JsonSchema = {"type": "object", "title": complex_type.full_name, "properties": properties}
        if complex_type.description:
            schema["description"] = complex_type.description
        return schema
