"""Test values (ids, names, numbers, timestamps) are stored when recording and replayed in order."""

from __future__ import annotations

import json

import pytest

from harness.naming import TAG_RE
from harness.recording import CassetteValues, RecordedValuesError, configure_vcr


def draw(values: CassetteValues) -> list:
    return [values.uuid(), values.name("Account"), values.number(1, 10), values.now(), values.tag]


def test_recorded_values_replay_in_order_with_the_recorded_run_id(tmp_path):
    vcr = configure_vcr(None, tmp_path)
    with vcr.use_cassette("v", record_mode="once") as cassette:
        recorded = draw(CassetteValues("20260101-aaaaaa", cassette))
    stored = json.loads((tmp_path / "v.json").read_text())["metadata"]["values"]
    assert stored["run_id"] == "20260101-aaaaaa"
    assert [item["kind"] for item in stored["drawn"]] == ["uuid", "token", "number", "timestamp"]
    with vcr.use_cassette("v", record_mode="none") as cassette:
        values = CassetteValues("20991231-ffffff", cassette)  # a new run: its own run id is ignored
        assert values.replaying
        assert draw(values) == recorded
    assert TAG_RE.search(recorded[1]) and recorded[4] == "zzh-20260101-aaaaaa"


def test_fresh_values_differ_between_recordings(tmp_path):
    vcr = configure_vcr(None, tmp_path)
    with vcr.use_cassette("a", record_mode="once") as cassette:
        first = CassetteValues("20260101-aaaaaa", cassette).uuid()
    with vcr.use_cassette("b", record_mode="once") as cassette:
        second = CassetteValues("20260101-aaaaaa", cassette).uuid()
    assert first != second


def test_a_test_asking_for_more_values_than_recorded_fails_clearly(tmp_path):
    vcr = configure_vcr(None, tmp_path)
    with vcr.use_cassette("v", record_mode="once") as cassette:
        CassetteValues("20260101-aaaaaa", cassette).uuid()
    with vcr.use_cassette("v", record_mode="none") as cassette:
        values = CassetteValues("x", cassette)
        values.uuid()
        with pytest.raises(RecordedValuesError, match=r"asks for value #2 \(a token\).*recorded only 1.*rewrite"):
            values.token()


def test_a_test_asking_for_another_kind_of_value_fails_clearly(tmp_path):
    vcr = configure_vcr(None, tmp_path)
    with vcr.use_cassette("v", record_mode="once") as cassette:
        CassetteValues("20260101-aaaaaa", cassette).uuid()
    with vcr.use_cassette("v", record_mode="none") as cassette:
        with pytest.raises(RecordedValuesError, match="value #1 of this test is a number.*recorded a uuid"):
            CassetteValues("x", cassette).number()


def test_replaying_a_cassette_without_values_fails_clearly(tmp_path):
    vcr = configure_vcr(None, tmp_path)
    (tmp_path / "v.json").write_text(json.dumps({"version": 1, "interactions": [
        {"request": {"method": "GET", "uri": "http://x/"}, "response": {"status": {"code": 200}}}]}))
    with vcr.use_cassette("v", record_mode="none") as cassette:
        with pytest.raises(RecordedValuesError, match="has no recorded values"):
            CassetteValues("x", cassette)


def test_new_episodes_replays_then_appends(tmp_path):
    vcr = configure_vcr(None, tmp_path)
    with vcr.use_cassette("v", record_mode="once") as cassette:
        first = CassetteValues("20260101-aaaaaa", cassette).uuid()
    with vcr.use_cassette("v", record_mode="new_episodes") as cassette:
        values = CassetteValues("20260202-bbbbbb", cassette)
        assert values.uuid() == first
        extra = values.uuid()
    drawn = json.loads((tmp_path / "v.json").read_text())["metadata"]["values"]["drawn"]
    assert [item["value"] for item in drawn] == [first, extra]


def test_record_mode_all_draws_afresh(tmp_path):
    vcr = configure_vcr(None, tmp_path)
    with vcr.use_cassette("v", record_mode="once") as cassette:
        first = CassetteValues("20260101-aaaaaa", cassette).uuid()
    with vcr.use_cassette("v", record_mode="all") as cassette:
        values = CassetteValues("20260202-bbbbbb", cassette)
        assert values.uuid() != first and values.run_id == "20260202-bbbbbb"


def test_without_a_cassette_it_is_a_plain_value_source():
    values = CassetteValues("20260101-aaaaaa")
    assert values.name("X").endswith("zzh-20260101-aaaaaa") and values.uuid() != values.uuid()
