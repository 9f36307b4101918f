"""Generate the CSDL ``$metadata`` document from the entity model."""

from __future__ import annotations

from lxml import etree

from simulator.odata.model import EntityModel

EDMX = "http://docs.oasis-open.org/odata/ns/edmx"
EDM = "http://docs.oasis-open.org/odata/ns/edm"


def _annotation(parent, term: str, **attrs) -> etree._Element:
    return etree.SubElement(parent, f"{{{EDM}}}Annotation", Term=term, **attrs)


def _type_name(type_name: str, q: str) -> str:
    """Qualify a schema type name; ``Edm.*`` and already qualified names stay as they are."""
    inner = type_name[len("Collection("):-1] if type_name.startswith("Collection(") else type_name
    qualified = inner if "." in inner else q + inner
    return f"Collection({qualified})" if type_name.startswith("Collection(") else qualified


def _operation(schema, model: EntityModel, op, q: str) -> None:
    """One ``Function``/``Action`` element (and the complex type of its result, when declared)."""
    if op.return_properties and op.return_type and schema.find(
            f"{{{EDM}}}ComplexType[@Name='{op.return_type}']") is None:
        ct = etree.SubElement(schema, f"{{{EDM}}}ComplexType", Name=op.return_type)
        for prop in op.return_properties:
            etree.SubElement(ct, f"{{{EDM}}}Property", Name=prop.name, Type=prop.type, Nullable="false")
    attrs = {"Name": op.name}
    if op.binding is not None:
        attrs["IsBound"] = "true"
    element = etree.SubElement(schema, f"{{{EDM}}}{op.kind}", **attrs)
    if op.binding is not None:
        bound = model.entity_set(op.binding)
        type_name = q + bound.type.name if bound is not None else q + op.binding
        etree.SubElement(element, f"{{{EDM}}}Parameter", Name="bindingParameter",
                         Type=f"Collection({type_name})" if op.bound_collection else type_name)
    for param in op.parameters:
        p_attrs = {"Name": param.name, "Type": _type_name(param.type, q)}
        if not param.nullable:
            p_attrs["Nullable"] = "false"
        etree.SubElement(element, f"{{{EDM}}}Parameter", **p_attrs)
    if op.return_type:
        returns = _type_name(op.return_type, q)
        if op.returns_collection:
            returns = f"Collection({returns})"
        etree.SubElement(element, f"{{{EDM}}}ReturnType", Type=returns, Nullable="false")


def build_csdl(model: EntityModel, references: bool = True) -> bytes:
    """Serialise ``model`` as an OData 4.0 CSDL document (what ``GET $metadata`` returns)."""
    root = etree.Element(f"{{{EDMX}}}Edmx", nsmap={"edmx": EDMX}, Version="4.0")
    if references:
        for uri, namespace, alias in (
            ("http://vocabularies.odata.org/OData.Community.Keys.V1.xml", "OData.Community.Keys.V1", "Keys"),
            ("http://vocabularies.odata.org/OData.Community.Display.V1.xml", "OData.Community.Display.V1",
             "Display"),
            ("https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml",
             "Org.OData.Core.V1", "Core"),
        ):
            ref = etree.SubElement(root, f"{{{EDMX}}}Reference", Uri=uri)
            etree.SubElement(ref, f"{{{EDMX}}}Include", Namespace=namespace, Alias=alias)
    services = etree.SubElement(root, f"{{{EDMX}}}DataServices")
    schema = etree.SubElement(services, f"{{{EDM}}}Schema", nsmap={None: EDM}, Namespace=model.namespace,
                              **({"Alias": model.alias} if model.alias else {}))
    q = (model.alias or model.namespace) + "."
    for enum in model.enums:
        e = etree.SubElement(schema, f"{{{EDM}}}EnumType", Name=enum.name, UnderlyingType="Edm.Int32")
        for member, value in enum.members.items():
            etree.SubElement(e, f"{{{EDM}}}Member", Name=member, Value=str(value))
    for entity_set in model.entity_sets:
        et = entity_set.type
        t = etree.SubElement(schema, f"{{{EDM}}}EntityType", Name=et.name)
        key = etree.SubElement(t, f"{{{EDM}}}Key")
        for k in et.key:
            etree.SubElement(key, f"{{{EDM}}}PropertyRef", Name=k)
        for prop in et.properties:
            attrs = {"Name": prop.name, "Type": prop.type if prop.type.startswith("Edm.") else q + prop.type}
            if not prop.nullable:
                attrs["Nullable"] = "false"
            if prop.max_length:
                attrs["MaxLength"] = str(prop.max_length)
            if prop.precision is not None:
                attrs["Precision"] = str(prop.precision)
            if prop.scale is not None:
                attrs["Scale"] = str(prop.scale)
            p = etree.SubElement(t, f"{{{EDM}}}Property", **attrs)
            if prop.description:
                _annotation(p, "Org.OData.Core.V1.Description", String=prop.description)
            if prop.read_only:
                _annotation(p, "Org.OData.Core.V1.Computed", Bool="true")
        for nav in et.navigations:
            target = model.entity_set(nav.target_set).type.name
            attrs = {"Name": nav.name, "Type": f"Collection({q}{target})" if nav.collection else q + target}
            if nav.partner:
                attrs["Partner"] = nav.partner
            n = etree.SubElement(t, f"{{{EDM}}}NavigationProperty", **attrs)
            if not nav.collection:
                target_type = model.entity_set(nav.target_set).type
                etree.SubElement(n, f"{{{EDM}}}ReferentialConstraint", Property=nav.fk,
                                 ReferencedProperty=target_type.key[0])
        if et.alternate_keys:
            ann = _annotation(t, "OData.Community.Keys.V1.AlternateKeys")
            coll = etree.SubElement(ann, f"{{{EDM}}}Collection")
            for alt in et.alternate_keys:
                rec = etree.SubElement(coll, f"{{{EDM}}}Record", Type="OData.Community.Keys.V1.AlternateKey")
                pv = etree.SubElement(rec, f"{{{EDM}}}PropertyValue", Property="Key")
                kc = etree.SubElement(pv, f"{{{EDM}}}Collection")
                for part in alt:
                    r = etree.SubElement(kc, f"{{{EDM}}}Record", Type="OData.Community.Keys.V1.PropertyRef")
                    etree.SubElement(r, f"{{{EDM}}}PropertyValue", Property="Alias", String=part)
                    etree.SubElement(r, f"{{{EDM}}}PropertyValue", Property="Name", PropertyPath=part)
    for op in model.operations:
        _operation(schema, model, op, q)
    container = etree.SubElement(schema, f"{{{EDM}}}EntityContainer", Name=model.container)
    for entity_set in model.entity_sets:
        s = etree.SubElement(container, f"{{{EDM}}}EntitySet", Name=entity_set.name,
                             EntityType=q + entity_set.type.name)
        for nav in entity_set.type.navigations:
            etree.SubElement(s, f"{{{EDM}}}NavigationPropertyBinding", Path=nav.name, Target=nav.target_set)
        for term, flag, letter in (("InsertRestrictions", "Insertable", "C"), ("UpdateRestrictions", "Updatable", "U"),
                                   ("DeleteRestrictions", "Deletable", "D")):
            if not entity_set.writable or letter not in entity_set.writes:  # as Capabilities annotations say it
                ann = _annotation(s, f"Org.OData.Capabilities.V1.{term}")
                record = etree.SubElement(ann, f"{{{EDM}}}Record")
                etree.SubElement(record, f"{{{EDM}}}PropertyValue", Property=flag, Bool="false")
    for op in model.operations:
        if op.binding is not None:
            continue  # bound operations have no import
        tag = "FunctionImport" if op.kind == "Function" else "ActionImport"
        attr = "Function" if op.kind == "Function" else "Action"
        etree.SubElement(container, f"{{{EDM}}}{tag}", Name=op.name, **{attr: q + op.name})
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
