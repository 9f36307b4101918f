"""Finance and Operations ``/data/$batch`` over real HTTP: atomic change sets, inner 201s, F&O error shapes."""

from __future__ import annotations

import uuid

from tests import batchwire as bw


def customers_named(fno, root, marker: str) -> list[str]:
    reply = fno.get(f"{root}/CustomersV3", params={"$filter": f"OrganizationName eq '*{marker}*'",
                                                   "$select": "OrganizationName"})
    assert reply.status_code == 200, reply.text
    return sorted(r["OrganizationName"] for r in reply.json()["value"])


def post(fno, root, parts):
    content_type, body = bw.batch(parts)
    return fno.post(f"{root}/$batch", data=body, headers={"Content-Type": content_type})


def create(root: str, name: str, content_id: str, extra: dict | None = None) -> str:
    return bw.request("POST", f"{root}/CustomersV3",
                      {"OrganizationName": name, "CustomerGroupId": "10", **(extra or {})}, content_id=content_id)


def test_changeset_creates_answer_201_in_a_changesetresponse(fno, fno_root):
    marker = uuid.uuid4().hex[:10]
    reply = post(fno, fno_root, [bw.changeset([create(fno_root, f"{marker} a", "1"), create(fno_root, f"{marker} b", "2")]),
                                 bw.request("GET", "CustomerGroups?$top=1")])
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"].startswith("multipart/mixed; boundary=batchresponse_")
    assert b"boundary=changesetresponse_" in reply.content
    parts = bw.read(reply.headers["Content-Type"], reply.content)
    assert [(p.status, p.content_id) for p in parts] == [(201, "1"), (201, "2"), (200, None)]
    assert parts[0].json()["OrganizationName"] == f"{marker} a"
    assert customers_named(fno, fno_root, marker) == [f"{marker} a", f"{marker} b"]


def test_a_changeset_failing_in_its_third_part_leaves_no_row_from_the_first_two(fno, fno_root):
    marker = uuid.uuid4().hex[:10]
    reply = post(fno, fno_root, [bw.changeset([
        create(fno_root, f"{marker} a", "1"), create(fno_root, f"{marker} b", "2"),
        create(fno_root, f"{marker} c", "3", {"NoSuchField": 1})])])
    assert reply.status_code == 200, reply.text  # F&O: the outer status stays 200
    parts = bw.read(reply.headers["Content-Type"], reply.content)
    assert len(parts) == 1 and parts[0].status == 400 and parts[0].content_id == "3"
    error = parts[0].json()["error"]
    assert error["code"] == "" and set(error["innererror"]) == {"message", "type", "stacktrace"}
    assert customers_named(fno, fno_root, marker) == []


def test_malformed_batch_gets_fno_error_shape(fno, fno_root):
    reply = fno.post(f"{fno_root}/$batch", data=b"--x\r\n", headers={"Content-Type": "multipart/mixed; boundary=x"})
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == "" and "closing boundary" in error["message"]
    content_type, body = bw.batch([bw.changeset([bw.request("GET", "CustomerGroups")])])
    reply = fno.post(f"{fno_root}/$batch", data=body, headers={"Content-Type": content_type})
    assert reply.status_code == 400 and "change set part 1" in reply.json()["error"]["message"]
