"""F&O's REST metadata service ``{fo}/Metadata``: ``DataEntities``, ``PublicEntities``, ``PublicEnumerations``.

A lighter sibling of ``/data/$metadata`` that clients such as d365fo-client read before every read or
write (reference A1: ``/Metadata/DataEntities``, ``/Metadata/PublicEntities('CustomerV3')``,
``/Metadata/PublicEnumerations``, ``/Metadata/Labels(Id='@SYS1',Language='en-us')``). Generated from the F&O entity model and its X++ facts
(:data:`simulator.fno.model.TABLES`): the AOT name, caption, mandatory fields, keys and enums.

Item shapes follow what d365fo-client parses (``Name``, ``EntitySetName``, ``Properties`` with
``TypeName``/``DataType``/``IsKey``/``IsMandatory``/``AllowEdit``…, ``NavigationProperties`` with
referential ``Constraints``, enum ``Members``); ``LabelId`` values are stand-ins (``@SIM:<name>``),
since the simulator has no label files. Queries: ``$filter`` (incl. ``contains(tolower(Name),'x')``),
``$select``, ``$top``, ``$skip``, ``$count``; anything else is refused. Read-only. The stand-in label ids
resolve through ``Labels(Id='@SIM:…',Language='en-us')``; ``Actions`` list the bound actions of the
environment's operation registry, so they grow with what ``/data`` serves.
"""

from __future__ import annotations

from starlette.responses import Response

from simulator.fno import errors
from simulator.fno.model import NAMESPACE, TABLES
from simulator.odata import memory_query as mq
from simulator.odata.context import refuse_repeated_options
from simulator.odata.errors import ODataProblem, syntax_error
from simulator.odata.model import EntityModel, EntitySet, Property
from simulator.odata.options import parse_int
from simulator.odata.paths import parse_key, split_path

META_NS = "Microsoft.Dynamics.Metadata"
SETS = ("DataEntities", "PublicEntities", "PublicEnumerations", "Labels")
TYPE_NAMES = {"DataEntities": "DataEntity", "PublicEntities": "PublicEntity", "PublicEnumerations": "PublicEnumeration",
              "Labels": "Label"}
LABEL_PREFIX = "@SIM:"
LABEL_LANGUAGE = "en-us"  # the simulator's labels exist in one language
EDM_DATA_TYPES = {"Edm.String": "String", "Edm.Int32": "Int32", "Edm.Int64": "Int64", "Edm.Decimal": "Decimal",
                  "Edm.Boolean": "Boolean", "Edm.DateTimeOffset": "DateTime", "Edm.Date": "Date",
                  "Edm.Guid": "Guid", "Edm.Double": "Real"}
# Entity categories (Microsoft.Dynamics.Metadata.EntityCategory) by data entity; others are Master.
CATEGORIES = {"LegalEntities": "Reference", "CustomerGroups": "Reference", "SalesOrderHeadersV2": "Document",
              "SalesOrderLines": "Document"}


def _label_id(name: str) -> str:
    """A stand-in label id whose text is ``name`` (resolved by ``Labels(Id=...,Language='en-us')``)."""
    return f"{LABEL_PREFIX}{name}"


def _actions(operations, entity_set: EntitySet) -> list[dict]:
    """The entity's bound actions from the service's operation registry (what /data serves and declares)."""
    actions = []
    for operation in getattr(operations, "operations", []):
        if operation.binding != entity_set.name or operation.kind != "Action":
            continue
        actions.append({
            "Name": operation.name,
            "BindingKind": "BoundToEntitySet" if operation.bound_collection else "BoundToEntityInstance",
            "FieldLookup": None,
            "Parameters": [{"Name": p.name, "Type": _type_info(p.type)} for p in operation.parameters],
            "ReturnType": _type_info(operation.return_type, operation.returns_collection)
            if operation.return_type else None,
        })
    return actions


def _type_info(type_name: str, collection: bool = False) -> dict:
    if type_name.startswith("Collection(") and type_name.endswith(")"):
        type_name, collection = type_name[len("Collection("):-1], True
    return {"TypeName": type_name, "IsCollection": collection}


def _data_type(model: EntityModel, prop: Property) -> str:
    if model.enum(prop.type) is not None:
        return "Enum"
    return EDM_DATA_TYPES.get(prop.type, "String")


def _public_entity(model: EntityModel, entity_set: EntitySet, operations=None) -> dict:
    info = TABLES.get(entity_set.name)
    entity_type = entity_set.type
    mandatory = set(info.mandatory) if info else set()
    properties = []
    for prop in entity_type.properties:
        is_key = prop.name in entity_type.key
        enum = model.enum(prop.type)
        properties.append({
            "Name": prop.name, "TypeName": f"{NAMESPACE}.{enum.name}" if enum else prop.type,
            "DataType": _data_type(model, prop), "LabelId": _label_id(info.label(prop.name) if info else prop.name),
            "IsKey": is_key, "IsMandatory": is_key or prop.name in mandatory or not prop.nullable,
            "ConfigurationEnabled": True, "AllowEdit": not (is_key or prop.read_only),
            "AllowEditOnCreate": not prop.read_only, "IsDimension": False, "DimensionRelation": None,
            "IsDynamicDimension": False, "DimensionLegalEntityProperty": None, "DimensionTypeProperty": None,
        })
    navigations = []
    for nav in entity_type.navigations:
        target = model.entity_set(nav.target_set)
        if target is None:
            continue
        navigations.append({
            "Name": nav.name, "RelatedEntity": target.type.name, "RelatedRelationName": nav.partner,
            "Cardinality": "Multiple" if nav.collection else "Single",
            "Constraints": [{"@odata.type": f"#{META_NS}.ReferentialConstraint", "Property": local,
                             "ReferencedProperty": remote}
                            for local, remote in ([(principal, dependent) for dependent, principal in
                                                   nav.link_pairs(entity_type)] if nav.collection else
                                                  nav.link_pairs(target.type))],
        })
    return {
        "Name": entity_type.name, "EntitySetName": entity_set.name,
        "LabelId": _label_id(info.caption if info else entity_set.name),
        "IsReadOnly": not entity_set.writable, "ConfigurationEnabled": True,
        "Properties": properties, "NavigationProperties": navigations,
        "PropertyGroups": [{"Name": "AutoIdentification", "Properties": list(entity_type.key)}],
        "Actions": _actions(operations, entity_set),
    }


def _data_entity(entity_set: EntitySet) -> dict:
    info = TABLES.get(entity_set.name)
    return {
        "Name": info.aot_name if info else entity_set.label,
        "PublicEntityName": entity_set.type.name, "PublicCollectionName": entity_set.name,
        "LabelId": _label_id(info.caption if info else entity_set.name),
        "DataServiceEnabled": True, "DataManagementEnabled": True,
        "EntityCategory": CATEGORIES.get(entity_set.name, "Master"), "IsReadOnly": not entity_set.writable,
    }


def _enumeration(enum) -> dict:
    return {"Name": enum.name, "LabelId": _label_id(enum.name),
            "Members": [{"Name": name, "Value": value, "LabelId": _label_id(f"{enum.name}.{name}"),
                         "ConfigurationEnabled": True} for name, value in enum.members.items()]}


class FnoMetadataService:
    """The metadata collections of one F&O environment, generated from its model and operation registry."""

    def __init__(self, model: EntityModel):
        self.model = model
        self.static: dict[str, list[dict]] = {
            "DataEntities": [_data_entity(s) for s in model.entity_sets],
            "PublicEnumerations": [_enumeration(e) for e in model.enums],
        }

    def items(self, name: str, operations) -> list[dict]:
        if name == "PublicEntities":  # actions come from the live registry, so built per request (6 entities)
            return [_public_entity(self.model, s, operations) for s in self.model.entity_sets]
        return self.static[name]

    def label(self, key, where: str) -> dict:
        """``Labels(Id='@SIM:Customers',Language='en-us')``: the text of a label id this service handed out."""
        label_id, language = key.named.get("Id"), key.named.get("Language")
        if set(key.named) != {"Id", "Language"} or not isinstance(label_id, str) or not isinstance(language, str):
            raise syntax_error(f"The key in '{where}' is not valid; use Labels(Id='...',Language='...').")
        if not label_id.startswith(LABEL_PREFIX) or language.lower() != LABEL_LANGUAGE:
            raise errors.fno_problem(404, f"No resource was found for '{where}'.", errors.NOT_FOUND_EXCEPTION,
                                     "not_found")
        return {"Id": label_id, "Language": language, "Value": label_id[len(LABEL_PREFIX):]}

    def handle(self, service, ctx) -> Response:
        """``ctx.path`` is below ``/Metadata``; authenticated and rendered like ``/data``."""
        dialect = service.dialect
        try:
            ctx.claims = dialect.authenticate(ctx)
            refuse_repeated_options(ctx)
            segments = split_path(ctx.path)
            if not segments or segments[0].name not in SETS or len(segments) > 1:
                raise ODataProblem(404, "", "segment", "segment")
            if ctx.method != "GET":
                raise ODataProblem(405, "", "method", "method", headers={"Allow": "GET"})
            first = segments[0]
            if first.name == "Labels" and not first.has_parens:
                raise syntax_error("Labels are read one at a time: Labels(Id='...',Language='...').")
            items = self.items(first.name, service.operations) if first.name != "Labels" else []
            root = ctx.root_url.rsplit("/", 1)[0] + "/Metadata"
            context = f"{root}/$metadata#{first.name}"
            type_name = TYPE_NAMES[first.name]
            if first.has_parens:
                mq.check_options(ctx.params, ("$select",))
                key = parse_key(first.key or "")
                if first.name == "Labels":
                    body = {"@odata.context": f"{context}/$entity"} | self.label(key, f"{first.name}({first.key})")
                    return dialect.json_response(ctx, body)
                wanted = key.positional if key.positional is not None else key.named.get("Name")
                if not isinstance(wanted, str) or (key.named and set(key.named) != {"Name"}):
                    raise syntax_error(f"The key in '{first.name}({first.key})' is not valid; use the Name.")
                item = next((i for i in items if i["Name"].lower() == wanted.lower()), None)
                if item is None:
                    raise errors.fno_problem(404, f"No resource was found for '{first.name}({first.key})'.",
                                             errors.NOT_FOUND_EXCEPTION, "not_found")
                body = {"@odata.context": f"{context}/$entity"} | mq.project(
                    item, mq.parse_select(ctx.params.get("$select")), type_name, set(), META_NS, ())
                return dialect.json_response(ctx, body)
            mq.check_options(ctx.params, ("$select", "$filter", "$top", "$skip", "$count"))
            return dialect.json_response(ctx, self._collection(ctx.params, items, context, type_name))
        except ODataProblem as problem:
            return dialect.error_response(problem, ctx)

    @staticmethod
    def _collection(params: dict[str, str], items: list[dict], context: str, type_name: str) -> dict:
        if params.get("$filter"):
            evaluator = mq.FilterEvaluator(params["$filter"], type_name, META_NS)
            items = [item for item in items if evaluator.matches(item)]
        total = len(items)
        skip = parse_int("$skip", params["$skip"]) if "$skip" in params else 0
        top = parse_int("$top", params["$top"]) if "$top" in params else None
        page = items[skip:] if top is None else items[skip:skip + top]
        select = mq.parse_select(params.get("$select"))
        body: dict = {"@odata.context": context}
        count = params.get("$count", "false").lower()
        if count not in ("true", "false"):
            raise syntax_error(f"'{params['$count']}' is not a valid count option.")
        if count == "true":
            body["@odata.count"] = total
        body["value"] = [mq.project(item, select, type_name, set(), META_NS, ()) for item in page]
        return body
