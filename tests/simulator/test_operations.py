"""The shared function/action registry: routing, parameters, methods and `$metadata`, over real HTTP."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests
import uvicorn
from lxml import etree
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from simulator.odata.dialect import Dialect
from simulator.odata.model import EntityModel, EntitySet, EntityType, Parameter, Property
from simulator.odata.operations import OperationRegistry
from simulator.odata.routing import METHODS, request_context
from simulator.odata.service import ODataService
from simulator.odata.store import VERSION_COLUMN, Store

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


def _service() -> ODataService:
    registry = OperationRegistry("Test.NS", "t")
    order = EntityType("order", ["id"], [Property("id", "Edm.Int32", nullable=False), Property("status")])

    @registry.function("Double", "Edm.Int32", params=[Parameter("Value", "Edm.Int32", nullable=False)])
    def double(call):
        return {"value": call.params["Value"] * 2}

    @registry.function("Echo", "Edm.String", params=[Parameter("Items", "Collection(Edm.String)")])
    def echo(call):
        return {"value": ",".join(call.params.get("Items") or [])}

    @registry.action("post", "order", bound_to="orders")
    def post(call):
        table = call.service.table("orders")
        call.conn.execute(table.update().where(table.c.id == call.row["id"]).values(status="posted"))
        return {"id": call.row["id"], "status": "posted"}

    @registry.action("closeAll", bound_to="orders", collection=True,
                     params=[Parameter("Reason", "Edm.String", nullable=False)])
    def close_all(call):
        call.conn.execute(call.service.table("orders").update().values(status=call.params["Reason"]))

    model = EntityModel("Test.NS", "t", "Container", [EntitySet("orders", order)],
                        operations=registry.declarations())
    service = ODataService(model, Store("sqlite://"), "t", Dialect(), registry)
    with service.store.transaction() as conn:
        conn.execute(service.table("orders").insert().values(id=1, status="open", **{VERSION_COLUMN: 1}))
    return service


@pytest.fixture(scope="module")
def root():
    service = _service()

    async def endpoint(request):
        path = request.path_params.get("path", "")
        ctx = request_context(request, str(request.base_url).rstrip("/") + "/odata", path,
                              await request.body(), "")
        return await run_in_threadpool(service.handle, ctx)

    app = Starlette(routes=[Route("/odata/{path:anypath}", endpoint, methods=METHODS)])
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/odata"
    server.should_exit = True
    thread.join(5)


def test_unbound_function_with_parameters_and_aliases(root):
    assert requests.get(f"{root}/Double(Value=21)").json()["value"] == 42
    assert requests.get(f"{root}/Double(Value=@v)", params={"@v": "5"}).json()["value"] == 10
    assert requests.get(f"{root}/Echo(Items=['a','b'])").json()["value"] == "a,b"
    body = requests.get(f"{root}/Echo(Items=@i)", params={"@i": '["x","y"]'}).json()
    assert body["value"] == "x,y" and body["@odata.context"].endswith("$metadata#Edm.String")


def test_parameters_are_checked_never_ignored(root):
    unknown = requests.get(f"{root}/Double(Value=1,Extra=2)")
    assert unknown.status_code == 400 and "Extra" in unknown.json()["error"]["message"]
    missing = requests.get(f"{root}/Double()")
    assert missing.status_code == 400 and "Value" in missing.json()["error"]["message"]
    alias = requests.get(f"{root}/Double(Value=@nope)")
    assert alias.status_code == 400 and "@nope" in alias.json()["error"]["message"]


def test_functions_are_get_and_actions_post(root):
    assert requests.post(f"{root}/Double(Value=1)").status_code == 405
    assert requests.get(f"{root}/orders(1)/Test.NS.post").status_code == 405


def test_bound_actions_change_state_by_namespace_or_alias(root):
    posted = requests.post(f"{root}/orders(1)/Test.NS.post")
    assert posted.status_code == 200 and posted.json()["status"] == "posted"
    assert requests.get(f"{root}/orders(1)").json()["status"] == "posted"
    closed = requests.post(f"{root}/orders/t.closeAll", json={"Reason": "closed"})
    assert closed.status_code == 204
    assert requests.get(f"{root}/orders(1)").json()["status"] == "closed"
    assert requests.post(f"{root}/orders/t.closeAll", json={}).status_code == 400
    assert requests.post(f"{root}/orders/t.closeAll", json={"Reason": "x", "Bogus": 1}).status_code == 400


def test_unknown_operations_are_404(root):
    assert requests.post(f"{root}/orders(1)/Test.NS.nothing").status_code == 404
    assert requests.post(f"{root}/orders/Test.NS.post").status_code == 404  # entity-bound, not collection
    assert requests.get(f"{root}/orders(2)/Test.NS.post").status_code in (404, 405)


def test_metadata_declares_bound_and_unbound_operations(root):
    doc = etree.fromstring(requests.get(f"{root}/$metadata").content)
    post = doc.find(f".//{EDM}Action[@Name='post']")
    assert post.get("IsBound") == "true"
    assert post.find(f"{EDM}Parameter").get("Type") == "t.order"
    close_all = doc.find(f".//{EDM}Action[@Name='closeAll']")
    assert close_all.find(f"{EDM}Parameter").get("Type") == "Collection(t.order)"
    imports = {e.get("Name") for e in doc.iter(f"{EDM}FunctionImport")}
    assert imports == {"Double", "Echo"} and not list(doc.iter(f"{EDM}ActionImport"))


def test_unbound_lookup_sees_operations_registered_after_it_and_keeps_the_first_of_a_name():
    registry = OperationRegistry("Test.NS", "t")
    assert registry.unbound("Later") is None

    @registry.function("Later", "Edm.Int32")
    def first(call):
        return {"value": 1}

    @registry.action("Later", bound_to="orders")
    def bound(call):
        return None

    @registry.function("Later", "Edm.Int32")
    def second(call):
        return {"value": 2}

    assert registry.unbound("Later").handler is first
    assert registry.unbound("Nope") is None
    assert [o.handler for o in registry.operations if o.binding is None and o.name == "Later"][0] is first
