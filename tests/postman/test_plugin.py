"""The pytest plugin, exercised through pytester: ids, selection, failures, iterations, options."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from tests.postman.helpers import collection, request_item

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

DEMO = collection([
    request_item("Root req", "{{base}}/status/200", tests="pm.test('200', () => pm.response.to.have.status(200));"),
    {"name": "Folder A", "item": [
        request_item("Echo", "{{base}}/echo/x", tests="pm.test('echo', () => pm.response.to.have.status(200));\n"
                                                    "pm.test('bad', () => pm.expect(404).to.equal(200));"),
        {"name": "Sub", "item": [request_item("Deep", "{{base}}/status/201",
                                              tests="pm.test('201', () => pm.response.to.have.status(201));")]},
        request_item("After sub", "{{base}}/status/204"),
    ]},
    request_item("Last", "{{base}}/pages?page=1", tests="pm.test('rows', () => pm.expect(pm.response.json().value).to.have.lengthOf(2));"),
], name="Demo")


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def env(base: str, **values) -> dict:
    return {"name": "test env", "values": [{"key": "base", "value": base, "enabled": True}]
            + [{"key": k, "value": v, "enabled": True} for k, v in values.items()]}


@pytest.fixture
def demo(pytester, server):
    write(pytester.path / "collections" / "demo.postman_collection.json", DEMO)
    write(pytester.path / "collections" / "demo.postman_environment.json", env(server.url))
    return pytester


def run(pytester, *args):
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)


def test_node_ids_follow_collection_order(demo):
    result = run(demo, "--co", "-q")
    result.stdout.fnmatch_lines([
        "collections/demo.postman_collection.json::Root req",
        "collections/demo.postman_collection.json::Folder A::Echo",
        "collections/demo.postman_collection.json::Folder A/Sub::Deep",
        "collections/demo.postman_collection.json::Folder A::After sub",
        "collections/demo.postman_collection.json::Last",
        "*5 tests collected*",
    ])


def test_failing_pm_test_is_shown_with_its_message(demo):
    result = run(demo)
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines([
        "*postman: Folder A/Echo*",
        "GET http://127.0.0.1:*/echo/x -> 200 OK (* ms)",
        '  - passed   pm.test "echo"',
        '  - FAILED   pm.test "bad": AssertionError: expected 404 to equal 200',
        "*5 request(s) run, 5 pm.test assertion(s), 1 failed*",
        "FAILED collections/demo.postman_collection.json::Folder A::Echo*",
    ])
    assert "Traceback" not in result.stdout.str()


def test_k_selection_and_running_one_item_alone(demo):
    result = run(demo, "-k", "Deep or Last")
    result.assert_outcomes(passed=2, deselected=3)
    by_id = run(demo, "collections/demo.postman_collection.json::Folder A/Sub::Deep")
    by_id.assert_outcomes(passed=1)


def test_marks_for_folders_and_collection(demo):
    run(demo, "-m", "postman_folder").assert_outcomes(passed=2, failed=1, deselected=2)
    run(demo, "-m", "not postman_folder").assert_outcomes(passed=2, deselected=3)
    items = demo.getitems(demo.path / "collections" / "demo.postman_collection.json")
    deep = next(i for i in items if i.name == "Deep")
    assert [m.args for m in deep.iter_markers("postman_folder")] == [("Folder A",), ("Sub",)]
    assert deep.get_closest_marker("postman_collection").args == ("Demo",)


def test_iterations_get_numbered_ids_and_data_rows(demo, tmp_path):
    result = run(demo, "--postman-iterations", "2", "--co", "-q")
    result.stdout.fnmatch_lines(["*::Root req[[]iteration-1[]]", "*::Folder A/Sub::Deep[[]iteration-1[]]",
                                 "*::Last[[]iteration-1[]]", "*::Root req[[]iteration-2[]]", "*10 tests collected*"])
    data = write(tmp_path / "rows.json", [{"code": "201"}, {"code": "202"}])
    write(demo.path / "collections" / "data.postman_collection.json", collection([
        request_item("Status from data", "{{base}}/status/{{code}}",
                     tests="pm.test('row', () => pm.response.to.have.status(Number(pm.iterationData.get('code'))));")]))
    write(demo.path / "collections" / "data.postman_environment.json", env(demo.path.as_posix()))
    # option=value form: a bare path argument would move pytest's rootdir
    result = run(demo, f"--postman-data={data}",
                 f"--postman-env={demo.path / 'collections' / 'demo.postman_environment.json'}", "-k", "Status", "-v")
    result.assert_outcomes(passed=2, deselected=10)
    result.stdout.fnmatch_lines(["*Status from data[[]iteration-1[]] PASSED*", "*Status from data[[]iteration-2[]] PASSED*"])


def test_set_next_request_skips_and_loops(pytester, server):
    write(pytester.path / "collections" / "flow.postman_collection.json", collection([
        request_item("Start", "{{base}}/status/200", tests="postman.setNextRequest('Page');"),
        request_item("Jumped over", "{{base}}/status/200"),
        request_item("Page", "{{base}}/pages?page={{page}}", pre="pm.variables.set('page', pm.collectionVariables.get('page') || 1);",
                     tests="const next = pm.response.json()['@odata.nextLink'];\n"
                           "pm.test('page has rows', () => pm.expect(pm.response.json().value).to.not.be.empty);\n"
                           "if (next) { pm.collectionVariables.set('page', Number(next.split('page=')[1])); postman.setNextRequest('Page'); }\n"
                           "else { postman.setNextRequest(null); }"),
        request_item("After stop", "{{base}}/status/200"),
    ]))
    write(pytester.path / "collections" / "flow.postman_environment.json", env(server.url))
    result = run(pytester, "-rsP")
    result.assert_outcomes(passed=2, skipped=2)
    result.stdout.fnmatch_lines([
        "*[[]run 3 of 3: Page[]]*",
        "SKIPPED [[]1[]] collections/flow.postman_collection.json*: skipped: 'Start' called setNextRequest past this request",
        "SKIPPED [[]1[]] collections/flow.postman_collection.json*: iteration 1 was ended by setNextRequest(null) in 'Page'",
    ])


def test_environment_file_conventions(pytester, server):
    item = request_item("Uses env", "{{base}}/echo/{{which}}",
                        tests="pm.test('env', () => pm.expect(pm.response.json().path).to.equal('/echo/' + pm.environment.get('expected')));")
    write(pytester.path / "collections" / "prefixed.postman_collection.json", collection([item]))
    write(pytester.path / "collections" / "prefixed.sim.postman_environment.json",
          env(server.url, which="prefix", expected="prefix"))
    write(pytester.path / "collections" / "ambiguous.postman_collection.json", collection([item]))
    write(pytester.path / "collections" / "ambiguous.a.postman_environment.json", env(server.url, which="a"))
    write(pytester.path / "collections" / "ambiguous.b.postman_environment.json", env(server.url, which="b"))
    other = write(pytester.path / "elsewhere.json", env(server.url, which="option", expected="option"))
    result = run(pytester, "-k", "prefixed")
    result.assert_outcomes(passed=1, deselected=1)
    result = run(pytester, "-k", "ambiguous")
    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(["*ambiguous.postman_collection.json: 0 unsupported, 1 warning(s)*"])
    result = run(pytester, f"--postman-env={other}")
    result.assert_outcomes(passed=2)


def test_postman_option_collects_other_paths_and_only_those(pytester, server):
    write(pytester.path / "suites" / "extra.postman_collection.json", collection([
        request_item("Extra", "{{base}}/status/200", tests="pm.test('ok', () => pm.response.to.be.ok);")]))
    write(pytester.path / "suites" / "extra.postman_environment.json", env(server.url))
    write(pytester.path / "fixtures" / "ignored.postman_collection.json", collection([request_item("x", "http://h/")]))
    run(pytester).assert_outcomes()  # nothing: suites/ and fixtures/ are not collection roots
    result = run(pytester, "--postman", "suites")
    result.assert_outcomes(passed=1)
    direct = run(pytester, "fixtures/ignored.postman_collection.json", "--co", "-q")
    direct.stdout.fnmatch_lines(["fixtures/ignored.postman_collection.json::x"])
    missing = run(pytester, "--postman", "nope")
    assert missing.ret == pytest.ExitCode.USAGE_ERROR
    missing.stderr.fnmatch_lines(["*--postman nope: no such file or directory*"])


def test_malformed_collection_is_a_collection_error_without_traceback(pytester):
    write(pytester.path / "collections" / "broken.postman_collection.json", collection([
        request_item("Bad body", "http://h/", "POST", body={"mode": "bogus"})]))
    result = run(pytester)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*ERROR collecting collections/broken.postman_collection.json*",
                                 "*broken.postman_collection.json:*item 'Bad body': unknown body mode 'bogus'*"])
    assert "Traceback" not in result.stdout.str()


def test_session_and_token_provider_fixtures_can_be_overridden(pytester, server):
    write(pytester.path / "collections" / "o.postman_collection.json", collection([
        request_item("OAuth", "{{base}}/echo/o",
                     tests="const h = pm.response.json().headers;\n"
                           "pm.test('session header', () => pm.expect(h['x-session']).to.equal('custom'));\n"
                           "pm.test('provider token', () => pm.expect(h.authorization).to.equal('Bearer provided-for-cid'));")],
        auth={"type": "oauth2", "oauth2": [{"key": "clientId", "value": "cid"}, {"key": "accessToken", "value": ""}]}))
    write(pytester.path / "collections" / "o.postman_environment.json", env(server.url))
    pytester.makeconftest("""
import pytest, requests

@pytest.fixture(scope="session")
def postman_session():
    s = requests.Session()
    s.headers["X-Session"] = "custom"
    yield s

@pytest.fixture
def postman_token_provider():
    return lambda params: "provided-for-" + params["clientId"]
""")
    run(pytester).assert_outcomes(passed=1)


def test_passing_results_are_in_user_properties_and_the_verbose_summary(demo):
    xml_path = demo.path / "report.xml"
    result = run(demo, "-v", f"--junitxml={xml_path}", "-k", "Root or Deep")
    result.stdout.fnmatch_lines(["*= postman =*", "collections/demo.postman_collection.json::Root req",
                                 '*- passed   pm.test "200"'])
    properties = [json.loads(p.get("value")) for p in ET.parse(xml_path).iter("property")
                  if p.get("name") == "pm.test"]
    assert {(p["item"], p["name"], p["passed"]) for p in properties} == {("Root req", "200", True),
                                                                        ("Folder A/Sub/Deep", "201", True)}


def test_run_time_warnings_are_summarised(demo):
    write(demo.path / "collections" / "demo.postman_collection.json", collection([
        request_item("Unresolved", "{{base}}/echo/{{nothing}}")]))
    result = run(demo)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["demo.postman_collection.json: 1 run-time warning(s):",
                                 "  [[]warning[]] Unresolved: unresolved variable {{nothing}} in url*"])


def test_import_report_option(pytester, server):
    write(pytester.path / "collections" / "r.postman_collection.json", collection([
        request_item("Hawk", "{{base}}/status/200", auth={"type": "hawk", "hawk": []})]))
    write(pytester.path / "collections" / "r.postman_environment.json", env(server.url))
    result = run(pytester, "--postman-report")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["Postman import report: *r.postman_collection.json",
                                 "  [[]unsupported[]] Hawk: 'hawk' auth is not supported; requests are sent without it"])
