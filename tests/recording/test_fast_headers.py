"""harness.recording.fast_headers gives what vcrpy's own parse_headers gives, faster."""

from __future__ import annotations

import pytest
import vcr.stubs

from harness.recording import fast_headers

CASES = [
    {"Content-Type": ["application/json; odata.metadata=minimal"], "OData-Version": ["4.0"],
     "Set-Cookie": ["a=1; Path=/", "b=2; Path=/"], "ETag": ['W/"123"'], "Empty": [""], "Spaced": ["  lead", "trail  "]},
    {"x-ms-ratelimit-burst-remaining-xrm-requests": ["5999"], "Preference-Applied": ["odata.include-annotations=\"*\""]},
    {},
    {"Odd": ["caf\u00e9"]},  # non-ASCII: left to vcrpy (it decodes as Latin-1)
    {"Folded": ["a\r\n b"]},  # a line break: left to vcrpy
    {f"H{i}": ["v"] for i in range(101)},  # over http.client's limit: vcrpy raises, and so do we
]


def _as_list(message) -> list[tuple[str, str]]:
    return list(message.items())


@pytest.mark.parametrize("headers", CASES[:5])
def test_same_message_as_vcrpy(headers):
    assert _as_list(fast_headers.parse_headers(headers)) == _as_list(fast_headers._ORIGINAL(headers))


def test_too_many_headers_behave_as_vcrpy():
    with pytest.raises(Exception) as ours:
        fast_headers.parse_headers(CASES[5])
    with pytest.raises(Exception) as theirs:
        fast_headers._ORIGINAL(CASES[5])
    assert type(ours.value) is type(theirs.value)


def test_install_replaces_vcrpys_function_for_its_stub_responses():
    fast_headers.install()
    assert vcr.stubs.parse_headers is fast_headers.parse_headers
    response = vcr.stubs.VCRHTTPResponse({"status": {"code": 200, "message": "OK"}, "headers": CASES[0],
                                          "body": {"string": b"{}"}})
    assert response.getheader("odata-version") == "4.0"
    assert response.getheader("set-cookie") == "a=1; Path=/, b=2; Path=/"
