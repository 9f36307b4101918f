"""The client over real HTTP against a tiny local Starlette app that answers like the three services.

The app is deliberately small and lives here so these tests do not depend on the simulator. It
records every request it receives (raw path, raw query, headers) so the tests can check what
actually went over the wire.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
import requests
import uvicorn
from requests.auth import AuthBase
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from harness.odata import (
    BUSINESS_CENTRAL,
    DATAVERSE,
    FNO,
    EntityRef,
    ODataClient,
    ODataConnectionError,
    ODataError,
    ODataProtocolError,
    ODataUrlError,
    Query,
    UnknownCreatedKeyWarning,
    and_,
    contains,
    entity_path,
    eq,
)
from tests.fakes import fake_jwt

GOOD_TOKEN = fake_jwt({'typ': 'JWT'}, {'aud': 'crm'}, b'signature-good')
BAD_TOKEN = fake_jwt({'typ': 'JWT'}, {'aud': 'x'}, b'signature-bad')
COMPANY = "b5b4d4b4-0000-0000-0000-000000000001"
NASTY = "O'Bryan & Sons #1/2 + 50% ; é"
GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def paging_cookie(page: int) -> str:
    """A Dataverse-like skiptoken: XML with an inner URL-encoded cookie, plus a literal '+'."""
    inner = quote(f'<cookie page="{page - 1}"><accountid last="{{D5026A4D-0000}}" first="{{49B0BE2E}}" /></cookie>',
                  safe="")
    return f'<cookie pagenumber="{page}" pagingcookie="{inner}" istracking="False" marker="a+b" />'


@dataclass
class Seen:
    method: str
    path: str
    raw_path: str
    raw_query: str
    headers: dict[str, str]


@dataclass
class FakeServices:
    base: str = ""
    seen: list[Seen] = field(default_factory=list)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    bc_customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    fno_sequence: int = 52

    def reset(self) -> None:
        self.seen.clear()
        self.accounts.clear()
        self.bc_customers.clear()

    # ------------------------------------------------------------------ dispatch
    async def handle(self, request: Request) -> Response:
        raw_path = request.scope["raw_path"].decode("latin-1")
        self.seen.append(Seen(request.method, request.scope["path"], raw_path,
                              request.scope["query_string"].decode("latin-1"), dict(request.headers)))
        path = request.scope["path"]
        for prefix, handler in (("/api/data/v9.2/", self.dataverse), ("/data/", self.fno),
                                (f"/bc/api/v2.0/companies({COMPANY})/", self.bc)):
            if path.startswith(prefix):
                return await handler(request, path[len(prefix):])
        return JSONResponse({"Message": "no such service"}, status_code=404)

    # ------------------------------------------------------------------ Dataverse
    def _account_json(self, row: dict[str, Any]) -> dict[str, Any]:
        return {"@odata.etag": f'W/"{row["version"]}"', "accountid": row["id"], "name": row["name"]}

    def _dv_error(self, status: int, code: str, message: str) -> JSONResponse:
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status,
                            headers={"REQ_ID": "req-" + code, "OData-Version": "4.0"})

    async def dataverse(self, request: Request, rest: str) -> Response:
        root = f"{self.base}/api/data/v9.2"
        method = request.method
        prefer = request.headers.get("Prefer", "")
        if rest in ("WhoAmI", "WhoAmI()"):
            if request.headers.get("Authorization") != f"Bearer {GOOD_TOKEN}":
                return Response(b"", status_code=401, headers={
                    "WWW-Authenticate": "Bearer authorization_uri=https://login/x/oauth2/authorize, "
                                        f"resource_id={self.base}/"})
            return JSONResponse({"BusinessUnitId": str(uuid.UUID(int=1)), "UserId": str(uuid.UUID(int=2)),
                                 "OrganizationId": str(uuid.UUID(int=3))})
        if rest == "accounts/$count":
            body = "\ufeff" + str(len(self.accounts))
            return Response(body.encode("utf-8"), headers={"Content-Type": "text/plain"})
        if rest == "accounts" and method == "GET":
            return self._accounts_page(request, prefer)
        if rest == "accounts" and method == "POST":
            body = await request.json()
            row = {"id": str(uuid.uuid4()), "name": body["name"], "version": 1000}
            self.accounts[row["id"]] = row
            if "return=representation" in prefer:
                payload = {"@odata.context": f"{root}/$metadata#accounts/$entity", **self._account_json(row),
                           "_transactioncurrencyid_value": None}
                return JSONResponse(payload, status_code=201,
                                    headers={"Preference-Applied": "return=representation"})
            entity_id = f"{root}/accounts({row['id']})"
            return Response(status_code=204, headers={"OData-EntityId": entity_id, "Location": entity_id})
        match = re.fullmatch(r"accounts\(([0-9a-f-]{36})\)", rest)
        if match:
            return await self._account(request, match.group(1), root)
        if rest.startswith("contacts("):
            return JSONResponse({"path": request.scope["path"], "raw_path": request.scope["raw_path"].decode()})
        if rest == "EchoQuery":
            return JSONResponse({"raw": request.scope["query_string"].decode(),
                                 "params": dict(request.query_params)})
        if rest == "loop":
            return JSONResponse({"value": [{"n": 1}], "@odata.nextLink": f"{root}/loop?$skiptoken=1"})
        if rest == "foreign":
            return JSONResponse({"value": [], "@odata.nextLink": "http://attacker.example/steal?$skiptoken=1"})
        if rest == "html":
            return Response(b"<html>sign in</html>", headers={"Content-Type": "text/html"})
        if rest == "badid":
            return Response(status_code=204, headers={"OData-EntityId": f"{root}/accounts(unbalanced"})
        return self._dv_error(404, "0x8006088a", f"Resource not found for the segment '{rest}'.")

    def _accounts_page(self, request: Request, prefer: str) -> Response:
        size_match = re.search(r"odata\.maxpagesize=(\d+)", prefer)
        size = int(size_match.group(1)) if size_match else 5000
        rows = sorted(self.accounts.values(), key=lambda r: r["name"])
        token = request.query_params.get("$skiptoken")
        page = 1
        if token is not None:
            number = re.search(r'pagenumber="(\d+)"', token)
            if not number or token != paging_cookie(int(number.group(1))):
                return self._dv_error(400, "0x80060888", "Invalid skiptoken (changed in transit)")
            page = int(number.group(1))
        chunk = rows[(page - 1) * size: page * size]
        body: dict[str, Any] = {"@odata.context": f"{self.base}/api/data/v9.2/$metadata#accounts",
                                "value": [self._account_json(r) for r in chunk]}
        if page * size < len(rows):
            kept = "&".join(part for part in request.scope["query_string"].decode().split("&")
                            if part and not part.startswith("$skiptoken="))
            body["@odata.nextLink"] = (f"{self.base}/api/data/v9.2/accounts?{kept}&"
                                       f"$skiptoken={quote(paging_cookie(page + 1), safe='')}")
        headers = {"Preference-Applied": f"odata.maxpagesize={size}"} if size_match else {}
        return JSONResponse(body, headers=headers)

    async def _account(self, request: Request, key: str, root: str) -> Response:
        row = self.accounts.get(key)
        method = request.method
        missing = self._dv_error(404, "0x80040217", f"Entity 'account' With Id = {key} Does Not Exist")
        if method == "GET":
            if row is None:
                return missing
            return JSONResponse({"@odata.context": f"{root}/$metadata#accounts/$entity", **self._account_json(row)},
                                headers={"ETag": f'W/"{row["version"]}"'})
        if method == "DELETE":
            if row is None:
                return missing
            del self.accounts[key]
            return Response(status_code=204)
        if method == "PATCH":
            if_match = request.headers.get("If-Match")
            if_none_match = request.headers.get("If-None-Match")
            body = await request.json()
            if row is None:
                if if_match:
                    return missing
                self.accounts[key] = {"id": key, "name": body.get("name", ""), "version": 1}
                entity_id = f"{root}/accounts({key})"
                return Response(status_code=204, headers={"OData-EntityId": entity_id})
            if if_none_match == "*":
                return self._dv_error(412, "0x80040237", "A record with matching key values already exists.")
            if if_match not in (None, "*", f'W/"{row["version"]}"'):
                return self._dv_error(412, "0x80060882", "The version of the existing record doesn't match "
                                                         "the RowVersion property provided.")
            row.update(name=body.get("name", row["name"]), version=row["version"] + 1)
            return Response(status_code=204, headers={"OData-EntityId": f"{root}/accounts({key})"})
        return self._dv_error(405, "0x80040227", "Method not allowed")

    # ------------------------------------------------------------------ F&O
    async def fno(self, request: Request, rest: str) -> Response:
        if rest == "CustomersV3" and request.method == "POST":
            body = await request.json()
            self.fno_sequence += 1
            entity = {"@odata.context": f"{self.base}/data/$metadata#CustomersV3/$entity",
                      "@odata.etag": 'W/"JzEsNTYzNzE0NDU3Nic="',
                      "dataAreaId": body.get("dataAreaId", "usmf").lower(),
                      "CustomerAccount": body.get("CustomerAccount") or f"DAT-{self.fno_sequence:06d}",
                      "OrganizationName": body.get("OrganizationName", "")}
            return JSONResponse(entity, status_code=201)
        if rest == "CustomersV3/$count":
            return Response(b"3", headers={"Content-Type": "text/plain"})
        if rest == "CustomerGroups" and request.method == "POST":
            return JSONResponse({"error": {"code": "", "message": "An error has occurred.", "innererror": {
                "message": "Write failed for table row of type 'CustCustomerGroupEntity'. Infolog: Error: "
                           "Cannot create a record in Customer groups (CustGroup). Customer group: 10.\n"
                           "The record already exists.",
                "type": "Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException",
                "stacktrace": "   at ..."}}}, status_code=400)
        return JSONResponse({"Message": f"No HTTP resource was found that matches the request URI "
                                        f"'{self.base}/data/{rest}'. No route data was found for this request."},
                            status_code=404)

    # ------------------------------------------------------------------ BC
    async def bc(self, request: Request, rest: str) -> Response:
        correlation = "2c074c12-9c3e-4bcb-a0a4-6ef0b8b1c2a3"
        if rest == "customers" and request.method == "POST":
            body = await request.json()
            entity = {"@odata.etag": 'W/"JzQ0O2c4UTNaRHErODdzMTswMDsn"', "id": str(uuid.uuid4()),
                      "number": "C00010", "displayName": body.get("displayName", "")}
            self.bc_customers[entity["id"]] = entity
            return JSONResponse(entity, status_code=201)
        match = re.fullmatch(r"customers\(([0-9a-f-]{36})\)", rest)
        if match and request.method in ("PATCH", "DELETE"):
            if not request.headers.get("If-Match"):
                return JSONResponse({"error": {
                    "code": "BadRequest_InvalidToken",
                    "message": "Could not validate the client concurrency token required by the service. "
                               f"Please provide a valid token in the client request.  CorrelationId:  {correlation}."}},
                    status_code=400)
            entity = self.bc_customers[match.group(1)]
            if request.method == "DELETE":
                del self.bc_customers[match.group(1)]
                return Response(status_code=204)
            entity.update(await request.json())
            return JSONResponse(entity, status_code=200)
        return JSONResponse({"error": {"code": "BadRequest_NotFound",
                                       "message": f"Bad Request - Error in query syntax.  CorrelationId:  {correlation}."}},
                            status_code=404)


@pytest.fixture(scope="module")
def services():
    fake = FakeServices()
    app = Starlette(routes=[Route("/{path:path}", fake.handle, methods=["GET", "POST", "PATCH", "PUT", "DELETE"])])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    fake.base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test OData server did not start")
        time.sleep(0.01)
    yield fake
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def fake(services: FakeServices) -> FakeServices:
    services.reset()
    return services


class BearerAuth(AuthBase):
    def __init__(self, token: str):
        self.token = token

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


@pytest.fixture
def created() -> list[tuple[str, Any]]:
    return []


@pytest.fixture
def dv(fake: FakeServices, created) -> ODataClient:
    with ODataClient(f"{fake.base}/api/data/v9.2", DATAVERSE, auth=BearerAuth(GOOD_TOKEN),
                     on_created=lambda entity_set, key: created.append((entity_set, key))) as client:
        yield client


# ---------------------------------------------------------------------- headers and creates
def test_odata_headers_are_sent_and_json_bodies_declare_utf8(dv: ODataClient, fake: FakeServices):
    dv.create("accounts", {"name": "é"})
    dv.get("accounts")
    post, get = fake.seen
    for seen in (post, get):
        assert seen.headers["odata-maxversion"] == "4.0"
        assert seen.headers["odata-version"] == "4.0"
        assert seen.headers["accept"] == "application/json"
    assert post.headers["content-type"] == "application/json; charset=utf-8"
    assert "content-type" not in get.headers
    assert next(iter(fake.accounts.values()))["name"] == "é"


def test_create_reads_the_key_from_odata_entity_id(dv: ODataClient, fake: FakeServices, created):
    response = dv.create("accounts", {"name": "Contoso"})
    assert response.status == DATAVERSE.create_status == 204
    (account_id,) = fake.accounts
    assert response.entity_id == f"{fake.base}/api/data/v9.2/accounts({account_id})"
    assert response.created == EntityRef("accounts", uuid.UUID(account_id))
    assert created == [("accounts", uuid.UUID(account_id))]


def test_create_with_representation_reads_the_key_from_the_body(dv: ODataClient, fake: FakeServices, created):
    response = dv.create("accounts", {"name": "Fabrikam"}, return_representation=True)
    assert response.status == 201
    assert fake.seen[-1].headers["prefer"] == "return=representation"
    assert response.preference_applied == {"return": "representation"}
    assert response.json()["name"] == "Fabrikam"
    (account_id,) = fake.accounts
    assert created == [("accounts", uuid.UUID(account_id))]
    assert response.etag == 'W/"1000"'


def test_unreadable_entity_id_is_a_protocol_error(dv: ODataClient):
    with pytest.raises(ODataProtocolError, match="unreadable URL"):
        dv.create("badid", {"name": "x"})


# ---------------------------------------------------------------------- paging
def test_paging_follows_next_link_unchanged_with_the_same_prefer(dv: ODataClient, fake: FakeServices):
    names = [f"acct {i:02d}" for i in range(7)]
    for name in names:
        dv.create("accounts", {"name": name})
    fake.seen.clear()
    pages = list(dv.iter_pages("accounts", Query(select=["name"]), maxpagesize=3))
    assert [len(p.value) for p in pages] == [3, 3, 1]
    assert [row["name"] for p in pages for row in p.value] == names
    assert len(fake.seen) == 3
    assert all(seen.headers["prefer"] == "odata.maxpagesize=3" for seen in fake.seen)
    for page, following in zip(pages, fake.seen[1:], strict=False):
        sent = f"{fake.base}{following.raw_path}?{following.raw_query}"
        assert sent == page.next_link  # byte for byte, '+' and '%25' escapes intact
    assert pages[0].response.preference_applied == {"odata.maxpagesize": "3"}
    assert pages[-1].next_link is None


def test_iter_all_and_max_pages(dv: ODataClient, fake: FakeServices):
    for i in range(5):
        dv.create("accounts", {"name": f"n{i}"})
    assert [row["name"] for row in dv.iter_all("accounts", maxpagesize=2)] == [f"n{i}" for i in range(5)]
    assert len(list(dv.iter_pages("accounts", maxpagesize=2, max_pages=2))) == 2


def test_looping_and_foreign_next_links_are_refused(dv: ODataClient, fake: FakeServices):
    with pytest.raises(ODataProtocolError, match="loops"):
        list(dv.iter_all("loop"))
    with pytest.raises(ODataProtocolError, match="another host"):
        list(dv.iter_pages("foreign"))
    assert not any("attacker" in seen.raw_path for seen in fake.seen)


def test_query_refuses_skip_for_dataverse_before_sending(dv: ODataClient, fake: FakeServices):
    with pytest.raises(ODataUrlError, match=r"\$skip"):
        dv.query("accounts", Query(skip=10))
    assert fake.seen == []


# ---------------------------------------------------------------------- encoding round trips
def test_filter_survives_a_real_server_decoder(dv: ODataClient):
    query = Query(select=["name"], filter=and_(eq("name", NASTY), contains("description", "+&#=")),
                  expand={"primarycontactid": Query(select=["fullname"], filter=eq("lastname", "O'B"))},
                  extra={"@p1": "'a&b'"})
    echoed = dv.get("EchoQuery", query).json()
    assert echoed["params"] == query.to_params()
    assert "+" not in echoed["raw"] and "#" not in echoed["raw"]


def test_alternate_key_survives_a_real_server_decoder(dv: ODataClient):
    path = entity_path("contacts", {"lastname": NASTY, "statecode": 0}, DATAVERSE)
    echoed = dv.get(path).json()
    assert echoed["path"] == "/api/data/v9.2/contacts(lastname='O''Bryan & Sons #1/2 + 50% ; é',statecode=0)"
    assert "%23" in echoed["raw_path"] and "%2B" in echoed["raw_path"]


# ---------------------------------------------------------------------- errors
def test_missing_record_raises_odata_error(dv: ODataClient, fake: FakeServices):
    missing = uuid.UUID(int=7)
    with pytest.raises(ODataError) as info:
        dv.retrieve("accounts", missing, select=["name"])
    error = info.value
    assert (error.status, error.code, error.request_id) == (404, "0x80040217", "req-0x80040217")
    assert error.message == f"Entity 'account' With Id = {missing} Does Not Exist"
    assert str(error) == (f"404 0x80040217 Entity 'account' With Id = {missing} Does Not Exist "
                          f"(GET /api/data/v9.2/accounts({missing})?$select=name)")
    assert error.response is not None and error.response.status == 404


def test_unauthorized_raises_and_never_shows_the_token(fake: FakeServices):
    client = ODataClient(f"{fake.base}/api/data/v9.2", DATAVERSE, auth=BearerAuth(BAD_TOKEN))
    with pytest.raises(ODataError) as info:
        client.whoami()
    assert info.value.status == 401
    assert info.value.message == "Unauthorized"
    assert fake.seen[-1].headers["authorization"] == f"Bearer {BAD_TOKEN}"
    for text in (str(info.value), repr(info.value), info.value.url, info.value.body):
        assert BAD_TOKEN not in text
    no_auth = ODataClient(f"{fake.base}/api/data/v9.2", DATAVERSE)
    response = no_auth.get("WhoAmI", raise_for_status=False)
    assert response.status == 401 and "WWW-Authenticate" in response.headers
    assert no_auth.get("WhoAmI", expect_error=True).status == 401


def test_whoami(dv: ODataClient):
    assert dv.whoami()["UserId"] == str(uuid.UUID(int=2))
    with pytest.raises(ValueError):
        ODataClient("http://x/data", FNO).whoami()


def test_count_handles_the_utf8_bom(dv: ODataClient, fake: FakeServices):
    for i in range(3):
        dv.create("accounts", {"name": f"c{i}"})
    raw = requests.get(f"{fake.base}/api/data/v9.2/accounts/$count", timeout=10)
    assert raw.content.startswith(b"\xef\xbb\xbf")  # the server really sends a BOM
    assert dv.count("accounts") == 3
    assert fake.seen[-1].headers["accept"] == "text/plain"


def test_connection_refused_is_a_harness_error():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(ODataConnectionError, match="cannot reach"):
        ODataClient(f"http://127.0.0.1:{port}/api/data/v9.2", DATAVERSE, timeout=5).get("accounts")


# ---------------------------------------------------------------------- updates, upserts, deletes
def test_update_with_etags(dv: ODataClient, fake: FakeServices):
    key = dv.create("accounts", {"name": "v1"}).created.key
    entity = dv.retrieve("accounts", key).json()
    assert dv.update("accounts", key, {"name": "v2"}, if_match=entity).status == DATAVERSE.update_status
    assert fake.seen[-1].headers["if-match"] == 'W/"1000"'
    with pytest.raises(ODataError) as info:
        dv.update("accounts", key, {"name": "v3"}, if_match=entity)  # stale now
    assert (info.value.status, info.value.code) == (412, "0x80060882")
    assert fake.accounts[str(key)]["name"] == "v2"


def test_update_without_upsert_does_not_create(dv: ODataClient, fake: FakeServices, created):
    with pytest.raises(ODataError) as info:
        dv.update("accounts", uuid.UUID(int=9), {"name": "ghost"}, upsert=False)
    assert info.value.status == 404
    assert fake.seen[-1].headers["if-match"] == "*"
    assert fake.accounts == {} and created == []


def test_create_only_upsert_is_tracked_and_refuses_existing(dv: ODataClient, fake: FakeServices, created):
    key = uuid.uuid4()
    response = dv.upsert("accounts", key, {"name": "new"}, create_only=True)
    assert response.status == 204 and fake.seen[-1].headers["if-none-match"] == "*"
    assert created == [("accounts", key)]
    with pytest.raises(ODataError) as info:
        dv.upsert("accounts", key, {"name": "again"}, create_only=True)
    assert (info.value.status, info.value.code) == (412, "0x80040237")
    assert dv.upsert("accounts", key, {"name": "plain"}).status == 204
    assert created == [("accounts", key)]  # a 204 upsert may have updated: never tracked


def test_delete_by_key_and_by_path(dv: ODataClient, fake: FakeServices):
    first = dv.create("accounts", {"name": "a"}).created.key
    second = dv.create("accounts", {"name": "b"}).created.key
    assert dv.delete("accounts", first).status == 204
    assert "if-match" not in fake.seen[-1].headers
    assert dv.delete(f"accounts({second})", if_match="*").status == 204
    assert fake.seen[-1].headers["if-match"] == "*"
    assert fake.accounts == {}
    with pytest.raises(ODataError):
        dv.delete("accounts", first)


# ---------------------------------------------------------------------- F&O
def test_fno_create_reads_a_composite_key_from_the_body(fake: FakeServices):
    created: list = []
    client = ODataClient(f"{fake.base}/data", FNO, on_created=lambda s, k: created.append((s, k)),
                         entity_keys={"CustomersV3": ["dataAreaId", "CustomerAccount"]})
    response = client.create("CustomersV3", {"dataAreaId": "USMF", "OrganizationName": "Contoso"})
    assert response.status == FNO.create_status == 201
    key = {"dataAreaId": "usmf", "CustomerAccount": "DAT-000053"}
    assert created == [("CustomersV3", key)]
    assert entity_path(*created[0], FNO) == "CustomersV3(dataAreaId='usmf',CustomerAccount='DAT-000053')"
    created.clear()
    response = client.create("CustomersV3", {"OrganizationName": "X"}, key_fields=["CustomerAccount", "dataAreaId"])
    assert created[0][1] == {"CustomerAccount": "DAT-000054", "dataAreaId": "usmf"}
    assert client.count("CustomersV3") == 3


def test_fno_create_with_unknown_key_warns(fake: FakeServices):
    client = ODataClient(f"{fake.base}/data", FNO, on_created=lambda s, k: pytest.fail("must not be called"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = client.create("CustomersV3", {"OrganizationName": "X"})
    assert response.status == 201 and response.created is None
    assert [w.category for w in caught] == [UnknownCreatedKeyWarning]


def test_fno_error_shapes(fake: FakeServices):
    client = ODataClient(f"{fake.base}/data", FNO)
    with pytest.raises(ODataError) as info:
        client.create("CustomerGroups", {"CustomerGroupId": "10", "dataAreaId": "usmf"})
    error = info.value
    assert error.status == 400 and error.code is None
    assert error.message.startswith("Write failed for table row of type 'CustCustomerGroupEntity'")
    assert str(error).startswith("400 Write failed for table row")
    with pytest.raises(ODataError) as info:
        client.get("AutomationDatas/Microsoft.Dynamics.DataEntities.ReturnRental")
    assert info.value.status == 404
    assert info.value.message.startswith("No HTTP resource was found")


# ---------------------------------------------------------------------- Business Central
def test_bc_create_update_delete(fake: FakeServices):
    created: list = []
    client = ODataClient(f"{fake.base}/bc/api/v2.0/companies({COMPANY})", BUSINESS_CENTRAL,
                         on_created=lambda s, k: created.append((s, k)))
    response = client.create("customers", {"displayName": "Adatum"})
    (customer_id,) = fake.bc_customers
    assert response.status == 201 and created == [("customers", uuid.UUID(customer_id))]
    updated = client.update("customers", customer_id, {"displayName": "Adatum 2"})
    assert updated.status == BUSINESS_CENTRAL.update_status == 200
    assert updated.json()["displayName"] == "Adatum 2"
    assert fake.seen[-1].headers["if-match"] == "*"
    assert fake.seen[-1].raw_path.endswith(f"customers({customer_id})")

    with pytest.raises(ODataError) as info:
        client.patch(f"customers({customer_id})", {"displayName": "no etag"})
    error = info.value
    assert (error.status, error.code) == (400, "BadRequest_InvalidToken")
    assert error.message.endswith("in the client request.")
    assert error.correlation_id == error.request_id == "2c074c12-9c3e-4bcb-a0a4-6ef0b8b1c2a3"

    assert client.delete("customers", uuid.UUID(customer_id)).status == 204
    assert fake.seen[-1].headers["if-match"] == "*"
    assert fake.bc_customers == {}


def test_response_repr_and_json_errors(dv: ODataClient, fake: FakeServices):
    response = dv.get("accounts")
    assert repr(response) == "<ODataResponse 200 GET /api/data/v9.2/accounts>"
    count_response = dv.get("accounts/$count", headers={"Accept": "text/plain"})
    assert count_response.text == "0"  # BOM dropped even without a declared charset
    html = dv.get("html")
    with pytest.raises(ODataProtocolError, match="not JSON") as info:
        html.json()
    assert "text/html" in str(info.value)
    assert html.etag is None
    assert json.loads(dv.get("accounts").text)["value"] == []
