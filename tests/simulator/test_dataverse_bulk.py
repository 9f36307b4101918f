"""Dataverse CreateMultiple / UpdateMultiple / UpsertMultiple over real HTTP: atomic, typed, declared."""

from __future__ import annotations

import uuid

ACCOUNT = "Microsoft.Dynamics.CRM.account"


def _named(crm_http, crm_root, marker: str) -> list[dict]:
    reply = crm_http.get(f"{crm_root}/accounts", params={"$select": "name,telephone1",
                                                         "$filter": f"contains(name,'{marker}')", "$orderby": "name"})
    return reply.json()["value"]


def test_create_multiple_returns_ids_and_is_atomic(crm_http, crm_root):
    marker = uuid.uuid4().hex[:10]
    url = f"{crm_root}/accounts/Microsoft.Dynamics.CRM.CreateMultiple"
    reply = crm_http.post(url, json={"Targets": [{"@odata.type": ACCOUNT, "name": f"{marker} {n}"} for n in range(3)]})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["@odata.context"] == f"{crm_root}/$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse"
    assert len(body["Ids"]) == 3
    assert sorted(r["accountid"] for r in _named(crm_http, crm_root, marker)) == sorted(body["Ids"])
    other = uuid.uuid4().hex[:10]
    reply = crm_http.post(url, json={"Targets": [{"@odata.type": ACCOUNT, "name": f"{other} a"},
                                                 {"@odata.type": ACCOUNT, "name": f"{other} b", "nosuch": 1}]})
    assert reply.status_code == 400 and "nosuch" in reply.json()["error"]["message"]
    assert _named(crm_http, crm_root, other) == []  # the first record was rolled back too


def test_targets_must_be_typed_records_of_the_bound_table(crm_http, crm_root):
    url = f"{crm_root}/accounts/Microsoft.Dynamics.CRM.CreateMultiple"
    reply = crm_http.post(url, json={"Targets": [{"name": "x"}]})
    assert reply.status_code == 400 and "@odata.type" in reply.json()["error"]["message"]
    reply = crm_http.post(url, json={"Targets": [{"@odata.type": "Microsoft.Dynamics.CRM.contact", "lastname": "x"}]})
    assert reply.status_code == 400 and "must be Microsoft.Dynamics.CRM.account" in reply.json()["error"]["message"]
    reply = crm_http.post(url, json={"Targets": []})
    assert reply.status_code == 400
    reply = crm_http.post(url, json={"Records": []})
    assert reply.status_code == 400 and "'Records'" in reply.json()["error"]["message"]


def test_update_multiple_and_upsert_multiple(crm_http, crm_root):
    marker = uuid.uuid4().hex[:10]
    created = crm_http.post(f"{crm_root}/accounts/Microsoft.Dynamics.CRM.CreateMultiple",
                            json={"Targets": [{"@odata.type": ACCOUNT, "name": f"{marker} {n}"} for n in range(2)]})
    ids = created.json()["Ids"]
    reply = crm_http.post(f"{crm_root}/accounts/Microsoft.Dynamics.CRM.UpdateMultiple", json={"Targets": [
        {"@odata.type": ACCOUNT, "accountid": account_id, "telephone1": "555"} for account_id in ids]})
    assert reply.status_code == 204, reply.text
    assert [r["telephone1"] for r in _named(crm_http, crm_root, marker)] == ["555", "555"]
    missing = str(uuid.uuid4())
    reply = crm_http.post(f"{crm_root}/accounts/Microsoft.Dynamics.CRM.UpdateMultiple", json={"Targets": [
        {"@odata.type": ACCOUNT, "accountid": ids[0], "telephone1": "666"},
        {"@odata.type": ACCOUNT, "accountid": missing, "telephone1": "666"}]})
    assert reply.status_code == 404
    assert [r["telephone1"] for r in _named(crm_http, crm_root, marker)] == ["555", "555"]
    new_id = str(uuid.uuid4())
    reply = crm_http.post(f"{crm_root}/accounts/Microsoft.Dynamics.CRM.UpsertMultiple", json={"Targets": [
        {"@odata.type": ACCOUNT, "@odata.id": f"accounts({ids[0]})", "telephone1": "777"},
        {"@odata.type": ACCOUNT, "accountid": new_id, "name": f"{marker} 9"}]})
    assert reply.status_code == 204, reply.text
    rows = _named(crm_http, crm_root, marker)
    assert [(r["name"], r["telephone1"]) for r in rows] == \
        [(f"{marker} 0", "777"), (f"{marker} 1", "555"), (f"{marker} 9", None)]
    assert rows[2]["accountid"] == new_id


def test_bulk_actions_are_declared_in_metadata(crm_http, crm_root):
    metadata = crm_http.get(f"{crm_root}/$metadata").text
    assert '<Action Name="CreateMultiple" IsBound="true">' in metadata
    assert '<ComplexType Name="CreateMultipleResponse">' in metadata
