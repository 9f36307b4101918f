"""The scripts' clock and random numbers: real by default, recorded and replayed for cassettes."""

from __future__ import annotations

import pytest

from harness.postman.determinism import MAX_CLOCK_READS, DeterminismError, ScriptDeterminism
from tests.postman.test_sandbox_pm import results, run

READ_CLOCK = """
const a = Date.now();
const b = new Date().getTime();
const c = Date();
pm.environment.set('a', a);
pm.environment.set('b', b);
pm.environment.set('c', c);
pm.environment.set('iso', new Date().toISOString());
"""
DRAW = """
pm.environment.set('r', [Math.random(), Math.random()].join(','));
pm.environment.set('uuid', require('uuid').v4());
pm.environment.set('pick', _.random(1, 1000000));
"""
JUNE_2021 = 1622505600000  # 2021-06-01T00:00:00Z


def test_without_options_the_clock_is_real(engine):
    outcome = run(engine, READ_CLOCK)
    env = outcome.scopes["environment"]
    assert env["a"] > JUNE_2021 and env["b"] >= env["a"]
    assert outcome.determinism is None


def test_a_replayed_clock_returns_the_recorded_reads_in_order(engine):
    options = {"clock": {"replay": [JUNE_2021, JUNE_2021 + 5, JUNE_2021 + 1000, JUNE_2021 + 2000], "last": None}}
    outcome = run(engine, READ_CLOCK, determinism=options)
    env = outcome.scopes["environment"]
    assert (env["a"], env["b"]) == (JUNE_2021, JUNE_2021 + 5)
    assert env["c"].startswith("Tue Jun 01 2021 00:00:01")
    assert env["iso"] == "2021-06-01T00:00:02.000Z"
    assert outcome.determinism == {"reads": [], "consumed": 4}


def test_after_the_recorded_reads_time_goes_on_from_the_last_one(engine):
    options = {"clock": {"replay": [], "last": JUNE_2021}}
    outcome = run(engine, "pm.environment.set('t', Date.now()); pm.environment.set('u', Date.now());",
                  determinism=options)
    env = outcome.scopes["environment"]
    assert JUNE_2021 <= env["t"] <= env["u"] < JUNE_2021 + 60_000


def test_a_recording_clock_is_real_and_returns_its_reads(engine):
    outcome = run(engine, READ_CLOCK, determinism={"clock": {"record": True}})
    reads = outcome.determinism["reads"]
    env = outcome.scopes["environment"]
    assert len(reads) == 4 and reads[0] == env["a"] and reads[1] == env["b"] and reads[0] > JUNE_2021


def test_dates_still_behave_like_dates(engine):
    outcome = run(engine, """
pm.test('instanceof', () => pm.expect(new Date(0) instanceof Date).to.be.true);
pm.test('explicit time', () => pm.expect(new Date(0).toISOString()).to.equal('1970-01-01T00:00:00.000Z'));
pm.test('parts', () => pm.expect(new Date(2020, 0, 2).getDate()).to.equal(2));
pm.test('statics', () => { pm.expect(Date.UTC(2020, 0, 1)).to.equal(1577836800000); pm.expect(Date.parse('2020-01-01T00:00:00Z')).to.equal(1577836800000); });
pm.test('constructor', () => pm.expect(new Date().constructor).to.equal(Date));
pm.test('chai sees a date', () => pm.expect(new Date(0)).to.be.a('date'));
""", determinism={"clock": {"replay": [JUNE_2021], "last": None}})
    assert all(value is None for value in results(outcome).values()), results(outcome)


def test_a_seed_makes_math_random_uuid_and_lodash_repeatable(engine):
    first = run(engine, DRAW, determinism={"seed": 12345}).scopes["environment"]
    second = run(engine, DRAW, determinism={"seed": 12345}).scopes["environment"]
    other = run(engine, DRAW, determinism={"seed": 54321}).scopes["environment"]
    unseeded = run(engine, DRAW).scopes["environment"]
    assert first == second
    assert first["r"] != other["r"] and first["uuid"] != other["uuid"]
    assert first["r"] != unseeded["r"]
    r1, r2 = (float(x) for x in first["r"].split(","))
    assert 0 <= r1 < 1 and 0 <= r2 < 1 and r1 != r2


def test_script_determinism_records_then_replays():
    recording = ScriptDeterminism(seed=7)
    first, second = recording.script_options(), recording.script_options()
    assert first == {"seed": 7, "clock": {"record": True}} and second["seed"] != 7
    recording.absorb({"reads": [10, 11], "consumed": 0})
    recording.absorb({"reads": [12], "consumed": 0})
    saved = recording.to_dict()
    assert saved == {"seed": 7, "clock": [10, 11, 12]}

    replay = ScriptDeterminism.from_dict(saved)
    assert replay.script_options() == {"seed": 7, "clock": {"replay": [10, 11, 12], "last": None}}
    replay.absorb({"reads": [], "consumed": 2})
    assert replay.script_options() == {"seed": second["seed"], "clock": {"replay": [12], "last": 11}}
    replay.absorb({"reads": [], "consumed": 5})  # more than recorded: time went on from the last one
    assert replay.script_options()["clock"] == {"replay": [], "last": 12}


def test_recorded_clock_reads_are_capped():
    recording = ScriptDeterminism(seed=1)
    recording.absorb({"reads": list(range(MAX_CLOCK_READS + 50))})
    recording.absorb({"reads": [1, 2, 3]})
    assert len(recording.to_dict()["clock"]) == MAX_CLOCK_READS


@pytest.mark.parametrize("data, problem", [
    ([], "must be {'seed': int"),
    ({"seed": "1", "clock": []}, "is not a 32-bit unsigned integer"),
    ({"seed": 2 ** 32, "clock": []}, "is not a 32-bit unsigned integer"),
    ({"seed": 1, "clock": "soon"}, "must be a list of epoch milliseconds"),
    ({"seed": 1, "clock": [1, True]}, "must be a list of epoch milliseconds"),
])
def test_bad_recorded_determinism_is_a_clear_error(data, problem):
    with pytest.raises(DeterminismError, match=problem.replace("{", r"\{").replace("(", r"\(")):
        ScriptDeterminism.from_dict(data)
