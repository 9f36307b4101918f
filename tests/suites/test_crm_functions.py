"""Dataverse functions and actions used by the public Postman collections, asserted as documented.

Source: learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/ (RetrieveVersion,
RetrieveAvailableLanguages, RetrieveCurrentOrganization, RetrieveTotalRecordCount, PublishAllXml,
Merge, CalculateRollupField; rollups: power-apps/maker/data-platform/define-rollup-fields) and webapi/update-delete-entities-using-web-api (state changes by PATCH).
"""

from __future__ import annotations

import pytest

from harness.odata import ODataError

pytestmark = [pytest.mark.crm]


def test_retrieve_version(crm):
    body = crm.get("RetrieveVersion()").json()
    assert body["@odata.context"] == f"{crm.api_root}/$metadata#Microsoft.Dynamics.CRM.RetrieveVersionResponse"
    assert body["Version"].split(".")[0] == "9"


def test_retrieve_available_languages(crm):
    assert 1033 in crm.get("RetrieveAvailableLanguages()").json()["LocaleIds"]


def test_retrieve_current_organization(crm):
    body = crm.get("RetrieveCurrentOrganization(AccessType=@p1)",
                   {"@p1": "Microsoft.Dynamics.CRM.EndpointAccessType'Default'"}).json()
    assert body["Detail"]["OrganizationId"] == crm.whoami()["OrganizationId"]
    assert "WebApplication" in body["Detail"]["Endpoints"]["Keys"]


def test_retrieve_total_record_count(crm):
    body = crm.get("RetrieveTotalRecordCount(EntityNames=@p1)", {"@p1": '["account","contact"]'}).json()
    counts = body["EntityRecordCountCollection"]
    assert counts["Keys"] == ["account", "contact"] and all(isinstance(v, int) for v in counts["Values"])


def test_unknown_function_is_404(crm):
    with pytest.raises(ODataError) as raised:
        crm.get("NoSuchFunction()")
    assert raised.value.status == 404 and raised.value.code == "0x8006088a"


@pytest.mark.writes
def test_state_change_by_patch(crm, values):
    key = crm.create("accounts", {"name": values.name("State")}).created.key
    crm.update("accounts", key, {"statecode": 1, "statuscode": 2})
    body = crm.retrieve("accounts", key, select=["statecode", "statuscode"]).json()
    assert (body["statecode"], body["statuscode"]) == (1, 2)
    crm.update("accounts", key, {"statecode": 0, "statuscode": 1})
    with pytest.raises(ODataError) as raised:
        crm.update("accounts", key, {"statecode": 1, "statuscode": 1})
    assert raised.value.status == 400


@pytest.mark.writes
def test_merge_accounts(crm, values):
    target = crm.create("accounts", {"name": values.name("Target")}).created.key
    subordinate = crm.create("accounts", {"name": values.name("Subordinate")}).created.key
    response = crm.post("Merge", {
        "Target": {"@odata.type": "Microsoft.Dynamics.CRM.account", "accountid": str(target)},
        "Subordinate": {"@odata.type": "Microsoft.Dynamics.CRM.account", "accountid": str(subordinate)},
        "UpdateContent": {"@odata.type": "Microsoft.Dynamics.CRM.account"},
        "PerformParentingChecks": False})
    assert response.status == 204
    merged = crm.retrieve("accounts", subordinate, select=["statecode", "merged", "_masterid_value"]).json()
    assert merged["statecode"] == 1 and merged["merged"] is True and merged["_masterid_value"] == str(target)


@pytest.mark.writes
def test_calculate_rollup_field(crm, values):
    """Rollups are stored values recalculated asynchronously; CalculateRollupField recalculates one now."""
    account = str(crm.create("accounts", {"name": values.name("Rollup")}).created.key)
    for value in (1200, 300):
        crm.create("opportunities", {"name": values.name("Deal"), "estimatedvalue": value,
                                     "parentaccountid@odata.bind": f"/accounts({account})"})
    target = {"@tid": f"{{'@odata.id':'accounts({account})'}}"}
    body = crm.get("CalculateRollupField(Target=@tid,FieldName='openrevenue')", target).json()
    assert body["accountid"] == account
    assert body["openrevenue"] == 1500 and body["openrevenue_state"] == 1 and body["openrevenue_date"]
    deals = crm.get("CalculateRollupField(Target=@tid,FieldName='opendeals')", target).json()
    assert deals["opendeals"] == 2 and deals["opendeals_state"] == 1
    stored = crm.retrieve("accounts", account, select=["openrevenue", "opendeals"]).json()
    assert (stored["openrevenue"], stored["opendeals"]) == (1500, 2)
    with pytest.raises(ODataError) as raised:
        crm.get("CalculateRollupField(Target=@tid,FieldName='name')", target)
    assert raised.value.status == 400
