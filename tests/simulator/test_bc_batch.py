"""Business Central JSON ``$batch`` over real HTTP: ids, atomicity groups, dependsOn, Isolation, references."""

from __future__ import annotations

import uuid

import pytest
import requests


@pytest.fixture(scope="module")
def api(sim) -> str:
    return f"{sim.config.bc_url}/v2.0/{sim.config.tenant_id}/production/api/v2.0"


@pytest.fixture(scope="module")
def cronus(bc, api) -> str:
    return next(c["id"] for c in bc.get(f"{api}/companies").json()["value"] if c["name"] == "CRONUS USA, Inc.")


def customers_named(bc, api, cronus, marker: str) -> list[str]:
    reply = bc.get(f"{api}/companies({cronus})/customers",
                   params={"$filter": f"startswith(displayName,'{marker}')", "$select": "displayName"})
    assert reply.status_code == 200, reply.text
    return sorted(r["displayName"] for r in reply.json()["value"])


def create(cronus: str, request_id: str, name: str, **extra) -> dict:
    return {"id": request_id, "method": "POST", "url": f"companies({cronus})/customers",
            "headers": {"Content-Type": "application/json"}, "body": {"displayName": name}, **extra}


def run(bc, api, requests_: list[dict], headers: dict | None = None) -> requests.Response:
    return bc.post(f"{api}/$batch", json={"requests": requests_}, headers=headers or {})


def test_independent_requests_each_answer(bc, api, cronus):
    marker = f"b{uuid.uuid4().hex[:8]}"
    reply = run(bc, api, [create(cronus, "a", f"{marker} a"),
                          {"id": "b", "method": "GET", "url": f"companies({cronus})/customers({uuid.uuid4()})"},
                          create(cronus, "c", f"{marker} c")])
    assert reply.status_code == 200, reply.text
    responses = reply.json()["responses"]
    assert [(r["id"], r["status"]) for r in responses] == [("a", 201), ("b", 404), ("c", 201)]
    assert responses[0]["body"]["displayName"] == f"{marker} a"
    assert responses[0]["headers"]["odata-version"] == "4.0"
    assert responses[1]["body"]["error"]["code"] == "Internal_RecordNotFound"
    assert customers_named(bc, api, cronus, marker) == [f"{marker} a", f"{marker} c"]


def test_atomicity_group_rolls_back_and_fails_its_dependants(bc, api, cronus):
    marker = f"g{uuid.uuid4().hex[:8]}"
    reply = run(bc, api, [
        create(cronus, "1", f"{marker} 1", atomicityGroup="g"),
        create(cronus, "2", f"{marker} 2", atomicityGroup="g"),
        {**create(cronus, "3", f"{marker} 3", atomicityGroup="g"), "body": {"displayName": "x", "nope": 1}},
        create(cronus, "4", f"{marker} 4", dependsOn=["g"]),
        create(cronus, "5", f"{marker} 5", dependsOn=["4"]),
        create(cronus, "6", f"{marker} 6"),
    ])
    assert reply.status_code == 200, reply.text
    assert [(r["id"], r["status"]) for r in reply.json()["responses"]] == \
        [("1", 424), ("2", 424), ("3", 400), ("4", 424), ("5", 424), ("6", 201)]
    assert customers_named(bc, api, cronus, marker) == [f"{marker} 6"]


def test_isolation_snapshot_rolls_back_the_whole_batch(bc, api, cronus):
    marker = f"s{uuid.uuid4().hex[:8]}"
    batch = [create(cronus, "1", f"{marker} 1"), create(cronus, "2", f"{marker} 2"),
             {**create(cronus, "3", f"{marker} 3"), "body": {"displayName": "x", "nope": 1}}]
    reply = run(bc, api, batch, {"Isolation": "snapshot"})
    assert reply.status_code == 200, reply.text
    assert [r["status"] for r in reply.json()["responses"]] == [424, 424, 400]
    assert customers_named(bc, api, cronus, marker) == []
    reply = run(bc, api, batch)  # without the header the first two stay
    assert [r["status"] for r in reply.json()["responses"]] == [201, 201, 400]
    assert customers_named(bc, api, cronus, marker) == [f"{marker} 1", f"{marker} 2"]


def test_references_to_an_earlier_request(bc, api, cronus):
    marker = f"r{uuid.uuid4().hex[:8]}"
    reply = run(bc, api, [create(cronus, "1", f"{marker} 1", atomicityGroup="g"),
                          {"id": "2", "method": "PATCH", "url": "$1", "atomicityGroup": "g",
                           "headers": {"If-Match": "*", "Content-Type": "application/json"},
                           "body": {"displayName": f"{marker} renamed"}}])
    assert [r["status"] for r in reply.json()["responses"]] == [201, 200], reply.text
    assert customers_named(bc, api, cronus, marker) == [f"{marker} renamed"]


@pytest.mark.parametrize(("body", "text"), [
    (b"{not json", "not valid JSON"),
    (b'{"requests": [], "extra": 1}', "one member"),
    (b'{"requests": []}', "no requests"),
    (b'{"requests": [{"id": "1", "method": "GET", "url": "companies", "verb": 1}]}', "'verb'"),
    (b'{"requests": [{"id": "1", "method": "GET"}]}', "'url'"),
    (b'{"requests": [{"id": "1", "method": "GET", "url": "companies", "dependsOn": ["9"]}]}', "'9'"),
    (b'{"requests": [{"id": "1", "method": "GET", "url": "a"}, {"id": "1", "method": "GET", "url": "b"}]}', "twice"),
])
def test_bad_batch_bodies_get_bc_400(bc, api, body, text):
    reply = bc.post(f"{api}/$batch", data=body, headers={"Content-Type": "application/json"})
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert error["code"] == "BadRequest" and text in error["message"] and "CorrelationId:" in error["message"]


def test_limits_and_formats(bc, api, cronus):
    reply = run(bc, api, [{"id": str(n), "method": "GET", "url": "companies"} for n in range(101)])
    assert reply.status_code == 400 and "101" in reply.json()["error"]["message"]
    reply = bc.post(f"{api}/$batch", data=b"--b\r\n", headers={"Content-Type": "multipart/mixed; boundary=b"})
    assert reply.status_code == 400 and "JSON batch" in reply.json()["error"]["message"]
    reply = run(bc, api, [{"id": "1", "method": "GET", "url": "companies"}], {"Isolation": "serializable"})
    assert reply.status_code == 400 and "Isolation" in reply.json()["error"]["message"]
    reply = run(bc, api, [{"id": "1", "method": "POST", "url": "$batch", "body": {"requests": []}}])
    assert reply.json()["responses"][0]["status"] == 400
