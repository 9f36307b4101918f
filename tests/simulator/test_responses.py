"""``make_response`` builds the response Starlette's ``Response(...)`` builds; ``request_id`` is a uuid4."""

from __future__ import annotations

import uuid

import pytest
from starlette.responses import Response

from simulator.odata.responses import make_response, request_id

HEADERS = {"OData-Version": "4.0", "REQ_ID": "x", "ETag": 'W/"7"', "Preference-Applied": "odata.maxpagesize=2"}


@pytest.mark.parametrize("status", [200, 201, 204, 304, 400, 401, 101, 412])
@pytest.mark.parametrize("body", [b"", b'{"a":1}', "é€".encode()])
@pytest.mark.parametrize("headers", [None, {}, HEADERS, {**HEADERS, "Content-Length": "3"},
                                     {"content-type": "text/csv", "X-A": "1"}, {"Location": "http://h/é"}])
@pytest.mark.parametrize("media_type", [None, "application/json; odata.metadata=minimal", "text/plain",
                                        "text/plain; charset=ascii", "application/xml"])
def test_the_same_response_as_starlettes(status, body, headers, media_type):
    ours = make_response(body, status, headers, media_type)
    theirs = Response(body, status_code=status, headers=headers, media_type=media_type)
    assert type(ours) is Response
    assert (ours.status_code, ours.body, ours.raw_headers, ours.media_type, ours.background) == \
        (theirs.status_code, theirs.body, theirs.raw_headers, theirs.media_type, theirs.background)
    assert ours.headers == theirs.headers


def test_a_header_value_outside_latin_1_fails_as_in_starlette():
    with pytest.raises(UnicodeEncodeError):
        Response(b"", headers={"Location": "http://h/€"})
    with pytest.raises(UnicodeEncodeError):
        make_response(b"", 200, {"Location": "http://h/€"})


def test_request_ids_are_random_version_4_uuids():
    ids = {request_id() for _ in range(2000)}
    assert len(ids) == 2000
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122
    bits = {int(uuid.UUID(t)) for t in ids}
    assert all(any(b >> i & 1 for b in bits) and not all(b >> i & 1 for b in bits)
               for i in range(128) if i not in (76, 77, 78, 79, 62, 63))  # every other bit varies
