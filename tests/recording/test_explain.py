"""Replay failure messages: repeated requests, closest candidates, nothing secret shown."""

from __future__ import annotations

import pytest
import requests
from vcr.errors import CannotOverwriteExistingCassetteException

from harness.recording import InstanceMap, RecordingContext, configure_vcr
from harness.recording.explain import rewrite_message
from simulator.server import SimulatorServer


@pytest.fixture(scope="module")
def server():
    with SimulatorServer() as running:
        yield running


def recorded(tmp_path, server, *urls: str):
    context = RecordingContext(InstanceMap.build({"crm": server.config.crm_url}))
    vcr = configure_vcr(context, tmp_path)
    with vcr.use_cassette("c", record_mode="once"), requests.Session() as session:
        for url in urls:
            session.get(url)
    return vcr


def failure(vcr, *urls: str) -> str:
    with vcr.use_cassette("c", record_mode="none"), requests.Session() as session:
        with pytest.raises(CannotOverwriteExistingCassetteException) as raised:
            for url in urls:
                session.get(url)
    assert rewrite_message(raised.value, "tests/x.py::test_y")
    assert not rewrite_message(raised.value)  # rewritten once only
    return str(raised.value)


def test_a_request_sent_more_often_than_recorded(tmp_path, server):
    url = f"{server.config.crm_url}/api/data/v9.2/$metadata"
    vcr = recorded(tmp_path, server, url)
    message = failure(vcr, url, url)
    assert "cassette of tests/x.py::test_y" in message
    assert "it matches interaction #1, which was already played 1 time(s)" in message
    assert "(1 interactions, 1 played so far)" in message


def test_closest_candidates_are_ranked_and_secret_query_values_hidden(tmp_path, server):
    root = f"{server.config.crm_url}/api/data/v9.2"
    vcr = recorded(tmp_path, server, f"{root}/accounts?$select=name", f"{root}/contacts?$top=1")
    message = failure(vcr, f"{root}/accounts?$select=revenue&code=SECRET-CODE-123")
    lines = message.splitlines()
    assert lines[1].startswith("  request:     GET ") and "code=***" in lines[1]
    assert "SECRET-CODE-123" not in message
    assert "closest recorded request: #1 (not played yet) GET" in message
    assert "odata_query: query $select: request [\"revenue\"] ≠ recorded [\"name\"]" in message
    assert "query code: only in the request" in message
    assert "next closest: #2 (not played yet)" in message and "differs in odata_path, odata_query" in message
