"""The replay index: the same answers as vcrpy's scan, found without scanning the cassette."""

from __future__ import annotations

import copy
import gzip
import io
import itertools

import pytest
import vcr.cassette
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.request import Request

from harness.recording import HarnessPersister, RecordingContext, configure_vcr, matching
from harness.recording.interactions import doc_to_request, doc_to_response
from harness.recording.matching import differences, index_key, raw_key
from harness.recording.replay_index import ReplayIndex, copies_only, copy_request
from harness.recording.serializers import JsonSerializer
from tests.recording.helpers import exchange, vcr_request

ROOT = "http://127.0.0.1:4000/api/data/v9.2"
GUID = "7eb6f2a4-91c3-4d0e-b1a2-1234567890ab"

# Pairs the matchers call equal, and pairs they tell apart (see test_matching.py for why).
REQUESTS = [
    vcr_request("GET", f"{ROOT}/accounts({GUID})"),
    vcr_request("GET", f"{ROOT}/accounts('{GUID.upper()}')"),
    vcr_request("GET", f"{ROOT}/accounts?$select=name,revenue&$top=2"),
    vcr_request("GET", f"{ROOT}/accounts?$top=2&$select=revenue,name"),
    vcr_request("GET", f"{ROOT}/accounts?$top=3&$select=revenue,name"),
    vcr_request("GET", f"{ROOT}/accounts?$orderby=revenue,name"),
    vcr_request("POST", f"{ROOT}/accounts", {"name": "x", "revenue": 1.5, "tags": [1, 2], "n": 1}),
    vcr_request("POST", f"{ROOT}/accounts", {"tags": [1, 2], "revenue": 1.5, "name": "x", "n": 1.0}),
    vcr_request("POST", f"{ROOT}/accounts", {"tags": [2, 1], "revenue": 1.5, "name": "x", "n": 1}),
    vcr_request("POST", f"{ROOT}/accounts", {"name": "x", "nested": {"a": [{"b": None}]}}),
    vcr_request("POST", f"{ROOT}/accounts", {"nested": {"a": [{"b": None}]}, "name": "x"}),
    vcr_request("PATCH", f"{ROOT}/accounts({GUID})", {"name": "a"}, {"If-Match": 'W/"1"'}),
    vcr_request("PATCH", f"{ROOT}/accounts({GUID})", {"name": "a"}, {"If-Match": 'W/"2"'}),
    vcr_request("GET", f"{ROOT}/accounts", headers={"Prefer": 'odata.include-annotations="*",odata.maxpagesize=2'}),
    vcr_request("GET", f"{ROOT}/accounts", headers={"Prefer": 'odata.maxpagesize=2, odata.include-annotations="*"',
                                                    "Authorization": "Bearer x"}),
    vcr_request("POST", "http://127.0.0.1:4001/t/oauth2/token", "grant_type=password&username=a&password=p",
                {"Content-Type": "application/x-www-form-urlencoded"}),
    vcr_request("POST", "http://127.0.0.1:4001/t/oauth2/token", "password=q&username=b&grant_type=password",
                {"Content-Type": "application/x-www-form-urlencoded"}),
    vcr_request("POST", "http://127.0.0.1:4001/t/oauth2/token", "grant_type=client_credentials",
                {"Content-Type": "application/x-www-form-urlencoded"}),
    vcr_request("DELETE", f"{ROOT}/accounts({GUID})"),
    vcr_request("GET", "http://127.0.0.1:4002/api/data/v9.2/accounts"),
]


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(range(len(REQUESTS)), 2)))
def test_equal_keys_exactly_when_the_matchers_agree(a, b):
    first, second = REQUESTS[a], REQUESTS[b]
    assert (index_key(first) == index_key(second)) == (not differences(first, second))


def _fresh(request: Request) -> Request:
    """The same request, built again (no key cached on it)."""
    return Request(request.method, request.uri, request._body, dict(request.headers))


def test_a_known_raw_key_gives_the_key_normalising_would_give():
    known = {raw_key(request): index_key(request) for request in REQUESTS}
    variants = [*REQUESTS, vcr_request("get", f"{ROOT}/accounts({GUID})"),
                vcr_request("GET", f"{ROOT}/accounts({GUID})", headers={"prefer": "return=representation"}),
                Request("POST", f"{ROOT}/accounts", iter([b'{"name":', b'"x"}']), {"Content-Type": "application/json"})]
    for request in variants:
        assert index_key(_fresh(request), known) == index_key(_fresh(request)), request
    for first, second in itertools.combinations(variants, 2):
        if raw_key(first) == raw_key(second):
            assert index_key(_fresh(first)) == index_key(_fresh(second))
    assert raw_key(copy_request(REQUESTS[6])) == raw_key(REQUESTS[6])
    unhashable = vcr_request("GET", f"{ROOT}/accounts")
    unhashable.headers._store["prefer"] = ("Prefer", ["a", "list"])
    assert raw_key(unhashable) is None


def write(tmp_path, interactions: list[dict]) -> None:
    requests = [doc_to_request(item["request"]) for item in interactions]
    responses = [doc_to_response(item["response"]) for item in interactions]
    HarnessPersister(RecordingContext()).save_cassette(str(tmp_path / "c.json"),
                                                       {"requests": requests, "responses": responses},
                                                       JsonSerializer)


def traffic(count: int) -> list[dict]:
    return [exchange("GET", f"{ROOT}/accounts?$filter=revenue%20eq%20{n}", response_body={"n": n})
            for n in range(count)]


def replay(tmp_path, incoming, *, indexed: bool = True, **options) -> list:
    """What vcrpy answers for each request: the response body, or the error's class name."""
    vcr_ = configure_vcr(RecordingContext(), tmp_path)
    if not indexed:
        vcr_.after_load_interaction = []
    answers = []
    with vcr_.use_cassette("c", record_mode="none", **options) as cassette:
        assert isinstance(getattr(cassette, "_harness_replay_index", None), ReplayIndex) == indexed
        for request in incoming:
            try:
                if not cassette.can_play_response_for(request):
                    raise CannotOverwriteExistingCassetteException(cassette=cassette, failed_request=request)
                answers.append(cassette.play_response(request)["body"]["string"])
            except CannotOverwriteExistingCassetteException as exc:
                answers.append(type(exc).__name__)
    return answers


def test_a_lookup_does_not_scan(tmp_path, monkeypatch):
    write(tmp_path, traffic(300))
    calls = []
    original = vcr.cassette.requests_match
    monkeypatch.setattr(vcr.cassette, "requests_match", lambda *a: calls.append(1) or original(*a))
    incoming = [doc_to_request(item["request"]) for item in reversed(traffic(300))]
    answers = replay(tmp_path, incoming)
    assert answers == [f'{{"n":{n}}}'.encode() for n in reversed(range(300))]
    assert calls == []  # every answer came from the index
    assert replay(tmp_path, incoming[:5], indexed=False) == answers[:5]
    assert len(calls) > 300  # vcrpy alone scans


def test_same_answers_as_vcrpy_for_repeats_misses_and_play_once(tmp_path):
    recorded = [exchange("GET", f"{ROOT}/accounts", response_body={"page": n}) for n in range(3)]
    recorded += [exchange("POST", f"{ROOT}/accounts", request_body={"name": "a"}, status=204, response_body="")]
    write(tmp_path, recorded)
    get = vcr_request("GET", f"{ROOT}/accounts")
    post = vcr_request("POST", f"{ROOT}/accounts", {"name": "a"})
    other = vcr_request("GET", f"{ROOT}/contacts")
    sequence = [get, post, get, other, get, get, post]
    with_index = replay(tmp_path, sequence)
    assert with_index == replay(tmp_path, sequence, indexed=False)
    assert with_index == [b'{"page":0}', b"", b'{"page":1}', "CannotOverwriteExistingCassetteException",
                          b'{"page":2}', "CannotOverwriteExistingCassetteException",
                          "CannotOverwriteExistingCassetteException"]
    repeats = replay(tmp_path, sequence, allow_playback_repeats=True)
    assert repeats == replay(tmp_path, sequence, indexed=False, allow_playback_repeats=True)
    assert repeats[:3] == [b'{"page":0}', b"", b'{"page":0}']


def test_rewind_starts_over_and_later_recordings_are_indexed(tmp_path):
    write(tmp_path, traffic(3))
    vcr_ = configure_vcr(RecordingContext(), tmp_path)
    first = doc_to_request(traffic(1)[0]["request"])
    with vcr_.use_cassette("c", record_mode="none") as cassette:
        assert cassette.play_response(first)["body"]["string"] == b'{"n":0}'
        assert not cassette.can_play_response_for(first)
        cassette.rewind()
        assert cassette.can_play_response_for(first)
        # an interaction appended in the session (what recording does) is found too
        late = vcr_request("GET", f"{ROOT}/late")
        cassette.append(late, doc_to_response(exchange(response_body={"late": True})["response"]))
        assert cassette.play_response(vcr_request("GET", f"{ROOT}/late"))["body"]["string"] == b'{"late":true}'


def test_other_matchers_keep_vcrpys_scan(tmp_path):
    write(tmp_path, traffic(2))
    vcr_ = configure_vcr(RecordingContext(), tmp_path)
    with vcr_.use_cassette("c", record_mode="none", match_on=("method", "uri")) as cassette:
        assert getattr(cassette, "_harness_replay_index", None) is None
        request = doc_to_request(traffic(2)[1]["request"])
        assert cassette.play_response(request)["body"]["string"] == b'{"n":1}'


def test_recorded_keys_are_computed_at_load_from_the_filtered_requests(tmp_path, monkeypatch):
    write(tmp_path, traffic(40))
    computed = []  # requests whose key is computed (index_key caches it on the request)
    original = matching._build_match_key
    monkeypatch.setattr(matching, "_build_match_key", lambda request: computed.append(request) or original(request))

    def drop_authorization(request):  # a user's request filter: the index must see its result
        request.headers.pop("Authorization", None)
        return request

    vcr_ = configure_vcr(RecordingContext(), tmp_path)
    with vcr_.use_cassette("c", record_mode="none", before_record_request=drop_authorization) as cassette:
        index = cassette._harness_replay_index
        assert index.indexed == len(cassette.data) - 1  # all but the last one, before any lookup
        assert all("Authorization" not in request.headers for request in computed)
        loaded = len(computed)
        incoming = [doc_to_request(item["request"]) for item in traffic(40)]
        for request in incoming:
            request.headers["Authorization"] = "Bearer x"
            assert cassette.can_play_response_for(request)
            cassette.play_response(request)
        # the incoming requests are the recorded ones byte for byte (but for the filtered header):
        # their keys come from the recorded requests' raw forms; only the last recorded
        # interaction's key is computed, on the first lookup
        assert len(computed) - loaded == 1
        assert index.indexed == len(cassette.data)
        # a request that matches without being identical (the method in lower case) is
        # normalised, once across vcrpy's three lookups
        cassette.rewind()
        lower = doc_to_request(traffic(40)[7]["request"])
        lower.method = "get"
        before = len(computed)
        assert cassette.can_play_response_for(lower)
        assert cassette.play_response(lower)["body"]["string"] == b'{"n":7}'
        assert len(computed) == before + 1


def test_without_request_filters_the_copy_is_field_by_field_and_independent(tmp_path):
    write(tmp_path, traffic(3))
    vcr_ = configure_vcr(RecordingContext(), tmp_path)
    with vcr_.use_cassette("c", record_mode="none") as cassette:
        index = cassette._harness_replay_index
        assert copies_only(index._filter)  # the harness configures no request filter
        request = vcr_request("POST", f"{ROOT}/accounts", {"name": "a"}, {"Authorization": "Bearer x"})
        copied = cassette.filter_request(request)
        assert copied is not request and copied.headers is not request.headers
        assert (copied.method, copied.uri, copied.body, dict(copied.headers)) == \
               (request.method, request.uri, request.body, dict(request.headers))
        copied.headers["Authorization"] = "changed"
        assert request.headers["Authorization"] == "Bearer x"
    chunks = Request("POST", f"{ROOT}/accounts", iter([b"a", b"b"]), {})
    copied = copy_request(chunks)
    copied._body.append(b"c")
    assert list(chunks.body) == [b"a", b"b"]


def test_a_request_filter_is_still_applied(tmp_path):
    write(tmp_path, traffic(2))
    seen = []

    def mark(request):
        seen.append(request)
        request.headers["X-Filtered"] = "yes"
        return request

    vcr_ = configure_vcr(RecordingContext(), tmp_path)
    with vcr_.use_cassette("c", record_mode="none", before_record_request=mark) as cassette:
        assert not copies_only(cassette._harness_replay_index._filter)
        request = doc_to_request(traffic(2)[1]["request"])
        assert cassette.play_response(request)["body"]["string"] == b'{"n":1}'
        assert "X-Filtered" not in request.headers  # vcrpy filtered its own copy
        assert seen and seen[-1] is not request and seen[-1].headers["X-Filtered"] == "yes"
    assert not copies_only(lambda request: request)


def _fields(request: Request) -> tuple:
    return (request.method, request.uri, request.parsed_uri, request.body if not request._was_iter else list(request.body),
            list(request.headers.items()), request._was_file, request._was_iter)


def test_the_copy_equals_a_deep_copy_and_shares_nothing_mutable():
    samples = [vcr_request("GET", f"{ROOT}/accounts", headers={"Authorization": "Bearer x", "X-N": "1"}),
               Request("POST", f"{ROOT}/accounts", b'{"a":1}', {"Content-Type": "application/json"}),
               Request("PUT", f"{ROOT}/files", io.BytesIO(b"file body"), {"Content-Length": 9}),
               Request("POST", f"{ROOT}/chunks", iter([b"a", b"b"]), {"Transfer-Encoding": "chunked"})]
    for request in samples:
        copied = copy_request(request)
        assert _fields(copied) == _fields(copy.deepcopy(request))
        copied.headers["X-Added"] = "only on the copy"
        copied.headers.pop("Authorization", None)
        assert "X-Added" not in request.headers
        assert _fields(request) == _fields(copy.deepcopy(request))
    odd = Request("GET", f"{ROOT}/accounts", None, {})
    odd.headers._store["x-object"] = ("X-Object", {"mutable": ["value"]})  # not a plain header value
    copied = copy_request(odd)
    copied.headers["X-Object"]["mutable"].append("changed")
    assert odd.headers["X-Object"] == {"mutable": ["value"]}  # deep-copied


def test_responses_are_copied_once_and_compressed_ones_still_decoded(tmp_path):
    write(tmp_path, traffic(2))
    vcr_ = configure_vcr(RecordingContext(), tmp_path)
    plain = {"status": {"code": 200, "message": "OK"}, "headers": {"Content-Type": ["application/json"]},
             "body": {"string": b'{"a":1}'}}
    packed = {"status": {"code": 200, "message": "OK"},
              "headers": {"content-encoding": ["gzip"], "Content-Length": ["99"]},
              "body": {"string": gzip.compress(b"hello")}}
    with vcr_.use_cassette("c", record_mode="none") as cassette:
        assert getattr(cassette._before_record_response, "__wrapped__", None) is not None
        cassette.append(vcr_request("GET", f"{ROOT}/plain"), plain)
        cassette.append(vcr_request("GET", f"{ROOT}/packed"), packed)
        stored_plain, stored_packed = cassette.data[-2][1], cassette.data[-1][1]
        assert stored_plain == plain and stored_plain is not plain
        plain["headers"]["Content-Type"].append("changed")  # the caller's object is not the stored one
        plain["body"]["string"] = b"changed"
        assert stored_plain["headers"]["Content-Type"] == ["application/json"]
        assert stored_plain["body"]["string"] == b'{"a":1}'
        assert stored_packed["body"]["string"] == b"hello"  # vcrpy's decode_response ran
        assert "content-encoding" not in {k.lower() for k in stored_packed["headers"]}
        assert stored_packed["headers"]["content-length"] == ["5"]
    with vcr_.use_cassette("c", record_mode="none", before_record_response=lambda r: r) as cassette:
        assert getattr(cassette._before_record_response, "__wrapped__", None) is None  # a user's filter: vcrpy's
