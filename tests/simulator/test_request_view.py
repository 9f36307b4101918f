"""The request view's short cuts give what Starlette's ``request.url.query`` and ``request.base_url`` give.

simulator/odata/routing.py reads the query string straight from the ASGI scope (instead of rebuilding
the URL and splitting it again) and remembers base URLs; these tests compare both with Starlette for
hand-picked and generated query strings and Host headers, errors included.
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.requests import Request

from simulator.odata import routing

SETTINGS = settings(max_examples=400, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _scope(query: bytes, host: str | None, path: str = "/api/data/v9.2/accounts", server=("127.0.0.1", 8401),
           scheme: str = "http") -> dict:
    headers = [(b"accept", b"application/json")]
    if host is not None:
        headers.append((b"host", host.encode("latin-1")))
    return {"type": "http", "method": "GET", "scheme": scheme, "path": path, "raw_path": path.encode(),
            "query_string": query, "root_path": "", "headers": headers, "server": server}


def _outcome(function):
    try:
        return "value", function()
    except (ValueError, UnicodeDecodeError) as exc:
        return "error", type(exc).__name__


def _same(scope: dict) -> None:
    assert _outcome(lambda: routing.query_text(Request(scope))) == _outcome(lambda: Request(scope).url.query)
    assert _outcome(lambda: routing.base_url(Request(scope))) == _outcome(lambda: str(Request(scope).base_url))


@pytest.mark.parametrize("query, host", [
    (b"$select=name&$filter=name%20eq%20'x'", "127.0.0.1:8401"),
    (b"", "127.0.0.1:8401"),
    (b"a=1#fragment", "127.0.0.1:8401"),
    (b"a=1\tb=2", "127.0.0.1:8401"),
    (b"a=1?b=2", "127.0.0.1:8401"),
    (b"a=%zz&b", None),
    (b"a=1", "[::1]:8401"),
    (b"a=1", "[::1"),
    (b"a=1", "host/with/slash"),
    (b"a=1", "h\xf6st:8401"),
    (b"a=1", "example.com:notaport"),
    (b"a=\xff", "127.0.0.1:8401"),
])
def test_query_and_base_url_as_starlette_gives_them(query, host):
    _same(_scope(query, host))


def test_the_base_url_follows_the_host_header_and_scheme():
    assert routing.base_url(Request(_scope(b"", "contoso.crm.dynamics.com"))) == "http://contoso.crm.dynamics.com/"
    assert routing.base_url(Request(_scope(b"", "contoso.crm.dynamics.com", scheme="https"))) == \
        "https://contoso.crm.dynamics.com/"
    assert routing.base_url(Request(_scope(b"", None, server=("127.0.0.1", 9000)))) == "http://127.0.0.1:9000/"


@SETTINGS
@given(st.binary(max_size=40), st.one_of(st.none(), st.text(alphabet=st.characters(max_codepoint=255), max_size=20)))
def test_any_query_string_and_host_give_what_starlette_gives(query, host):
    _same(_scope(query, host))


def _receiver(messages: list[dict]):
    queue = list(messages)

    async def receive():
        return queue.pop(0)
    return receive


async def _starlette_body(messages: list[dict]):
    try:
        return await Request(_scope(b"", None), _receiver(messages)).body()
    except Exception as exc:  # noqa: BLE001 - the outcome is compared
        return type(exc)


async def _our_body(messages: list[dict]):
    try:
        return await routing.read_body(_receiver(messages))
    except Exception as exc:  # noqa: BLE001 - the outcome is compared
        return type(exc)


@pytest.mark.parametrize("messages", [
    [{"type": "http.request", "body": b"", "more_body": False}],
    [{"type": "http.request"}],
    [{"type": "http.request", "body": b'{"a":', "more_body": True},
     {"type": "http.request", "body": b"", "more_body": True}, {"type": "http.request", "body": b"1}"}],
    [{"type": "http.request", "body": b"part", "more_body": True}, {"type": "http.disconnect"}],
    [{"type": "http.disconnect"}],
    [{"type": "other"}, {"type": "http.request", "body": b"x"}],
])
def test_read_body_reads_what_starlettes_body_reads(messages):
    ours, theirs = asyncio.run(_our_body(messages)), asyncio.run(_starlette_body(messages))
    assert ours == theirs


@pytest.mark.parametrize("query", [
    "", "&", "a", "a=", "=b", "a=b&a=c", "$filter=name%20eq%20'x%27y'&$top=1", "a+b=c+d%2B", "%zz=%e2%82%ac&%ff=1",
    "x==1&&y=%", "%C3%A9=caf%C3%A9", "a=1;b=2", "$select=name&$top=10&$filter=accountnumber eq 'B-000001'",
])
def test_parse_query_gives_what_parse_qsl_gives(query):
    assert routing.parse_query(query) == dict(parse_qsl(query, keep_blank_values=True))


@SETTINGS
@given(st.text(alphabet=st.sampled_from("ab=&+%2fF0e9'$ ;é"), max_size=40))
def test_parse_query_gives_what_parse_qsl_gives_for_generated_text(query):
    assert routing.parse_query(query) == dict(parse_qsl(query, keep_blank_values=True))
