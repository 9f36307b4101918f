"""The public Business Central collection (jeffreybulanadi/business-central-api-postman), run with
`harness run --target sim` and the values `collections/README.md` documents: every request is sent,
and requests get 2xx wherever the collection's own data chain allows (it never sets ids such as
``{{accountId}}``, deletes the customer it later reads contacts of, and posts fields v2.0 lacks)."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from simulator.bc.seed import companies
from simulator.config import SimConfig
from tests.postman.test_loader import BC, BC_ENV

CRONUS_ID = "5ff4954e-07ec-48cb-9c72-b7259e0b9b9b"  # as collections/README.md documents it
DOCUMENTED_VALUES = ["--target", "sim", "--oauth2", "fetch",
                     "--env-var", "baseUrl={{bc_url}}/v2.0/{{tenant_id}}/production/api/v2.0",
                     "--env-var", "clientId={{confidential_client_id}}",
                     "--env-var", "clientSecret={{client_secret}}",
                     "--env-var", f"companyId={CRONUS_ID}"]


def test_the_documented_company_id_is_the_simulators_cronus():
    assert next(c.id for c in companies(SimConfig()) if c.name == "CRONUS USA, Inc.") == CRONUS_ID


@pytest.mark.skipif(not BC.exists(), reason="the public corpus is not next to this checkout")
def test_public_bc_collection_against_the_simulator(tmp_path, capsys):
    report = tmp_path / "bc.json"
    status = main(["run", str(BC), "-e", str(BC_ENV), *DOCUMENTED_VALUES, "-r", "json",
                   "--reporter-json-export", str(report), "--suppress-exit-code"])
    assert status == 0
    executions = json.loads(report.read_text(encoding="utf-8"))["run"]["executions"]
    results = [(e.get("request", {}).get("method"), e.get("request", {}).get("url", e["item"]["name"]),
                e.get("response", {}).get("code")) for e in executions]
    ok = [r for r in results if r[2] and 200 <= r[2] < 300]
    with capsys.disabled():
        print(f"\nBC public collection against the simulator: {len(ok)} of {len(results)} requests got 2xx")
    assert len(results) == 85  # every request was sent and answered
    assert all(code is not None and code < 500 and code != 401 for _, _, code in results)
    # 39, not the 44 of before issue 18: as in Newman, the collection's test script is a SyntaxError
    # (`const responseCode`), so it no longer stores the ids later requests use
    assert len(ok) >= 39
    unresolved = [r for r in results if not (r[2] and 200 <= r[2] < 300)
                  and "{{" not in r[1] and "()" not in r[1]]
    # what remains fails on the collection's own data: a v2.0 name it misspells, fields v2.0 lacks,
    # the customer it deleted a request earlier, POSTs to pages that refuse them
    assert {url.rsplit("/", 1)[-1].split("?")[0] for _, url, _ in unresolved} <= {
        "contactInformation", "applyVendorEntries", "attachments", "bankAccounts", "companies", "customerContacts",
        "customerPayments", "customers", "salesOrders"}
