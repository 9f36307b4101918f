"""Hypothesis fuzzing of ``$batch`` on every root over real HTTP: never a server error, in or out of a part.

Dataverse and F&O get multipart bodies built from valid and broken pieces (boundaries, CRLF/LF, change
sets, nested change sets, GETs in change sets, request lines, Content-ID references, JSON and junk
bodies, truncation); Business Central gets JSON batches (ids, methods, URLs, ``dependsOn``,
``atomicityGroup``, bodies, junk) with and without ``Isolation``. ``FUZZ_EXAMPLES`` cases per root
(1,000 by default, derandomized). The server is a private one.
"""

from __future__ import annotations

import json
import os
import re

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from simulator.config import BC_AUDIENCE
from simulator.server import SimulatorServer
from tests.reliability.conftest import app_token, user_token

pytestmark = [pytest.mark.sim_only, pytest.mark.fuzz]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1000"))
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                         phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                                HealthCheck.data_too_large])
INNER_SERVER_ERROR = re.compile(rb"HTTP/1\.[01] 5\d\d")


@pytest.fixture(scope="module")
def roots():
    server = SimulatorServer().start()
    session = requests.Session()
    c = server.config
    bc_api = f"{c.bc_url}/v2.0/{c.tenant_id}/production/api/v2.0"
    bc_token = app_token(server, BC_AUDIENCE)
    company = session.get(f"{bc_api}/companies", headers={"Authorization": f"Bearer {bc_token}"}).json()["value"][0]
    yield {
        "crm": (session, f"{c.crm_url}/api/data/v9.2", user_token(server, c.crm_url),
                ["accounts", "contacts", "tasks", "WhoAmI", "/api/data/v9.2/accounts", "/api/data/v9.0/contacts",
                 "accounts/Microsoft.Dynamics.CRM.CreateMultiple"]),
        "fno": (session, f"{c.fno_url}/data", app_token(server, c.fno_url),
                ["CustomersV3", "CustomerGroups", "/data/VendorsV2", "SalesOrderLines", "LegalEntities"]),
        "bc": (session, bc_api, bc_token, [f"companies({company['id']})/customers", f"companies({company['id']})/items",
                                           "companies", "customers?company=CRONUS%20USA%2C%20Inc."]),
    }
    session.close()
    server.stop()


JUNK = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
KEYS = st.sampled_from(["name", "lastname", "OrganizationName", "CustomerGroupId", "displayName", "nosuch",
                        "parentcustomerid_account@odata.bind", "@odata.type", "Targets", "dataAreaId", "number"])
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), JUNK,
                   st.sampled_from(["$1", "$2", "$9", "$1/name", "accounts(00000000-0000-0000-0000-000000000001)",
                                    "10", "usmf", "Microsoft.Dynamics.CRM.account"]))
JSON_BODIES = st.dictionaries(KEYS, VALUES, max_size=4).map(json.dumps)
BODIES = st.one_of(st.none(), JSON_BODIES, JUNK, st.sampled_from(["{", "[]", "null", '{"a":', "\x00\xff"]))
METHODS = st.sampled_from(["GET", "POST", "PATCH", "PUT", "DELETE", "get", "FETCH", "", "POST POST"])


@st.composite
def urls(draw, paths: list[str]) -> str:
    base = draw(st.sampled_from(paths + ["$1", "$2/name", "$x", "$batch", "$metadata", "", "http://other/x",
                                         "ftp://x/y", "accounts(", "accounts('a'", "%zz"]))
    suffix = draw(st.sampled_from(["", "(00000000-0000-0000-0000-000000000001)", "?$top=1", "?$filter=name eq 'a",
                                   "/$count", "/name", "?$select=nosuch"]))
    return base + suffix


@st.composite
def http_parts(draw, paths: list[str], eol: str, content_id: bool) -> str:
    lines = [draw(st.sampled_from(["Content-Type: application/http", "Content-Type: application/HTTP; x=1",
                                   "Content-Type: text/plain", "content-type:application/http", "Bad header"]))]
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(["Content-Transfer-Encoding: binary", "Content-Transfer-Encoding: base64"])))
    if content_id:
        lines.append(f"Content-ID: {draw(st.sampled_from(['1', '2', '3', 'a', '1']))}")
    version = draw(st.sampled_from([" HTTP/1.1", " HTTP/1.0", "", " HTTP/2"]))
    lines += ["", f"{draw(METHODS)} {draw(urls(paths))}{version}"]
    body = draw(BODIES)
    if body is not None:
        lines.append(draw(st.sampled_from(["Content-Type: application/json", "Content-Type: text/plain"])))
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(["If-Match: *", 'If-Match: W/"1"', "Prefer: return=representation",
                                           "If-None-Match: *", "Content-ID: 7"])))
    return eol.join(lines) + eol + eol + (body or "")


@st.composite
def multipart_batches(draw, paths: list[str]) -> tuple[str, bytes, dict]:
    eol = draw(st.sampled_from(["\r\n", "\n"]))
    boundary = draw(st.sampled_from(["batch_1", "b", "batch_\u00e9", "x" * 80, "a b", "batch_1--"]))
    parts = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["http", "changeset", "changeset", "junk", "nested"]))
        if kind == "http":
            parts.append(draw(http_parts(paths, eol, False)))
        elif kind == "junk":
            parts.append(draw(JUNK))
        else:
            inner = [draw(http_parts(paths, eol, True)) for _ in range(draw(st.integers(0, 4)))]
            if kind == "nested":
                inner.append(f"Content-Type: multipart/mixed; boundary=cs2{eol}{eol}--cs2{eol}{inner[0] if inner else ''}"
                             f"{eol}--cs2--")
            cs = draw(st.sampled_from(["changeset_1", "cs", "changeset_1"]))
            parts.append(f"Content-Type: multipart/mixed; boundary={cs}{eol}{eol}"
                         + "".join(f"--{cs}{eol}{p}{eol}" for p in inner) + draw(st.sampled_from([f"--{cs}--", ""])))
    body = "".join(f"--{boundary}{eol}{p}{eol}" for p in parts) + draw(st.sampled_from([f"--{boundary}--{eol}", "",
                                                                                            f"--{boundary}"]))
    raw = body.encode("utf-8")
    if draw(st.booleans()):
        raw = raw[: draw(st.integers(0, len(raw)))]
    content_type = draw(st.sampled_from([f"multipart/mixed; boundary={boundary}", f'multipart/mixed; boundary="{boundary}"',
                                         "multipart/mixed", "application/json", f"multipart/mixed;boundary={boundary}"]))
    headers = {"Content-Type": content_type}
    if draw(st.booleans()):
        headers["Prefer"] = draw(st.sampled_from(["odata.continue-on-error", "odata.continue-on-error=false",
                                                  "odata.continue-on-error, return=representation"]))
    return content_type, raw, headers


@st.composite
def json_batches(draw, paths: list[str]) -> tuple[bytes, dict]:
    requests_ = []
    for index in range(draw(st.integers(0, 6))):
        entry: dict = {}
        if draw(st.integers(0, 9)):
            entry["id"] = draw(st.sampled_from([str(index), "1", "a", 1, None]))
        if draw(st.integers(0, 9)):
            entry["method"] = draw(METHODS)
        if draw(st.integers(0, 9)):
            entry["url"] = draw(urls(paths))
        if draw(st.booleans()):
            entry["body"] = draw(st.one_of(st.dictionaries(KEYS, VALUES, max_size=3), JUNK, st.none()))
        if draw(st.booleans()):
            entry["headers"] = draw(st.sampled_from([{"If-Match": "*"}, {"Content-Type": "application/json"},
                                                     {"Company": "CRONUS USA, Inc."}, {"x": 1}, "bad"]))
        if draw(st.booleans()):
            entry["dependsOn"] = draw(st.sampled_from([["0"], ["g"], ["zz"], "0", [1]]))
        if draw(st.booleans()):
            entry["atomicityGroup"] = draw(st.sampled_from(["g", "h", "", 5]))
        if not draw(st.integers(0, 20)):
            entry["extra"] = 1
        requests_.append(entry)
    document = draw(st.sampled_from([{"requests": requests_}, {"requests": requests_, "x": 1}, {"requests": {}},
                                     requests_]))
    raw = json.dumps(document).encode() if draw(st.integers(0, 9)) else draw(JUNK).encode()
    headers = {"Content-Type": draw(st.sampled_from(["application/json", "application/json; charset=utf-8",
                                                     "text/plain", "multipart/mixed; boundary=b"]))}
    if draw(st.booleans()):
        headers["Isolation"] = draw(st.sampled_from(["snapshot", "Snapshot", "none", ""]))
    return raw, headers


def _check(reply: requests.Response) -> None:
    assert reply.status_code < 500, reply.text[:500]
    if reply.headers.get("Content-Type", "").startswith("multipart/"):
        assert not INNER_SERVER_ERROR.search(reply.content), reply.text[:2000]
    elif reply.content:
        body = reply.json()
        assert isinstance(body, dict) and ("error" in body or "responses" in body), reply.text[:500]
        for entry in body.get("responses", []):
            assert entry["status"] < 500, entry


@pytest.mark.parametrize("host", ["crm", "fno"])
def test_multipart_batches_never_fail_with_a_server_error(roots, host):
    session, api, token, paths = roots[host]

    @FUZZ_SETTINGS
    @given(case=multipart_batches(paths))
    def run(case):
        _content_type, raw, headers = case
        _check(session.post(f"{api}/$batch", data=raw, headers={"Authorization": f"Bearer {token}", **headers},
                            timeout=30))

    run()


def test_json_batches_never_fail_with_a_server_error(roots):
    session, api, token, paths = roots["bc"]

    @FUZZ_SETTINGS
    @given(case=json_batches(paths))
    def run(case):
        raw, headers = case
        _check(session.post(f"{api}/$batch", data=raw, headers={"Authorization": f"Bearer {token}", **headers},
                            timeout=30))

    run()
