"""A system query option given twice is refused, in each service's error shape, never "last one wins".

Microsoft.OData.Core (behind Dataverse, F&O and Business Central) throws
``QueryOptionUtils_QueryParameterMustBeSpecifiedOnce`` for it. Before, the simulator kept the last
value and answered 200 with rows the real service never returns.
"""

from __future__ import annotations

import pytest
import requests

from simulator.config import BC_AUDIENCE
from simulator.odata.routing import parse_query
from tests import batchwire as bw
from tests.tokens import app_token

MESSAGE = "Query option '{}' was specified more than once, but it must be specified at most once."


def test_parse_query_reports_each_repeated_system_option_once():
    repeated: list[str] = []
    params = parse_query("$top=1&x=1&x=2&$top=2&$filter=a&$top=3&%24filter=b", repeated)
    assert params == {"$top": "3", "x": "2", "$filter": "b"}
    assert repeated == ["$top", "$filter"]  # custom parameters may repeat; the percent-encoded name counts
    assert parse_query("$top=1&$skip=2", []) == {"$top": "1", "$skip": "2"}


@pytest.mark.parametrize("query", ["$top=1&$top=2", "$filter=name eq 'a'&$filter=name eq 'b'",
                                   "$select=name&%24select=accountid"])
def test_dataverse_refuses_a_repeated_option(crm_http, crm_root, query):
    reply = crm_http.get(f"{crm_root}/accounts?{query}")
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert error["code"] == "0x80060888"
    assert error["message"] == MESSAGE.format(query.split("=", 1)[0])


def test_dataverse_metadata_api_refuses_a_repeated_option(crm_http, crm_root):
    reply = crm_http.get(f"{crm_root}/EntityDefinitions?$select=LogicalName&$select=SchemaName")
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["message"] == MESSAGE.format("$select")


def test_dataverse_batch_part_with_a_repeated_option_fails_alone(crm_http, crm_root):
    content_type, body = bw.batch([bw.request("GET", f"{crm_root}/accounts?$top=1&$top=2"),
                                   bw.request("GET", f"{crm_root}/accounts?$top=1")])
    reply = crm_http.post(f"{crm_root}/$batch", data=body, headers={"Content-Type": content_type,
                                                                     "Prefer": "odata.continue-on-error"})
    assert reply.status_code == 200, reply.text
    first, second = bw.read(reply.headers["Content-Type"], reply.content)
    assert first.status == 400 and MESSAGE.format("$top").encode() in first.body
    assert second.status == 200


def test_fno_refuses_a_repeated_option(fno, fno_root):
    reply = fno.get(f"{fno_root}/CustomersV3?$top=1&$top=2")
    assert reply.status_code == 400, reply.text
    assert MESSAGE.format("$top") in reply.text
    assert "error" in reply.json()


def test_fno_metadata_service_refuses_a_repeated_option(sim):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {app_token(sim, sim.config.fno_url)}"
    reply = session.get(f"{sim.config.fno_url}/Metadata/DataEntities?$top=1&$top=2", timeout=10)
    assert reply.status_code == 400, reply.text
    assert MESSAGE.format("$top") in reply.text


def test_business_central_refuses_a_repeated_option(sim):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {app_token(sim, BC_AUDIENCE)}"
    api = f"{sim.config.bc_url}/v2.0/{sim.config.tenant_id}/production/api/v2.0"
    company = session.get(f"{api}/companies").json()["value"][0]["id"]
    reply = session.get(f"{api}/companies({company})/items?$top=1&$top=2")
    assert reply.status_code == 400, reply.text
    assert MESSAGE.format("$top") in reply.json()["error"]["message"]
    companies = session.get(f"{api}/companies?$top=1&$top=2")
    assert companies.status_code == 400, companies.text
