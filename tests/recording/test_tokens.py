"""Each cassette signs in within itself; outside cassettes the session's token is shared."""

from __future__ import annotations

from collections import Counter

import pytest
import requests

from harness.auth import MemoryTokenCache, TokenBroker
from harness.recording.tokens import ScopedTokenBroker
from simulator.server import SimulatorServer
from tests.recording.helpers import targets_of


@pytest.fixture(scope="module")
def server():
    with SimulatorServer() as running:
        yield running


def counting_broker() -> tuple[TokenBroker, Counter]:
    counts: Counter = Counter()
    session = requests.Session()
    session.hooks["response"].append(lambda response, **kw: counts.update([response.request.url]))
    return TokenBroker(MemoryTokenCache(), session=session), counts


def test_a_new_scope_signs_in_again_and_no_scope_shares_the_session_token(server):
    inner, counts = counting_broker()
    scope = {"current": None}
    broker = ScopedTokenBroker(inner, scope=lambda: scope["current"])
    crm = targets_of(server)["crm"]

    session_token = broker.token(crm).value.reveal()
    assert broker.token(crm).value.reveal() == session_token

    scope["current"] = object()
    in_first = broker.token(crm).value.reveal()
    assert in_first != session_token and broker.token(crm).value.reveal() == in_first
    scope["current"] = object()
    in_second = broker.token(crm).value.reveal()
    assert in_second not in (in_first, session_token)
    scope["current"] = None
    assert broker.token(crm).value.reveal() == session_token
    assert sum(counts.values()) == 1  # only the session sign-in went through the inner broker's session


def test_auth_objects_follow_the_scope(server):
    inner, _ = counting_broker()
    scope = {"current": None}
    broker = ScopedTokenBroker(inner, scope=lambda: scope["current"])
    crm = targets_of(server)["crm"]
    auth = broker.auth(crm)  # made once, like the client fixtures do
    request = requests.Request("GET", f"{crm.url}/x").prepare()
    outside = auth(request).headers["Authorization"]
    scope["current"] = object()
    inside = auth(requests.Request("GET", f"{crm.url}/x").prepare()).headers["Authorization"]
    assert inside != outside and inside.startswith("Bearer ")
