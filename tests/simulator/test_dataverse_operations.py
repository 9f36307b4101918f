"""Dataverse functions and actions from the registry, and state changes by PATCH, over real HTTP."""

from __future__ import annotations

import pytest
from lxml import etree

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


def test_retrieve_version(crm_http, crm_root):
    reply = crm_http.get(f"{crm_root}/RetrieveVersion()")
    assert reply.status_code == 200
    body = reply.json()
    assert body["@odata.context"] == f"{crm_root}/$metadata#Microsoft.Dynamics.CRM.RetrieveVersionResponse"
    assert body["Version"].startswith("9.2.")


def test_retrieve_available_languages(crm_http, crm_root):
    body = crm_http.get(f"{crm_root}/RetrieveAvailableLanguages").json()
    assert body["LocaleIds"] == [1033]


def test_retrieve_current_organization(crm_http, crm_root):
    reply = crm_http.get(f"{crm_root}/RetrieveCurrentOrganization(AccessType=@p1)",
                         params={"@p1": "Microsoft.Dynamics.CRM.EndpointAccessType'Default'"})
    assert reply.status_code == 200, reply.text
    detail = reply.json()["Detail"]
    who = crm_http.get(f"{crm_root}/WhoAmI").json()
    assert detail["OrganizationId"] == who["OrganizationId"]
    assert detail["Endpoints"]["Count"] == len(detail["Endpoints"]["Keys"]) == len(detail["Endpoints"]["Values"])
    missing = crm_http.get(f"{crm_root}/RetrieveCurrentOrganization()")
    assert missing.status_code == 400 and "AccessType" in missing.json()["error"]["message"]


def test_retrieve_total_record_count(crm_http, crm_root):
    reply = crm_http.get(f"{crm_root}/RetrieveTotalRecordCount(EntityNames=@p1)",
                         params={"@p1": '["account","contact"]'})
    assert reply.status_code == 200, reply.text
    counts = reply.json()["EntityRecordCountCollection"]
    assert counts["Keys"] == ["account", "contact"]
    assert counts["Values"][0] == int(crm_http.get(f"{crm_root}/accounts/$count").text.lstrip("\ufeff"))
    unknown = crm_http.get(f"{crm_root}/RetrieveTotalRecordCount(EntityNames=['nosuch'])")
    assert unknown.status_code == 404


def test_calculate_rollup_field_checks_target_and_field(crm_http, crm_root):
    account = crm_http.get(f"{crm_root}/accounts?$top=1&$select=name").json()["value"][0]["accountid"]
    reply = crm_http.get(f"{crm_root}/CalculateRollupField(Target=@tid,FieldName=@f)",
                         params={"@tid": f"{{'@odata.id':'accounts({account})'}}", "@f": "'name'"})
    assert reply.status_code == 400 and "rollup" in reply.json()["error"]["message"]
    gone = crm_http.get(f"{crm_root}/CalculateRollupField(Target=@tid,FieldName=@f)",
                        params={"@tid": "{'@odata.id':'accounts(00000000-0000-0000-0000-00000000dead)'}",
                                "@f": "'name'"})
    assert gone.status_code == 404


def _rollup(crm_http, crm_root, account: str, field: str):
    return crm_http.get(f"{crm_root}/CalculateRollupField(Target=@tid,FieldName=@f)",
                        params={"@tid": f"{{'@odata.id':'accounts({account})'}}", "@f": f"'{field}'"})


def test_rollup_columns_change_only_when_calculated(crm_http, crm_root):
    created = crm_http.post(f"{crm_root}/accounts", json={"name": "Rollup Co"})
    account = created.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")
    columns = "openrevenue,openrevenue_date,openrevenue_state,opendeals,opendeals_date,opendeals_state"
    before = crm_http.get(f"{crm_root}/accounts({account})?$select={columns}").json()
    assert before["openrevenue"] is None and before["opendeals"] is None and before["openrevenue_date"] is None
    bind = {"parentaccountid@odata.bind": f"/accounts({account})"}
    for name, value, state in [("Open A", 1000.5, 0), ("Open B", 250, 0), ("Won", 9000, 1), ("Lost", 7000, 2)]:
        reply = crm_http.post(f"{crm_root}/opportunities", json={"name": name, "estimatedvalue": value, **bind})
        assert reply.status_code == 204, reply.text
        if state:
            opp = reply.headers["OData-EntityId"]
            assert crm_http.patch(opp, json={"statecode": state}).status_code == 204
    other = crm_http.post(f"{crm_root}/accounts", json={"name": "Other"}).headers["OData-EntityId"]
    crm_http.post(f"{crm_root}/opportunities", json={"name": "Elsewhere", "estimatedvalue": 5,
                                                     "parentaccountid@odata.bind": other})
    stale = crm_http.get(f"{crm_root}/accounts({account})?$select={columns}").json()
    assert stale["openrevenue"] is None  # rollups are not recalculated on write
    reply = _rollup(crm_http, crm_root, account, "openrevenue")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["@odata.context"] == f"{crm_root}/$metadata#accounts/$entity"
    assert body["accountid"] == account and body["openrevenue"] == 1250.5 and body["openrevenue_state"] == 1
    assert body["openrevenue_date"].endswith("Z")
    stored = crm_http.get(f"{crm_root}/accounts({account})?$select={columns}").json()
    assert stored["openrevenue"] == 1250.5 and stored["openrevenue_state"] == 1
    assert stored["openrevenue_date"] == body["openrevenue_date"]
    assert stored["opendeals"] is None and stored["opendeals_state"] is None  # only the named column
    deals = _rollup(crm_http, crm_root, account, "opendeals").json()
    assert deals["opendeals"] == 2 and deals["opendeals_state"] == 1 and "openrevenue" not in deals
    empty = _rollup(crm_http, crm_root, other.rsplit("(", 1)[1].rstrip(")"), "opendeals").json()
    assert empty["opendeals"] == 1


def test_rollup_columns_are_read_only(crm_http, crm_root):
    account = crm_http.post(f"{crm_root}/accounts", json={"name": "Write rollup"}).headers["OData-EntityId"]
    assert crm_http.patch(account, json={"openrevenue": 99}).status_code == 204  # ignored, like other read-only columns
    assert crm_http.get(f"{account}?$select=openrevenue").json()["openrevenue"] is None


def test_calculate_rollup_field_refusals(crm_http, crm_root):
    account = crm_http.get(f"{crm_root}/accounts?$top=1&$select=name").json()["value"][0]["accountid"]
    unknown = _rollup(crm_http, crm_root, account, "nosuchfield")
    assert unknown.status_code == 400 and "does not exist" in unknown.json()["error"]["message"]
    contact = crm_http.get(f"{crm_root}/contacts?$top=1&$select=fullname").json()["value"][0]["contactid"]
    wrong = crm_http.get(f"{crm_root}/CalculateRollupField(Target=@tid,FieldName=@f)",
                         params={"@tid": f"{{'@odata.id':'contacts({contact})'}}", "@f": "'openrevenue'"})
    assert wrong.status_code == 400 and "does not exist" in wrong.json()["error"]["message"]
    bad = crm_http.get(f"{crm_root}/CalculateRollupField(Target=@tid,FieldName=@f)",
                       params={"@tid": "'accounts'", "@f": "'openrevenue'"})
    assert bad.status_code == 400


def test_publish_actions_are_accepted(crm_http, crm_root):
    assert crm_http.post(f"{crm_root}/PublishAllXml", json={}).status_code == 204
    ok = crm_http.post(f"{crm_root}/PublishXml", json={
        "ParameterXml": "<importexportxml><entities><entity>account</entity></entities></importexportxml>"})
    assert ok.status_code == 204
    bad = crm_http.post(f"{crm_root}/PublishXml", json={"ParameterXml": "<importexportxml>"})
    assert bad.status_code == 400
    assert crm_http.get(f"{crm_root}/PublishAllXml").status_code == 405


def test_unknown_operation_is_404(crm_http, crm_root):
    for url in (f"{crm_root}/NoSuchFunction()", f"{crm_root}/accounts/Microsoft.Dynamics.CRM.NoSuchAction"):
        reply = crm_http.get(url)
        assert reply.status_code == 404
        assert reply.json()["error"]["code"] == "0x8006088a"


def test_operations_are_declared_in_metadata(crm_http, crm_root):
    root = etree.fromstring(crm_http.get(f"{crm_root}/$metadata").content)
    functions = {f.get("Name") for f in root.iter(f"{EDM}Function")}
    actions = {a.get("Name") for a in root.iter(f"{EDM}Action")}
    assert {"WhoAmI", "RetrieveVersion", "RetrieveAvailableLanguages", "RetrieveCurrentOrganization",
            "RetrieveTotalRecordCount", "CalculateRollupField"} <= functions
    assert {"PublishAllXml", "PublishXml", "Merge"} <= actions


def _create(http, root, set_name, body):
    reply = http.post(f"{root}/{set_name}", json=body, headers={"Prefer": "return=representation"})
    assert reply.status_code == 201, reply.text
    return reply.json()


def test_merge_moves_children_and_deactivates_subordinate(crm_http, crm_root):
    target = _create(crm_http, crm_root, "accounts", {"name": "Merge target"})["accountid"]
    sub = _create(crm_http, crm_root, "accounts", {"name": "Merge subordinate", "telephone1": "555-9999"})["accountid"]
    child = _create(crm_http, crm_root, "contacts", {
        "lastname": "Merged child", "parentcustomerid_account@odata.bind": f"/accounts({sub})"})["contactid"]
    try:
        reply = crm_http.post(f"{crm_root}/Merge", json={
            "Target": {"@odata.type": "Microsoft.Dynamics.CRM.account", "accountid": target},
            "Subordinate": {"@odata.type": "Microsoft.Dynamics.CRM.account", "accountid": sub},
            "UpdateContent": {"@odata.type": "Microsoft.Dynamics.CRM.account", "telephone1": "555-9999"},
            "PerformParentingChecks": False})
        assert reply.status_code == 204, reply.text
        merged = crm_http.get(f"{crm_root}/accounts({sub})").json()
        assert (merged["statecode"], merged["statuscode"], merged["merged"]) == (1, 2, True)
        assert merged["_masterid_value"] == target
        assert crm_http.get(f"{crm_root}/accounts({target})").json()["telephone1"] == "555-9999"
        moved = crm_http.get(f"{crm_root}/contacts({child})").json()
        assert moved["_parentcustomerid_value"] == target
        again = crm_http.post(f"{crm_root}/Merge", json={
            "Target": {"@odata.type": "Microsoft.Dynamics.CRM.account", "accountid": target},
            "Subordinate": {"@odata.type": "Microsoft.Dynamics.CRM.account", "accountid": sub},
            "PerformParentingChecks": False})
        assert again.status_code == 400
    finally:
        crm_http.delete(f"{crm_root}/contacts({child})")
        crm_http.delete(f"{crm_root}/accounts({sub})")
        crm_http.delete(f"{crm_root}/accounts({target})")


def test_merge_refuses_missing_parameters_and_other_types(crm_http, crm_root):
    assert crm_http.post(f"{crm_root}/Merge", json={}).status_code == 400
    reply = crm_http.post(f"{crm_root}/Merge", json={
        "Target": {"@odata.type": "Microsoft.Dynamics.CRM.task", "activityid": "00000000-0000-0000-0000-000000000001"},
        "Subordinate": {"@odata.type": "Microsoft.Dynamics.CRM.task", "activityid": "00000000-0000-0000-0000-000000000002"},
        "PerformParentingChecks": False})
    assert reply.status_code == 400


@pytest.mark.parametrize(("patch", "expected"), [
    ({"statecode": 1}, (1, 2)),
    ({"statuscode": 2}, (1, 2)),
    ({"statecode": 1, "statuscode": 2}, (1, 2)),
    ({"statecode": 0}, (0, 1)),
])
def test_state_changes_by_patch(crm_http, crm_root, patch, expected):
    account = _create(crm_http, crm_root, "accounts", {"name": "State probe"})["accountid"]
    try:
        assert crm_http.patch(f"{crm_root}/accounts({account})", json=patch).status_code == 204
        row = crm_http.get(f"{crm_root}/accounts({account})?$select=statecode,statuscode").json()
        assert (row["statecode"], row["statuscode"]) == expected
    finally:
        crm_http.delete(f"{crm_root}/accounts({account})")


@pytest.mark.parametrize("patch", [{"statecode": 1, "statuscode": 1}, {"statecode": 7}, {"statuscode": 99}])
def test_state_status_mismatch_is_refused(crm_http, crm_root, patch):
    account = _create(crm_http, crm_root, "accounts", {"name": "State probe"})["accountid"]
    try:
        reply = crm_http.patch(f"{crm_root}/accounts({account})", json=patch)
        assert reply.status_code == 400
        assert "not a valid" in reply.json()["error"]["message"]
    finally:
        crm_http.delete(f"{crm_root}/accounts({account})")


def test_query_options_on_an_operation_are_refused_not_dropped(crm_http, crm_root):
    reply = crm_http.get(f"{crm_root}/WhoAmI()", params={"$select": "UserId"})
    assert reply.status_code == 501 and "$select" in reply.json()["error"]["message"]
    assert crm_http.get(f"{crm_root}/WhoAmI()", params={"tag": "harmless"}).status_code == 200
