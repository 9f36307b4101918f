"""End to end: each simulated service's own `$metadata` -> OpenAPI -> its real answers conform.

The documents are built from what `GET $metadata` serves, and every response below (success,
404, missing If-Match, 401) comes over loopback HTTP from the session simulator and is checked by
schemathesis (status code, content type, required headers, body schema).
"""

from __future__ import annotations

import uuid

import pytest
import requests
import schemathesis
from schemathesis.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from harness.metadata import parse_csdl, to_openapi

from .openapi_checks import assert_valid_full

CHECKS = [status_code_conformance, content_type_conformance, response_headers_conformance, response_schema_conformance]
MISSING_GUID = "00000000-0000-0000-0000-0000000000ff"


class Contract:
    """The OpenAPI document generated from a service's `$metadata`, for validating its responses."""

    def __init__(self, client, dialect: str) -> None:
        served = client.get("$metadata", headers={"Accept": "application/xml"})
        self.model = parse_csdl(served.content)
        self.document = to_openapi(self.model, dialect, "all", client.api_root)
        self.schema = schemathesis.openapi.from_dict(self.document)

    def check(self, path: str, method: str, response, **path_parameters) -> None:
        """Raise a FailureGroup if `response` (a requests.Response) breaks the contract."""
        body = {"body": {}} if method in ("POST", "PATCH", "PUT") else {}
        case = self.schema[path][method].Case(path_parameters=path_parameters, **body)
        case.validate_response(response, checks=CHECKS)


@pytest.mark.parametrize(("client_name", "dialect"), [("crm", "dataverse"), ("fno", "fno"), ("bc", "bc")])
def test_served_metadata_gives_a_valid_document(client_name, dialect, request):
    contract = Contract(request.getfixturevalue(client_name), dialect)
    assert contract.model.entity_sets
    assert_valid_full(contract.document)


def test_dataverse_answers_conform(crm):
    contract = Contract(crm, "dataverse")
    key_path = "/accounts({accountid})"
    contract.check("/accounts", "GET", crm.get("accounts", params={"$top": "3", "$count": "true"}).raw)

    created = crm.create("accounts", {"name": f"contract {uuid.uuid4().hex[:8]}"})
    assert created.status == 204
    contract.check("/accounts", "POST", created.raw)
    account_id = str(created.created.key)

    represented = crm.create("accounts", {"name": "contract representation"}, return_representation=True)
    assert represented.status == 201
    contract.check("/accounts", "POST", represented.raw)

    contract.check(key_path, "GET", crm.retrieve("accounts", account_id).raw, accountid=account_id)
    updated = crm.update("accounts", account_id, {"name": "renamed"})
    contract.check(key_path, "PATCH", updated.raw, accountid=account_id)
    updated = crm.update("accounts", account_id, {"name": "again"}, return_representation=True)
    assert updated.status == 200
    contract.check(key_path, "PATCH", updated.raw, accountid=account_id)
    contract.check(key_path, "DELETE", crm.delete("accounts", account_id).raw, accountid=account_id)

    missing = crm.retrieve("accounts", MISSING_GUID, expect_error=True)
    assert missing.status == 404
    contract.check(key_path, "GET", missing.raw, accountid=MISSING_GUID)
    anonymous = requests.get(crm.url_for("accounts"), timeout=10)
    assert anonymous.status_code == 401
    contract.check("/accounts", "GET", anonymous)
    # the contract is not vacuous: a 204 create without OData-EntityId is rejected
    created.raw.headers.pop("OData-EntityId")
    del created.raw.raw.headers["OData-EntityId"]
    with pytest.raises(FailureGroup, match="Missing required response headers"):
        contract.check("/accounts", "POST", created.raw)


def test_fno_answers_conform(fno):
    contract = Contract(fno, "fno")
    key_path = "/CustomerGroups(dataAreaId='{dataAreaId}',CustomerGroupId='{CustomerGroupId}')"
    contract.check("/CustomerGroups", "GET", fno.get("CustomerGroups", params={"$top": "2", "$skip": "1"}).raw)
    group = uuid.uuid4().hex[:8].upper()
    created = fno.create("CustomerGroups", {"dataAreaId": "usmf", "CustomerGroupId": group, "Description": "contract"})
    assert created.status == 201
    contract.check("/CustomerGroups", "POST", created.raw)
    key = {"dataAreaId": "usmf", "CustomerGroupId": group}
    contract.check(key_path, "GET", fno.retrieve("CustomerGroups", key).raw, **key)
    contract.check(key_path, "PATCH", fno.update("CustomerGroups", key, {"Description": "changed"}).raw, **key)
    contract.check(key_path, "DELETE", fno.delete("CustomerGroups", key).raw, **key)
    missing = fno.retrieve("CustomerGroups", key, expect_error=True)
    assert missing.status == 404
    contract.check(key_path, "GET", missing.raw, **key)


def test_bc_answers_conform(bc):
    contract = Contract(bc, "bc")
    companies = bc.get("companies")
    contract.check("/companies", "GET", companies.raw)
    company = companies.json()["value"][0]["id"]
    collection = "/companies({companyId})/customers"
    key_path = collection + "({id})"
    base = f"companies({company})/customers"
    contract.check(collection, "GET", bc.get(base, params={"$top": "2"}).raw, companyId=company)

    created = bc.create(base, {"displayName": f"contract {uuid.uuid4().hex[:8]}"})
    assert created.status == 201
    contract.check(collection, "POST", created.raw, companyId=company)
    customer = created.json()["id"]
    ids = {"companyId": company, "id": customer}
    contract.check(key_path, "GET", bc.get(f"{base}({customer})").raw, **ids)
    updated = bc.patch(f"{base}({customer})", {"displayName": "renamed"}, headers={"If-Match": "*"})
    assert updated.status == 200
    contract.check(key_path, "PATCH", updated.raw, **ids)
    no_if_match = bc.patch(f"{base}({customer})", {"displayName": "x"}, expect_error=True)
    assert no_if_match.status == 400
    contract.check(key_path, "PATCH", no_if_match.raw, **ids)
    deleted = bc.delete(f"{base}({customer})", headers={"If-Match": "*"})
    assert deleted.status == 204
    contract.check(key_path, "DELETE", deleted.raw, **ids)
    missing = bc.get(f"{base}({MISSING_GUID})", expect_error=True)
    assert missing.status == 404
    contract.check(key_path, "GET", missing.raw, companyId=company, id=MISSING_GUID)
