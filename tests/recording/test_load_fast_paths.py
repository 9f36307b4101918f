"""Loading a cassette faster must load the same thing: each shortcut against the slow path it replaces."""

from __future__ import annotations

import copy
import gc
import json

import pytest
from vcr.request import HeadersDict, Request

from harness import gc_pause
from harness.recording import HarnessPersister, RecordingContext, configure_vcr
from harness.recording.interactions import LoadedResponse, doc_to_response, new_request
from harness.recording.matching import _content_type, header_items, index_key, match_key, raw_key
from harness.recording.serializers import JsonSerializer
from tests.recording.helpers import exchange

ROOT = "http://127.0.0.1:4000/api/data/v9.2"


def _state(request: Request) -> dict:
    state = dict(request.__dict__)
    state["_headers"] = dict(request.headers._store)
    return state


@pytest.mark.parametrize(("method", "uri", "body", "headers"), [
    ("GET", f"{ROOT}/accounts?$top=2", None, {"Accept": "application/json"}),
    ("POST", f"{ROOT}/accounts", b'{"name":"x"}', {"Content-Type": "application/json", "content-type": "text/plain"}),
    ("PATCH", f"{ROOT}/accounts(1)", b"", {}),
    ("GET", "http://[::1]:80/a;p?q=1#f", None, {"X": ""}),
])
def test_new_request_is_what_vcrpys_constructor_builds(method, uri, body, headers):
    fast, slow = new_request(method, uri, body, headers), Request(method, uri, body, headers)
    assert type(fast) is Request and type(fast.headers) is HeadersDict
    assert _state(fast) == _state(slow)
    assert list(fast.headers.items()) == list(slow.headers.items())
    assert fast.body == slow.body and fast.parsed_uri == slow.parsed_uri


@pytest.mark.parametrize(("body", "headers"), [
    ("text", {"A": "1"}),  # a str body: vcrpy encodes it
    (None, {"A": ["1", "2"]}),  # a list value: vcrpy keeps the first
    (None, {"A": 1}),
])
def test_new_request_leaves_other_shapes_to_vcrpy(body, headers):
    fast, slow = new_request("GET", f"{ROOT}/x", body, headers), Request("GET", f"{ROOT}/x", body, headers)
    assert _state(fast) == _state(slow)


def test_header_items_and_content_type_read_the_store_as_items_would():
    request = Request("POST", f"{ROOT}/x", b"{}", {"Content-Type": "application/json", "Prefer": "a"})
    request.headers["content-type"] = "application/json; charset=utf-8"  # first spelling kept
    assert list(header_items(request.headers)) == list(request.headers.items())
    assert _content_type(request.headers) == "application/json; charset=utf-8"
    assert _content_type(Request("GET", f"{ROOT}/x", None, {}).headers) is None
    assert list(header_items({"A": "1"})) == [("A", "1")]  # any other mapping: its own items()
    assert _content_type({"content-TYPE": ["text/plain"]}) == "text/plain"


def test_a_loaded_response_deep_copies_into_an_equal_independent_plain_dict():
    doc = exchange(response_body={"value": [{"name": "é"}]})
    doc["response"]["headers"]["Set-Cookie"] = ["a=1", "b=2"]
    loaded = doc_to_response(doc["response"])
    assert isinstance(loaded, LoadedResponse)
    copied = copy.deepcopy(loaded)
    assert type(copied) is dict and copied == loaded == copy.deepcopy(dict(loaded))
    copied["headers"]["Set-Cookie"].append("c=3")
    copied["status"]["code"] = 500
    copied["body"]["string"] = b""
    assert loaded["headers"]["Set-Cookie"] == ["a=1", "b=2"] and loaded["status"]["code"] == 200
    assert json.loads(loaded["body"]["string"]) == {"value": [{"name": "é"}]}


def test_a_response_a_hook_reshaped_is_deep_copied_as_usual():
    loaded = doc_to_response(exchange()["response"])
    loaded["headers"]["X"] = [{"nested": ["list"]}]
    loaded["extra"] = {"k": [1]}
    copied = copy.deepcopy(loaded)
    assert copied == dict(loaded) and type(copied) is dict
    copied["headers"]["X"][0]["nested"].append("more")
    copied["extra"]["k"].append(2)
    assert loaded["headers"]["X"] == [{"nested": ["list"]}] and loaded["extra"] == {"k": [1]}


def test_loaded_requests_get_the_keys_of_vcrpys_requests(tmp_path):
    persister = HarnessPersister(RecordingContext())
    body = {"name": "x", "revenue": 1.5}
    requests = [Request("POST", f"{ROOT}/accounts", json.dumps(body).encode(), {"Content-Type": "application/json",
                                                                               "If-Match": "*"}),
                Request("GET", f"{ROOT}/accounts?$select=name&$top=1", None, {"Prefer": "return=representation"})]
    responses = [doc_to_response(exchange()["response"]) for _ in requests]
    persister.save_cassette(str(tmp_path / "c.json"), {"requests": requests, "responses": responses}, JsonSerializer)
    loaded, _ = persister.load_cassette(str(tmp_path / "c.json"), JsonSerializer)
    for mine, theirs in zip(loaded, requests, strict=True):
        assert match_key(mine) == match_key(theirs) and index_key(mine) == index_key(theirs)
        assert raw_key(mine) == raw_key(Request(mine.method, mine.uri, mine.body, dict(mine.headers)))


# ---------------------------------------------------------------------- the collector's pause
@pytest.fixture
def collector_on():
    gc_pause.release_all()
    was = gc.isenabled()
    gc.enable()
    yield
    gc_pause.release_all()
    (gc.enable if was else gc.disable)()


def _cassette(tmp_path, count: int = 3) -> None:
    requests = [Request("GET", f"{ROOT}/accounts?$top={n}", None, {}) for n in range(count)]
    responses = [doc_to_response(exchange()["response"]) for _ in requests]
    HarnessPersister(RecordingContext()).save_cassette(str(tmp_path / "c.json"),
                                                        {"requests": requests, "responses": responses}, JsonSerializer)


def test_the_collector_is_paused_while_vcrpy_loads_and_back_on_after(tmp_path, collector_on):
    _cassette(tmp_path)
    seen = []

    def hook(request, response):
        seen.append(gc.isenabled())
        return request, response

    vcr = configure_vcr(RecordingContext(), tmp_path)
    vcr.after_load_interaction = [hook, *vcr.after_load_interaction]
    with vcr.use_cassette("c") as cassette:
        assert len(cassette.data) == 3
        assert gc.isenabled() and not gc_pause.pausing()
    assert seen == [False, False, False]
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_program_stays_off(tmp_path, collector_on):
    _cassette(tmp_path)
    gc.disable()
    with configure_vcr(RecordingContext(), tmp_path).use_cassette("c") as cassette:
        assert len(cassette.data) == 3
    assert not gc.isenabled()


def test_a_load_that_fails_half_way_ends_the_pause(tmp_path, collector_on):
    _cassette(tmp_path)

    def broken(request, response):
        raise RuntimeError("a user's hook fails")

    vcr = configure_vcr(RecordingContext(), tmp_path)
    vcr.after_load_interaction = [broken, *vcr.after_load_interaction]
    with pytest.raises(RuntimeError) as failure, vcr.use_cassette("c"):
        pass
    # The traceback keeps vcrpy's frame, and so the list of loaded requests, alive ...
    assert gc_pause.pausing() and not gc.isenabled()
    gc_pause.release_all()  # ... so the plugin ends every pause once the vcr fixture is set up
    assert gc.isenabled() and not gc_pause.pausing()
    del failure


def test_dropping_the_loaded_list_ends_the_pause(tmp_path, collector_on):
    _cassette(tmp_path)
    requests, responses = HarnessPersister(RecordingContext()).load_cassette(str(tmp_path / "c.json"), JsonSerializer)
    assert len(requests) == 3 and not gc.isenabled()
    copied = copy.deepcopy(requests)  # a plain list, without a pause of its own
    assert type(copied) is list and [r.uri for r in copied] == [r.uri for r in requests]
    del copied
    del requests
    assert gc.isenabled() and not gc_pause.pausing()
    with pytest.raises(Exception, match="none.json"):
        HarnessPersister(RecordingContext()).load_cassette(str(tmp_path / "none.json"), JsonSerializer)
    assert gc.isenabled() and not gc_pause.pausing()


def test_nested_pauses_switch_the_collector_back_on_once(collector_on):
    first = gc_pause.Pause()
    second = gc_pause.Pause()
    first.release()
    first.release()
    assert not gc.isenabled()
    second.release()
    assert gc.isenabled()


def test_the_index_keeps_no_match_key_on_recorded_requests_but_the_matchers_still_compute_it(tmp_path):
    _cassette(tmp_path)
    with configure_vcr(RecordingContext(), tmp_path).use_cassette("c") as cassette:
        recorded = [request for request, _ in cassette.data]
        assert cassette._harness_replay_index.indexed == len(recorded) - 1  # the last one on the first lookup
        assert not any(hasattr(request, "_harness_match_key") for request in recorded)
        assert [index_key(request) for request in recorded] == [index_key(Request(r.method, r.uri, r.body,
                                                                                  dict(r.headers)))
                                                                 for r in recorded]
        assert match_key(recorded[0]).query == {"$top": ["0"]}
        assert recorded[0]._harness_match_key is match_key(recorded[0])  # cached once computed
