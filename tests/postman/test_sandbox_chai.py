"""pm.expect: the chai chains real collections use, and chai's failure messages."""

from __future__ import annotations

import pytest

from harness.postman.sandbox import ScriptInput

EMPTY_SCOPES = {name: {} for name in ("environment", "globals", "collectionVariables", "iterationData", "local",
                                      "harness", "dotenv")}


def run_tests(engine, code: str):
    script = ScriptInput(event="test", code=code, location="request 'chai'", scopes=EMPTY_SCOPES,
                         request={"method": "GET", "url": "http://h/", "header": []},
                         response={"code": 200, "status": "OK", "header": [], "body": "{}"})
    outcome = engine.run(script)
    assert outcome.error is None, outcome.error
    return outcome.assertions


PASSING = [
    "pm.expect(1).to.equal(1)", "pm.expect(1).to.eq(1)", "pm.expect('a').equals('a')",
    "pm.expect({a: [1, {b: 2}]}).to.eql({a: [1, {b: 2}]})", "pm.expect([1, [2]]).to.deep.equal([1, [2]])",
    "pm.expect({a: 1}).to.deep.equals({a: 1})", "pm.expect(NaN).to.eql(NaN)",
    "pm.expect(5).to.be.above(4)", "pm.expect(5).gt(4)", "pm.expect(5).greaterThan(4)",
    "pm.expect(5).to.be.at.least(5)", "pm.expect(5).gte(5)", "pm.expect(5).to.be.below(6)", "pm.expect(5).lt(6)",
    "pm.expect(5).lessThan(6)", "pm.expect(5).to.be.at.most(5)", "pm.expect(5).lte(5)",
    "pm.expect(5).to.be.within(1, 5)",
    "pm.expect('x').to.be.a('string')", "pm.expect({}).to.be.an('object')", "pm.expect([]).to.be.an('array')",
    "pm.expect(null).to.be.a('null')", "pm.expect(undefined).to.be.an('undefined')", "pm.expect(1).to.be.a('number')",
    "pm.expect(true).to.be.a('boolean')", "pm.expect(new Date()).to.be.a('date')", "pm.expect(/x/).to.be.a('regexp')",
    "pm.expect(function () {}).to.be.a('function')", "pm.expect('x').to.be.a('String')",
    "pm.expect(2).to.be.oneOf([1, 2])", "pm.expect([]).to.be.empty", "pm.expect('').to.be.empty",
    "pm.expect({}).to.be.empty", "pm.expect('a').to.not.be.empty", "pm.expect(new Map()).to.be.empty",
    "pm.expect(1).to.be.ok", "pm.expect(0).to.not.be.ok", "pm.expect(true).to.be.true", "pm.expect(false).to.be.false",
    "pm.expect(null).to.be.null", "pm.expect(undefined).to.be.undefined", "pm.expect(0).to.exist",
    "pm.expect(null).to.not.exist", "pm.expect(undefined).not.to.exist",
    "pm.expect([1, 2, 3]).to.have.lengthOf(3)", "pm.expect('abc').to.have.length(3)",
    "pm.expect([1, 2, 3]).to.have.length.above(2)", "pm.expect([1, 2, 3]).to.have.lengthOf.at.most(3)",
    "pm.expect([1, 2, 3]).to.have.length.within(2, 4)",
    "pm.expect({a: 1}).to.have.property('a')", "pm.expect({a: 1}).to.have.property('a', 1)",
    "pm.expect({a: 1}).to.have.own.property('a')", "pm.expect({a: 1}).to.haveOwnProperty('a')",
    "pm.expect({a: {b: [1, 2]}}).to.have.nested.property('a.b[1]', 2)",
    "pm.expect({x: {y: 1}}).to.have.deep.property('x', {y: 1})",
    "pm.expect({a: 1}).to.have.property('a').that.equals(1)",
    "pm.expect({a: 1}).to.have.property('a').which.is.a('number')",
    "pm.expect({a: 1}).not.to.have.property('b')",
    "pm.expect({a: 1, b: 2}).to.have.all.keys('a', 'b')", "pm.expect({a: 1, b: 2}).to.have.keys(['a', 'b'])",
    "pm.expect({a: 1, b: 2}).to.have.any.keys('a', 'z')", "pm.expect({a: 1, b: 2}).to.include.keys('a')",
    "pm.expect({a: 1, b: 2}).to.contain.all.keys(['a'])", "pm.expect({a: 1, b: 2}).to.have.keys({a: 0, b: 0})",
    "pm.expect({a: 1}).to.have.key('a')",
    "pm.expect('foobar').to.match(/^foo/)", "pm.expect('foobar').to.have.string('oba')",
    "pm.expect('foobar').to.include('bar')", "pm.expect('foobar').to.contain('oo')",
    "pm.expect('foobar').includes('foo')", "pm.expect('foobar').contains('ar')",
    "pm.expect([1, 2, 3]).to.include(2)", "pm.expect([{a: 1}]).to.deep.include({a: 1})",
    "pm.expect({a: 1, b: 2}).to.include({a: 1})", "pm.expect([1, 2]).to.not.include(3)",
    "pm.expect([1, 2, 3]).to.have.members([3, 2, 1])", "pm.expect([1, 2, 3]).to.include.members([2])",
    "pm.expect([1, 2, 3]).to.have.same.members([1, 2, 3])", "pm.expect([{a: 1}]).to.have.deep.members([{a: 1}])",
    "pm.expect([1, 2]).to.have.ordered.members([1, 2])", "pm.expect([1, 2]).to.not.have.ordered.members([2, 1])",
    "pm.expect(new Date()).to.be.instanceOf(Date)", "pm.expect([]).to.be.an.instanceof(Array)",
    "pm.expect(1.5).to.be.closeTo(1, 0.5)", "pm.expect(1.5).to.be.approximately(2, 0.5)",
    "pm.expect(1).to.not.equal(2)", "pm.expect(5).to.be.a('number').and.above(4).and.below(6)",
    "pm.expect(5).with.been.is.has.same.of.at.least(1)", "pm.expect(5).that.which.but.does.still.also.equal(5)",
    "pm.expect(function () { throw new TypeError('boom'); }).to.throw(TypeError, 'boom')",
    "pm.expect(function () { throw new Error('x'); }).to.throw(/x/)", "pm.expect(function () {}).to.not.throw()",
    "pm.expect(4).to.satisfy(function (n) { return n % 2 === 0; })", "pm.expect(Infinity).to.not.be.finite",
]


@pytest.mark.parametrize("expression", PASSING)
def test_passing_chains(engine, expression):
    (result,) = run_tests(engine, f"pm.test('t', function () {{ {expression}; }});")
    assert result.passed, result.message


FAILING = [
    ("pm.expect(404).to.equal(200)", "expected 404 to equal 200"),
    ("pm.expect('a').to.equal('b')", "expected 'a' to equal 'b'"),
    ("pm.expect({a: 1}).to.eql({a: 2})", "expected { a: 1 } to deeply equal { a: 2 }"),
    ("pm.expect([1, 2]).to.deep.equal([2, 1])", "expected [ 1, 2 ] to deeply equal [ 2, 1 ]"),
    ("pm.expect(1).to.not.equal(1)", "expected 1 to not equal 1"),
    ("pm.expect(3).to.be.above(5)", "expected 3 to be above 5"),
    ("pm.expect(3).to.be.at.least(5)", "expected 3 to be at least 5"),
    ("pm.expect(30000).to.be.below(10000)", "expected 30000 to be below 10000"),
    ("pm.expect(9).to.be.at.most(5)", "expected 9 to be at most 5"),
    ("pm.expect(9).to.not.be.above(5)", "expected 9 to be at most 5"),
    ("pm.expect(9).to.be.within(1, 5)", "expected 9 to be within 1..5"),
    ("pm.expect('x').to.be.an('object')", "expected 'x' to be an object"),
    ("pm.expect({}).to.be.an('array')", "expected {} to be an array"),
    ("pm.expect(1).to.not.be.a('number')", "expected 1 not to be a number"),
    ("pm.expect(404).to.be.oneOf([200, 201, 204])", "expected 404 to be one of [ 200, 201, 204 ]"),
    ("pm.expect('').to.not.be.empty", "expected '' not to be empty"),
    ("pm.expect([1]).to.be.empty", "expected [ 1 ] to be empty"),
    ("pm.expect(0).to.be.ok", "expected +0 to be truthy"),
    ("pm.expect('x').to.not.be.ok", "expected 'x' to be falsy"),
    ("pm.expect(false).to.be.true", "expected false to be true"),
    ("pm.expect(1).to.be.false", "expected 1 to be false"),
    ("pm.expect(null).to.exist", "expected null to exist"),
    ("pm.expect(1).to.be.null", "expected 1 to be null"),
    ("pm.expect(1).to.be.undefined", "expected 1 to be undefined"),
    ("pm.expect([1, 2]).to.have.lengthOf(3)", "expected [ 1, 2 ] to have a length of 3 but got 2"),
    ("pm.expect([1, 2]).to.have.length.above(5)", "expected [ 1, 2 ] to have a length above 5 but got 2"),
    ("pm.expect({a: 1}).to.have.property('b')", "expected { a: 1 } to have property 'b'"),
    ("pm.expect({a: 1}).to.have.property('a', 2)", "expected { a: 1 } to have property 'a' of 2, but got 1"),
    ("pm.expect({a: {b: 1}}).to.have.nested.property('a.c')", "expected { a: { b: 1 } } to have nested property 'a.c'"),
    ("pm.expect({a: 1}).to.have.own.property('toString')", "expected { a: 1 } to have own property 'toString'"),
    ("pm.expect({a: 1}).to.have.all.keys('a', 'b')", "expected { a: 1 } to have keys 'a', and 'b'"),
    ("pm.expect({a: 1}).to.have.any.keys('x', 'y')", "expected { a: 1 } to have keys 'x', or 'y'"),
    ("pm.expect({a: 1}).to.include.keys('b')", "expected { a: 1 } to contain key 'b'"),
    ("pm.expect('abc').to.match(/z/)", "expected 'abc' to match /z/"),
    ("pm.expect('foobar').to.include('baz')", "expected 'foobar' to include 'baz'"),
    ("pm.expect([1, 2]).to.include(3)", "expected [ 1, 2 ] to include 3"),
    ("pm.expect([{a: 1}]).to.deep.include({a: 2})", "expected [ { a: 1 } ] to deep include { a: 2 }"),
    ("pm.expect({a: 1}).to.include({a: 2})", "expected { a: 1 } to have property 'a' of 2, but got 1"),
    ("pm.expect([1, 2]).to.have.members([1, 3])", "expected [ 1, 2 ] to have the same members as [ 1, 3 ]"),
    ("pm.expect([1, 2]).to.include.members([3])", "expected [ 1, 2 ] to be a superset of [ 3 ]"),
    ("pm.expect({}).to.be.instanceOf(Date)", "expected {} to be an instance of Date"),
    ("pm.expect(2).to.be.closeTo(1, 0.5)", "expected 2 to be close to 1 +/- 0.5"),
    ("pm.expect('abc').to.have.string('z')", "expected 'abc' to contain 'z'"),
    ("pm.expect({aaaaaaaaaa: 1, bbbbbbbbbbbbb: 2, cccccccccccc: 3}).to.have.property('zz')",
     "expected { aaaaaaaaaa: 1, …(2) } to have property 'zz'"),
    ("pm.expect(Array.from({length: 20}, (_, i) => i)).to.include(99)", "expected [ Array(20) ] to include 99"),
    ("pm.expect('x'.repeat(50)).to.equal('y')", "expected '" + "x" * 37 + "\u2026' to equal 'y'"),
    ("pm.expect(1, 'status code').to.equal(2)", "status code: expected 1 to equal 2"),
    ("pm.expect('x').to.be.above(1)", "expected 'x' to be a number or a date"),
    ("pm.expect(5).to.satisfy(function isEven(n) { return n % 2 === 0; })",
     "expected 5 to satisfy [Function isEven]"),
    ("pm.expect(function () {}).to.throw()", "expected [Function] to throw an error"),
    ("pm.expect.fail('deliberately')", "deliberately"),
    ("pm.expect('it\\'s').to.equal('x')", "expected 'it\\'s' to equal 'x'"),
]


@pytest.mark.parametrize("expression, message", FAILING)
def test_failure_messages_match_chai(engine, expression, message):
    (result,) = run_tests(engine, f"pm.test('t', function () {{ {expression}; }});")
    assert not result.passed
    assert result.error_name == "AssertionError"
    assert result.error_message == message


def test_property_access_returns_fresh_assertions(engine):
    """Chai creates a new assertion per property access (flags copied); `.not` flags its receiver."""
    results = run_tests(engine, """
const to = pm.expect(1).to;
const be = to.be;          // a copy of the flags as they are now
const notBe = to.not.be;   // sets negate on `to` (as chai does), not on `be`
pm.test('stored chain unaffected', () => be.equal(1));
pm.test('negated chain', () => notBe.equal(2));
pm.test('the receiver of .not is negated, as in chai', () => pm.expect(() => to.equal(1)).to.throw('expected 1 to not equal 1'));
pm.test('response helpers are independent', () => { pm.response.to.not.have.status(404); pm.response.to.have.status(200); });
""")
    assert [r.passed for r in results] == [True, True, True, True]


def test_non_assertion_errors_inside_a_test_fail_it_with_their_type(engine):
    (result,) = run_tests(engine, "pm.test('t', () => { undefinedThing.call(); });")
    assert not result.passed
    assert result.error_name == "ReferenceError" and "undefinedThing is not defined" in result.error_message
