"""The contract runner against the simulator: it signs requests, checks answers, undoes every write,
and lets only narrowly described known deviations through."""

from __future__ import annotations

import copy
import dataclasses
import uuid

import pytest
from schemathesis.core.failures import FailureGroup

from harness.contract import build_contract
from harness.contract.baseline import Baseline, KnownIssue
from harness.contract.runner import ContractRunner
from harness.contract.schema import load_schema

JSON = "application/json"


@pytest.fixture
def crm_accounts(crm):
    """The accounts and systemusers contract, plus one operation the $metadata does not offer:
    POST /systemusers (a read-only set), so the simulator's 405 is an undocumented answer."""
    contract = build_contract(crm, "crm", entity_sets=["accounts", "systemusers"])
    document = copy.deepcopy(contract.document)
    assert "post" not in document["paths"]["/systemusers"]  # read-only per its Capabilities annotations
    document["paths"]["/systemusers"]["post"] = copy.deepcopy(document["paths"]["/accounts"]["post"])
    document["paths"]["/systemusers"]["post"]["operationId"] = "forced-post-systemusers"
    return dataclasses.replace(contract, document=document, schema=load_schema(document, contract.settings),
                               runner=ContractRunner(crm, document, root="crm", baseline=Baseline(())))


def _gone(client, url: str) -> bool:
    return client.session.get(url, auth=client.auth, timeout=10).status_code == 404


def test_create_is_checked_and_undone(crm, crm_accounts):
    case = crm_accounts.schema["/accounts"]["POST"].Case(body={"name": f"runner {uuid.uuid4().hex[:6]}"},
                                                         media_type=JSON)
    response = crm_accounts.runner(case)
    assert response.status_code == 204
    assert crm_accounts.runner.undone == [response.headers["odata-entityid"][0]]
    assert _gone(crm, crm_accounts.runner.undone[0])


def test_create_with_representation_is_undone_from_the_body(crm, crm_accounts):
    case = crm_accounts.schema["/accounts"]["POST"].Case(body={"name": "runner representation"}, media_type=JSON,
                                                         headers={"Prefer": "return=representation"})
    response = crm_accounts.runner(case)
    assert response.status_code == 201 and "location" not in response.headers
    created = response.json()["accountid"]
    assert crm_accounts.runner.undone[0].endswith(f"/accounts({created})")
    assert _gone(crm, crm_accounts.runner.undone[0])


def test_upsert_by_patch_is_undone(crm, crm_accounts):
    key = str(uuid.uuid4())
    case = crm_accounts.schema["/accounts({accountid})"]["PATCH"].Case(path_parameters={"accountid": key},
                                                                      body={"name": "upserted"}, media_type=JSON)
    assert crm_accounts.runner(case).status_code == 204
    assert crm_accounts.runner.undone[0].endswith(f"/accounts({key})")
    assert _gone(crm, crm_accounts.runner.undone[0])


def test_reads_and_refusals_are_not_undone(crm_accounts):
    case = crm_accounts.schema["/accounts"]["GET"].Case(query={"$top": 1})
    assert crm_accounts.runner(case).status_code == 200
    refused = crm_accounts.schema["/accounts"]["POST"].Case(body={"name": 7}, media_type=JSON)
    assert crm_accounts.runner(refused).status_code == 400
    assert crm_accounts.runner.undone == []
    assert crm_accounts.runner.statuses == {("GET /accounts", 200): 1, ("POST /accounts", 400): 1}


def test_fno_create_is_undone_through_location(fno):
    contract = build_contract(fno, "fno", entity_sets=["CustomerGroups"])
    group = f"ZZ{uuid.uuid4().hex[:6].upper()}"
    case = contract.schema["/CustomerGroups"]["POST"].Case(
        body={"dataAreaId": "usmf", "CustomerGroupId": group, "Description": "runner"}, media_type=JSON)
    assert contract.runner(case).status_code == 201
    assert "CustomerGroupId='" + group in contract.runner.undone[0]
    assert _gone(fno, contract.runner.undone[0])


def test_an_undocumented_answer_fails(crm_accounts):
    case = crm_accounts.schema["/systemusers"]["POST"].Case(body={}, media_type=JSON)
    with pytest.raises(FailureGroup, match="Undocumented status code"):
        crm_accounts.runner(case)


def test_a_known_issue_is_counted_not_raised(crm_accounts):
    crm_accounts.runner.baseline = Baseline((KnownIssue("read-only-users", "test", roots=("crm",),
                                                        operations=("POST /systemusers",), codes=("ST103",),
                                                        status=405),))
    case = crm_accounts.schema["/systemusers"]["POST"].Case(body={}, media_type=JSON)
    crm_accounts.runner(case)
    assert crm_accounts.runner.baseline.seen == {"read-only-users": 1}
    assert "read-only-users x1" in crm_accounts.runner.baseline.summary()


@pytest.mark.parametrize("issue", [
    KnownIssue("other-root", "x", roots=("fno",), codes=("ST103",)),
    KnownIssue("other-operation", "x", operations=("POST /accounts",), codes=("ST103",)),
    KnownIssue("other-code", "x", codes=("ST101",)),
    KnownIssue("other-status", "x", codes=("ST103",), status=404),
    KnownIssue("other-body", "x", codes=("ST103",), body_equals=b"Not Found"),
    KnownIssue("other-request", "x", codes=("ST103",), request_pattern=r"\$skip=\d{19,}"),
])
def test_a_known_issue_that_does_not_fit_exactly_explains_nothing(crm_accounts, issue):
    crm_accounts.runner.baseline = Baseline((issue,))
    case = crm_accounts.schema["/systemusers"]["POST"].Case(body={}, media_type=JSON)
    with pytest.raises(FailureGroup, match="Undocumented status code"):
        crm_accounts.runner(case)
    assert not crm_accounts.runner.baseline.seen


def test_baseline_explains_only_the_failures_it_describes():
    from types import SimpleNamespace

    response = SimpleNamespace(status_code=500, content=b"Internal Server Error",
                               request=SimpleNamespace(url="https://x/data/Sets?$skip=12345678901234567890", body=None))
    server_error = SimpleNamespace(code="ST101", message="Server error")
    content_type = SimpleNamespace(code="ST105", message="Received: text/plain")
    schema = SimpleNamespace(code="ST108", message="NameAlias too long")
    baseline = Baseline((KnownIssue("overflow", "x", roots=("fno",), operations=("GET /*",), codes=("ST101", "ST105"),
                                    status=500, request_pattern=r"\$skip=\d{19,}"),))
    assert baseline.split("fno", "GET /Sets", [server_error, content_type, schema], response) == [schema]
    assert baseline.seen == {"overflow": 2}
    assert baseline.split("bc", "GET /Sets", [server_error], response) == [server_error]
