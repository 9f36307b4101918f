"""F&O number sequences: the next free key value for a company, as a POST without the key gets."""

from __future__ import annotations

import sqlalchemy as sa

from simulator.fno.model import NumberSequence, TableInfo


class NumberSequences:
    """Counters per (entity set, field, company), started from the highest number already stored.

    Like real number sequences, a number is never handed out twice, even after its row is deleted.
    Callers hold the store's lock (inserts run inside a store transaction).
    """

    def __init__(self) -> None:
        self._next: dict[tuple[str, str, str], int] = {}

    @staticmethod
    def sequence(info: TableInfo, field: str, company: str) -> NumberSequence:
        sequences = info.numbered[field]
        if company in sequences:
            return sequences[company]
        return NumberSequence(company.upper() + "-", sequences["*"].width)

    def next_value(self, info: TableInfo, field: str, company: str, table: sa.Table, conn) -> str:
        sequence = self.sequence(info, field, company)
        slot = (table.name, field, company)
        if slot not in self._next:
            used = conn.execute(sa.select(table.c[field]).where(table.c.dataAreaId == company)).scalars()
            numbers = [n for n in (sequence.parse(v) for v in used if v) if n is not None]
            self._next[slot] = max(numbers, default=0) + 1
        while True:
            value = sequence.format(self._next[slot])
            self._next[slot] += 1
            taken = conn.execute(sa.select(sa.func.count()).select_from(table).where(
                table.c.dataAreaId == company, table.c[field] == value)).scalar_one()
            if not taken:
                return value
