"""Dataverse table definitions (``EntityDefinitions`` and friends) generated from an entity model.

The Web API's metadata entities describe the same tables ``$metadata`` does, in the SDK's terms:
``EntityMetadata``, typed ``AttributeMetadata`` (``StringAttributeMetadata``, ``PicklistAttributeMetadata``
…), ``EntityKeyMetadata``, one-to-many / many-to-one / many-to-many relationships and option sets.
Everything is derived from :class:`~simulator.odata.model.EntityModel`, so the built-in org and a
twin org (a real ``$metadata``) both get definitions. Labels have the documented shape
``{"LocalizedLabels": [...], "UserLocalizedLabel": {...}}`` in language 1033. MetadataIds are
stable (UUID5 of the names) so a client may cache them across restarts.

Shapes follow Microsoft's metadata entity reference (EntityMetadata, AttributeMetadata and derived
types, OneToManyRelationshipMetadata, OptionSetMetadata); values a real org would hold that the
model does not know (ObjectTypeCode of a custom table, cascade settings) are plausible defaults.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from simulator.odata.model import EntityModel, EntitySet, EntityType, Navigation, Property

LANGUAGE = 1033
NS = "Microsoft.Dynamics.CRM"
_ID_NAMESPACE = uuid.UUID("6f1f7a4e-3c1b-4d5e-9a43-0d9e5a1c0001")
# ObjectTypeCodes of the out-of-box tables [doc: entity reference pages]; custom tables get 10000+.
OBJECT_TYPE_CODES = {"account": 1, "contact": 2, "opportunity": 3, "systemuser": 8, "task": 4212, "sdkmessage": 4606,
                     "sdkmessagefilter": 4607, "businessunit": 10, "organization": 1019}
ACTIVITIES = {"task", "email", "phonecall", "appointment", "letter", "fax"}
OWNERSHIP = {"systemuser": "BusinessOwned", "businessunit": "BusinessOwned", "organization": "OrganizationOwned",
             "sdkmessage": "OrganizationOwned", "sdkmessagefilter": "OrganizationOwned"}


def metadata_id(*parts: str) -> str:
    """A stable MetadataId for the named definition."""
    return str(uuid.uuid5(_ID_NAMESPACE, "/".join(part.lower() for part in parts)))


def label(text: str, *parts: str) -> dict:
    """The documented ``Label`` complex type: localized labels plus the caller's language's label."""
    if not text:
        return {"LocalizedLabels": [], "UserLocalizedLabel": None}
    localized = {"Label": text, "LanguageCode": LANGUAGE, "IsManaged": True,
                 "MetadataId": metadata_id("label", *parts), "HasChanged": None}
    return {"LocalizedLabels": [localized], "UserLocalizedLabel": dict(localized)}


def managed(value, name: str) -> dict:
    """A ``BooleanManagedProperty``-style value (``CanBeChanged`` + the managed property's name)."""
    return {"Value": value, "CanBeChanged": True, "ManagedPropertyLogicalName": name}


def display(name: str) -> str:
    """``primarycontactid`` → ``Primarycontactid``; ``address1_city`` → ``Address1 City`` (plausible)."""
    words = [w for w in re.split(r"[_\s]+", name) if w]
    return " ".join(w[:1].upper() + w[1:] for w in words) or name


def schema_name(logical: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in logical.split("_")) if logical else logical


@dataclass
class Catalog:
    """Every definition of one org, as JSON-ready dicts keyed the ways the API addresses them."""

    entities: list[dict] = field(default_factory=list)
    attributes: dict[str, list[dict]] = field(default_factory=dict)  # entity logical name -> attributes
    keys: dict[str, list[dict]] = field(default_factory=dict)
    relationships: list[dict] = field(default_factory=list)
    global_option_sets: list[dict] = field(default_factory=list)

    def entity(self, *, logical_name: str | None = None, metadata_id_: str | None = None) -> dict | None:
        for entity in self.entities:
            if logical_name is not None and entity["LogicalName"] == logical_name.lower():
                return entity
            if metadata_id_ is not None and entity["MetadataId"] == metadata_id_.lower():
                return entity
        return None

    def one_to_many(self, logical: str) -> list[dict]:
        return [r for r in self.relationships
                if r["RelationshipType"] == "OneToManyRelationship" and r["ReferencedEntity"] == logical]

    def many_to_one(self, logical: str) -> list[dict]:
        return [r for r in self.relationships
                if r["RelationshipType"] == "OneToManyRelationship" and r["ReferencingEntity"] == logical]

    def many_to_many(self, logical: str) -> list[dict]:
        return [r for r in self.relationships if r["RelationshipType"] == "ManyToManyRelationship"
                and logical in (r["Entity1LogicalName"], r["Entity2LogicalName"])]


# ----------------------------------------------------------------------------- attributes
def attribute_name(prop: Property) -> str:
    """The attribute's logical name: a lookup column ``_x_value`` is attribute ``x``."""
    match = re.fullmatch(r"_(.+)_value", prop.name)
    return match.group(1) if match and prop.lookup_of else prop.name


def _attribute_kind(entity: EntityType, prop: Property) -> tuple[str, str]:
    """(AttributeType, derived metadata type) for a property."""
    if prop.lookup_of or (prop.name.startswith("_") and prop.name.endswith("_value")):
        return ("Owner", "LookupAttributeMetadata") if attribute_name(prop) == "ownerid" else (
            "Lookup", "LookupAttributeMetadata")
    if prop.options is not None:
        if prop.name == "statecode":
            return "State", "StateAttributeMetadata"
        if prop.name == "statuscode":
            return "Status", "StatusAttributeMetadata"
        return "Picklist", "PicklistAttributeMetadata"
    edm = prop.type
    if edm == "Edm.Guid":
        return "Uniqueidentifier", "UniqueIdentifierAttributeMetadata"
    if edm == "Edm.String":
        return ("Memo", "MemoAttributeMetadata") if (prop.max_length or 0) > 1000 else (
            "String", "StringAttributeMetadata")
    if edm == "Edm.Decimal":
        return ("Money", "MoneyAttributeMetadata") if prop.money else ("Decimal", "DecimalAttributeMetadata")
    return {"Edm.Int32": ("Integer", "IntegerAttributeMetadata"), "Edm.Int16": ("Integer", "IntegerAttributeMetadata"),
            "Edm.Int64": ("BigInt", "BigIntAttributeMetadata"), "Edm.Boolean": ("Boolean", "BooleanAttributeMetadata"),
            "Edm.Double": ("Double", "DoubleAttributeMetadata"),
            "Edm.DateTimeOffset": ("DateTime", "DateTimeAttributeMetadata"),
            "Edm.Date": ("DateTime", "DateTimeAttributeMetadata")}.get(edm, ("Virtual", "AttributeMetadata"))


def option_set(entity: str, prop: Property, kind: str) -> dict:
    name = f"{entity}_{prop.name}"
    options = []
    for value, text in sorted((prop.options or {}).items()):
        option = {"Value": value, "Color": None, "IsManaged": True, "ExternalValue": "", "ParentValues": [],
                  "Tag": None, "IsHidden": False, "MetadataId": None, "HasChanged": None,
                  "Label": label(text, name, str(value)), "Description": label("", name, str(value), "d")}
        if kind == "State":
            option |= {"DefaultStatus": value + 1, "InvariantName": text}
        if kind == "Status":
            option |= {"State": 0 if value == 1 else 1, "TransitionData": None}
        options.append(option)
    set_type = {"State": "State", "Status": "Status"}.get(kind, "Picklist")
    return {"MetadataId": metadata_id("optionset", name), "HasChanged": None, "IsCustomOptionSet": False,
            "IsGlobal": False, "IsManaged": True, "Name": name, "ExternalTypeName": None,
            "OptionSetType": set_type, "IntroducedVersion": "5.0.0.0", "ParentOptionSetName": None,
            "Description": label("", name, "d"), "DisplayName": label(display(prop.name), name),
            "IsCustomizable": managed(True, "iscustomizable"), "Options": options}


def boolean_option_set(entity: str, prop: Property) -> dict:
    name = f"{entity}_{prop.name}"

    def option(value: int, text: str) -> dict:
        return {"Value": value, "Color": None, "IsManaged": True, "ExternalValue": "", "ParentValues": [],
                "Tag": None, "IsHidden": False, "MetadataId": None, "HasChanged": None,
                "Label": label(text, name, str(value)), "Description": label("", name, str(value), "d")}

    return {"MetadataId": metadata_id("optionset", name), "HasChanged": None, "IsCustomOptionSet": False,
            "IsGlobal": False, "IsManaged": True, "Name": name, "OptionSetType": "Boolean",
            "Description": label("", name, "d"), "DisplayName": label(display(prop.name), name),
            "IsCustomizable": managed(True, "iscustomizable"),
            "TrueOption": option(1, "Yes"), "FalseOption": option(0, "No")}


def _attribute(model: EntityModel, entity_set: EntitySet, prop: Property, column: int) -> dict:
    entity_type = entity_set.type
    logical = entity_set.label
    name = attribute_name(prop)
    kind, derived = _attribute_kind(entity_type, prop)
    is_key = prop.name in entity_type.key
    valid_for_write = not prop.read_only and not name.startswith(("created", "modified")) and kind != "Owner"
    required = "SystemRequired" if is_key or prop.name == entity_type.primary_name and not prop.read_only else "None"
    attribute = {
        "@odata.type": f"#{NS}.{derived}",
        "MetadataId": metadata_id("attribute", logical, name),
        "HasChanged": None, "AttributeOf": None, "AttributeType": kind,
        "AttributeTypeName": {"Value": f"{kind}Type" if kind != "Uniqueidentifier" else "UniqueidentifierType"},
        "ColumnNumber": column, "EntityLogicalName": logical, "LogicalName": name, "SchemaName": schema_name(name),
        "ExternalName": None, "IntroducedVersion": "5.0.0.0", "IsCustomAttribute": False, "IsManaged": True,
        "IsPrimaryId": is_key, "IsPrimaryName": prop.name == entity_type.primary_name,
        "IsLogical": False, "IsSecured": False, "IsValidForCreate": valid_for_write or is_key,
        "IsValidForRead": True, "IsValidForUpdate": valid_for_write and not is_key,
        "IsValidForAdvancedFind": managed(True, "canmodifysearchsettings"),
        "IsValidODataAttribute": True, "IsFilterable": True, "IsSearchable": kind not in ("Memo",),
        "IsRetrievable": True, "IsRequiredForForm": False,
        "IsAuditEnabled": managed(True, "canmodifyauditsettings"),
        "IsCustomizable": managed(True, "iscustomizable"), "IsRenameable": managed(True, "isrenameable"),
        "RequiredLevel": managed(required, "canmodifyrequirementlevelsettings"),
        "DisplayName": label(display(name), logical, name),
        "Description": label(prop.description, logical, name, "d"),
        "SourceType": 0, "DeprecatedVersion": None, "CanBeSecuredForCreate": False,
        "CanBeSecuredForRead": False, "CanBeSecuredForUpdate": False, "CanModifyAdditionalSettings": managed(
            True, "canmodifyadditionalsettings"), "CreatedOn": "2024-01-15T08:00:00Z",
        "ModifiedOn": "2024-01-15T08:00:00Z", "InheritsFrom": None, "LinkedAttributeId": None,
        "AutoNumberFormat": None, "IsDataSourceSecret": False,
        "IsGlobalFilterEnabled": managed(False, "canmodifyglobalfiltersettings"),
        "IsSortableEnabled": managed(False, "canmodifyissortablesettings"), "IsValidForForm": True,
        "IsValidForGrid": True, "Settings": [],
    }
    if kind in ("String", "Memo"):
        attribute |= {"MaxLength": prop.max_length or 100, "DatabaseLength": (prop.max_length or 100) * 2,
                      "Format": "TextArea" if kind == "Memo" else
                      ("Email" if "email" in name else "Url" if "url" in name else
                       "Phone" if "telephone" in name else "Text"),
                      "FormatName": {"Value": "TextArea" if kind == "Memo" else "Text"}, "IsLocalizable": False}
    elif kind in ("Lookup", "Owner"):
        nav = entity_type.nav(prop.lookup_of or "")
        target = model.entity_set(nav.target_set) if nav else None
        attribute |= {"Targets": [target.label] if target else [], "Format": None}
    elif kind == "Integer":
        attribute |= {"MinValue": -2147483648, "MaxValue": 2147483647, "Format": "None"}
    elif kind == "BigInt":
        attribute |= {"MinValue": -9223372036854775808, "MaxValue": 9223372036854775807}
    elif kind == "Money":
        attribute |= {"Precision": 2, "PrecisionSource": 2, "MinValue": -922337203685477.0,
                      "MaxValue": 922337203685477.0, "IsBaseCurrency": False, "CalculationOf": None}
    elif kind in ("Decimal", "Double"):
        attribute |= {"Precision": prop.scale if prop.scale is not None else 2,
                      "MinValue": -100000000000.0, "MaxValue": 100000000000.0}
    elif kind == "DateTime":
        date_only = prop.type == "Edm.Date"
        attribute |= {"Format": "DateOnly" if date_only else "DateAndTime",
                      "DateTimeBehavior": {"Value": "DateOnly" if date_only else "UserLocal"},
                      "CanChangeDateTimeBehavior": managed(False, "canchangedatetimebehavior"),
                      "MinSupportedValue": "1753-01-01T00:00:00Z", "MaxSupportedValue": "9999-12-30T23:59:59Z"}
    elif kind == "Boolean":
        attribute |= {"DefaultValue": False, "_option_set": boolean_option_set(logical, prop)}
    if kind in ("Picklist", "State", "Status"):
        attribute |= {"DefaultFormValue": -1 if kind == "Picklist" else None,
                      "_option_set": option_set(logical, prop, kind)}
    return attribute


def _entity(entity_set: EntitySet, next_code: list[int]) -> dict:
    entity_type = entity_set.type
    logical = entity_set.label
    code = OBJECT_TYPE_CODES.get(logical)
    if code is None:
        code = next_code[0]
        next_code[0] += 1
    name = display(logical)
    return {
        "MetadataId": metadata_id("entity", logical), "HasChanged": None,
        "LogicalName": logical, "SchemaName": schema_name(logical), "EntitySetName": entity_set.name,
        "LogicalCollectionName": entity_set.name, "CollectionSchemaName": schema_name(entity_set.name),
        "ObjectTypeCode": code, "PrimaryIdAttribute": entity_type.key[0],
        "PrimaryNameAttribute": entity_type.primary_name, "PrimaryImageAttribute": None,
        "IsActivity": logical in ACTIVITIES, "IsActivityParty": False, "IsIntersect": False,
        "IsCustomEntity": "_" in logical, "IsManaged": True, "IsPrivate": False, "IsLogicalEntity": False,
        "IsValidForAdvancedFind": True, "IsAvailableOffline": True, "IsStateModelAware": any(
            p.name == "statecode" for p in entity_type.properties),
        "OwnershipType": OWNERSHIP.get(logical, "UserOwned"), "TableType": "Standard",
        "HasNotes": logical not in OWNERSHIP, "HasActivities": logical not in OWNERSHIP and logical not in ACTIVITIES,
        "ChangeTrackingEnabled": True, "CanCreateMultiple": entity_set.writable,
        "CanUpdateMultiple": entity_set.writable, "IntroducedVersion": "5.0.0.0",
        "EntityColor": None, "ExternalName": None, "ExternalCollectionName": None,
        "IsCustomizable": managed(True, "iscustomizable"), "IsRenameable": managed(True, "isrenameable"),
        "IsAuditEnabled": managed(True, "canmodifyauditsettings"),
        "CanCreateAttributes": managed(True, "cancreateattributes"),
        "DisplayName": label(name, logical), "DisplayCollectionName": label(display(entity_set.name), logical, "c"),
        "Description": label("", logical, "d"),
        # Further EntityMetadata members clients $select (plausible values for a standard table).
        "ActivityTypeMask": 1 if logical in ACTIVITIES else 0, "AutoCreateAccessTeams": False,
        "AutoRouteToOwnerQueue": False, "CanBeInManyToMany": managed(True, "canbeinmanytomany"),
        "CanBePrimaryEntityInRelationship": managed(True, "canbeprimaryentityinrelationship"),
        "CanBeRelatedEntityInRelationship": managed(True, "canberelatedentityinrelationship"),
        "CanChangeHierarchicalRelationship": managed(True, "canchangehierarchicalrelationship"),
        "CanChangeTrackingBeEnabled": managed(True, "canchangetrackingbeenabled"),
        "CanEnableSyncToExternalSearchIndex": managed(True, "canenablesynctoexternalsearchindex"),
        "CanModifyAdditionalSettings": managed(True, "canmodifyadditionalsettings"),
        "CanTriggerWorkflow": True, "CreatedOn": "2024-01-15T08:00:00Z", "ModifiedOn": "2024-01-15T08:00:00Z",
        "DaysSinceRecordLastModified": 0, "EntityHelpUrl": None, "EntityHelpUrlEnabled": False, "IconLargeName": None, "IconMediumName": None, "IconSmallName": None,
        "IconVectorName": None, "IsAIRelationshipsEnabled": False, "IsArchivalEnabled": False, "IsBPFEntity": False, "IsBusinessProcessEnabled": False,
        "IsChildEntity": False, "IsConnectionsEnabled": managed(False, "canmodifyconnectionsettings"),
        "IsDocumentManagementEnabled": False, "IsDocumentRecommendationsEnabled": False,
        "IsDuplicateDetectionEnabled": managed(True, "canmodifyduplicatedetectionsettings"),
        "IsEnabledForCharts": True, "IsEnabledForExternalChannels": False, "IsEnabledForTrace": False,
        "IsImportable": True, "IsInteractionCentricEnabled": False, "IsKnowledgeManagementEnabled": False,
        "IsMailMergeEnabled": managed(True, "canmodifymailmergesettings"), "IsMSTeamsIntegrationEnabled": False,
        "IsOfflineInMobileClient": managed(False, "canmodifymobileclientoffline"),
        "IsOneNoteIntegrationEnabled": False, "IsOptimisticConcurrencyEnabled": True,
        "IsQuickCreateEnabled": False, "IsReadingPaneEnabled": True, "IsReadOnlyInMobileClient": managed(
            False, "canmodifymobileclientreadonly"), "IsRetrieveAuditEnabled": False,
        "IsRetrieveMultipleAuditEnabled": False, "IsSLAEnabled": False, "IsSolutionAware": False,
        "IsValidForQueue": managed(False, "canmodifyqueuesettings"), "IsVisibleInMobile": managed(
            True, "canmodifymobilevisibility"), "IsVisibleInMobileClient": managed(True, "canmodifymobileclientvisibility"),
        "MobileOfflineFilters": "", "RecurrenceBaseEntityLogicalName": None, "ReportViewName": f"Filtered{schema_name(logical)}",
        "SettingOf": None, "Settings": [], "SyncToExternalSearchIndex": False, "UsesBusinessDataLabelTable": False,
        "DataProviderId": None, "DataSourceId": None, "HasEmailAddresses": any(
            p.name.startswith("emailaddress") for p in entity_type.properties), "HasFeedback": False,
        "Privileges": _privileges(logical, entity_set.writable),
    }


def _privileges(logical: str, writable: bool) -> list[dict]:
    """SecurityPrivilegeMetadata of a table: ``prv<Verb><SchemaName>`` per access right."""
    verbs = ("Create", "Read", "Write", "Delete", "Assign", "Share", "Append", "AppendTo") if writable else ("Read",)
    return [{"PrivilegeId": metadata_id("privilege", logical, verb), "Name": f"prv{verb}{schema_name(logical)}",
             "PrivilegeType": verb, "CanBeBasic": True, "CanBeLocal": True, "CanBeDeep": True, "CanBeGlobal": True,
             "CanBeEntityReference": False, "CanBeParentEntityReference": False, "CanBeRecordFilter": False}
            for verb in verbs]


# ----------------------------------------------------------------------------- relationships
def _one_to_many(schema: str, referenced: str, referenced_attribute: str, referencing: str,
                 referencing_attribute: str, referenced_nav: str, referencing_nav: str) -> dict:
    cascade = {"Assign": "NoCascade", "Delete": "RemoveLink", "Merge": "NoCascade", "Reparent": "NoCascade",
               "Share": "NoCascade", "Unshare": "NoCascade", "RollupView": "NoCascade", "Archive": "NoCascade"}
    return {
        "@odata.type": f"#{NS}.OneToManyRelationshipMetadata",
        "MetadataId": metadata_id("relationship", schema), "HasChanged": None, "SchemaName": schema,
        "RelationshipType": "OneToManyRelationship", "IsCustomRelationship": False, "IsManaged": True,
        "IsValidForAdvancedFind": True, "IsHierarchical": referenced == referencing, "SecurityTypes": "None",
        "IntroducedVersion": "5.0.0.0", "IsCustomizable": managed(True, "iscustomizable"),
        "ReferencedAttribute": referenced_attribute, "ReferencedEntity": referenced,
        "ReferencingAttribute": referencing_attribute, "ReferencingEntity": referencing,
        "ReferencedEntityNavigationPropertyName": referenced_nav,
        "ReferencingEntityNavigationPropertyName": referencing_nav,
        "RelationshipBehavior": 0, "IsDenormalizedLookup": None, "DenormalizedAttributeName": None,
        "CascadeConfiguration": cascade,
        "AssociatedMenuConfiguration": {"Behavior": "UseCollectionName", "Group": "Details", "Order": 10000,
                                        "IsCustomizable": True, "Icon": None, "ViewId": None,
                                        "AvailableOffline": True, "MenuId": None, "QueryApi": None,
                                        "Label": label("", schema, "menu")},
    }


def _relationships(model: EntityModel) -> list[dict]:
    """One OneToMany definition per single-valued navigation, named after its collection partner."""
    found: dict[str, dict] = {}
    covered: set[tuple[str, str]] = set()
    for entity_set in model.entity_sets:
        for nav in entity_set.type.navigations:
            if nav.collection:
                continue
            target = model.entity_set(nav.target_set)
            if target is None:
                continue
            partner = _collection_partner(target, entity_set, nav)
            schema = partner.name if partner else (nav.partner or f"lk_{entity_set.label}_{nav.name}")
            referencing_attribute = attribute_name(entity_set.type.prop(nav.fk) or Property(nav.fk, lookup_of=nav.name))
            found.setdefault(schema, _one_to_many(
                schema, target.label, nav.principal or target.type.key[0], entity_set.label,
                referencing_attribute, partner.name if partner else schema, nav.name))
            if partner:
                covered.add((target.name, partner.name))
    for entity_set in model.entity_sets:  # collection navigations without a single-valued partner
        for nav in entity_set.type.navigations:
            target = model.entity_set(nav.target_set)
            if not nav.collection or target is None or (entity_set.name, nav.name) in covered or nav.name in found:
                continue
            fk_prop = target.type.prop(nav.fk)
            referencing_attribute = attribute_name(fk_prop) if fk_prop else nav.fk
            found[nav.name] = _one_to_many(nav.name, entity_set.label, entity_set.type.key[0], target.label,
                                           referencing_attribute, nav.name, nav.partner or referencing_attribute)
    return list(found.values())


def _collection_partner(target: EntitySet, source: EntitySet, nav: Navigation) -> Navigation | None:
    for candidate in target.type.navigations:
        if candidate.collection and candidate.target_set == source.name and (
                candidate.partner == nav.name or nav.partner == candidate.name):
            return candidate
    return None


# ----------------------------------------------------------------------------- global option sets
def global_option_sets() -> list[dict]:
    """Global choices every org has; ``componentstate`` is on every solution-aware table [doc]."""
    states = {0: "Published", 1: "Unpublished", 2: "Deleted", 3: "Deleted Unpublished"}
    definition = option_set("global", Property("componentstate", "Edm.Int32", options=states), "Picklist")
    definition |= {"Name": "componentstate", "IsGlobal": True, "MetadataId": metadata_id("optionset", "componentstate"),
                   "DisplayName": label("Component State", "componentstate")}
    return [definition]


def build_catalog(model: EntityModel) -> Catalog:
    """All definitions of ``model`` (the built-in org's or a twin's)."""
    catalog = Catalog(global_option_sets=global_option_sets())
    next_code = [10000]
    for entity_set in model.entity_sets:
        logical = entity_set.label
        catalog.entities.append(_entity(entity_set, next_code))
        catalog.attributes[logical] = [_attribute(model, entity_set, prop, index + 1)
                                       for index, prop in enumerate(entity_set.type.properties)]
        catalog.keys[logical] = [{
            "MetadataId": metadata_id("key", logical, *columns), "HasChanged": None,
            "LogicalName": f"{logical}_{'_'.join(columns)}_key", "SchemaName": f"{logical}_{'_'.join(columns)}_key",
            "KeyAttributes": list(columns), "EntityLogicalName": logical, "EntityKeyIndexStatus": "Active",
            "IsManaged": True, "IsCustomizable": managed(True, "iscustomizable"), "IntroducedVersion": "1.0",
            "AsyncJob": None, "IsSynchronous": False, "IsExportKey": False, "IsSecondaryKey": None,
            "DisplayName": label(" ".join(display(c) for c in columns), logical, "key", *columns),
        } for columns in entity_set.type.alternate_keys]
    catalog.relationships = _relationships(model)
    return catalog
