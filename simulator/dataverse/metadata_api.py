"""The Dataverse metadata Web API: ``EntityDefinitions``, ``RelationshipDefinitions``, ``GlobalOptionSetDefinitions``.

Clients read these before anything else (Microsoft's Python SDK resolves every table through
``EntityDefinitions``; dataverse-api reads keys and relationships in its constructor; DynamicsWebApi
maps logical names to entity sets with them), so the simulator serves them from the same entity
model as ``$metadata`` (:mod:`simulator.dataverse.metadata_defs`). Read-only: creating or changing
table definitions is refused with 405 rather than pretended.

Addressing, as documented: ``EntityDefinitions(<MetadataId>)`` or ``(LogicalName='account')``, then
``/Attributes``, ``/Attributes(LogicalName='name')``, a cast
``/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata`` (collection or single, with
``$expand=OptionSet``), ``/Keys``, ``/OneToManyRelationships``, ``/ManyToOneRelationships``,
``/ManyToManyRelationships``; ``RelationshipDefinitions(<id>)`` or ``(SchemaName='…')`` with an
optional type cast; ``GlobalOptionSetDefinitions(<id>)`` or ``(Name='…')``.

Unknown definitions get 404 with ``0x80040217`` (ObjectDoesNotExist); the message wording is a
guess modelled on the SDK's "Could not find ..." metadata texts.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from starlette.responses import Response

from simulator.dataverse import system_tables
from simulator.dataverse.metadata_defs import NS, Catalog, build_catalog
from simulator.odata import memory_query as mq
from simulator.odata.context import refuse_repeated_options
from simulator.odata.errors import ODataProblem, syntax_error
from simulator.odata.paths import KeyPredicate, Segment, parse_key, split_path
from simulator.odata.service import ODataService

ROOTS = ("EntityDefinitions", "RelationshipDefinitions", "GlobalOptionSetDefinitions")
ENTITY_NAVS = {"Attributes", "Keys", "OneToManyRelationships", "ManyToOneRelationships", "ManyToManyRelationships"}
OPTION_NAVS = {"OptionSet", "GlobalOptionSet"}
ATTRIBUTE_CASTS = {"StringAttributeMetadata", "MemoAttributeMetadata", "IntegerAttributeMetadata",
                   "BigIntAttributeMetadata", "MoneyAttributeMetadata", "DecimalAttributeMetadata",
                   "DoubleAttributeMetadata", "BooleanAttributeMetadata", "DateTimeAttributeMetadata",
                   "UniqueIdentifierAttributeMetadata", "LookupAttributeMetadata", "PicklistAttributeMetadata",
                   "StateAttributeMetadata", "StatusAttributeMetadata", "EnumAttributeMetadata",
                   "MultiSelectPicklistAttributeMetadata", "ImageAttributeMetadata", "FileAttributeMetadata"}
ENUM_TYPES = {"PicklistAttributeMetadata", "StateAttributeMetadata", "StatusAttributeMetadata",
              "BooleanAttributeMetadata"}
RELATIONSHIP_CASTS = {"OneToManyRelationshipMetadata", "ManyToManyRelationshipMetadata"}


def not_found(what: str) -> ODataProblem:
    return ODataProblem(404, "0x80040217", what, "not_found")


class MetadataApi:
    """Serve the metadata entities of one org (built once from its model) and its start-up system tables."""

    def __init__(self, service):
        self.catalog: Catalog = build_catalog(service.model)
        own = {s.name for s in service.model.entity_sets}
        self.system_sets = {name for name in system_tables.SETS if name not in own}  # a twin may have its own
        self.system = ODataService(system_tables.build_system_model(), service.store, "crmsys", service.dialect)
        if self.system_sets and self.system.is_empty("sdkmessages"):
            system_tables.seed_system_tables(self.system, service.model, service.operations)

    def handles(self, path: str) -> bool:
        """Is ``path`` (below the API root) a metadata or start-up system table request?"""
        first = path.split("/", 1)[0].split("(", 1)[0]
        return first in ROOTS or first in self.system_sets

    # ------------------------------------------------------------------ entry point
    def handle(self, service, ctx) -> Response:
        """Authenticate like every Dataverse request, then answer in Dataverse's shapes and errors."""
        if ctx.path.split("/", 1)[0].split("(", 1)[0] in self.system_sets:
            return self.system.handle(ctx)
        dialect = service.dialect
        try:
            ctx.claims = dialect.authenticate(ctx)
            refuse_repeated_options(ctx)
            if ctx.method != "GET":
                raise ODataProblem(405, "0x80060888", f"The HTTP method '{ctx.method}' is not supported on "
                                   "table definitions by the simulator (its schema is fixed).", "method",
                                   headers={"Allow": "GET"})
            mq.check_options(ctx.params)
            body = self.resolve(ctx, split_path(ctx.path))
            return dialect.json_response(ctx, body)
        except ODataProblem as problem:
            return dialect.error_response(problem, ctx)

    # ------------------------------------------------------------------ routing
    def resolve(self, ctx, segments: list[Segment]) -> dict:
        root, rest = segments[0], segments[1:]
        context = f"{ctx.root_url}/$metadata#{root.name}"
        if root.name == "EntityDefinitions":
            if not root.has_parens:
                if rest:
                    raise syntax_error(f"Resource not found for the segment '{rest[0].name}'.")
                return self.collection(ctx, context, self.catalog.entities, "EntityMetadata", ENTITY_NAVS,
                                       self._entity_expander)
            entity = self._entity(parse_key(root.key or ""))
            if not rest:
                return self.single(ctx, context, entity, "EntityMetadata", ENTITY_NAVS, self._entity_expander)
            return self.entity_child(ctx, f"{context}({entity['MetadataId']})", entity, rest)
        if root.name == "RelationshipDefinitions":
            return self.relationships(ctx, context, root, rest)
        return self.option_sets(ctx, context, root, rest)

    def entity_child(self, ctx, context: str, entity: dict, rest: list[Segment]) -> dict:
        nav = rest[0]
        logical = entity["LogicalName"]
        if nav.name == "Attributes":
            items = self.catalog.attributes.get(logical, [])
            return self._attributes(ctx, f"{context}/Attributes", entity, items, nav, rest[1:])
        sources: dict[str, Callable[[str], list[dict]]] = {
            "Keys": lambda name: self.catalog.keys.get(name, []),
            "OneToManyRelationships": self.catalog.one_to_many,
            "ManyToOneRelationships": self.catalog.many_to_one,
            "ManyToManyRelationships": self.catalog.many_to_many,
        }
        if nav.name not in sources:
            raise syntax_error(f"Resource not found for the segment '{nav.name}'.")
        type_name = {"Keys": "EntityKeyMetadata", "ManyToManyRelationships": "ManyToManyRelationshipMetadata"}.get(
            nav.name, "OneToManyRelationshipMetadata")
        items = sources[nav.name](logical)
        if len(rest) > 1:
            raise syntax_error(f"Resource not found for the segment '{rest[1].name}'.")
        if nav.has_parens:
            item = self._by_key(items, parse_key(nav.key or ""), ("SchemaName", "LogicalName"),
                                f"Could not find {nav.name[:-1] if nav.name != 'Keys' else 'key'} "
                                f"'{nav.key}' on entity '{logical}'.")
            return self.single(ctx, f"{context}/{nav.name}", item, type_name, set(), None)
        return self.collection(ctx, f"{context}/{nav.name}", items, type_name, set(), None)

    def _attributes(self, ctx, context: str, entity: dict, items: list[dict], nav: Segment,
                    rest: list[Segment]) -> dict:
        logical = entity["LogicalName"]
        cast: str | None = None
        if nav.has_parens:  # Attributes(<key>)[/Microsoft.Dynamics.CRM.XAttributeMetadata]
            item = self._by_key(items, parse_key(nav.key or ""), ("LogicalName",),
                                f"Could not find attribute '{_key_text(nav.key)}' on entity '{logical}'.")
            if rest and rest[0].name not in OPTION_NAVS:
                cast = self._cast(rest[0], ATTRIBUTE_CASTS)
                rest = rest[1:]
                if item["@odata.type"] != f"#{NS}.{cast}":
                    raise not_found(f"The attribute '{item['LogicalName']}' on entity '{logical}' is not a {cast}.")
            type_name = item["@odata.type"].rsplit(".", 1)[-1]
            navs = OPTION_NAVS if type_name in ENUM_TYPES else set()
            suffix = f"/{NS}.{cast}" if cast else ""
            if rest:  # .../Attributes(...)[/cast]/OptionSet: the option set as its own resource
                if len(rest) > 1 or rest[0].name not in navs or rest[0].has_parens:
                    raise syntax_error(f"Resource not found for the segment '{rest[-1].name}'.")
                option_set = self._option_expander(item, rest[0].name)
                if option_set is None:
                    raise not_found(f"The attribute '{item['LogicalName']}' on entity '{logical}' has no "
                                    f"{rest[0].name}.")
                return self.single(ctx, f"{context}({item['MetadataId']}){suffix}/{rest[0].name}",
                                   _typed_option_set(option_set), "OptionSetMetadataBase", set(), None)
            return self.single(ctx, f"{context}({item['MetadataId']}){suffix}", item, type_name, navs,
                               self._option_expander)
        if rest:
            cast = self._cast(rest[0], ATTRIBUTE_CASTS)
            if len(rest) > 1:
                raise syntax_error(f"Resource not found for the segment '{rest[1].name}'.")
            items = [item for item in items if item["@odata.type"] == f"#{NS}.{cast}"]
            navs = OPTION_NAVS if cast in ENUM_TYPES else set()
            return self.collection(ctx, f"{context}/{NS}.{cast}", items, cast, navs, self._option_expander)
        return self.collection(ctx, context, items, "AttributeMetadata", set(), None)

    def relationships(self, ctx, context: str, root: Segment, rest: list[Segment]) -> dict:
        items = self.catalog.relationships
        cast = self._cast(rest[0], RELATIONSHIP_CASTS) if rest else None
        if len(rest) > 1:
            raise syntax_error(f"Resource not found for the segment '{rest[1].name}'.")
        if root.has_parens:
            item = self._by_key(items, parse_key(root.key or ""), ("SchemaName",),
                                f"Could not find relationship '{_key_text(root.key)}'.")
            if cast and item["@odata.type"] != f"#{NS}.{cast}":
                raise not_found(f"The relationship '{item['SchemaName']}' is not a {cast}.")
            return self.single(ctx, context, item, cast or "RelationshipMetadataBase", set(), None)
        if cast:
            items = [item for item in items if item["@odata.type"] == f"#{NS}.{cast}"]
        return self.collection(ctx, context, items, cast or "RelationshipMetadataBase", set(), None)

    def option_sets(self, ctx, context: str, root: Segment, rest: list[Segment]) -> dict:
        items = self.catalog.global_option_sets
        if rest:
            cast = self._cast(rest[0], {"OptionSetMetadata", "BooleanOptionSetMetadata"})
            items = [i for i in items if (cast == "BooleanOptionSetMetadata") == (i["OptionSetType"] == "Boolean")]
        if root.has_parens:
            item = self._by_key(items, parse_key(root.key or ""), ("Name",),
                                f"Could not find optionset '{_key_text(root.key)}'.")
            return self.single(ctx, context, _typed_option_set(item), "OptionSetMetadataBase", set(), None)
        return self.collection(ctx, context, [_typed_option_set(i) for i in items], "OptionSetMetadataBase",
                               set(), None)

    # ------------------------------------------------------------------ lookups
    def _entity(self, key: KeyPredicate) -> dict:
        entity = self._by_key(self.catalog.entities, key, ("LogicalName",),
                              f"Could not find entity with name '{_key_text(key.raw)}'.")
        return entity

    @staticmethod
    def _by_key(items: list[dict], key: KeyPredicate, alternates: tuple[str, ...], missing: str) -> dict:
        if key.positional is not None:
            if not isinstance(key.positional, uuid.UUID):
                raise syntax_error(f"The key value {key.raw} is not a valid MetadataId (a GUID).")
            wanted = str(key.positional).lower()
            found = next((item for item in items if item.get("MetadataId") == wanted), None)
        else:
            if len(key.named) != 1 or next(iter(key.named)) not in (*alternates, "MetadataId"):
                raise syntax_error(f"The key '{key.raw}' is not a key of this definition; use the MetadataId or "
                                   f"{' or '.join(alternates)}.")
            name, value = next(iter(key.named.items()))
            text = str(value).lower()
            found = next((item for item in items if str(item.get(name, "")).lower() == text), None)
        if found is None:
            raise not_found(missing)
        return found

    @staticmethod
    def _cast(segment: Segment, allowed: set[str]) -> str:
        name = segment.name
        short = name[len(NS) + 1:] if name.startswith(NS + ".") else None
        if short is None or short not in allowed or segment.has_parens:
            raise syntax_error(f"Resource not found for the segment '{name}'.")
        return short

    # ------------------------------------------------------------------ expansion
    def _entity_expander(self, entity: dict, name: str) -> list[dict]:
        logical = entity["LogicalName"]
        return {"Attributes": lambda: self.catalog.attributes.get(logical, []),
                "Keys": lambda: self.catalog.keys.get(logical, []),
                "OneToManyRelationships": lambda: self.catalog.one_to_many(logical),
                "ManyToOneRelationships": lambda: self.catalog.many_to_one(logical),
                "ManyToManyRelationships": lambda: self.catalog.many_to_many(logical)}[name]()

    @staticmethod
    def _option_expander(attribute: dict, name: str):
        option_set = attribute.get("_option_set")
        if name == "GlobalOptionSet":
            return option_set if option_set and option_set.get("IsGlobal") else None
        return option_set

    # ------------------------------------------------------------------ shaping
    def collection(self, ctx, context: str, items: list[dict], type_name: str, navs: set[str],
                   expander) -> dict:
        filtered = items
        if ctx.params.get("$filter"):
            evaluator = mq.FilterEvaluator(ctx.params["$filter"], type_name)
            filtered = [item for item in items if evaluator.matches(item)]
        value = [self._shape(item, ctx.params, type_name, navs, expander) for item in filtered]
        return {"@odata.context": context, "value": value}

    def single(self, ctx, context: str, item: dict, type_name: str, navs: set[str], expander) -> dict:
        if "$filter" in ctx.params:
            raise syntax_error("The query parameter $filter is not supported on a single definition.")
        return {"@odata.context": f"{context}/$entity"} | self._shape(item, ctx.params, type_name, navs, expander)

    def _shape(self, item: dict, params: dict[str, str], type_name: str, navs: set[str], expander) -> dict:
        shaped = mq.project(item, mq.parse_select(params.get("$select")), type_name, navs)
        for name, options in mq.parse_expand(params.get("$expand")):
            if name not in navs or expander is None:
                raise syntax_error(f"Could not find a navigation property named '{name}' on type "
                                   f"'{NS}.{type_name}'.")
            mq.check_options({k: v for k, v in options.items() if k not in ("$select", "$filter", "$expand")})
            target = expander(item, name)
            nested_type = _nested_type(name)
            nested_navs = OPTION_NAVS if name == "Attributes" else set()
            nested_expander = self._option_expander if name == "Attributes" else None
            if isinstance(target, list):
                if options.get("$filter"):
                    evaluator = mq.FilterEvaluator(options["$filter"], nested_type)
                    target = [t for t in target if evaluator.matches(t)]
                shaped[name] = [self._shape(t, options, _item_type(t, nested_type), nested_navs if
                                            _item_type(t, nested_type) in ENUM_TYPES else set(), nested_expander)
                                for t in target]
            else:
                if "$filter" in options:
                    raise syntax_error(f"$filter is not supported when expanding the single-valued '{name}'.")
                shaped[name] = None if target is None else mq.project(
                    _typed_option_set(target), mq.parse_select(options.get("$select")), "OptionSetMetadataBase",
                    set())
        return shaped


def _nested_type(name: str) -> str:
    return {"Attributes": "AttributeMetadata", "Keys": "EntityKeyMetadata",
            "ManyToManyRelationships": "ManyToManyRelationshipMetadata"}.get(name, "OneToManyRelationshipMetadata")


def _item_type(item: dict, default: str) -> str:
    odata_type = item.get("@odata.type")
    return odata_type.rsplit(".", 1)[-1] if odata_type else default


def _typed_option_set(option_set: dict) -> dict:
    kind = "BooleanOptionSetMetadata" if option_set.get("OptionSetType") == "Boolean" else "OptionSetMetadata"
    return {"@odata.type": f"#{NS}.{kind}"} | option_set


def _key_text(raw: str | None) -> str:
    text = (raw or "").strip()
    if "=" in text:
        text = text.split("=", 1)[1].strip()
    return text.strip("'")
