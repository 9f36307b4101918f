"""Dataverse parameters the simulator does not implement are refused, never ignored."""

from __future__ import annotations


def test_sql_parameter_is_refused_with_a_query_error(crm_http, crm_root):
    reply = crm_http.get(f"{crm_root}/accounts", params={"sql": "SELECT TOP 1 name FROM account"}, timeout=10)
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "0x80060888"
    assert "sql" in reply.json()["error"]["message"]


def test_sql_parameter_still_needs_a_token(crm_root):
    import requests

    assert requests.get(f"{crm_root}/accounts", params={"sql": "SELECT 1"}, timeout=10).status_code == 401
