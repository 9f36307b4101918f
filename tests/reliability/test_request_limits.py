"""Oversized and over-nested requests get the service's own answer, never a 500 or a dropped connection.

Each case once answered 500 (RecursionError in the ``$filter`` compiler or in ``json``, OverflowError
from SQLite, SQLite's parser stack) or a plain-text 400 from the HTTP layer (a 1 MB header, a 70 KB
request line). Long ``and``/``or`` chains and runs of ``not`` are what real clients send (batches of
ids), so they must now give the right rows; nesting past the limit gets the service's 400.
"""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

import pytest
import requests

from simulator.config import BC_AUDIENCE
from tests.reliability.conftest import app_token, user_token
from tests.reliability.test_fuzz_simulator import check_reply

pytestmark = pytest.mark.sim_only

HOSTS = ["crm", "fno", "bc"]
# (entity set to read, a text property, a numeric property, an entity set to POST to)
SAMPLE = {"crm": ("accounts", "name", "numberofemployees", "accounts"),
          "fno": ("CustomerGroups", "CustomerGroupId", "PaymentTermId", "CustomerGroups"),
          "bc": ("companies", "name", "name", "companies")}


@pytest.fixture(scope="module")
def roots(sim):
    c = sim.config
    return {
        "crm": SimpleNamespace(host="crm", api=f"{c.crm_url}/api/data/v9.2", token=user_token(sim, c.crm_url)),
        "fno": SimpleNamespace(host="fno", api=f"{c.fno_url}/data", token=app_token(sim, c.fno_url)),
        "bc": SimpleNamespace(host="bc", api=f"{c.bc_url}/v2.0/{c.tenant_id}/production/api/v2.0",
                              token=app_token(sim, BC_AUDIENCE)),
    }


def get(root, path: str, params=None, token: str | None = None, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {root.token if token is None else token}"}
    with requests.Session() as session:
        return session.get(f"{root.api}/{path}", params=params, headers=headers, timeout=60, **kwargs)


def some_row(root, entity_set: str, text: str) -> str:
    reply = get(root, entity_set, {"$top": "1", "$select": text})
    assert reply.status_code == 200, reply.text[:300]
    return reply.json()["value"][0][text]


def quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# ---------------------------------------------------------------------- $filter size and nesting
# 1,200 terms: past SQLite's expression depth of 1,000 (F&O's long property names need more than 32 KB)
@pytest.mark.parametrize("host, terms", [("crm", 500), ("fno", 500), ("bc", 500), ("crm", 1200), ("bc", 1200)])
@pytest.mark.parametrize("operator", ["or", "and"])
def test_long_boolean_chains_answer_like_the_service(roots, host, terms, operator):
    root = roots[host]
    entity_set, text, _, _ = SAMPLE[host]
    name = some_row(root, entity_set, text)
    if operator == "or":  # one real value among many misses: exactly the rows with that value
        expression = " or ".join([f"{text} eq 'm{i}'" for i in range(terms - 1)] + [f"{text} eq {quoted(name)}"])
    else:  # one equality and many true inequalities: the rows with that value
        expression = " and ".join([f"{text} ne 'm{i}'" for i in range(terms - 1)] + [f"{text} eq {quoted(name)}"])
    reply = get(root, entity_set, {"$filter": expression})
    assert reply.status_code == 200, reply.text[:300]
    values = [row[text] for row in reply.json()["value"]]
    assert values and all(v.lower() == name.lower() for v in values)


@pytest.mark.parametrize("host", HOSTS)
def test_runs_of_not_keep_their_meaning(roots, host):
    root = roots[host]
    entity_set, text, _, _ = SAMPLE[host]
    name = some_row(root, entity_set, text)
    even = get(root, entity_set, {"$filter": "not " * 500 + f"({text} eq {quoted(name)})"})
    odd = get(root, entity_set, {"$filter": "not " * 501 + f"({text} eq {quoted(name)})"})
    assert even.status_code == odd.status_code == 200, (even.text[:300], odd.text[:300])
    assert {r[text] for r in even.json()["value"]} == {name}
    assert name not in {r[text] for r in odd.json()["value"]}


def _alternating(text: str, levels: int, negate: bool = False) -> str:
    expression = f"{text} eq 'a'"
    for level in range(levels):
        expression = f"{text} eq 'b' {'and' if level % 2 else 'or'} ({expression})"
        if negate:
            expression = f"not ({expression})"
    return expression


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("case", ["add-1000", "parentheses-3000", "alternating-40", "alternating-200",
                                  "negated-alternating-60"])
def test_too_deep_filters_get_the_service_400(roots, host, case):
    root = roots[host]
    entity_set, text, number, _ = SAMPLE[host]
    expression = {
        "add-1000": f"{number} eq " + " add ".join(["1"] * 1000),
        "parentheses-3000": "(" * 3000 + f"{text} eq 'a'" + ")" * 3000,
        "alternating-40": _alternating(text, 40),
        "alternating-200": _alternating(text, 200),
        "negated-alternating-60": _alternating(text, 60, negate=True),
    }[case]
    reply = get(root, entity_set, {"$filter": expression})
    assert reply.status_code == 400, (case, reply.status_code, reply.text[:300])
    check_reply(root, reply, case)
    assert "Recursion depth exceeded allowed limit." in reply.text


@pytest.mark.parametrize("host", HOSTS)
def test_moderate_nesting_still_works(roots, host):
    root = roots[host]
    entity_set, text, _, _ = SAMPLE[host]
    for expression in (_alternating(text, 12), _alternating(text, 8, negate=True),
                       "(" * 100 + f"{text} eq 'a'" + ")" * 100):
        reply = get(root, entity_set, {"$filter": expression})
        assert reply.status_code == 200, reply.text[:300]


# ---------------------------------------------------------------------- paging numbers
@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("token", [str(2**62), str(2**63), "9" * 30])
def test_skiptoken_past_64_bits_is_a_400(roots, host, token):
    root = roots[host]
    entity_set = SAMPLE[host][0]
    if host == "crm":
        token = f'<cookie pagenumber="{token}" pagingcookie="" istracking="False" />'
    reply = get(root, entity_set, {"$skiptoken": token})
    assert reply.status_code == 400, reply.text[:300]
    check_reply(root, reply, f"$skiptoken={token}")


@pytest.mark.parametrize("host", ["fno", "bc"])
def test_skip_plus_skiptoken_overflow_is_a_400(roots, host):
    root = roots[host]
    reply = get(root, SAMPLE[host][0], {"$skiptoken": "2", "$skip": str(2**63 - 1)})
    assert reply.status_code == 400, reply.text[:300]
    check_reply(root, reply, "$skip + $skiptoken")


# ---------------------------------------------------------------------- request bodies
@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("case", ["array-100000", "object-holding-deep-array", "depth-150", "lone-surrogate",
                                  "lone-surrogate-key"])
def test_hostile_json_bodies_get_the_service_400(roots, host, case):
    root = roots[host]
    target = SAMPLE[host][3] if host != "bc" else f"companies({some_company(root)})/customers"
    body = {
        "array-100000": b"[" * 100_000 + b"]" * 100_000,
        "object-holding-deep-array": b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "depth-150": b'{"a":' + b"[" * 150 + b"]" * 150 + b"}",
        "lone-surrogate": b'{"name": "x\\ud800y"}',
        "lone-surrogate-key": b'{"\\udfff": 1}',
    }[case]
    with requests.Session() as session:
        reply = session.post(f"{root.api}/{target}", data=body, timeout=60,
                             headers={"Authorization": f"Bearer {root.token}", "Content-Type": "application/json"})
    assert reply.status_code == 400, (case, reply.status_code, reply.text[:300])
    check_reply(root, reply, case)
    assert "not valid JSON" in reply.text


def some_company(root) -> str:
    return get(root, "companies").json()["value"][0]["id"]


# ---------------------------------------------------------------------- request head
@pytest.mark.parametrize("host", HOSTS)
def test_a_one_megabyte_token_gets_the_services_401(roots, host):
    root = roots[host]
    reply = get(root, SAMPLE[host][0], token="a" * 1_000_000)
    assert reply.status_code == 401, reply.text[:300]
    assert reply.headers["WWW-Authenticate"].startswith("Bearer ")
    check_reply(root, reply, "1 MB token")


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("where", ["header", "claims"])
def test_a_token_of_nested_json_gets_the_services_401(roots, host, where):
    root = roots[host]

    def part(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    deep = b"[" * 5000 + b"]" * 5000
    header = deep if where == "header" else json.dumps({"alg": "RS256", "typ": "JWT"}).encode()
    token = f"{part(header)}.{part(deep if where == 'claims' else b'{}')}.c2ln"
    reply = get(root, SAMPLE[host][0], token=token)
    assert reply.status_code == 401, reply.text[:300]
    check_reply(root, reply, f"nested JSON in the token {where}")


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("length", [70_000, 1_000_000])
def test_an_over_long_url_gets_414_in_the_services_shape(roots, host, length):
    root = roots[host]
    reply = get(root, SAMPLE[host][0] + "?$filter=" + "x" * length)
    assert reply.status_code == 414, reply.text[:300]
    check_reply(root, reply, f"{length}-character URL")
    assert "too long" in reply.text


@pytest.mark.parametrize("host", HOSTS)
def test_a_url_just_under_the_limit_is_served(roots, host):
    root = roots[host]
    entity_set, text, _, _ = SAMPLE[host]
    path = urlsplit(root.api).path + f"/{entity_set}?$filter="
    clause = quote(f"{text} eq 'zz' or ", safe="'")
    query = clause * ((32_000 - len(path)) // len(clause)) + quote(f"{text} eq 'zz'", safe="'")
    assert 30_000 < len(path + query) <= 32_768
    reply = get(root, f"{entity_set}?$filter={query}")
    assert reply.status_code == 200, reply.text[:300]
