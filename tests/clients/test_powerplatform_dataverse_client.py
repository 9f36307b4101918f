"""Microsoft's Python SDK for Dataverse (``powerplatform-dataverse-client``), unchanged, against the https simulator.

Settings: the org URL (https), an azure-identity credential for the simulator's login host
(see test_azure_identity.py for its one extra setting), and the CA bundle. The SDK resolves every
table through ``EntityDefinitions`` and turns choice labels into values through the typed attribute
metadata, so these operations exercise the metadata API as much as the data API.
"""

from __future__ import annotations

import pytest
from azure.identity import ClientSecretCredential
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.core.errors import HttpError

from simulator.config import CONFIDENTIAL_CLIENT_ID, DEFAULT_CLIENT_SECRET

pytestmark = [pytest.mark.client("powerplatform-dataverse-client"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture
def client(client_sim, trust_sim):
    credential = ClientSecretCredential(client_sim.config.tenant_id, CONFIDENTIAL_CLIENT_ID, DEFAULT_CLIENT_SECRET,
                                        authority=client_sim.config.login_url, disable_instance_discovery=True)
    with DataverseClient(client_sim.config.crm_url, credential) as dataverse:
        yield dataverse


def test_create_get_update_delete(client):
    record_id = client.records.create("account", {"name": "SDK conformance", "telephone1": "555-0100"})
    record = client.records.get("account", record_id, select=["name", "telephone1"])
    assert record.data["name"] == "SDK conformance" and record.etag
    client.records.update("account", record_id, {"telephone1": "555-0199"})
    assert client.records.get("account", record_id, select=["telephone1"]).data["telephone1"] == "555-0199"
    client.records.delete("account", record_id)
    with pytest.raises(HttpError) as raised:
        client.records.get("account", record_id)
    assert raised.value.status_code == 404


def test_query_with_filter_and_paging(client):
    pages = list(client.records.get("account", select=["name"], filter="statecode eq 0", page_size=4))
    assert len(pages) > 2 and all(len(page) <= 4 for page in pages)
    names = [record.data["name"] for page in pages for record in page]
    assert "Adventure Works (sample)" in names and len(names) == len(set(names))


def test_choice_labels_are_resolved_through_attribute_metadata(client):
    record_id = client.records.create("account", {"name": "Label choice", "accountcategorycode": "Standard"})
    try:
        assert client.records.get("account", record_id, select=["accountcategorycode"]).data[
            "accountcategorycode"] == 2
    finally:
        client.records.delete("account", record_id)


def test_table_metadata(client):
    info = client.tables.get("account")
    assert info.entity_set_name == "accounts" and info.primary_id_attribute == "accountid"
    tables = client.tables.list()
    assert {"account", "contact"} <= {t["LogicalName"] if isinstance(t, dict) else t.logical_name for t in tables}


def test_sql_is_refused_not_ignored(client):
    with pytest.raises(HttpError) as raised:
        client.query.sql("SELECT TOP 2 name FROM account")
    assert raised.value.status_code == 400


def test_create_many_uses_create_multiple(client):
    ids = client.records.create("account", [{"name": "Bulk 1"}, {"name": "Bulk 2"}])
    assert len(ids) == 2
    assert {client.records.get("account", i, select=["name"]).data["name"] for i in ids} == {"Bulk 1", "Bulk 2"}
    for record_id in ids:
        client.records.delete("account", record_id)
