"""CRUD and query semantics of the Business Central API v2.0 (fno_bc.md B1-B5)."""

from __future__ import annotations

import re

import pytest

from harness.odata import ODataError, Query, contains

pytestmark = [pytest.mark.bc, pytest.mark.writes]

GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def company(bc) -> str:
    companies = bc.query("companies", Query(select=["id", "name"])).value
    assert companies
    return f"companies({companies[0]['id']})"


def test_companies_have_guid_ids(bc):
    rows = bc.query("companies").value
    assert rows and all(re.fullmatch(GUID, row["id"]) for row in rows)


def test_create_is_201_patch_is_200_delete_is_204(bc, company, values):
    name = values.name("Customer")
    created = bc.create(f"{company}/customers", {"displayName": name})
    assert created.status == 201
    body = created.json()
    assert re.fullmatch(GUID, body["id"]) and body["displayName"] == name and body["number"]
    path = f"{company}/customers({body['id']})"
    updated = bc.patch(path, {"phoneNumber": "555-0100"}, headers={"If-Match": body["@odata.etag"]})
    assert updated.status == 200
    assert updated.json()["phoneNumber"] == "555-0100"
    assert bc.delete(path, headers={"If-Match": updated.json()["@odata.etag"]}).status == 204


def test_patch_without_if_match_is_refused(bc, company, values):
    body = bc.create(f"{company}/customers", {"displayName": values.name("NoIfMatch")}).json()
    response = bc.patch(f"{company}/customers({body['id']})", {"phoneNumber": "1"}, expect_error=True)
    assert response.status == 400
    assert response.json()["error"]["code"] == "BadRequest_InvalidToken" or "If-Match" in response.text


def test_stale_etag_is_409(bc, company, values):
    body = bc.create(f"{company}/customers", {"displayName": values.name("Stale")}).json()
    path = f"{company}/customers({body['id']})"
    bc.patch(path, {"phoneNumber": "1"}, headers={"If-Match": body["@odata.etag"]})
    with pytest.raises(ODataError) as raised:
        bc.patch(path, {"phoneNumber": "2"}, headers={"If-Match": body["@odata.etag"]})
    assert raised.value.status == 409
    assert raised.value.code == "Request_EntityChanged"


def test_missing_record_error_carries_a_correlation_id(bc, company, values):
    with pytest.raises(ODataError) as raised:
        bc.get(f"{company}/customers({values.uuid()})")
    assert raised.value.status == 404
    assert re.fullmatch(GUID, raised.value.correlation_id or "")


def test_filter_and_top(bc, company, values):
    tag = values.name("BQ")
    for i in range(3):
        bc.create(f"{company}/customers", {"displayName": f"B{i} {tag}"})
    page = bc.query(f"{company}/customers", Query(filter=contains("displayName", tag), top=2,
                                                  select=["displayName"], orderby=["displayName"]))
    assert [row["displayName"] for row in page.value] == [f"B0 {tag}", f"B1 {tag}"]
