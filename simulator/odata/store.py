"""SQLite storage (through SQLAlchemy Core) generated from the entity model.

A single re-entrant lock serialises every transaction: it is what makes ETag checks atomic
(read-compare-write cannot interleave) and lets the in-memory database be shared by the
server's worker threads. Transactions are joinable: a ``transaction()`` opened while the same
thread already holds one shares it (one unit of work), which is how a ``$batch`` changeset wraps
several requests and how nested operations commit or roll back together.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from simulator.odata import sql_limits
from simulator.odata.edm import sql_type
from simulator.odata.model import EntityModel, EntitySet

VERSION_COLUMN = "_rowversion"


class Store:
    """Tables for every entity set of one or more models, in one database."""

    def __init__(self, database_url: str = "sqlite://"):
        kwargs: dict = {}
        if database_url in ("sqlite://", "sqlite:///:memory:"):
            kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        elif database_url.startswith("sqlite"):
            kwargs = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        self.engine = sa.create_engine(database_url, **kwargs)
        sql_limits.install(self.engine)  # SQLite's limits answer 400, not 500
        if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        self.metadata = sa.MetaData()
        self.tables: dict[str, sa.Table] = {}
        self.lock = threading.RLock()
        self._local = threading.local()  # the thread's open connection, joined by nested transactions
        self._conn: sa.Connection | None = None  # the one connection units of work use, under ``lock``
        self._version = sa.Table("_version_counter", self.metadata,
                                 sa.Column("id", sa.Integer, primary_key=True),
                                 sa.Column("value", sa.BigInteger, nullable=False))

    def add_model(self, model: EntityModel, prefix: str) -> None:
        """Create one table per entity set, named ``<prefix>_<set>``."""
        for entity_set in model.entity_sets:
            self.tables[f"{prefix}:{entity_set.name}"] = self._table_for(model, entity_set, prefix)
        self.metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            if conn.execute(sa.select(self._version.c.value)).first() is None:
                conn.execute(self._version.insert().values(id=1, value=1000000))

    def _table_for(self, model: EntityModel, entity_set: EntitySet, prefix: str) -> sa.Table:
        et = entity_set.type
        columns = [sa.Column(p.name, sql_type(p, model), primary_key=p.name in et.key)
                   for p in et.properties]
        columns.append(sa.Column(VERSION_COLUMN, sa.BigInteger, nullable=False, default=0))
        indexes = [sa.Index(f"ix_{prefix}_{entity_set.name}_{'_'.join(k)}", *k) for k in et.alternate_keys]
        for p in et.properties:
            if p.lookup_of or p.name.endswith("_value"):
                indexes.append(sa.Index(f"ix_{prefix}_{entity_set.name}_{p.name}", p.name))
        return sa.Table(f"{prefix}_{entity_set.name}", self.metadata, *columns, *indexes)

    def table(self, prefix: str, entity_set: str) -> sa.Table:
        return self.tables[f"{prefix}:{entity_set}"]

    def transaction(self) -> _Transaction:
        """The thread's current unit of work, or a new one committed on exit (rolled back on error).

        A nested call yields the outer connection and neither commits nor rolls back: the
        outermost ``transaction()`` decides for all of them.
        """
        return _Transaction(self)

    def _connection(self) -> sa.Connection:
        """The store's connection, kept open between units of work (they are serialised by ``lock``
        anyway); checking one out of the pool and back in per request was a tenth of a GET's time."""
        conn = self._conn
        if conn is None or conn.closed or conn.invalidated:
            conn = self._conn = self.engine.connect()
        elif conn.in_transaction():  # a unit of work whose commit or rollback failed half-way
            conn.rollback()
        return conn

    def in_transaction(self) -> bool:
        return getattr(self._local, "conn", None) is not None

    def next_version(self, conn: sa.Connection) -> int:
        conn.execute(self._version.update().values(value=self._version.c.value + 1))
        return conn.execute(sa.select(self._version.c.value)).scalar_one()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
        self.engine.dispose()


class _Transaction:
    """``Store.transaction()``'s context manager: what ``with store.lock: with conn.begin(): ...`` with the
    thread's connection set inside does, as one object instead of a generator (one per request)."""

    __slots__ = ("store", "begun")

    def __init__(self, store: Store):
        self.store = store
        self.begun = None  # SQLAlchemy's transaction context when this one opened the unit of work

    def __enter__(self) -> sa.Connection:
        store = self.store
        current = getattr(store._local, "conn", None)
        if current is not None:
            return current
        store.lock.acquire()
        try:
            conn = store._connection()
            begun = conn.begin()
            begun.__enter__()
        except BaseException:
            store.lock.release()
            raise
        self.begun = begun
        store._local.conn = conn
        return conn

    def __exit__(self, kind, value, trace) -> bool:
        begun = self.begun
        if begun is None:  # joined an outer unit of work: it decides
            return False
        self.begun = None
        store = self.store
        try:
            store._local.conn = None
            return bool(begun.__exit__(kind, value, trace))
        finally:
            store.lock.release()
