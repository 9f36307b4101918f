"""Hypothesis fuzzing of every simulated OData root over real HTTP: never a server error (5xx other than a
deliberate 501), always the service's own error shape.

A generator mixes valid and broken URLs (entity sets, keys, properties, navigations, ``$count``,
``$value``, ``$ref``, junk segments), query options (``$filter`` expressions built from the model's
property names, operators and literals, plus raw junk), bodies (JSON objects with real and unknown
properties, bad JSON, binary), headers (``If-Match``, ``Prefer``, content types) and credentials
(good, missing, garbage), very long ``and``/``or`` chains and deep nesting of ``$filter`` and of JSON bodies,
lone UTF-16 surrogates. Each root gets ``FUZZ_EXAMPLES`` cases (1,000 by default, derandomized so a
CI run is repeatable; set ``FUZZ_EXAMPLES=20000`` for a deep run). The server is a private one, so
the writes do not disturb the other tests' data.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import pytest
import requests
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from simulator.bc.model import COMPANY_SCOPED
from simulator.config import BC_AUDIENCE
from simulator.server import SimulatorServer
from tests.reliability.conftest import app_token, user_token

pytestmark = [pytest.mark.sim_only, pytest.mark.fuzz]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1000"))
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                         phases=[Phase.explicit, Phase.generate, Phase.shrink],
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                                HealthCheck.filter_too_much, HealthCheck.data_too_large])


@dataclass
class Table:
    """One entity set as a well-formed request sees it: its URL path, names and some real keys."""

    path: str  # "accounts", F&O "CustomersV3", BC "companies(<id>)/items"
    properties: list[str]
    navigations: list[str]
    keys: list[str]  # key predicates of existing rows, as written in a URL


@dataclass
class Root:
    host: str
    api: str
    token: str
    sets: list[str]
    properties: list[str]
    navigations: list[str]
    keys: list[str]  # well-formed key predicates of existing rows
    prefixes: list[str]  # path prefixes (BC: companies(<id>)/)
    tables: list[Table]


class Fuzzer:
    """One private simulator and a session per root."""

    def __init__(self) -> None:
        self.server = SimulatorServer().start()
        self.session = requests.Session()
        c = self.server.config
        self.roots = {
            "crm": self._root("crm", f"{c.crm_url}/api/data/v9.2", user_token(self.server, c.crm_url),
                              self.server.apps.crm.state.service.model),
            "fno": self._root("fno", f"{c.fno_url}/data", app_token(self.server, c.fno_url),
                              self.server.apps.fno.state.service.model),
            "bc": self._root("bc", f"{c.bc_url}/v2.0/{c.tenant_id}/production/api/v2.0",
                             app_token(self.server, BC_AUDIENCE), self.server.apps.bc.state.router.root.model),
        }

    def _root(self, host: str, api: str, token: str, model) -> Root:
        sets = [s.name for s in model.entity_sets]
        properties = sorted({p.name for s in model.entity_sets for p in s.type.properties})
        navigations = sorted({n.name for s in model.entity_sets for n in s.type.navigations})
        headers = {"Authorization": f"Bearer {token}"}
        prefixes = [""]
        if host == "bc":
            company = self.session.get(f"{api}/companies", headers=headers, timeout=10).json()["value"][0]["id"]
            prefixes.append(f"companies({company})/")
        tables = []
        for entity_set in model.entity_sets:
            path = f"{prefixes[-1]}{entity_set.name}" if host == "bc" and entity_set.name in COMPANY_SCOPED \
                else entity_set.name
            reply = self.session.get(f"{api}/{path}", params={"$top": "2"}, headers=headers, timeout=10)
            rows = reply.json().get("value", []) if reply.status_code == 200 else []
            names = entity_set.type.key
            keys = []
            for row in rows:
                if len(names) == 1:
                    value = row[names[0]]
                    quoted = host == "fno" or (isinstance(value, str) and host == "crm"
                                               and not re.fullmatch(r"[0-9a-f-]{36}", value))
                    keys.append(f"'{value}'" if quoted else str(value))
                else:
                    keys.append(",".join(f"{n}='{row[n]}'" for n in names))
            tables.append(Table(path, [p.name for p in entity_set.type.properties],
                                [n.name for n in entity_set.type.navigations], keys or ["'none'"]))
        all_keys = [key for table in tables for key in table.keys]
        return Root(host, api, token, sets, properties, navigations, all_keys, prefixes, tables)

    def close(self) -> None:
        self.session.close()
        self.server.stop()


@pytest.fixture(scope="module")
def fuzzer():
    fuzz = Fuzzer()
    yield fuzz
    fuzz.close()


# ---------------------------------------------------------------------- strategies
JUNK = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
SPECIAL = st.sampled_from(["'", "''", "(", ")", "()", "/", "%", "%27", "%2F", "$", "@", ",", "=", " ", "\\",
                           "\u00e9", "\u2603", "..", "{", "}", "[", "]", "*", ":"])
LITERALS = st.one_of(
    st.integers(-10**15, 10**15).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    JUNK.map(lambda t: "'" + t.replace("'", "''") + "'"),
    st.uuids().map(str),
    st.sampled_from(["null", "true", "false", "2024-01-01", "2024-01-01T00:00:00Z", "2024-13-45T99:00:00Z",
                     "Microsoft.Dynamics.CRM.x'1'", "Microsoft.Dynamics.DataEntities.NoYes'Yes'", "'unterminated",
                     "12.5m", "1e400", "-", "@p1", "INF", "NaN", "binary'AA=='", "duration'P1D'", "{00000000}"]),
)
OPERATORS = st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le", "has", "in", "add", "EQ", "=", "like"])
FUNCTIONS = st.sampled_from(["contains", "startswith", "endswith", "substringof", "tolower", "length", "now",
                             "Microsoft.Dynamics.CRM.In", "indexof", "year", "cast"])


def _some(choices: dict, most: int):
    """A dict of up to ``most`` of ``choices`` (cheaper to draw than fixed_dictionaries' optional keys)."""
    pairs = st.one_of([st.tuples(st.just(name), value) for name, value in choices.items()])
    return st.lists(pairs, max_size=most).map(dict)


def _well_formed(table: Table):
    prop = st.sampled_from(table.properties)
    comparison = st.tuples(prop, st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le"]), LITERALS).map(" ".join)
    function = st.tuples(st.sampled_from(["contains", "startswith", "endswith"]), prop, LITERALS) \
        .map(lambda t: f"{t[0]}({t[1]},{t[2]})")
    condition = st.recursive(comparison | function, lambda inner: st.tuples(
        inner, st.sampled_from([" and ", " or "]), inner).map("".join) | inner.map(lambda e: f"not ({e})"),
        max_leaves=3)
    integer = st.one_of(st.integers(0, 50).map(str), st.sampled_from(
        ["-1", "2147483648", str(2**63 - 1), str(2**63), str(2**64), "1" + "0" * 30, "1.5", "+2"]))
    options = _some({
        "$filter": condition, "$select": st.lists(prop, min_size=1, max_size=3).map(",".join),
        "$orderby": st.tuples(prop, st.sampled_from(["", " asc", " desc"])).map("".join),
        "$top": integer, "$skip": integer, "$count": st.sampled_from(["true", "false"]),
        "$expand": st.sampled_from(table.navigations) if table.navigations else st.just(table.properties[0]),
    }, 3)
    keyed = st.sampled_from(table.keys).map(lambda key: f"{table.path}({key})")
    value = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), JUNK,
                      st.sampled_from(["2024-01-01T00:00:00Z", "2024-01-01", "00000000-0000-0000-0000-000000000000"]))
    body = st.dictionaries(prop, value, max_size=4).map(lambda d: json.dumps(d).encode())
    return st.one_of(
        st.tuples(st.just("GET"), st.just(table.path), options, st.none(), st.just({}), st.just("good")),
        st.tuples(st.just("GET"), keyed, options, st.none(), st.just({}), st.just("good")),
        st.tuples(st.just("POST"), st.just(table.path), st.just({}), body, st.just({}), st.just("good")),
        st.tuples(st.sampled_from(["PATCH", "DELETE"]), keyed, st.just({}), body,
                  st.sampled_from([{}, {"If-Match": "*"}]), st.just("good")),
    )


def _strategies(root: Root):
    prop = st.one_of(st.sampled_from(root.properties), st.sampled_from(root.navigations or ["x"]),
                     JUNK, st.sampled_from(root.properties).map(lambda p: p + "/x"))
    comparison = st.tuples(prop, OPERATORS, LITERALS).map(" ".join)
    function = st.tuples(FUNCTIONS, prop, LITERALS).map(lambda t: f"{t[0]}({t[1]},{t[2]})")
    lambda_ = st.tuples(st.sampled_from(root.navigations or ["x"]), st.sampled_from(["any", "all"]), comparison) \
        .map(lambda t: f"{t[0]}/{t[1]}(o:o/{t[2]})")
    atom = st.one_of(comparison, function, lambda_, JUNK, SPECIAL)
    filter_expr = st.recursive(atom, lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from([" and ", " or ", " ", ","]), inner).map("".join),
        inner.map(lambda e: f"not ({e})"), inner.map(lambda e: f"({e}")), max_leaves=4)
    # Very long chains (past SQLite's expression depth) and deep nesting (past every recursion limit).
    long_chain = st.tuples(st.lists(comparison, min_size=1, max_size=3), st.sampled_from([" and ", " or "]),
                           st.integers(50, 1500)).map(lambda t: t[1].join((t[0] * t[2])[:t[2]]))
    deep = st.tuples(comparison, st.sampled_from(["not ({e})", "({e})", "{s} or ({e})", "not ({s} and ({e}))", "1 add ({e})"]),
                     st.integers(20, 3000)).map(lambda t: _nest(t[0], t[1], t[2]))
    filter_expr = st.one_of(filter_expr, filter_expr, filter_expr, long_chain, deep)
    names = st.lists(prop, max_size=4).map(",".join)
    numberish = st.one_of(st.integers(-5, 10**10).map(str), st.integers(-10**30, 10**30).map(str), JUNK)
    expand = st.one_of(st.sampled_from(root.navigations or ["x"]), JUNK,
                       st.tuples(st.sampled_from(root.navigations or ["x"]), names, numberish)
                       .map(lambda t: f"{t[0]}($select={t[1]};$top={t[2]})"),
                       st.sampled_from(root.navigations or ["x"]).map(lambda n: f"{n}($expand={n}($expand={n}))"))
    options = _some({
        "$filter": filter_expr, "$select": names,
        "$orderby": st.tuples(prop, st.sampled_from(["", " asc", " desc", " sideways"])).map("".join),
        "$top": numberish, "$skip": numberish, "$expand": expand,
        "$count": st.sampled_from(["true", "false", "yes", ""]), "$skiptoken": st.one_of(JUNK, numberish),
        "$search": JUNK, "$apply": JUNK, "$format": st.sampled_from(["json", "xml", ""]), "$foo": JUNK,
        "company": st.one_of(JUNK, st.just("CRONUS USA, Inc.")), "cross-company": st.sampled_from(["true", "x"]),
    }, 4)
    key = st.one_of(st.sampled_from(root.keys), st.uuids().map(str), JUNK, st.integers().map(str),
                    JUNK.map(lambda t: "'" + t + "'"), st.tuples(prop, LITERALS).map("=".join),
                    st.sampled_from(["", "'a'b'", "name='x',", "dataAreaId='usmf',CustomerAccount='US-001'",
                                     "accountnumber='A1'", "1,2", "((1))"]))
    entity = st.tuples(st.sampled_from(root.prefixes), st.one_of(st.sampled_from(root.sets), JUNK)).map("".join)
    valid_set = st.tuples(st.sampled_from(root.prefixes), st.sampled_from(root.sets)).map("".join)
    path = st.one_of(
        valid_set, valid_set, st.tuples(valid_set, st.sampled_from(root.keys)).map(lambda t: f"{t[0]}({t[1]})"),
        st.sampled_from(["", "$metadata", "$batch", "$count", "WhoAmI", "WhoAmI()", "$metadata#x"]),
        entity,
        st.tuples(entity, key).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(entity, st.sampled_from(["$count", "$value", "$ref", "$metadata"])).map("/".join),
        st.tuples(entity, key, prop, st.sampled_from(["", "/$value", "/$ref", "/$count", "/x"]))
        .map(lambda t: f"{t[0]}({t[1]})/{t[2]}{t[3]}"),
        st.lists(st.one_of(JUNK, SPECIAL), min_size=1, max_size=4).map("/".join),
    )
    json_value = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                                        st.floats(allow_nan=False), JUNK, LITERALS),
                              lambda inner: st.lists(inner, max_size=3) | st.dictionaries(JUNK, inner, max_size=3),
                              max_leaves=5)
    body = st.one_of(
        st.none(),
        st.dictionaries(st.one_of(prop, st.sampled_from(["@odata.type", "@odata.id", "x@odata.bind"])), json_value,
                        max_size=5).map(lambda d: json.dumps(d).encode()),
        st.dictionaries(st.sampled_from(root.navigations or ["x"]).map(lambda n: f"{n}@odata.bind"),
                        st.one_of(JUNK, st.tuples(st.sampled_from(root.sets), key).map(lambda t: f"/{t[0]}({t[1]})")),
                        max_size=2).map(lambda d: json.dumps(d).encode()),
        st.sampled_from([b"{", b"[]", b'"text"', b"null", b"{\"a\":}", b"\xff\xfe", b"{}" * 3]),
        st.tuples(st.sampled_from(["[", '{"a":[', '{"a":{"b":'] ), st.integers(50, 100_000))
        .map(lambda t: _deep_json(*t)),
        st.dictionaries(prop, st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3), min_size=1,
                        max_size=2).map(lambda d: json.dumps(d).encode()),
        st.binary(max_size=24),
    )
    headers = _some({
        "If-Match": st.sampled_from(["*", 'W/"1"', 'W/"1000001"', "garbage", '"x"', 'W/"', ""]),
        "If-None-Match": st.sampled_from(["*", "x"]),
        "Prefer": st.sampled_from(["return=representation", "odata.maxpagesize=2", "odata.maxpagesize=-1",
                                   "odata.maxpagesize=abc", 'odata.include-annotations="*"', "garbage=,;"]),
        "Content-Type": st.sampled_from(["application/json", "text/plain", "application/xml", "multipart/mixed"]),
        "Isolation": st.just("snapshot"), "Data-Access-Intent": st.sampled_from(["ReadOnly", "x"]),
    }, 2)
    auth = st.sampled_from(["good"] * 12 + ["none", "garbage", "not-a-jwt.x.y"])
    method = st.sampled_from(["GET"] * 5 + ["POST", "PATCH", "PUT", "DELETE"])
    wild = st.tuples(method, path, options, body, headers, auth)
    # Well-formed requests (one entity set, its own names, good credentials) reach the query engine and
    # the writers instead of failing validation early.
    well_formed = st.sampled_from(root.tables).flatmap(_well_formed)
    return st.one_of(well_formed, wild)


def _nest(seed: str, template: str, depth: int) -> str:
    """``template`` (``{s}`` = ``seed``, ``{e}`` = the expression so far) applied ``depth`` times."""
    before, _, after = template.replace("{s}", seed).partition("{e}")
    return before * depth + seed + after * depth


def _deep_json(opening: str, depth: int) -> bytes:
    """``depth`` levels of nested arrays (or objects) behind ``opening``, properly closed."""
    closing = "".join({"[": "]", "{": "}"}[c] for c in reversed(opening) if c in "[{")
    inner = "[" * depth + "]" * depth
    return (opening + inner + closing).encode()


# ---------------------------------------------------------------------- oracle
def check_reply(root: Root, reply: requests.Response, described: str) -> None:
    status = reply.status_code
    # 501 is a deliberate answer (Dataverse: a function it does not implement), still in the error shape.
    assert status < 500 or status == 501, f"{described} -> {status}: {reply.text[:500]}"
    if status < 400:
        return
    if status == 401 and root.host in ("crm", "fno") and not reply.content:
        assert reply.headers.get("WWW-Authenticate", "").startswith("Bearer "), described
        return
    assert "json" in reply.headers.get("Content-Type", ""), f"{described} -> {status} {reply.headers}"
    body = reply.json()
    if root.host == "fno" and "Message" in body:
        assert isinstance(body["Message"], str) and body["Message"], described  # Web API routing error
        return
    error = body.get("error")
    assert isinstance(error, dict), f"{described} -> {status}: {body}"
    assert isinstance(error.get("code"), str) and isinstance(error.get("message"), str) and error["message"]
    if root.host == "fno":
        assert error["code"] == "" and set(error["innererror"]) == {"message", "type", "stacktrace"}, body
    if root.host == "bc":
        assert error["code"], body  # Category_Detail codes, never empty


def run_case(fuzzer: Fuzzer, root: Root, case) -> None:
    method, path, options, body, headers, auth = case
    # "." and ".." segments are resolved by the HTTP client before sending; the URL would leave the root.
    assume(not any(segment in (".", "..") for segment in path.split("/")))
    query = urlencode(options, quote_via=quote, safe="$,'()/:@")
    url = f"{root.api}/{quote(path, safe=chr(39) + '/()$,=@:*')}" + (f"?{query}" if query else "")
    sent = dict(headers)
    if auth == "good":
        sent["Authorization"] = f"Bearer {root.token}"
    elif auth != "none":
        sent["Authorization"] = f"Bearer {auth}"
    try:
        reply = fuzzer.session.request(method, url, data=body, headers=sent, timeout=30, allow_redirects=False)
    except requests.ConnectionError:  # a connection the server closed after an earlier reply: once more, fresh
        fuzzer.session.close()
        reply = fuzzer.session.request(method, url, data=body, headers=sent, timeout=30, allow_redirects=False)
    if reply.status_code >= 500:
        fuzzer.session.close()  # the server drops the connection after a 500
    check_reply(root, reply, f"{method} {url} headers={headers} body={body!r}"[:800])


@pytest.mark.parametrize("host", ["crm", "fno", "bc"])
def test_no_server_errors_and_native_error_shapes(fuzzer, host):
    root = fuzzer.roots[host]

    @FUZZ_SETTINGS
    @given(case=_strategies(root))
    def fuzz(case):
        run_case(fuzzer, root, case)

    fuzz()


# Defects the fuzzer found (500s or plain-text answers); each must now get the service's own 4xx error.
FOUND_BY_FUZZING = {
    "newline-in-path": ("GET", "{set}%0Ax", None),
    "integer-overflow": ("GET", "{set}?$skip=100000000000000000000000", None),
    "filter-integer-overflow": ("GET", "{set}?$filter={number} eq 100000000000000000000000", None),
    "ordering-with-bool-or-null": ("GET", "{set}?$filter={text} le false", None),
    "body-integer-overflow": ("POST", "accounts", {"name": "zzh-overflow", "numberofemployees": 10**25}),
    "fno-location-non-latin1": ("POST", "CustomerGroups",
                                {"dataAreaId": "usmf", "CustomerGroupId": "\u2603", "Description": "snow"}),
}
REGRESSION_CASES = [("newline-in-path", "crm"), ("newline-in-path", "fno"), ("newline-in-path", "bc"),
                    ("integer-overflow", "fno"), ("integer-overflow", "bc"), ("filter-integer-overflow", "crm"),
                    ("filter-integer-overflow", "fno"), ("ordering-with-bool-or-null", "crm"),
                    ("ordering-with-bool-or-null", "fno"), ("body-integer-overflow", "crm")]
SAMPLE = {"crm": ("accounts", "numberofemployees", "name"), "fno": ("CustomersV3", "CreditLimit", "CustomerGroupId"),
          "bc": ("companies", "id", "name")}


@pytest.mark.parametrize("case, host", REGRESSION_CASES)
def test_fuzzer_findings_get_the_service_error(fuzzer, case, host):
    root = fuzzer.roots[host]
    method, template, payload = FOUND_BY_FUZZING[case]
    entity_set, number, text = SAMPLE[host]
    url = f"{root.api}/" + template.format(set=entity_set, number=number, text=text)
    with requests.Session() as session:
        reply = session.request(method, url, json=payload, headers={"Authorization": f"Bearer {root.token}"},
                                timeout=10)
    assert 400 <= reply.status_code < 500, (case, reply.status_code, reply.text[:300])
    check_reply(root, reply, f"{case}: {method} {url}")


def test_non_latin1_keys_are_percent_encoded_in_location(fuzzer):
    root = fuzzer.roots["fno"]
    method, _, payload = FOUND_BY_FUZZING["fno-location-non-latin1"]
    with requests.Session() as session:
        reply = session.post(f"{root.api}/CustomerGroups", json=payload,
                             headers={"Authorization": f"Bearer {root.token}"}, timeout=10)
        assert reply.status_code == 201, reply.text[:300]
        location = reply.headers["Location"]
        assert "%E2%98%83" in location
        assert session.get(location, headers={"Authorization": f"Bearer {root.token}"}, timeout=10).status_code == 200
        session.delete(location, headers={"Authorization": f"Bearer {root.token}"}, timeout=10)
