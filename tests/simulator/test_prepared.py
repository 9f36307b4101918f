"""Cached SELECTs on the driver directly (simulator/odata/prepared.py) give what SQLAlchemy gives."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from simulator.odata.errors import ODataProblem
from simulator.odata.prepared import PreparedSelect
from simulator.odata.store import Store


@pytest.fixture
def store():
    store = Store("sqlite://")
    table = sa.Table("things", store.metadata,
                     sa.Column("id", sa.String(36), primary_key=True),
                     sa.Column("name", sa.String(collation="NOCASE")),
                     sa.Column("count", sa.Integer()), sa.Column("big", sa.BigInteger()),
                     sa.Column("ratio", sa.Float()), sa.Column("flag", sa.Boolean()))
    store.metadata.create_all(store.engine)
    with store.transaction() as conn:
        conn.execute(table.insert(), [
            {"id": f"id-{i}", "name": f"Name {i}" if i % 3 else None, "count": i, "big": 2**40 + i,
             "ratio": i / 4 if i % 2 else None, "flag": bool(i % 2) if i % 5 else None} for i in range(20)])
    store.tables["t:things"] = table
    yield store
    store.close()


def _both(store, statement, params, method="rows"):
    prepared = PreparedSelect(statement, store.engine.dialect)
    with store.transaction() as conn:
        ours = getattr(prepared, method)(conn, params)
        if method == "rows":
            theirs = [dict(r._mapping) for r in conn.execute(statement, params)]
        else:
            row = conn.execute(statement, params).first()
            theirs = dict(row._mapping) if row else None
    return prepared, ours, theirs


def test_rows_and_types_are_those_sqlalchemy_returns(store):
    table = store.tables["t:things"]
    statement = (sa.select(table).where(sa.and_(table.c.count >= 3, table.c.name == sa.bindparam("n")))
                 .order_by(table.c.id).limit(sa.bindparam("lim", type_=sa.Integer())))
    prepared, ours, theirs = _both(store, statement, {"n": "name 4", "lim": 5})  # NOCASE as in SQL
    assert prepared._direct_ok
    assert ours == theirs and len(ours) == 1
    assert [type(v) for v in ours[0].values()] == [type(v) for v in theirs[0].values()]
    statement = sa.select(table).order_by(table.c.id).limit(sa.bindparam("lim", type_=sa.Integer()))
    _, ours, theirs = _both(store, statement, {"lim": 50})
    assert ours == theirs and len(ours) == 20
    assert [[type(v) for v in r.values()] for r in ours] == [[type(v) for v in r.values()] for r in theirs]
    assert any(r["flag"] is True for r in ours) and any(r["flag"] is False for r in ours)


def test_first_finds_one_row_or_none(store):
    table = store.tables["t:things"]
    statement = sa.select(table).where(table.c.id == sa.bindparam("find_0", type_=sa.String()))
    for wanted in ("id-7", "id-99"):
        _, ours, theirs = _both(store, statement, {"find_0": wanted}, "first")
        assert ours == theirs
    assert ours is None


def test_reads_see_the_unit_of_works_own_uncommitted_writes(store):
    table = store.tables["t:things"]
    prepared = PreparedSelect(sa.select(table).where(table.c.id == sa.bindparam("k")), store.engine.dialect)
    with pytest.raises(RuntimeError), store.transaction() as conn:
        conn.execute(table.insert().values(id="new", count=1))
        assert prepared.first(conn, {"k": "new"})["count"] == 1
        raise RuntimeError("roll back")
    with store.transaction() as conn:
        assert prepared.first(conn, {"k": "new"}) is None


def test_expanding_in_goes_through_sqlalchemy(store):
    table = store.tables["t:things"]
    statement = sa.select(table).where(table.c.id.in_(sa.bindparam("ids", expanding=True))).order_by(table.c.id)
    prepared, ours, theirs = _both(store, statement, {"ids": ["id-1", "id-2"]})
    assert not prepared._direct_ok
    assert ours == theirs and [r["id"] for r in ours] == ["id-1", "id-2"]


def test_a_failing_read_raises_what_sqlalchemy_raised(store):
    table = store.tables["t:things"]
    statement = sa.select(table).where(table.c.count == sa.bindparam("c", type_=sa.Integer()))
    prepared = PreparedSelect(statement, store.engine.dialect)
    with store.transaction() as conn, pytest.raises(ODataProblem) as caught:  # sql_limits' translation
        prepared.rows(conn, {"c": 2**80})
    assert caught.value.status == 400 and "64-bit" in caught.value.message
    with store.transaction() as conn, pytest.raises(sa.exc.StatementError):  # a missing parameter
        prepared.first(conn, {})


def test_the_service_reads_by_key_and_kept_filter_shape_on_the_driver_directly():
    from simulator.odata.context import RequestContext
    from simulator.odata.dialect import Dialect
    from simulator.odata.model import EntityModel, EntitySet, EntityType, Property
    from simulator.odata.service import ODataService

    class Planning(Dialect):
        filter_plans = True

    note = EntityType("note", ["id"], [Property("id", "Edm.Int32", nullable=False), Property("title")])
    service = ODataService(EntityModel("Test.NS", "t", "Container", [EntitySet("notes", note)]),
                           Store("sqlite://"), "t", Planning())
    for i, title in enumerate(["a", "b", "a"]):
        body = f'{{"id": {i}, "title": "{title}"}}'.encode()
        assert service.handle(RequestContext("POST", "http://x/odata", "notes", {}, {}, body)).status_code == 201
    got = service.handle(RequestContext("GET", "http://x/odata", "notes(1)", {}, {}))
    assert got.status_code == 200 and b'"title":"b"' in got.body
    found = service.handle(RequestContext("GET", "http://x/odata", "notes", {"$filter": "title eq 'a'"}, {}))
    assert found.status_code == 200 and found.body.count(b'"title":"a"') == 2
    kept = list(service.work._finders.values()) + list(service.work._selects.values())
    assert len(service.work._selects) == 1 and kept and all(p._direct_ok for p in kept)
