"""Cached SELECTs run on SQLite's driver directly, with SQLAlchemy's own SQL, parameters and converters.

The unit of work keeps one statement per read shape (find by key, a kept ``$filter`` plan); each
execution through SQLAlchemy still paid for its statement-cache lookup, an execution context, result
metadata and row objects: about a fifth of a GET by key. :class:`PreparedSelect` compiles the
statement once and keeps what SQLAlchemy would send the driver (the SQL text, the order of the
parameters and their bind converters) and what it would do with the rows (each column's result
converter), then runs it on the unit of work's own DBAPI connection, so the read sees the same
transaction. Parameters are still built by the compiled statement's ``construct_params``.

Anything unusual runs through SQLAlchemy as before: a driver other than pysqlite, a statement whose
SQL is finished per execution (expanding ``IN``, literal-execute parameters), and any failure (the
read is re-run through SQLAlchemy, which raises what it always raised, translated by
:mod:`simulator.odata.sql_limits`). ``tests/simulator/test_prepared.py`` compares rows both ways.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


class PreparedSelect:
    """One SELECT compiled for ``dialect``; :meth:`rows` / :meth:`first` return dicts like ``dict(row._mapping)``."""

    __slots__ = ("statement", "_compiled", "_sql", "_order", "_binds", "_keys", "_converters", "_direct_ok")

    def __init__(self, statement: sa.Select, dialect: sa.Dialect):
        self.statement = statement
        compiled = statement.compile(dialect=dialect)
        self._compiled = compiled
        self._sql = compiled.string
        self._order = tuple(compiled.positiontup or ())
        processors = compiled._bind_processors  # what SQLAlchemy applies to each parameter
        self._binds = [(name, processors.get(name)) for name in self._order]
        columns = list(statement.selected_columns)
        self._keys = tuple(column.key for column in columns)
        converters = [column.type._cached_result_processor(dialect, None) for column in columns]
        self._converters = [(i, c) for i, c in enumerate(converters) if c is not None]
        self._direct_ok = (dialect.driver == "pysqlite" and compiled.positional and len(set(self._keys)) == len(self._keys)
                        and not compiled.literal_execute_params and not compiled.post_compile_params
                        and not compiled.schema_translate_map)

    def _execute(self, conn: sa.Connection, params: dict):
        values = self._compiled.construct_params(params, escape_names=False)
        positional = tuple(values[name] if convert is None else convert(values[name]) for name, convert in self._binds)
        return conn.connection.driver_connection.execute(self._sql, positional)

    def _dict(self, row: tuple) -> dict:
        if self._converters:
            row = list(row)
            for i, convert in self._converters:
                row[i] = convert(row[i])
        return dict(zip(self._keys, row, strict=True))

    def _direct(self, conn: sa.Connection, params: dict, one: bool) -> tuple[bool, Any]:
        """``(True, fetched)`` from SQLite's driver, or ``(False, None)``: then the caller goes through
        SQLAlchemy, which raises the same error translated as before."""
        try:
            cursor = self._execute(conn, params)
            try:
                return True, cursor.fetchone() if one else cursor.fetchall()
            finally:
                cursor.close()
        except Exception:  # noqa: BLE001 - re-run through SQLAlchemy
            return False, None

    def rows(self, conn: sa.Connection, params: dict) -> list[dict]:
        if self._direct_ok:
            done, fetched = self._direct(conn, params, one=False)
            if done:
                return [self._dict(row) for row in fetched]
        return [dict(row._mapping) for row in conn.execute(self.statement, params)]

    def first(self, conn: sa.Connection, params: dict) -> dict | None:
        if self._direct_ok:
            done, row = self._direct(conn, params, one=True)
            if done:
                return None if row is None else self._dict(row)
        row = conn.execute(self.statement, params).first()
        return dict(row._mapping) if row else None
