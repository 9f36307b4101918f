"""A recording made against one instance (URL + tenant) replays against a recreated one.

Two simulators with different tenants stand for "the trial before and after recreation". The
second one is stopped before the replay, so any request that escaped the cassette would fail.
"""

from __future__ import annotations

from harness.odata import Query, contains
from harness.recording import CassetteValues, RecordingContext, configure_vcr
from simulator.config import SimConfig
from simulator.server import SimulatorServer
from tests.recording.helpers import client, targets_of

TENANT_A = "aaaaaaaa-0000-4000-8000-00000000000a"
TENANT_B = "bbbbbbbb-0000-4000-8000-00000000000b"


def crm_and_fno_flow(targets, values: CassetteValues) -> dict:
    """CRUD and a query on Dataverse (user token, v1) and a create on F&O (app token, v2)."""
    crm, fno = client(targets, "crm"), client(targets, "fno")
    name = values.name("Moved")
    created = crm.create("accounts", {"name": name, "revenue": 10})
    key = created.created.key
    crm.create("accounts", {"name": values.name("Second")})
    crm.update("accounts", key, {"telephone1": "555-0100"})
    pages = list(crm.iter_pages("accounts", Query(select=["name", "telephone1"], filter=contains("name", values.tag),
                                                  orderby=["name"]), maxpagesize=1))
    page = pages[0]
    customer = fno.create("CustomersV3", {"dataAreaId": "usmf", "OrganizationName": values.name("Customer"),
                                          "CustomerGroupId": "10"}).json()
    crm.delete("accounts", key)
    return {"entity_id": created.entity_id, "key": str(key), "rows": [row for p in pages for row in p.value],
            "next_link": page.next_link, "customer": customer["CustomerAccount"],
            "context": customer["@odata.context"], "name": name}


def test_recording_from_one_instance_replays_against_another(tmp_path):
    with SimulatorServer(SimConfig(tenant_id=TENANT_A)) as first:
        targets_a = targets_of(first)
        vcr = configure_vcr(RecordingContext.from_targets(targets_a), tmp_path)
        with vcr.use_cassette("moved", record_mode="once") as cassette:
            recorded = crm_and_fno_flow(targets_a, CassetteValues("20260101-aaaaaa", cassette))
        urls_a = [first.config.crm_url, first.config.fno_url, first.config.login_url]

    text = (tmp_path / "moved.json").read_text()
    for value in [*urls_a, TENANT_A, "127.0.0.1"]:
        assert value not in text
    assert "https://crm.instance.invalid/api/data/v9.2/accounts(" in text and "{{TENANT_ID}}" in text

    second = SimulatorServer(SimConfig(tenant_id=TENANT_B)).start()
    targets_b = targets_of(second)
    second.stop()  # recreated instance, but unreachable: the replay must not need it
    vcr_b = configure_vcr(RecordingContext.from_targets(targets_b), tmp_path)
    with vcr_b.use_cassette("moved", record_mode="none") as cassette:
        replayed = crm_and_fno_flow(targets_b, CassetteValues("20991231-ffffff", cassette))
        assert cassette.all_played
        token_requests = [r.uri for r in cassette.requests if "/oauth2/" in r.uri]

    crm_a, crm_b = targets_a["crm"].url, targets_b["crm"].url
    assert replayed["entity_id"] == recorded["entity_id"].replace(crm_a, crm_b)
    assert replayed["entity_id"].startswith(f"{crm_b}/api/data/v9.2/accounts(")
    assert (replayed["key"], replayed["name"], replayed["customer"]) == \
        (recorded["key"], recorded["name"], recorded["customer"])
    assert replayed["rows"] == recorded["rows"] and len(replayed["rows"]) == 2
    assert replayed["next_link"].startswith(f"{crm_b}/api/data/v9.2/accounts?")
    assert replayed["context"].startswith(f"{targets_b['fno'].url}/data/$metadata")
    # the tenant of the new instance is in the token URLs the client used
    assert token_requests and all(f"/{TENANT_B}/oauth2/" in uri for uri in token_requests)
