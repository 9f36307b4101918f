"""Dynamic variables: formats, seeded generation, record and deterministic replay."""

from __future__ import annotations

import re
import uuid

import pytest

from harness.postman import CollectionRunner, DynamicValues, load_collection
from harness.postman.dynamic import KNOWN_DYNAMIC, DynamicReplayError
from tests.postman.helpers import collection, request_item

REQUIRED = ["$guid", "$randomUUID", "$timestamp", "$isoTimestamp", "$randomInt", "$randomFirstName",
            "$randomLastName", "$randomFullName", "$randomEmail", "$randomCompanyName", "$randomWord",
            "$randomAlphaNumeric", "$randomBoolean", "$randomPhoneNumber", "$randomCity", "$randomCountry",
            "$randomStreetAddress", "$randomPrice", "$randomColor", "$randomUrl", "$randomDateFuture",
            "$randomDatePast"]
NOW = 1_700_000_000.25


def test_every_required_name_is_known():
    assert set(REQUIRED) <= KNOWN_DYNAMIC


@pytest.mark.parametrize("name, pattern", [
    ("$guid", r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
    ("$timestamp", r"1700000000"),
    ("$isoTimestamp", r"2023-11-14T22:13:20\.250Z"),
    ("$randomInt", r"\d{1,4}"),
    ("$randomEmail", r"[a-z.-]+\d+@example\.(com|net|org)"),
    ("$randomAlphaNumeric", r"[a-z0-9]"),
    ("$randomBoolean", r"true|false"),
    ("$randomPhoneNumber", r"\d{3}-\d{3}-\d{4}"),
    ("$randomPrice", r"\d+\.\d{2}"),
    ("$randomUrl", r"https://[a-z]+-[a-z]+\.[a-z]+"),
    ("$randomFullName", r"[A-Z][a-z]+ [A-Z][A-Za-z-]+"),
    ("$randomDateFuture", r"\w{3} \w{3} \d{2} \d{4} \d\d:\d\d:\d\d GMT\+0000 \(Coordinated Universal Time\)"),
])
def test_formats(name, pattern):
    store = DynamicValues(seed=3, now=lambda: NOW)
    for _ in range(20):
        assert re.fullmatch(pattern, store.next(name)), name


def test_random_int_range_and_uuid_validity():
    store = DynamicValues(seed=1)
    ints = [int(store.next("$randomInt")) for _ in range(500)]
    assert min(ints) >= 0 and max(ints) <= 1000 and len(set(ints)) > 100
    assert uuid.UUID(store.next("$randomUUID")).version == 4


def test_same_seed_same_values_and_every_value_is_recorded_in_order():
    a, b = DynamicValues(seed=42, now=lambda: NOW), DynamicValues(seed=42, now=lambda: NOW)
    values = [a.next(n) for n in REQUIRED]
    assert values == [b.next(n) for n in REQUIRED]
    a.next("$guid")
    recorded = a.to_dict()
    assert recorded["$guid"] == [values[0], recorded["$guid"][1]] and len(recorded["$guid"]) == 2
    assert DynamicValues(seed=43, now=lambda: NOW).next("$guid") != values[0]


def test_replay_returns_recorded_values_in_order_then_refuses():
    recorded = {"$guid": ["g1", "g2"], "$randomInt": ["7"]}
    store = DynamicValues.from_dict(recorded)
    assert store.replaying
    assert [store.next("$guid"), store.next("$randomInt"), store.next("$guid")] == ["g1", "7", "g2"]
    with pytest.raises(DynamicReplayError, match="only 2 value"):
        store.next("$guid")
    lenient = DynamicValues.from_dict({"$guid": ["g1"]}, strict=False, seed=1)
    assert lenient.next("$guid") == "g1" and lenient.next("$guid") != "g1"
    assert store.to_dict() == recorded


def test_peek_does_not_consume_and_take_keeps_order():
    store = DynamicValues(seed=5)
    peeked = store.peek("$guid", 3)
    assert store.to_dict() == {}
    assert store.take("$guid", 2) == peeked[:2]
    assert store.next("$guid") == peeked[2]
    replay = DynamicValues.from_dict({"$guid": ["a", "b"]})
    assert replay.peek("$guid", 5) == ["a", "b"]  # a strict replay offers only what was recorded
    assert store.next("$notAThing") is None


def test_from_dict_validates_shape():
    with pytest.raises(DynamicReplayError):
        DynamicValues.from_dict({"$guid": "not a list"})


DYNAMIC_COLLECTION = collection([
    request_item("Create", "{{base}}/echo/items?n={{$randomInt}}", "POST",
                 header=[{"key": "X-Id", "value": "{{$guid}}"}],
                 body={"mode": "raw", "raw": '{"id": "{{$guid}}", "name": "{{$randomFullName}}"}'},
                 pre='pm.variables.set("fromScript", pm.variables.replaceIn("{{$guid}}"));\n'
                     'pm.request.headers.add({key: "X-Script", value: pm.variables.get("fromScript")});',
                 tests='pm.test("echoed", () => pm.response.to.have.status(200));'),
])


def _sent(server, store: DynamicValues) -> list[tuple]:
    runner = CollectionRunner(load_collection(DYNAMIC_COLLECTION), environment={"base": server.url},
                              dynamic_values=store)
    with runner:
        result = runner.run()
    (execution,) = result.executions
    assert execution.passed, execution.failures()
    request = execution.request
    return [request.url, request.body, [h for h in request.headers if h[0].startswith("X-")]]


def test_a_recorded_run_replays_identically_including_script_values(server):
    recording = DynamicValues()
    first = _sent(server, recording)
    saved = recording.to_dict()
    assert set(saved) == {"$guid", "$randomInt", "$randomFullName"}
    assert len(saved["$guid"]) == 3  # one in the pre-request script, one header, one body
    second = _sent(server, DynamicValues.from_dict(saved))
    assert second == first
    assert _sent(server, DynamicValues()) != first  # a fresh recording differs
