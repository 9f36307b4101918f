"""The OData core's unit of work: joinable transactions, and requests that share one."""

from __future__ import annotations

import ast
import pathlib

import pytest
import sqlalchemy as sa

from simulator.odata.context import RequestContext
from simulator.odata.dialect import Dialect
from simulator.odata.model import EntityModel, EntitySet, EntityType, Property
from simulator.odata.service import ODataService
from simulator.odata.store import Store


def _service() -> ODataService:
    note = EntityType("note", ["id"], [Property("id", "Edm.Guid", nullable=False), Property("title")])
    model = EntityModel("Test.NS", "t", "Container", [EntitySet("notes", note)])
    return ODataService(model, Store("sqlite://"), "t", Dialect())


def _count(service: ODataService) -> int:
    with service.store.transaction() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(service.table("notes"))).scalar_one()


def _post(title: str) -> RequestContext:
    return RequestContext("POST", "http://x/odata", "notes", {}, {"content-type": "application/json"},
                          f'{{"title": "{title}"}}'.encode())


def test_nested_transactions_share_one_connection_and_the_outer_one_decides():
    service = _service()
    with pytest.raises(RuntimeError), service.store.transaction() as outer:
        with service.store.transaction() as inner:
            assert inner is outer
            service.work.insert(inner, _post("x"), service.model.entity_set("notes"), {"title": "inner"})
        assert _count(service) == 1  # visible inside the unit of work, which the count joins
        raise RuntimeError("roll the whole unit back")
    assert _count(service) == 0
    assert not service.store.in_transaction()


def test_requests_handled_in_a_passed_unit_of_work_roll_back_together():
    service = _service()
    with pytest.raises(RuntimeError), service.store.transaction() as conn:
        for title in ("a", "b"):
            assert service.handle(_post(title), conn).status_code == 201
        raise RuntimeError("a later part failed")
    assert _count(service) == 0
    assert service.handle(_post("c")).status_code == 201  # alone, a request commits its own unit
    assert _count(service) == 1


def test_the_http_layer_opens_no_transaction_itself():
    source = pathlib.Path(__file__).parents[2] / "simulator" / "odata" / "service.py"
    calls = [node for node in ast.walk(ast.parse(source.read_text()))
             if isinstance(node, ast.Attribute) and node.attr in ("transaction", "begin", "connect")]
    assert calls == []
