"""Instance URLs and tenants become placeholders on save and the current instance's values on load."""

from __future__ import annotations

from harness.recording.instance import InstanceMap, map_interaction, rewrite_uri
from tests.recording.helpers import exchange

OLD = InstanceMap.build({"crm": "http://127.0.0.1:4000", "login": "http://127.0.0.1:4001",
                         "fno": "https://ContosoFO.operations.dynamics.com"},
                        ["72f988bf-0000-4000-8000-00000000a11d"])
NEW = InstanceMap.build({"crm": "https://neworg.crm4.dynamics.com", "login": "https://login.microsoftonline.com",
                         "fno": "http://127.0.0.1:5555"},
                        ["11111111-2222-4333-8444-555555555555"])


def test_hide_and_reveal_urls_and_tenant():
    text = "http://127.0.0.1:4001/72F988BF-0000-4000-8000-00000000A11D/oauth2/token"
    hidden = OLD.hide(text)
    assert hidden == "https://login.instance.invalid/{{TENANT_ID}}/oauth2/token"
    assert NEW.reveal(hidden) == "https://login.microsoftonline.com/11111111-2222-4333-8444-555555555555/oauth2/token"


def test_a_url_is_not_replaced_inside_a_longer_host_or_port():
    # port 4000 is a prefix of port 40001; a host is a prefix of a longer host
    text = "http://127.0.0.1:40001/x http://127.0.0.1:4000/y http://127.0.0.1:4000 done"
    assert OLD.hide(text) == "http://127.0.0.1:40001/x https://crm.instance.invalid/y https://crm.instance.invalid done"
    assert OLD.hide("https://contosofo.operations.dynamics.com.evil/x") == \
        "https://contosofo.operations.dynamics.com.evil/x"


def test_host_case_does_not_matter():
    assert OLD.hide("https://contosofo.OPERATIONS.dynamics.com/data/Customers") == \
        "https://fno.instance.invalid/data/Customers"


def test_tenant_is_replaced_only_as_a_whole_guid():
    assert OLD.hide("tid=72f988bf-0000-4000-8000-00000000a11d;") == "tid={{TENANT_ID}};"
    assert OLD.hide("x72f988bf-0000-4000-8000-00000000a11d") == "x72f988bf-0000-4000-8000-00000000a11d"
    assert OLD.hide("72f988bf-0000-4000-8000-00000000a11d0") == "72f988bf-0000-4000-8000-00000000a11d0"


def test_encoded_urls_in_query_and_form_bodies():
    uri = "http://127.0.0.1:4001/t/oauth2/authorize?resource=http%3A%2F%2F127.0.0.1%3A4000&state=x%20y"
    hidden = rewrite_uri(uri, OLD.hide)
    assert hidden == "https://login.instance.invalid/t/oauth2/authorize?resource=https://crm.instance.invalid&state=x%20y"
    revealed = rewrite_uri(hidden, NEW.reveal)
    assert revealed.startswith("https://login.microsoftonline.com/t/oauth2/authorize?resource=https://neworg")
    assert revealed.endswith("&state=x%20y")  # untouched pairs keep their encoding


def test_interaction_headers_and_odata_annotations_are_mapped():
    interaction = exchange(
        "POST", "http://127.0.0.1:4000/api/data/v9.2/accounts",
        request_body={"primarycontactid@odata.bind": "http://127.0.0.1:4000/api/data/v9.2/contacts(1)"},
        response_headers={"OData-EntityId": "http://127.0.0.1:4000/api/data/v9.2/accounts(2)",
                          "Location": "http://127.0.0.1:4000/api/data/v9.2/accounts(2)",
                          "WWW-Authenticate": 'Bearer authorization_uri="http://127.0.0.1:4001/72f988bf-0000-4000-'
                                              '8000-00000000a11d/oauth2/authorize", resource_id="http://127.0.0.1:4000"'},
        response_body={"@odata.context": "http://127.0.0.1:4000/api/data/v9.2/$metadata#accounts",
                       "@odata.nextLink": "http://127.0.0.1:4000/api/data/v9.2/accounts?$skiptoken=abc",
                       "value": [{"@odata.id": "http://127.0.0.1:4000/api/data/v9.2/accounts(3)"}]})
    hidden = map_interaction(interaction, OLD.hide)
    text = str(hidden)
    assert "127.0.0.1" not in text and "72f988bf" not in text
    assert hidden["response"]["headers"]["WWW-Authenticate"] == [
        'Bearer authorization_uri="https://login.instance.invalid/{{TENANT_ID}}/oauth2/authorize", '
        'resource_id="https://crm.instance.invalid"']
    moved = map_interaction(hidden, NEW.reveal)
    assert moved["response"]["body"]["json"]["@odata.nextLink"] == \
        "https://neworg.crm4.dynamics.com/api/data/v9.2/accounts?$skiptoken=abc"
    assert moved["request"]["body"]["json"]["primarycontactid@odata.bind"].startswith("https://neworg.crm4")
    assert moved["response"]["headers"]["OData-EntityId"] == ["https://neworg.crm4.dynamics.com/api/data/v9.2/accounts(2)"]


def test_reveal_leaves_placeholders_of_services_the_run_does_not_have():
    only_crm = InstanceMap.build({"crm": "http://127.0.0.1:9"})
    assert only_crm.reveal("https://fno.instance.invalid/data") == "https://fno.instance.invalid/data"


def test_two_roles_on_one_url_share_a_placeholder_so_reveal_is_unambiguous():
    same = InstanceMap.build({"crm": "http://h:1", "fno": "http://h:1"})
    assert same.hide("http://h:1/x") == "https://crm.instance.invalid/x"
    assert same.reveal("https://crm.instance.invalid/x") == "http://h:1/x"
