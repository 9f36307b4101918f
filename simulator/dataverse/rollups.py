"""Rollup columns: their definitions and the recalculation ``CalculateRollupField`` runs.

Real Dataverse recalculates rollups in a background job (hourly by default) and stores the value
with ``<name>_date`` (when) and ``<name>_state`` (0 NotCalculated, 1 Calculated, ...); reads return
the stored value. ``CalculateRollupField`` recalculates one column of one row now and returns it
[doc: "Define rollup columns", "CalculateRollupField function"]. The simulator has no background
job: stored values change only through ``CalculateRollupField``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from simulator.odata.edm import format_datetime
from simulator.odata.store import VERSION_COLUMN

CALCULATED = 1


@dataclass(frozen=True)
class Rollup:
    """One rollup column: ``aggregate`` (sum/count) of ``source_column`` over related rows matching ``where``."""

    table: str  # logical name of the table holding the column
    column: str
    source_set: str  # entity set of the related rows
    link_column: str  # the related rows' lookup to the row being calculated
    aggregate: str  # "sum" or "count"
    source_column: str | None = None
    where: tuple[tuple[str, object], ...] = ()


# The out-of-box account rollups over open opportunities whose parent account is the account.
ROLLUPS = {(r.table, r.column): r for r in [
    Rollup("account", "openrevenue", "opportunities", "_parentaccountid_value", "sum", "estimatedvalue",
           (("statecode", 0),)),
    Rollup("account", "opendeals", "opportunities", "_parentaccountid_value", "count", None,
           (("statecode", 0),)),
]}


def rollup_of(table: str, column: str) -> Rollup | None:
    return ROLLUPS.get((table, column))


def recalculate(service, conn, entity_set, row: dict, rollup: Rollup) -> dict:
    """Compute the rollup for ``row`` now, store value/date/state and return them (with the key)."""
    source = service.table(rollup.source_set)
    key = entity_set.type.key[0]
    conditions = [source.c[rollup.link_column] == row[key],
                  *[source.c[name] == value for name, value in rollup.where]]
    if rollup.aggregate == "count":
        value = conn.execute(sa.select(sa.func.count()).select_from(source).where(*conditions)).scalar_one()
    else:
        total = conn.execute(sa.select(sa.func.sum(source.c[rollup.source_column])).where(*conditions)).scalar_one()
        value = float(total) if total is not None else 0.0
    now = format_datetime(dt.datetime.now(dt.UTC))
    values = {rollup.column: value, f"{rollup.column}_date": now, f"{rollup.column}_state": CALCULATED}
    changes = dict(values)
    changes[VERSION_COLUMN] = service.store.next_version(conn)
    service.dialect.stamp_version(entity_set, changes)  # a recalculation is an update; modifiedon stays
    table = service.table(entity_set.name)
    conn.execute(table.update().where(table.c[key] == row[key]).values(**changes))
    return {"@odata.etag": service.dialect.etag(changes[VERSION_COLUMN]), key: row[key], **values}
