"""The community client ``dataverse-api`` (PyPI), unchanged, against the https simulator.

Settings: a ``requests.Session`` carrying the bearer token (the library's documented way to
authenticate), the org URL, and the CA bundle. Its constructor reads ``EntityDefinitions``
(entity set, primary id, alternate keys), ``sdkmessagefilters`` (bulk messages) and the 1:N / N:1
relationships before the first row.
"""

from __future__ import annotations

import pytest
import requests
from azure.identity import ClientSecretCredential
from dataverse_api import DataverseClient
from dataverse_api.errors import DataverseError

from simulator.config import CONFIDENTIAL_CLIENT_ID, DEFAULT_CLIENT_SECRET

pytestmark = pytest.mark.client("dataverse-api")


@pytest.fixture
def dataverse(client_sim, trust_sim):
    credential = ClientSecretCredential(client_sim.config.tenant_id, CONFIDENTIAL_CLIENT_ID, DEFAULT_CLIENT_SECRET,
                                        authority=client_sim.config.login_url, disable_instance_discovery=True)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {credential.get_token(client_sim.config.crm_url + '/.default').token}"
    yield DataverseClient(session, client_sim.config.crm_url)
    session.close()


def test_entity_reads_its_schema_from_the_metadata_api(dataverse):
    account = dataverse.entity("account")
    assert account.entity_set_name == "accounts" and account.primary_id_attr == "accountid"
    assert account.alternate_keys == {"account_accountnumber_key": ["accountnumber"]}
    assert account.supports_create_multiple is True  # sdkmessagefilters lists the bound actions the org serves
    assert account.supports_update_multiple is True
    assert dataverse.entity("systemuser").supports_create_multiple is False  # read-only table: not advertised
    assert "primarycontactid" in account.relationships.single_valued
    assert "contact_customer_accounts" in account.relationships.collection_valued


def test_create_read_upsert_delete(dataverse):
    account = dataverse.entity("account")
    created = account.create([{"name": "DVA crud one", "accountnumber": "DVA-0001"},
                              {"name": "DVA crud two", "accountnumber": "DVA-0002"}])
    assert [r.status_code for r in created] == [204, 204]
    rows = account.read(select=["name"], filter="startswith(name,'DVA crud ')", page_size=1)
    assert sorted(r["name"] for r in rows) == ["DVA crud one", "DVA crud two"]
    account.upsert([{"accountnumber": "DVA-0001", "name": "DVA crud one (renamed)"}], altkey_name="account_accountnumber_key")
    assert [r["name"] for r in account.read(select=["name"], filter="accountnumber eq 'DVA-0001'")] == [
        "DVA crud one (renamed)"]
    deleted = account.delete(filter="startswith(name,'DVA crud ')")
    assert [r.status_code for r in deleted] == [204, 204]
    assert account.read(select=["name"], filter="startswith(name,'DVA crud ')") == []


def test_read_with_top_and_formatted_values(dataverse):
    rows = dataverse.entity("account").read(select=["name", "accountcategorycode"], top=3,
                                            return_formatted_values=True)
    assert len(rows) == 3
    assert rows[0]["accountcategorycode@OData.Community.Display.V1.FormattedValue"] in (
        "Preferred Customer", "Standard")


def test_entity_definition_with_labels(dataverse):
    definition = dataverse.get_entity_definition("contact")
    assert definition.schema_name == "Contact"
    assert definition.display_name.localized_labels[0].label == "Contact"


def test_create_multiple_mode(dataverse):
    account = dataverse.entity("account")
    responses = account.create([{"name": "DVA multiple 1"}, {"name": "DVA multiple 2"}], mode="multiple")
    assert all(r.status_code < 300 for r in responses)
    assert len(account.read(select=["name"], filter="startswith(name,'DVA multiple')")) == 2
    account.delete(filter="startswith(name,'DVA multiple')")


def test_create_multiple_is_refused_where_it_is_not_advertised(dataverse):
    with pytest.raises(DataverseError, match="CreateMultiple is not supported"):
        dataverse.entity("systemuser").create([{"firstname": "M"}], mode="multiple")


def test_create_in_batch_mode(dataverse):
    account = dataverse.entity("account")
    responses = account.create([{"name": "DVA batch 1"}, {"name": "DVA batch 2"}], mode="batch")
    assert all(r.status_code < 300 for r in responses)
    assert len(account.read(select=["name"], filter="startswith(name,'DVA batch')")) == 2
    account.delete(filter="startswith(name,'DVA batch')")


def test_language_codes(dataverse):
    assert 1033 in dataverse.get_language_codes()
