"""CSDL model -> OpenAPI 3.0.3 document for contract tests (schemathesis, response validation).

Unlike the OASIS converter (`odata-openapi3`), the document states what each Dynamics service
really answers: Dataverse create 204 + `OData-EntityId` (201 with `Prefer: return=representation`),
F&O 201/204, BC PATCH 200 with `If-Match` required, ETag/If-Match/Prefer headers, `@odata.nextLink`,
and each service's error body. Only the selected entity sets and the types they reach are emitted,
so a per-set document stays small even for F&O's 28 MB `$metadata`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from harness.gc_pause import gc_paused

from .dialects import Dialect, get_dialect
from .edm_schema import EdmSchemaMapper, JsonSchema, component_ref, nullable
from .errors import OpenApiOptionError
from .model import (
    CsdlModel,
    EntitySet,
    EntityType,
    EnumType,
    Operation,
    OperationImport,
    Property,
    split_collection,
)

OPENAPI_VERSION = "3.0.3"
JSON = "application/json"
_QUOTED_KEY_TYPES = {"Edm.String"}
_GLOB_CHARACTERS = set("*?[")
BC_COMPANIES = "companies"
BC_COMPANY_PARAMETER = "companyId"


def to_openapi(
    model: CsdlModel,
    dialect: str | Dialect = "dataverse",
    entity_sets: str | Iterable[str] = "all",
    server_url: str | None = None,
    *,
    operation_imports: str | Iterable[str] | None = None,
    title: str | None = None,
    version: str = "1.0.0",
) -> dict[str, Any]:
    """Build an OpenAPI 3.0 document (a plain dict, ready for `json.dump` or schemathesis).

    Identical sub-schemas may be the same dict object in several places: deep-copy the result
    before editing it in place.

    `entity_sets` is "all" or names/globs (`"Customer*"`); `operation_imports` likewise selects
    unbound ActionImports/FunctionImports (`WhoAmI`), none by default.
    """
    profile = get_dialect(dialect)
    set_names = select_names(model.entity_sets, entity_sets, "entity set", model.source)
    import_names: list[str] = []
    imports = {}
    if operation_imports is not None and model.container is not None:
        imports = {**model.container.function_imports, **model.container.action_imports}
        import_names = select_names(imports, operation_imports, "action/function import", model.source)
    builder = _Builder(model, profile)
    with gc_paused():
        for name in set_names:
            builder.add_entity_set(model.entity_sets[name])
        for name in import_names:
            builder.add_operation_import(imports[name])
        return builder.document(
            server_url or profile.default_server_url, title or f"{profile.title} ({Path(model.source).name})", version
        )


def select_names(available: dict[str, Any], wanted: str | Iterable[str], what: str, source: str) -> list[str]:
    """Resolve "all" or a list of exact names and globs, in document order for "all"."""
    if wanted == "all":
        return list(available)
    patterns = [wanted] if isinstance(wanted, str) else list(wanted)
    chosen: list[str] = []
    for pattern in patterns:
        if _GLOB_CHARACTERS & set(pattern):
            matches = [name for name in available if fnmatchcase(name, pattern)]
            if not matches:
                raise OpenApiOptionError(f"the {what} pattern {pattern!r} matches nothing in {source}")
        elif pattern in available:
            matches = [pattern]
        else:
            import difflib  # only for this message

            close = difflib.get_close_matches(pattern, list(available), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise OpenApiOptionError(f"there is no {what} named {pattern!r} in {source} (names are case-sensitive){hint}")
        chosen.extend(name for name in matches if name not in chosen)
    return chosen


def _header(name: str, schema: JsonSchema, description: str, *, required: bool = False) -> dict[str, Any]:
    parameter = {"name": name, "in": "header", "required": required, "schema": schema, "description": description}
    return parameter


def _response_header(schema: JsonSchema, description: str, *, required: bool = False) -> dict[str, Any]:
    header: dict[str, Any] = {"schema": schema, "description": description}
    if required:
        header["required"] = True
    return header


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


class _Builder:
    def __init__(self, model: CsdlModel, dialect: Dialect) -> None:
        self.model = model
        self.dialect = dialect
        self.mapper = EdmSchemaMapper(model)
        self.paths: dict[str, Any] = {}
        self.schemas: dict[str, Any] = {}
        self.parameters: dict[str, Any] = {}
        self.responses: dict[str, Any] = {}
        self.tags: list[dict[str, str]] = []
        # One schema object per CSDL property, shared by the response, create and update schemas:
        # a whole F&O document then needs a third of the memory (the output JSON is unchanged).
        self._property_schemas: dict[int, JsonSchema] = {}

    def _property_schema(self, prop: Property) -> JsonSchema:
        schema = self._property_schemas.get(id(prop))
        if schema is None:
            schema = self._property_schemas[id(prop)] = self.mapper.property_schema(prop)
        return schema

    # -- document ---------------------------------------------------------------------------

    def document(self, server_url: str, title: str, version: str) -> dict[str, Any]:
        self._emit_referenced_types()
        return {
            "openapi": OPENAPI_VERSION,
            "info": {
                "title": title,
                "version": version,
                "description": f"Generated from CSDL by harness.metadata for the {self.dialect.name} dialect.",
            },
            "servers": [{"url": server_url.rstrip("/")}],
            "tags": self.tags,
            "paths": self.paths,
            "components": {
                "schemas": dict(sorted(self.schemas.items())),
                "parameters": self.parameters,
                "responses": self.responses,
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            },
            "security": [{"bearer": []}],
        }

    def _emit_referenced_types(self) -> None:
        """Add complex/enum components, including those only reached through other complex types."""
        emitted: set[str] = set()
        while set(self.mapper.referenced) - emitted:
            for name in sorted(set(self.mapper.referenced) - emitted):
                named = self.mapper.referenced[name]
                if isinstance(named, EnumType):
                    self.schemas[name] = self.mapper.enum_schema(named)
                else:
                    self.schemas[name] = self.mapper.complex_schema(named)
                emitted.add(name)

    # -- entity sets ------------------------------------------------------------------------

    def add_entity_set(self, entity_set: EntitySet) -> None:
        entity_type = self.model.entity_types[entity_set.entity_type]
        caps = dict(entity_set.capabilities)
        if entity_set.name in self.dialect.read_only_sets:
            caps.update({"InsertRestrictions.Insertable": False, "UpdateRestrictions.Updatable": False,
                         "DeleteRestrictions.Deletable": False})
        prefix, prefix_parameters = self._scope(entity_set)
        self.tags.append({"name": entity_set.name, "description": entity_set.description or entity_type.full_name})
        self._entity_schemas(entity_type)

        collection_path = f"{prefix}/{entity_set.name}"
        collection: dict[str, Any] = {}
        if prefix_parameters:
            collection["parameters"] = prefix_parameters
        collection["get"] = self._list_operation(entity_set, entity_type)
        if caps.get("InsertRestrictions.Insertable", True):
            collection["post"] = self._create_operation(entity_set, entity_type)
        self.paths[collection_path] = collection
        if caps.get("CountRestrictions.Countable", True):
            self.paths[f"{collection_path}/$count"] = {
                **({"parameters": prefix_parameters} if prefix_parameters else {}),
                "get": self._count_operation(entity_set),
            }

        if not entity_type.key:
            return
        segment, key_parameters = self._key_segment(entity_type)
        item: dict[str, Any] = {"parameters": [*prefix_parameters, *key_parameters]}
        item["get"] = self._read_operation(entity_set, entity_type)
        if caps.get("UpdateRestrictions.Updatable", True):
            item["patch"] = self._update_operation(entity_set, entity_type, "patch")
            if self.dialect.supports_put:
                item["put"] = self._update_operation(entity_set, entity_type, "put")
        if caps.get("DeleteRestrictions.Deletable", True):
            item["delete"] = self._delete_operation(entity_set)
        self.paths[f"{collection_path}{segment}"] = item

    def _scope(self, entity_set: EntitySet) -> tuple[str, list[dict[str, Any]]]:
        """BC entity sets are addressed inside a company: `/companies({companyId})/customers`."""
        if not self.dialect.company_scoped or entity_set.name == BC_COMPANIES:
            return "", []
        companies = self.model.entity_sets.get(BC_COMPANIES)
        if companies is None:
            return "", []
        company_type = self.model.entity_types[companies.entity_type]
        contained_sets = {
            name for name, nav in company_type.navigation_properties.items()
            if nav.contains_target or companies.navigation_bindings.get(name) == name
        }
        # BC's own $metadata declares company -> set containment (so top-level sets such as
        # `subscriptions` stay top-level); a document without any containment (a trimmed CSDL)
        # gets the documented URL shape for every set: /companies({id})/<set>.
        if (contained_sets and entity_set.name not in contained_sets) or len(company_type.key) != 1:
            return "", []
        key_type = company_type.properties[company_type.key[0]].type
        literal = f"'{{{BC_COMPANY_PARAMETER}}}'" if key_type in _QUOTED_KEY_TYPES else f"{{{BC_COMPANY_PARAMETER}}}"
        parameter = {
            "name": BC_COMPANY_PARAMETER,
            "in": "path",
            "required": True,
            "description": "The company's id (key of the companies entity set)",
            "schema": self._key_schema(company_type.properties[company_type.key[0]].type, None),
        }
        return f"/{BC_COMPANIES}({literal})", [parameter]

    def _key_segment(self, entity_type: EntityType) -> tuple[str, list[dict[str, Any]]]:
        parameters = []
        literals = []
        for name in entity_type.key:
            prop = entity_type.properties[name]
            literals.append((name, self._key_literal(name, prop.type)))
            parameters.append(
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "description": f"Key property {name} ({prop.type})",
                    "schema": self._key_schema(prop.type, prop.max_length),
                }
            )
        if len(literals) == 1 and self.dialect.key_style == "positional":
            return f"({literals[0][1]})", parameters
        return "(" + ",".join(f"{name}={literal}" for name, literal in literals) + ")", parameters

    def _key_literal(self, name: str, type_name: str) -> str:
        found = self.model.find_type(type_name)
        if isinstance(found, EnumType):
            return f"{found.full_name}'{{{name}}}'"
        if type_name in _QUOTED_KEY_TYPES:
            return f"'{{{name}}}'"
        return f"{{{name}}}"

    def _key_schema(self, type_name: str, max_length: int | str | None) -> JsonSchema:
        schema = self.mapper.type_schema(type_name, max_length=max_length)
        if "$ref" in schema:
            referenced = self.model.find_type(type_name)
            if isinstance(referenced, EnumType):
                schema = self.mapper.enum_schema(referenced)
        if schema.get("type") == "string" and "format" not in schema and "enum" not in schema:
            # A quote would end the key literal and a slash would split the path: keep generated keys usable.
            schema = {**schema, "minLength": 1, "pattern": "^[^'/]+$"}
        return schema

    # -- schemas ----------------------------------------------------------------------------

    def _entity_schemas(self, entity_type: EntityType) -> None:
        name = entity_type.full_name
        if name in self.schemas:
            return
        self.schemas[name] = self._entity_schema(entity_type)
        self.schemas[f"{name}-entity"] = {
            "allOf": [
                component_ref(name),
                {
                    "type": "object",
                    "required": ["@odata.context"],
                    "properties": {"@odata.context": {"type": "string"}},
                },
            ]
        }
        self.schemas[f"{name}-collection"] = {
            "type": "object",
            "title": f"Collection of {name}",
            "required": ["@odata.context", "value"],
            "properties": {
                "@odata.context": {"type": "string"},
                "@odata.count": {"type": "integer", "minimum": 0},
                "@odata.nextLink": {"type": "string"},
                "value": {"type": "array", "items": component_ref(name)},
            },
            "additionalProperties": True,
        }

    def _entity_schema(self, entity_type: EntityType) -> dict[str, Any]:
        """The type's own schema: every property, then navigation properties as expanded members."""
        name = entity_type.full_name
        properties: dict[str, Any] = {"@odata.etag": {"type": "string"}}
        for prop_name, prop in entity_type.properties.items():
            properties[prop_name] = self._property_schema(prop)
        for nav_name, nav in entity_type.navigation_properties.items():
            description = f"Expanded navigation property to {nav.type}"
            if nav.collection:
                properties[nav_name] = {"type": "array", "items": {"type": "object"}, "description": description}
            else:
                properties[nav_name] = {"type": "object", "nullable": True, "description": description}
        schema: dict[str, Any] = {
            "type": "object",
            "title": name,
            "properties": properties,
            # Annotations (`x@OData.Community.Display.V1.FormattedValue`, `@odata.type`, `nav@odata.nextLink`)
            # are legal extra members; OpenAPI 3.0 has no patternProperties, so extras stay allowed.
            "additionalProperties": True,
        }
        if entity_type.description:
            schema["description"] = entity_type.description
        return schema

    def _request_schema(self, entity_set: EntitySet, entity_type: EntityType, purpose: str) -> dict[str, str]:
        """`<set>-create` / `<set>-update`: writable properties only, nothing else accepted."""
        name = f"{entity_set.name}-{purpose}"
        if name in self.schemas:
            return component_ref(name)
        properties: dict[str, Any] = {}
        for prop_name, prop in entity_type.properties.items():
            if prop.computed or prop.read_only or prop.type == "Edm.Stream":
                continue
            if purpose == "update" and (prop_name in entity_type.key or prop.immutable):
                continue
            if self.dialect.odata_bind and prop_name.startswith("_") and prop_name.endswith("_value"):
                continue  # Dataverse lookups are set through `nav@odata.bind`, never `_x_value`
            properties[prop_name] = self._property_schema(prop)
        if self.dialect.odata_bind:
            properties.update(self._bind_properties(entity_set, entity_type))
        if self.dialect.name == "fno":
            properties["@odata.type"] = {"type": "string", "enum": [f"#{entity_type.full_name}"]}
        self.schemas[name] = {
            "type": "object",
            "title": f"{entity_type.full_name} ({purpose})",
            "properties": properties,
            "additionalProperties": False,
        }
        return component_ref(name)

    def _bind_properties(self, entity_set: EntitySet, entity_type: EntityType) -> dict[str, Any]:
        """`nav@odata.bind` members for lookups: a reference like `/accounts(<guid>)`."""
        binds: dict[str, Any] = {}
        for nav_name, nav in entity_type.navigation_properties.items():
            if nav.collection or not nav.referential_constraints:
                continue
            target = entity_set.navigation_bindings.get(nav_name)
            if target is None:
                continue
            target = target.rpartition("/")[2]
            target_type = self.model.entity_sets.get(target)
            key_type = None
            if target_type is not None:
                target_entity = self.model.entity_types[target_type.entity_type]
                if len(target_entity.key) == 1:
                    key_type = target_entity.properties[target_entity.key[0]].type
            key_pattern = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
            if key_type != "Edm.Guid":
                key_pattern = "[^)]+"
            binds[f"{nav_name}@odata.bind"] = {
                "type": "string",
                "nullable": True,
                "pattern": f"^(.*/)?{re.escape(target)}\\({key_pattern}\\)$",
                "description": f"Reference to a {target} record, e.g. /{target}(<id>)",
            }
        return binds

    # -- parameters -------------------------------------------------------------------------

    def _shared_parameter(self, key: str) -> dict[str, str]:
        if key not in self.parameters:
            self.parameters[key] = self._make_shared_parameter(key)
        return _ref("parameters", key)

    def _make_shared_parameter(self, key: str) -> dict[str, Any]:
        query = {
            "top": ("$top", {"type": "integer", "minimum": 0}, "Show only the first n items"),
            "skip": ("$skip", {"type": "integer", "minimum": 0}, "Skip the first n items"),
            "count": ("$count", {"type": "boolean"}, "Include @odata.count in the response"),
            "filter": ("$filter", {"type": "string"}, "Filter items by property values"),
            "cross-company": (
                "cross-company",
                {"type": "boolean"},
                "Read rows of every company the caller can access, not just the default company",
            ),
        }
        if key in query:
            name, schema, description = query[key]
            return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}
        headers = {
            "OData-Version": ({"type": "string", "enum": ["4.0"]}, "OData protocol version of the request", False),
            "OData-MaxVersion": ({"type": "string", "enum": ["4.0"]}, "Highest OData version the client accepts", False),
            "Prefer": (
                {"type": "string"},
                "e.g. return=representation, odata.maxpagesize=50, odata.include-annotations=\"*\"",
                False,
            ),
            "If-Match": ({"type": "string"}, "ETag of the version being changed, or *", False),
            "If-Match-required": ({"type": "string"}, "ETag of the version being changed, or * (required)", True),
            "If-None-Match": ({"type": "string"}, "Answer 304 if the record still has this ETag", False),
        }
        schema, description, required = headers[key]
        return _header(key.removesuffix("-required"), schema, description, required=required)

    def _projection_parameters(self, entity_set: EntitySet, entity_type: EntityType) -> list[dict[str, str]]:
        """Per-set `$select`/`$expand` with the type's member names as enums (shared by list and get)."""
        select_key = f"{entity_set.name}.select"
        if select_key not in self.parameters:
            self.parameters[select_key] = self._enum_list_parameter("$select", list(entity_type.properties), "Properties to return")
        parameters = [_ref("parameters", select_key)]
        if entity_type.navigation_properties:
            expand_key = f"{entity_set.name}.expand"
            if expand_key not in self.parameters:
                self.parameters[expand_key] = self._enum_list_parameter(
                    "$expand", list(entity_type.navigation_properties), "Navigation properties to expand"
                )
            parameters.append(_ref("parameters", expand_key))
        return parameters

    def _orderby_parameter(self, entity_type: EntityType) -> dict[str, str]:
        """Per-type `$orderby` with each property name, ascending and `desc`."""
        orderby_key = f"{entity_type.full_name}.orderby"
        if orderby_key not in self.parameters:
            names = list(entity_type.properties)
            self.parameters[orderby_key] = self._enum_list_parameter(
                "$orderby", [*names, *(f"{name} desc" for name in names)], "Order items by property values"
            )
        return _ref("parameters", orderby_key)

    @staticmethod
    def _enum_list_parameter(name: str, values: list[str], description: str) -> dict[str, Any]:
        return {
            "name": name,
            "in": "query",
            "required": False,
            "style": "form",
            "explode": False,
            "description": description,
            "schema": {"type": "array", "uniqueItems": True, "items": {"type": "string", "enum": values}},
        }

    def _common_headers(self) -> list[dict[str, str]]:
        refs = [self._shared_parameter("OData-Version"), self._shared_parameter("OData-MaxVersion")]
        if self.dialect.prefer_header:
            refs.append(self._shared_parameter("Prefer"))
        return refs

    def _company_parameters(self) -> list[dict[str, str]]:
        return [self._shared_parameter("cross-company")] if self.dialect.cross_company else []

    # -- responses --------------------------------------------------------------------------

    def _error_response(self, status: int) -> dict[str, str]:
        key = f"error-{status}"
        if key not in self.responses:
            self.responses[key] = self._make_error_response(status)
        return _ref("responses", key)

    def _make_error_response(self, status: int) -> dict[str, Any]:
        descriptions = {
            400: "Bad request: malformed query, invalid body or failed validation",
            401: "Missing, expired or invalid bearer token (empty body)",
            403: "The caller lacks a privilege",
            404: "No such entity set or record",
            405: "Method not allowed for this resource",
            409: "Conflict: the record changed or already exists",
            412: "Precondition failed: stale ETag or duplicate key",
            429: "Throttled by service protection limits",
            500: "Server error (F&O reports some write failures as 500)",
        }
        response: dict[str, Any] = {"description": descriptions[status]}
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": _response_header({"type": "string"}, "Bearer challenge"),
            }
            return response  # 401 comes with an empty body
        schema = component_ref(self._error_schema())
        if status == 404 and self.dialect.name == "fno":
            # Unknown routes answer with the ASP.NET Web API shape `{"Message": "No HTTP resource ..."}`.
            schema = {"anyOf": [schema, component_ref(self._aspnet_error_schema())]}
        response["content"] = {JSON: {"schema": schema}}
        if status == 429:
            response["headers"] = {
                "Retry-After": _response_header(
                    {"type": "integer", "minimum": 0},
                    "Seconds to wait before retrying",
                    required=self.dialect.retry_after_required,
                )
            }
        return response

    def _error_schema(self) -> str:
        name = "ODataError"
        if name not in self.schemas:
            inner: dict[str, Any] = {
                "code": {"type": "string"},
                "message": {"type": "string"},
            }
            if self.dialect.error_innererror:
                inner["innererror"] = {
                    "type": "object",
                    "properties": {
                        "message": {"type": "string"},
                        "type": {"type": "string"},
                        "stacktrace": {"type": "string"},
                    },
                    "additionalProperties": True,
                }
            self.schemas[name] = {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": inner,
                        "additionalProperties": True,
                    }
                },
                "additionalProperties": False,
            }
        return name

    def _aspnet_error_schema(self) -> str:
        name = "AspNetError"
        self.schemas.setdefault(
            name,
            {
                "type": "object",
                "required": ["Message"],
                "properties": {"Message": {"type": "string"}, "MessageDetail": {"type": "string"}},
                "additionalProperties": True,
            },
        )
        return name

    def _errors(self, *statuses: int) -> dict[str, Any]:
        wanted = set(statuses) | {400, 401, 403, 429}
        if self.dialect.name == "fno":
            wanted.add(500)
        return {str(status): self._error_response(status) for status in sorted(wanted)}

    def _success_headers(self, *, etag: bool = False) -> dict[str, Any]:
        headers = {"OData-Version": _response_header({"type": "string"}, "OData protocol version")}
        if etag:
            headers["ETag"] = _response_header({"type": "string"}, "The record's (weak) ETag")
        return headers

    def _json(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {JSON: {"schema": schema}}

    # -- operations -------------------------------------------------------------------------

    def _list_operation(self, entity_set: EntitySet, entity_type: EntityType) -> dict[str, Any]:
        caps = entity_set.capabilities
        parameters = [*self._projection_parameters(entity_set, entity_type), self._shared_parameter("filter")]
        parameters.append(self._orderby_parameter(entity_type))
        parameters.append(self._shared_parameter("top"))
        if self.dialect.supports_skip and caps.get("SkipSupported", True):
            parameters.append(self._shared_parameter("skip"))
        if caps.get("CountRestrictions.Countable", True):
            parameters.append(self._shared_parameter("count"))
        parameters += self._company_parameters() + self._common_headers()
        return {
            "operationId": f"{entity_set.name}.list",
            "summary": f"List {entity_set.name}",
            "tags": [entity_set.name],
            "parameters": parameters,
            "responses": {
                "200": {
                    "description": "A page of records; @odata.nextLink points at the next page",
                    "headers": self._success_headers(),
                    "content": self._json(component_ref(f"{entity_type.full_name}-collection")),
                },
                **(self._errors(404) if self.dialect.company_scoped else self._errors()),
            },
        }

    def _count_operation(self, entity_set: EntitySet) -> dict[str, Any]:
        return {
            "operationId": f"{entity_set.name}.count",
            "summary": f"Count {entity_set.name}",
            "tags": [entity_set.name],
            "parameters": [self._shared_parameter("filter"), *self._company_parameters(), *self._common_headers()],
            "responses": {
                "200": {
                    "description": "The number of matching records as plain text",
                    "content": {"text/plain": {"schema": {"type": "integer", "minimum": 0}}},
                },
                **self._errors(),
            },
        }

    def _create_operation(self, entity_set: EntitySet, entity_type: EntityType) -> dict[str, Any]:
        entity = self._json(component_ref(f"{entity_type.full_name}-entity"))
        location = _response_header({"type": "string"}, "URL of the new record")
        responses: dict[str, Any]
        if self.dialect.create_returns_body_by_default:
            responses = {
                "201": {
                    "description": "Created; the body is the new record with server defaults and generated keys",
                    "headers": {**self._success_headers(etag=True), "Location": location},
                    "content": entity,
                }
            }
        else:
            responses = {
                "201": {
                    "description": "Created, with the record in the body (sent Prefer: return=representation)",
                    "headers": {
                        **self._success_headers(etag=True),
                        "Preference-Applied": _response_header({"type": "string"}, "return=representation"),
                    },
                    "content": entity,
                },
                "204": {
                    "description": "Created; the new record's URL is in OData-EntityId",
                    "headers": {
                        **self._success_headers(),
                        "OData-EntityId": _response_header(
                            {"type": "string"}, "Absolute URL of the new record", required=True
                        ),
                        "Location": location,
                    },
                },
            }
        conflicts = {"crm": (404, 412), "fno": (), "bc": (404, 409)}[self.dialect.root]
        responses.update(self._errors(*conflicts))
        return {
            "operationId": f"{entity_set.name}.create",
            "summary": f"Create a record in {entity_set.name}",
            "tags": [entity_set.name],
            # No cross-company here: F&O creates in the company named by `dataAreaId` in the body.
            "parameters": self._common_headers(),
            "requestBody": {"required": True, "content": self._json(self._request_schema(entity_set, entity_type, "create"))},
            "responses": responses,
        }

    def _read_operation(self, entity_set: EntitySet, entity_type: EntityType) -> dict[str, Any]:
        parameters = [*self._projection_parameters(entity_set, entity_type), *self._company_parameters()]
        parameters += self._common_headers()
        responses: dict[str, Any] = {
            "200": {
                "description": "The record",
                "headers": self._success_headers(etag=True),
                "content": self._json(component_ref(f"{entity_type.full_name}-entity")),
            }
        }
        if self.dialect.name == "dataverse":
            parameters.append(self._shared_parameter("If-None-Match"))
            responses["304"] = {"description": "Not modified: the record still has the If-None-Match ETag"}
        responses.update(self._errors(404))
        return {
            "operationId": f"{entity_set.name}.get",
            "summary": f"Read one record of {entity_set.name}",
            "tags": [entity_set.name],
            "parameters": parameters,
            "responses": responses,
        }

    def _update_operation(self, entity_set: EntitySet, entity_type: EntityType, method: str) -> dict[str, Any]:
        if_match = "If-Match-required" if self.dialect.requires_if_match else "If-Match"
        parameters = [*self._company_parameters(), *self._common_headers(), self._shared_parameter(if_match)]
        entity = self._json(component_ref(f"{entity_type.full_name}-entity"))
        responses: dict[str, Any] = {}
        if self.dialect.update_status == 200:
            responses["200"] = {
                "description": "Updated; the body is the whole updated record",
                "headers": self._success_headers(etag=True),
                "content": entity,
            }
        else:
            responses["204"] = {"description": "Updated", "headers": self._success_headers()}
            if self.dialect.name == "dataverse":
                # PATCH is an upsert in Dataverse: it may answer with OData-EntityId, or the body on request.
                responses["204"]["headers"]["OData-EntityId"] = _response_header(
                    {"type": "string"}, "URL of the record (upsert)"
                )
                responses["200"] = {
                    "description": "Updated, with the record in the body (sent Prefer: return=representation)",
                    "headers": self._success_headers(etag=True),
                    "content": entity,
                }
        conflicts = {"crm": (404, 412), "fno": (404, 412), "bc": (404, 409, 412)}[self.dialect.root]
        responses.update(self._errors(*conflicts))
        verb = "Replace" if method == "put" else "Update"
        return {
            "operationId": f"{entity_set.name}.{'replace' if method == 'put' else 'update'}",
            "summary": f"{verb} one record of {entity_set.name}",
            "tags": [entity_set.name],
            "parameters": parameters,
            "requestBody": {"required": True, "content": self._json(self._request_schema(entity_set, entity_type, "update"))},
            "responses": responses,
        }

    def _delete_operation(self, entity_set: EntitySet) -> dict[str, Any]:
        if_match = "If-Match-required" if self.dialect.requires_if_match else "If-Match"
        conflicts = {"crm": (404, 405, 412), "fno": (404, 412), "bc": (404, 409, 412)}[self.dialect.root]
        return {
            "operationId": f"{entity_set.name}.delete",
            "summary": f"Delete one record of {entity_set.name}",
            "tags": [entity_set.name],
            "parameters": [*self._company_parameters(), *self._common_headers(), self._shared_parameter(if_match)],
            "responses": {
                "204": {"description": "Deleted", "headers": self._success_headers()},
                **self._errors(*conflicts),
            },
        }

    # -- unbound operations -----------------------------------------------------------------

    def add_operation_import(self, imported: OperationImport) -> None:
        overloads = (self.model.functions if imported.kind == "function" else self.model.actions).get(
            imported.operation, []
        )
        unbound = [operation for operation in overloads if not operation.is_bound]
        if not unbound:
            raise OpenApiOptionError(
                f"{imported.kind} import {imported.name!r} refers to {imported.operation!r}, "
                f"which has no unbound overload in {self.model.source}"
            )
        operation = unbound[0]
        tag = "operations"
        if not any(t["name"] == tag for t in self.tags):
            self.tags.append({"name": tag, "description": "Unbound actions and functions"})
        responses = self._operation_responses(operation)
        if imported.kind == "function":
            parameters: list[dict[str, Any]] = []
            literals = []
            for parameter in operation.parameters:
                if self._is_inline_literal(parameter.type):
                    literals.append(f"{parameter.name}={self._key_literal(parameter.name, parameter.type)}")
                    schema = self._key_schema(parameter.type, None)
                    parameters.append({"name": parameter.name, "in": "path", "required": True, "schema": schema})
                else:
                    # Complex, entity and collection arguments travel as parameter aliases: F(P=@P)?@P=<JSON>.
                    literals.append(f"{parameter.name}=@{parameter.name}")
                    parameters.append(
                        {
                            "name": f"@{parameter.name}",
                            "in": "query",
                            "required": not parameter.nullable,
                            "description": f"{parameter.type} as an OData JSON literal",
                            "schema": {"type": "string"},
                        }
                    )
            path = f"/{imported.name}({','.join(literals)})"
            self.paths[path] = {
                "get": {
                    "operationId": f"{imported.name}.call",
                    "summary": f"Call the function {imported.operation}",
                    "tags": [tag],
                    "parameters": [*parameters, *self._common_headers()],
                    "responses": responses,
                }
            }
            return
        body = {
            "type": "object",
            "properties": {p.name: self.mapper.type_schema(p.type) for p in operation.parameters},
            "required": [p.name for p in operation.parameters if not p.nullable],
            "additionalProperties": False,
        }
        if not body["required"]:
            del body["required"]
        post: dict[str, Any] = {
            "operationId": f"{imported.name}.call",
            "summary": f"Invoke the action {imported.operation}",
            "tags": [tag],
            "parameters": self._common_headers(),
            "responses": responses,
        }
        if operation.parameters:
            post["requestBody"] = {"required": True, "content": self._json(body)}
        self.paths[f"/{imported.name}"] = {"post": post}

    def _is_inline_literal(self, type_name: str) -> bool:
        element, is_collection = split_collection(type_name)
        if is_collection:
            return False
        return element.startswith("Edm.") or isinstance(self.model.find_type(element), EnumType)

    def _operation_responses(self, operation: Operation) -> dict[str, Any]:
        errors = self._errors(404)
        if operation.return_type is None:
            return {"204": {"description": "Done (no return value)", "headers": self._success_headers()}, **errors}
        return_type = operation.return_type.type
        element, is_collection = split_collection(return_type)
        found = self.model.find_type(element)
        value = self.mapper.type_schema(return_type)
        if is_collection or found is None or isinstance(found, EnumType):
            if operation.return_type.nullable and not is_collection:
                value = nullable(value)
            # Primitive, enum and collection results are wrapped: {"@odata.context": ..., "value": ...}.
            schema: JsonSchema = {
                "type": "object",
                "required": ["value"],
                "properties": {"@odata.context": {"type": "string"}, "value": value},
                "additionalProperties": True,
            }
        else:
            schema = {"allOf": [value, {"type": "object", "properties": {"@odata.context": {"type": "string"}}}]}
        return {
            "200": {"description": "The result", "headers": self._success_headers(), "content": self._json(schema)},
            **errors,
        }
