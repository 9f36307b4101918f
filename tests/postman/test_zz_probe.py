def test_probe(pytester):
    pytester.makepyfile("def test_a(): pass")
    r = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    r.assert_outcomes(passed=1)
