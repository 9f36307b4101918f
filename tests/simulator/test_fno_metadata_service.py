"""The F&O REST metadata service ``/Metadata`` (DataEntities, PublicEntities, PublicEnumerations)."""

from __future__ import annotations

import pytest
import requests

from tests.tokens import app_token


@pytest.fixture(scope="module")
def meta(sim):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {app_token(sim, sim.config.fno_url)}"
    root = f"{sim.config.fno_url}/Metadata"

    def get(path: str, **params) -> requests.Response:
        return session.get(f"{root}/{path}", params=params, timeout=10)

    get.root = root
    get.sim = sim
    return get


def sim_model(meta):
    return meta.sim.apps.fno.state.service.model


def test_data_entities_list_filter_and_key(meta):
    listed = meta("DataEntities", **{"$filter": "contains(tolower(Name),'cust')", "$select": "Name,PublicCollectionName"})
    assert listed.status_code == 200
    body = listed.json()
    assert body["@odata.context"] == f"{meta.root}/$metadata#DataEntities"
    assert {e["Name"]: e["PublicCollectionName"] for e in body["value"]} == {
        "CustCustomerGroupEntity": "CustomerGroups", "CustCustomerV3Entity": "CustomersV3"}
    single = meta("DataEntities('CustCustomerV3Entity')").json()
    assert single["PublicEntityName"] == "CustomerV3" and single["DataServiceEnabled"] is True
    assert single["EntityCategory"] == "Master" and single["IsReadOnly"] is False
    documents = meta("DataEntities", **{
        "$filter": "EntityCategory eq Microsoft.Dynamics.Metadata.EntityCategory'Document' and IsReadOnly eq false",
        "$select": "Name"}).json()["value"]
    assert sorted(d["Name"] for d in documents) == ["SalesOrderHeaderV2Entity", "SalesOrderLineEntity"]
    read_only = meta("DataEntities", **{"$filter": "IsReadOnly eq true", "$select": "PublicCollectionName"}).json()
    model = sim_model(meta)
    assert [e["PublicCollectionName"] for e in read_only["value"]] == [
        s.name for s in model.entity_sets if not s.writable]
    assert "LegalEntities" in [e["PublicCollectionName"] for e in read_only["value"]]


def test_public_entity_describes_keys_mandatory_fields_enums_and_navigation(meta):
    entity = meta("PublicEntities('CustomerV3')").json()
    assert entity["EntitySetName"] == "CustomersV3"
    props = {p["Name"]: p for p in entity["Properties"]}
    assert props["CustomerAccount"]["IsKey"] and props["dataAreaId"]["IsKey"]
    assert props["CustomerAccount"]["AllowEdit"] is False and props["CustomerAccount"]["AllowEditOnCreate"] is True
    assert props["CustomerGroupId"]["IsMandatory"] is True
    assert props["OnHoldStatus"]["DataType"] == "Enum"
    assert props["OnHoldStatus"]["TypeName"] == "Microsoft.Dynamics.DataEntities.CustVendorBlocked"
    header = meta("PublicEntities('SalesOrderHeaderV2')").json()
    [lines] = header["NavigationProperties"]
    assert lines["Cardinality"] == "Multiple" and lines["RelatedEntity"] == "SalesOrderLine"
    assert {(c["Property"], c["ReferencedProperty"]) for c in lines["Constraints"]} == {
        ("SalesOrderNumber", "SalesOrderNumber"), ("dataAreaId", "dataAreaId")}
    paged = meta("PublicEntities", **{"$top": "2", "$skip": "1", "$count": "true", "$select": "Name"}).json()
    assert paged["@odata.count"] == len(sim_model(meta).entity_sets) and len(paged["value"]) == 2
    assert [e["Name"] for e in paged["value"]] == [s.type.name for s in sim_model(meta).entity_sets[1:3]]


def test_public_enumerations(meta):
    listed = meta("PublicEnumerations", **{"$select": "Name"}).json()
    assert {"NoYes", "CustVendorBlocked", "SalesStatus"} <= {e["Name"] for e in listed["value"]}
    no_yes = meta("PublicEnumerations('NoYes')").json()
    assert [(m["Name"], m["Value"]) for m in no_yes["Members"]] == [("No", 0), ("Yes", 1)]


def test_refusals_in_fno_shapes(meta, sim):
    missing = meta("PublicEntities('NoSuchEntity')")
    assert missing.status_code == 404 and "innererror" in missing.json()["error"]
    unknown_set = meta("NoSuchCollection")
    assert unknown_set.status_code == 404 and "No HTTP resource" in unknown_set.json()["Message"]
    for params in ({"$orderby": "Name"}, {"$expand": "Properties"}, {"$select": "NoSuchField"},
                   {"$filter": "NoSuchField eq 1"}, {"$top": "-1"}):
        reply = meta("DataEntities", **params)
        assert reply.status_code == 400, (params, reply.text)
        assert reply.json()["error"]["message"].startswith("The query specified in the URI is not valid.")
    assert requests.get(f"{meta.root}/DataEntities", timeout=10).status_code == 401
    written = requests.post(f"{meta.root}/DataEntities", json={},
                            headers={"Authorization": f"Bearer {app_token(sim, sim.config.fno_url)}"}, timeout=10)
    assert written.status_code == 405


def test_label_ids_resolve_through_labels(meta):
    label_id = meta("DataEntities('CustCustomerV3Entity')").json()["LabelId"]
    label = meta(f"Labels(Id='{label_id}',Language='en-us')")
    assert label.status_code == 200, label.text
    assert label.json()["Value"] == "Customers" and label.json()["Id"] == label_id
    assert meta(f"Labels(Id='{label_id}',Language='de-de')").status_code == 404
    assert meta("Labels(Id='@SYS1',Language='en-us')").status_code == 404
    assert meta("Labels").status_code == 400
    assert meta(f"Labels('{label_id}')").status_code == 400


def test_data_management_actions_are_listed(meta):
    [entity_set] = [s for s in sim_model(meta).entity_sets if s.name == "DataManagementEntities"]
    entity = meta(f"PublicEntities('{entity_set.type.name}')")
    assert entity.json()["EntitySetName"] == "DataManagementEntities"
    actions = {a["Name"]: a for a in entity.json()["Actions"]}
    assert actions["GetApplicationVersion"]["BindingKind"] == "BoundToEntitySet"
    assert actions["GetApplicationVersion"]["ReturnType"] == {"TypeName": "Edm.String", "IsCollection": False}


def test_actions_come_from_the_operation_registry(meta, sim):
    from simulator.odata.model import Operation, Parameter

    registry = sim.apps.fno.state.service.operations
    action = Operation("SimTestAction", "Action", "Edm.String", parameters=[Parameter("Note", "Edm.String")],
                       binding="CustomersV3", bound_collection=True)
    registry.add(action)
    try:
        entity = meta("PublicEntities('CustomerV3')").json()
        [listed] = [a for a in entity["Actions"] if a["Name"] == "SimTestAction"]
        assert listed["BindingKind"] == "BoundToEntitySet"
        assert listed["Parameters"] == [{"Name": "Note", "Type": {"TypeName": "Edm.String", "IsCollection": False}}]
        assert listed["ReturnType"] == {"TypeName": "Edm.String", "IsCollection": False}
    finally:
        registry.operations.remove(action)
