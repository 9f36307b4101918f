"""Create, retrieve, update, upsert, delete and associate on the simulated Dataverse root."""

from __future__ import annotations

import re
import uuid

import pytest
from lxml import etree

GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def create(http, root, entity_set, body) -> str:
    reply = http.post(f"{root}/{entity_set}", json=body)
    assert reply.status_code == 204, reply.text
    return reply.headers["OData-EntityId"]


@pytest.fixture
def account(crm_http, crm_root):
    url = create(crm_http, crm_root, "accounts", {"name": f"pytest {uuid.uuid4().hex[:8]}", "revenue": 1000})
    yield url
    crm_http.delete(url)


# ---------------------------------------------------------------- metadata and service document
def test_service_document_lists_entity_sets(crm_http, crm_root):
    body = crm_http.get(f"{crm_root}/").json()
    assert body["@odata.context"] == f"{crm_root}/$metadata"
    names = {entry["name"] for entry in body["value"]}
    assert {"accounts", "contacts", "systemusers"} <= names
    assert all(entry["kind"] == "EntitySet" for entry in body["value"])


def test_metadata_is_csdl_generated_from_the_model(crm_http, crm_root):
    reply = crm_http.get(f"{crm_root}/$metadata", headers={"Accept": "application/xml"})
    assert reply.status_code == 200
    assert reply.headers["Content-Type"].startswith("application/xml")
    doc = etree.fromstring(reply.content)
    ns = {"edmx": "http://docs.oasis-open.org/odata/ns/edmx", "edm": "http://docs.oasis-open.org/odata/ns/edm"}
    schema = doc.find(".//edm:Schema", ns)
    assert schema.get("Namespace") == "Microsoft.Dynamics.CRM" and schema.get("Alias") == "mscrm"
    account = schema.find("edm:EntityType[@Name='account']", ns)
    assert account.find("edm:Key/edm:PropertyRef", ns).get("Name") == "accountid"
    lookup = account.find("edm:Property[@Name='_primarycontactid_value']", ns)
    assert lookup.get("Type") == "Edm.Guid"
    nav = account.find("edm:NavigationProperty[@Name='primarycontactid']", ns)
    assert nav.get("Type") == "mscrm.contact"
    assert nav.find("edm:ReferentialConstraint", ns).get("Property") == "_primarycontactid_value"
    assert account.find("edm:NavigationProperty[@Name='contact_customer_accounts']", ns).get("Type") == \
        "Collection(mscrm.contact)"
    assert account.find("edm:Annotation[@Term='OData.Community.Keys.V1.AlternateKeys']", ns) is not None
    assert schema.find("edm:Function[@Name='WhoAmI']", ns) is not None
    container = schema.find("edm:EntityContainer", ns)
    assert container.find("edm:EntitySet[@Name='accounts']", ns).get("EntityType") == "mscrm.account"


def test_every_response_carries_odata_version_and_request_ids(crm_http, crm_root):
    for reply in (crm_http.get(f"{crm_root}/accounts?$top=1"), crm_http.get(f"{crm_root}/accounts(nope)")):
        assert reply.headers["OData-Version"] == "4.0"
        assert re.fullmatch(GUID, reply.headers["REQ_ID"])
        assert reply.headers["x-ms-service-request-id"] == reply.headers["REQ_ID"]
        assert reply.headers["x-ms-ratelimit-time-remaining-xrm-requests"] == "1,200.00"
        assert reply.headers["Content-Type"] == "application/json; odata.metadata=minimal"


# ---------------------------------------------------------------- create
def test_create_returns_204_with_lower_case_entity_id(crm_http, crm_root):
    reply = crm_http.post(f"{crm_root}/accounts", json={"name": "Create 204", "creditonhold": False,
                                                        "revenue": 5000000, "accountcategorycode": 1})
    assert reply.status_code == 204
    assert reply.content == b""
    entity_id = reply.headers["OData-EntityId"]
    assert re.fullmatch(re.escape(crm_root) + rf"/accounts\({GUID}\)", entity_id)
    assert reply.headers["Location"] == entity_id
    crm_http.delete(entity_id)


def test_create_with_representation_returns_201_and_body(crm_http, crm_root):
    reply = crm_http.post(f"{crm_root}/accounts?$select=name,revenue", json={"name": "Create 201", "revenue": 12.5},
                          headers={"Prefer": "return=representation"})
    assert reply.status_code == 201
    assert reply.headers["Preference-Applied"] == "return=representation"
    assert "OData-EntityId" not in reply.headers
    body = reply.json()
    assert body["@odata.context"] == f"{crm_root}/$metadata#accounts(name,revenue)/$entity"
    assert re.fullmatch(r'W/"\d+"', body["@odata.etag"])
    assert body["name"] == "Create 201" and body["revenue"] == 12.5
    assert set(body) == {"@odata.context", "@odata.etag", "accountid", "name", "revenue"}
    crm_http.delete(f"{crm_root}/accounts({body['accountid']})")


def test_create_binds_lookup_and_collection(crm_http, crm_root):
    contact = create(crm_http, crm_root, "contacts", {"firstname": "Bound", "lastname": "Contact"})
    child = create(crm_http, crm_root, "contacts", {"firstname": "Child", "lastname": "Contact"})
    contact_id = contact.rsplit("(", 1)[1].rstrip(")")
    child_id = child.rsplit("(", 1)[1].rstrip(")")
    account = create(crm_http, crm_root, "accounts", {
        "name": "With binds", "primarycontactid@odata.bind": f"/contacts({contact_id})",
        "contact_customer_accounts@odata.bind": [f"contacts({child_id})"]})
    body = crm_http.get(f"{account}?$select=_primarycontactid_value&$expand=contact_customer_accounts($select=fullname)").json()
    assert body["_primarycontactid_value"] == contact_id
    assert [c["fullname"] for c in body["contact_customer_accounts"]] == ["Child Contact"]
    for url in (account, contact, child):
        crm_http.delete(url)


def test_bind_to_missing_record_is_404(crm_http, crm_root):
    missing = str(uuid.uuid4())
    reply = crm_http.post(f"{crm_root}/accounts", json={"name": "x", "primarycontactid@odata.bind": f"/contacts({missing})"})
    assert reply.status_code == 404
    assert reply.json()["error"] == {"code": "0x80040217", "message": f"Entity 'contact' With Id = {missing} Does Not Exist"}


def test_deep_insert_creates_related_records(crm_http, crm_root):
    account = create(crm_http, crm_root, "accounts", {
        "name": "Deep insert", "primarycontactid": {"firstname": "Deep", "lastname": "Primary"},
        "Account_Tasks": [{"subject": "Task one"}, {"subject": "Task two"}]})
    body = crm_http.get(f"{account}?$select=name&$expand=primarycontactid($select=fullname),"
                        "Account_Tasks($select=subject;$orderby=subject)").json()
    assert body["primarycontactid"]["fullname"] == "Deep Primary"
    assert [t["subject"] for t in body["Account_Tasks"]] == ["Task one", "Task two"]
    crm_http.delete(account)


def test_create_with_client_supplied_id_and_duplicate_key(crm_http, crm_root):
    new_id = str(uuid.uuid4())
    first = crm_http.post(f"{crm_root}/accounts", json={"accountid": new_id, "name": "Fixed id"})
    assert first.headers["OData-EntityId"].endswith(f"({new_id})")
    again = crm_http.post(f"{crm_root}/accounts", json={"accountid": new_id, "name": "Fixed id again"})
    assert again.status_code == 412
    assert again.json()["error"]["code"] == "0x80040237"
    crm_http.delete(f"{crm_root}/accounts({new_id})")


@pytest.mark.parametrize(("body", "code", "fragment"), [
    ({"name": "x", "nosuch": 1}, "0x80060888", "The property 'nosuch' does not exist on type 'Microsoft.Dynamics.CRM.account'"),
    ({"name": "x", "numberofemployees": "many"}, "0x80060888", "Edm.Int32"),
    ({"name": "x" * 161}, "0x80044331", "exceeded the maximum allowed length of '160'"),
    ({"name": "x", "_primarycontactid_value": str(uuid.UUID(int=1))}, "0x80060888",
     "CRM do not support direct update of Entity Reference properties"),
])
def test_create_validation_errors(crm_http, crm_root, body, code, fragment):
    reply = crm_http.post(f"{crm_root}/accounts", json=body)
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == code and fragment in error["message"]


def test_malformed_json_body_is_400(crm_http, crm_root):
    reply = crm_http.post(f"{crm_root}/accounts", data=b"{not json", headers={"Content-Type": "application/json"})
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "0x80060888"


def test_system_users_are_read_only(crm_http, crm_root):
    assert crm_http.get(f"{crm_root}/systemusers?$top=1").status_code == 200
    reply = crm_http.post(f"{crm_root}/systemusers", json={"firstname": "x"})
    assert reply.status_code == 405


# ---------------------------------------------------------------- retrieve
def test_retrieve_by_key_with_select_and_etag(crm_http, crm_root, account):
    reply = crm_http.get(f"{account}?$select=name,revenue")
    assert reply.status_code == 200
    body = reply.json()
    account_id = account.rsplit("(", 1)[1].rstrip(")")
    assert body["@odata.context"] == f"{crm_root}/$metadata#accounts(name,revenue)/$entity"
    assert body["accountid"] == account_id  # the key comes back even when not selected
    full = crm_http.get(account).json()
    assert body["@odata.etag"] == f'W/"{full["versionnumber"]}"'
    assert reply.headers["ETag"] == body["@odata.etag"]
    assert full["description"] is None  # nulls are explicit
    assert "_transactioncurrencyid_value" in full


def test_retrieve_by_alternate_key_and_missing_alternate_key(crm_http, crm_root):
    body = crm_http.get(f"{crm_root}/accounts(accountnumber='ACC-0002')?$select=name").json()
    assert body["name"] == "Adventure Works (sample)"
    missing = crm_http.get(f"{crm_root}/accounts(accountnumber='NOPE')")
    assert missing.status_code == 404
    assert missing.json()["error"] == {"code": "0x80040217", "message":
                                       "A record with the specified key values does not exist in account entity"}
    explicit = crm_http.get(f"{crm_root}/accounts(accountid={body['accountid']})?$select=name").json()
    assert explicit["name"] == "Adventure Works (sample)"


@pytest.mark.parametrize("key", ["{00000000-0000-0000-0000-000000000001}", "anonymous", "'text'",
                                 "nosuchkey='x'"])
def test_malformed_keys_are_400(crm_http, crm_root, key):
    reply = crm_http.get(f"{crm_root}/accounts({key})")
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "0x80060888"


def test_missing_record_is_404_with_crm_code(crm_http, crm_root):
    missing = str(uuid.uuid4())
    reply = crm_http.get(f"{crm_root}/accounts({missing})")
    assert reply.status_code == 404
    assert reply.json() == {"error": {"code": "0x80040217", "message": f"Entity 'account' With Id = {missing} Does Not Exist"}}


def test_unknown_entity_set_is_404(crm_http, crm_root):
    reply = crm_http.get(f"{crm_root}/nosuchset")
    assert reply.status_code == 404
    assert reply.json()["error"]["message"] == "Resource not found for the segment 'nosuchset'."


def test_expand_with_nested_options_and_ref(crm_http, crm_root):
    url = f"{crm_root}/accounts(accountnumber='ACC-0001')"
    body = crm_http.get(f"{url}?$select=name&$expand=primarycontactid($select=fullname,jobtitle),"
                        "Account_Tasks($select=subject;$filter=prioritycode eq 2;$orderby=subject desc;$top=2)").json()
    assert set(body["primarycontactid"]) == {"@odata.etag", "contactid", "fullname", "jobtitle"}
    tasks = body["Account_Tasks"]
    assert 0 < len(tasks) <= 2
    assert [t["subject"] for t in tasks] == sorted((t["subject"] for t in tasks), reverse=True)
    ref = crm_http.get(f"{url}?$select=name&$expand=primarycontactid/$ref").json()
    assert ref["primarycontactid"] == {"@odata.id": f"{crm_root}/contacts({body['primarycontactid']['contactid']})"}
    bad = crm_http.get(f"{url}?$expand=Account_Tasks/$ref")
    assert bad.status_code == 400
    assert bad.json()["error"]["message"] == "Expand with $ref is only supported on lookup type navigation property."
    for option in ("$skip=1", "$count=true"):
        assert crm_http.get(f"{url}?$expand=Account_Tasks({option})").status_code == 400


def test_annotations_only_when_asked(crm_http, crm_root):
    url = f"{crm_root}/accounts(accountnumber='ACC-0001')?$select=name,statecode,revenue,_primarycontactid_value,creditonhold"
    plain = crm_http.get(url).json()
    assert not any("@" in k and not k.startswith("@odata") for k in plain)
    reply = crm_http.get(url, headers={"Prefer": 'odata.include-annotations="*"'})
    assert reply.headers["Preference-Applied"] == 'odata.include-annotations="*"'
    body = reply.json()
    assert body["statecode@OData.Community.Display.V1.FormattedValue"] == "Active"
    assert body["creditonhold@OData.Community.Display.V1.FormattedValue"] in ("Yes", "No")
    assert body["revenue@OData.Community.Display.V1.FormattedValue"].startswith("$")
    assert body["_primarycontactid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] == "contact"
    assert body["_primarycontactid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"] == "primarycontactid"
    keys = list(body)
    assert keys.index("statecode@OData.Community.Display.V1.FormattedValue") < keys.index("statecode")
    only_formatted = crm_http.get(url, headers={
        "Prefer": 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"'}).json()
    assert "statecode@OData.Community.Display.V1.FormattedValue" in only_formatted
    assert "_primarycontactid_value@Microsoft.Dynamics.CRM.lookuplogicalname" not in only_formatted


def test_conditional_get_returns_304_until_changed(crm_http, account):
    etag = crm_http.get(account).headers["ETag"]
    assert crm_http.get(account, headers={"If-None-Match": etag}).status_code == 304
    crm_http.patch(account, json={"name": "changed"})
    assert crm_http.get(account, headers={"If-None-Match": etag}).status_code == 200


# ---------------------------------------------------------------- update, upsert, delete
def test_patch_updates_and_bumps_etag(crm_http, account):
    before = crm_http.get(account).json()
    reply = crm_http.patch(account, json={"name": "Updated name"})
    assert reply.status_code == 204
    after = crm_http.get(account).json()
    assert after["name"] == "Updated name" and after["versionnumber"] > before["versionnumber"]
    assert after["@odata.etag"] != before["@odata.etag"]


def test_patch_with_representation_returns_200(crm_http, crm_root, account):
    reply = crm_http.patch(f"{account}?$select=name", json={"name": "Represented"},
                           headers={"Prefer": "return=representation"})
    assert reply.status_code == 200
    assert reply.headers["Preference-Applied"] == "return=representation"
    body = reply.json()
    assert body["@odata.context"] == f"{crm_root}/$metadata#accounts(name)/$entity"
    assert body["name"] == "Represented"


def test_patch_is_upsert_and_if_match_star_blocks_create(crm_http, crm_root):
    new_id = str(uuid.uuid4())
    url = f"{crm_root}/accounts({new_id})"
    blocked = crm_http.patch(url, json={"name": "Never"}, headers={"If-Match": "*"})
    assert blocked.status_code == 404
    assert blocked.json()["error"]["code"] == "0x80040217"
    created = crm_http.patch(url, json={"name": "Upserted"})
    assert created.status_code == 204
    assert created.headers["OData-EntityId"] == url
    assert crm_http.get(url).json()["name"] == "Upserted"
    crm_http.delete(url)


def test_upsert_by_alternate_key(crm_http, crm_root):
    url = f"{crm_root}/accounts(accountnumber='UPSERT-{uuid.uuid4().hex[:6]}')"
    assert crm_http.patch(url, json={"name": "By alternate key"}).status_code == 204
    assert crm_http.get(url).json()["name"] == "By alternate key"
    assert crm_http.patch(url, json={"name": "Updated by alternate key"}).status_code == 204
    assert crm_http.get(url).json()["name"] == "Updated by alternate key"
    assert crm_http.delete(url).status_code == 204


def test_if_none_match_star_blocks_update(crm_http, account):
    reply = crm_http.patch(account, json={"name": "x"}, headers={"If-None-Match": "*"})
    assert reply.status_code == 412
    assert reply.json()["error"] == {"code": "0x80040237", "message": "A record with matching key values already exists."}


def test_stale_etag_gives_412_on_patch_and_delete(crm_http, account):
    etag = crm_http.get(account).json()["@odata.etag"]
    assert crm_http.patch(account, json={"name": "v2"}, headers={"If-Match": etag}).status_code == 204
    stale = crm_http.patch(account, json={"name": "v3"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["error"] == {"code": "0x80060882", "message":
                                     "The version of the existing record doesn't match the RowVersion property provided."}
    assert crm_http.delete(account, headers={"If-Match": etag}).status_code == 412
    current = crm_http.get(account).json()["@odata.etag"]
    assert crm_http.patch(account, json={"name": "v3"}, headers={"If-Match": current}).status_code == 204


def test_delete_then_404(crm_http, crm_root):
    url = create(crm_http, crm_root, "accounts", {"name": "To delete"})
    assert crm_http.delete(url).status_code == 204
    assert crm_http.get(url).status_code == 404
    assert crm_http.delete(url).status_code == 404


def test_patch_or_delete_on_collection_is_405(crm_http, crm_root):
    assert crm_http.patch(f"{crm_root}/accounts", json={"name": "x"}).status_code == 405
    assert crm_http.delete(f"{crm_root}/accounts").status_code == 405


def test_single_property_put_get_delete(crm_http, crm_root, account):
    assert crm_http.put(f"{account}/description", json={"value": "Put value"}).status_code == 204
    reply = crm_http.get(f"{account}/description").json()
    assert reply["value"] == "Put value"
    assert reply["@odata.context"].endswith("/description")
    assert crm_http.delete(f"{account}/description").status_code == 204
    assert crm_http.get(account).json()["description"] is None


def test_ref_associate_and_disassociate(crm_http, crm_root, account):
    contact = create(crm_http, crm_root, "contacts", {"firstname": "Ref", "lastname": "Target"})
    # add to a collection-valued navigation
    assert crm_http.post(f"{account}/contact_customer_accounts/$ref", json={"@odata.id": contact}).status_code == 204
    refs = crm_http.get(f"{account}/contact_customer_accounts/$ref").json()
    assert refs["@odata.context"] == f"{crm_root}/$metadata#Collection($ref)"
    assert refs["value"] == [{"@odata.id": contact}]
    assert crm_http.get(f"{account}/contact_customer_accounts/$count").content.decode("utf-8") == "\ufeff1"
    contact_id = contact.rsplit("(", 1)[1].rstrip(")")
    # remove from the collection by key
    assert crm_http.delete(f"{account}/contact_customer_accounts({contact_id})/$ref").status_code == 204
    assert crm_http.get(f"{account}/contact_customer_accounts/$ref").json()["value"] == []
    # set and clear a single-valued navigation
    assert crm_http.put(f"{account}/primarycontactid/$ref", json={"@odata.id": contact}).status_code == 204
    assert crm_http.get(account).json()["_primarycontactid_value"] == contact_id
    assert crm_http.delete(f"{account}/primarycontactid/$ref").status_code == 204
    assert crm_http.get(account).json()["_primarycontactid_value"] is None
    # removing with $id
    crm_http.post(f"{account}/contact_customer_accounts/$ref", json={"@odata.id": contact})
    assert crm_http.delete(f"{account}/contact_customer_accounts/$ref", params={"$id": contact}).status_code == 204
    crm_http.delete(contact)


def test_disassociate_in_patch(crm_http, crm_root, account):
    contact = create(crm_http, crm_root, "contacts", {"firstname": "Lookup", "lastname": "Clear"})
    contact_id = contact.rsplit("(", 1)[1].rstrip(")")
    crm_http.patch(account, json={"primarycontactid@odata.bind": f"/contacts({contact_id})"})
    assert crm_http.get(account).json()["_primarycontactid_value"] == contact_id
    crm_http.patch(account, json={"primarycontactid@odata.bind": None})
    assert crm_http.get(account).json()["_primarycontactid_value"] is None
    crm_http.delete(contact)


def test_navigation_paths(crm_http, crm_root):
    url = f"{crm_root}/accounts(accountnumber='ACC-0001')"
    contact = crm_http.get(f"{url}/primarycontactid?$select=fullname")
    assert contact.status_code == 200
    assert contact.json()["@odata.context"] == f"{crm_root}/$metadata#contacts(fullname)/$entity"
    tasks = crm_http.get(f"{url}/Account_Tasks?$select=subject").json()
    assert tasks["value"] and all(set(t) == {"@odata.etag", "activityid", "subject"} for t in tasks["value"])


def test_v82_root_speaks_its_own_version(sim, crm_http):
    root = f"{sim.config.crm_url}/api/data/v8.2"
    body = crm_http.get(f"{root}/accounts?$top=1&$select=name").json()
    assert body["@odata.context"] == f"{root}/$metadata#accounts(name)"
    assert crm_http.get(f"{sim.config.crm_url}/api/data/v7.0/accounts").status_code == 404
