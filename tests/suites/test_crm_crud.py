"""CRUD semantics of the Dataverse Web API, asserted as the real service behaves (dataverse.md §1-§3).

Runs against the embedded simulator by default and against a real org with ``--target=live``.
"""

from __future__ import annotations

import re

import pytest

from harness.odata import ODataError, Query

pytestmark = [pytest.mark.crm, pytest.mark.writes]

GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def test_create_returns_204_and_entity_id(crm, values):
    response = crm.create("accounts", {"name": values.name("Account"), "revenue": 5000000, "creditonhold": False})
    assert response.status == 204
    assert re.fullmatch(re.escape(crm.api_root) + rf"/accounts\({GUID}\)", response.entity_id)
    assert response.created.entity_set == "accounts"


def test_create_with_representation_returns_201(crm, values):
    name = values.name("Represented")
    response = crm.create("accounts", {"name": name, "revenue": 1200.5}, return_representation=True,
                          select=["name", "revenue"])
    assert response.status == 201
    assert response.preference_applied.get("return") == "representation"
    body = response.json()
    assert body["@odata.context"] == f"{crm.api_root}/$metadata#accounts(name,revenue)/$entity"
    assert re.fullmatch(r'W/"\d+"', body["@odata.etag"])
    assert body["name"] == name and body["revenue"] == 1200.5
    assert re.fullmatch(GUID, body["accountid"])


def test_retrieve_selects_columns_and_etag_tracks_version(crm, values):
    created = crm.create("accounts", {"name": values.name("Retrieve")})
    key = created.created.key
    response = crm.retrieve("accounts", key, select=["name", "versionnumber"])
    body = response.json()
    assert set(body) == {"@odata.context", "@odata.etag", "accountid", "name", "versionnumber"}
    assert body["@odata.etag"] == f'W/"{body["versionnumber"]}"'


def test_lookup_bind_and_expand(crm, values):
    contact = crm.create("contacts", {"firstname": "Lookup", "lastname": values.name("Contact")}).created.key
    account = crm.create("accounts", {"name": values.name("Parent"),
                                      "primarycontactid@odata.bind": f"/contacts({contact})"}).created.key
    body = crm.retrieve("accounts", account, select=["name", "_primarycontactid_value"],
                        expand={"primarycontactid": Query(select=["fullname"])}).json()
    assert body["_primarycontactid_value"] == str(contact)
    assert body["primarycontactid"]["fullname"].startswith("Lookup ")


def test_update_changes_values_and_etag(crm, values):
    key = crm.create("accounts", {"name": values.name("Update")}).created.key
    before = crm.retrieve("accounts", key, select=["name"])
    assert crm.update("accounts", key, {"telephone1": "555-0100"}).status == 204
    after = crm.retrieve("accounts", key, select=["telephone1"])
    assert after.json()["telephone1"] == "555-0100"
    assert after.etag != before.etag


def test_update_with_representation_returns_200(crm, values):
    key = crm.create("accounts", {"name": values.name("Update200")}).created.key
    response = crm.update("accounts", key, {"numberofemployees": 42}, return_representation=True,
                          select=["numberofemployees"])
    assert response.status == 200
    assert response.json()["numberofemployees"] == 42


def test_upsert_creates_then_updates(crm, values):
    key = values.uuid()
    created = crm.upsert("accounts", key, {"name": values.name("Upsert")}, create_only=True)
    assert created.status == 204
    assert crm.retrieve("accounts", key, select=["name"]).json()["accountid"] == key
    assert crm.upsert("accounts", key, {"telephone1": "555-0199"}).status == 204
    assert crm.retrieve("accounts", key, select=["telephone1"]).json()["telephone1"] == "555-0199"


def test_update_without_upsert_on_missing_record_is_404(crm, values):
    with pytest.raises(ODataError) as raised:
        crm.update("accounts", values.uuid(), {"name": "never"}, upsert=False)
    assert raised.value.status == 404
    assert raised.value.code == "0x80040217"


def test_create_only_on_existing_record_is_412(crm, values):
    key = crm.create("accounts", {"name": values.name("Exists")}).created.key
    with pytest.raises(ODataError) as raised:
        crm.update("accounts", key, {"name": "again"}, create_only=True)
    assert raised.value.status == 412


def test_conditional_update_with_stale_etag_is_412(crm, values):
    key = crm.create("accounts", {"name": values.name("Concurrency")}).created.key
    first = crm.retrieve("accounts", key, select=["name"])
    crm.update("accounts", key, {"name": values.name("Changed")}, if_match=first.etag)
    with pytest.raises(ODataError) as raised:
        crm.update("accounts", key, {"name": "stale"}, if_match=first.etag)
    assert raised.value.status == 412
    assert raised.value.code == "0x80060882"
    with pytest.raises(ODataError) as raised:
        crm.delete("accounts", key, if_match=first.etag)
    assert raised.value.status == 412


def test_delete_then_not_found(crm, values):
    key = crm.create("accounts", {"name": values.name("Delete")}).created.key
    assert crm.delete("accounts", key).status == 204
    with pytest.raises(ODataError) as raised:
        crm.retrieve("accounts", key)
    assert raised.value.status == 404
    assert raised.value.code == "0x80040217"
    assert f"With Id = {key} Does Not Exist" in raised.value.message


def test_unknown_property_on_create_is_400(crm, values):
    with pytest.raises(ODataError) as raised:
        crm.create("accounts", {"name": values.name("Bad"), "not_a_column": 1})
    assert raised.value.status == 400
    assert raised.value.code == "0x80060888"


def test_single_property_put_and_delete(crm, values):
    key = crm.create("accounts", {"name": values.name("Property")}).created.key
    path = f"accounts({key})/description"
    assert crm.put(path, {"value": "set by PUT"}).status == 204
    assert crm.get(path).json()["value"] == "set by PUT"
    assert crm.delete(path).status == 204
    assert crm.retrieve("accounts", key, select=["description"]).json()["description"] is None


def test_associate_and_disassociate_with_ref(crm, values):
    account = crm.create("accounts", {"name": values.name("RefParent")}).created.key
    contact = crm.create("contacts", {"firstname": "Ref", "lastname": values.name("Child")}).created.key
    contact_url = f"{crm.api_root}/contacts({contact})"
    assert crm.post(f"accounts({account})/contact_customer_accounts/$ref", {"@odata.id": contact_url}).status == 204
    related = crm.get(f"accounts({account})/contact_customer_accounts", {"$select": "contactid"}).json()["value"]
    assert [r["contactid"] for r in related] == [str(contact)]
    assert crm.delete(f"accounts({account})/contact_customer_accounts({contact})/$ref").status == 204
    assert crm.get(f"accounts({account})/contact_customer_accounts").json()["value"] == []


def test_whoami_names_the_caller(crm):
    body = crm.whoami()
    assert re.fullmatch(GUID, body["UserId"]) and re.fullmatch(GUID, body["OrganizationId"])
