"""Reading multipart ``$batch`` bodies (requests and responses): what cassette matching and the client see."""

from __future__ import annotations

import pytest

from harness.odata.batch import read_multipart

REQUEST = (
    "--batch_1\r\n"
    "Content-Type: application/http\r\n"
    "Content-Transfer-Encoding: binary\r\n"
    "\r\n"
    "GET /api/data/v9.2/accounts?$top=1 HTTP/1.1\r\n"
    "Accept: application/json\r\n"
    "\r\n"
    "\r\n"
    "--batch_1\r\n"
    "Content-Type: multipart/mixed; boundary=changeset_9\r\n"
    "\r\n"
    "--changeset_9\r\n"
    "Content-Type: application/http\r\n"
    "Content-Transfer-Encoding: binary\r\n"
    "Content-ID:  1 \r\n"
    "\r\n"
    "POST /api/data/v9.2/accounts HTTP/1.1\r\n"
    "Content-Type: application/json; type=entry\r\n"
    "\r\n"
    '{"name": "Zoë ✓"}\r\n'
    "--changeset_9\r\n"
    "Content-Type: application/http\r\n"
    "Content-Transfer-Encoding: binary\r\n"
    "Content-ID: 2\r\n"
    "\r\n"
    "PATCH $1 HTTP/1.1\r\n"
    "If-Match: *\r\n"
    "Content-Type: application/json\r\n"
    "\r\n"
    '{"revenue": 5}\r\n'
    "--changeset_9--\r\n"
    "--batch_1--\r\n"
).encode()

RESPONSE = (
    b"--batchresponse_7\r\n"
    b"Content-Type: application/http\r\n"
    b"Content-Transfer-Encoding: binary\r\n"
    b"\r\n"
    b"HTTP/1.1 404 Not Found\r\n"
    b"Content-Type: application/json; odata.metadata=minimal\r\n"
    b"\r\n"
    b'{"error": {"code": "0x80040217", "message": "account Does Not Exist"}}\r\n'
    b"--batchresponse_7--\r\n"
)


def test_request_parts_in_order_with_change_sets_flattened() -> None:
    parts = read_multipart("multipart/mixed; boundary=batch_1", REQUEST, responses=False)
    assert [(p["method"], p["url"], p["content_id"], p["changeset"]) for p in parts] == [
        ("GET", "/api/data/v9.2/accounts?$top=1", None, None),
        ("POST", "/api/data/v9.2/accounts", "1", 1),
        ("PATCH", "$1", "2", 1),
    ]
    assert parts[0]["headers"] == {"accept": "application/json"}
    assert parts[1]["body"] == '{"name": "Zoë ✓"}'  # UTF-8 survives the parse
    assert parts[2]["headers"] == {"if-match": "*", "content-type": "application/json"}
    assert {type(p["content_id"]) for p in parts} == {str, type(None)}  # plain strings, not header objects


def test_response_parts_carry_status_and_body() -> None:
    parts = read_multipart("multipart/mixed; boundary=batchresponse_7", RESPONSE, responses=True)
    assert len(parts) == 1
    assert parts[0]["status"] == 404
    assert parts[0]["headers"]["content-type"] == "application/json; odata.metadata=minimal"
    assert "Does Not Exist" in parts[0]["body"]


def test_not_multipart_is_refused() -> None:
    with pytest.raises(ValueError):
        read_multipart("application/json", b'{"requests": []}', responses=False)
