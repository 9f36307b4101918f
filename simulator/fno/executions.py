"""Data management executions: imports from and exports to packages, run in the background with time.

``ImportFromPackage`` and ``ExportToPackage`` start an execution and return its id at once; the
execution is ``NotRun`` until a worker picks it up, ``Executing`` while it runs, and then
``Succeeded``, ``PartiallySucceeded`` (some rows failed) or ``Failed`` (none could be written), as
``GetExecutionSummaryStatus`` reports (the documented ``DMFExecutionSummaryStatus`` values). Rows are
written through the F&O service, so defaults, number sequences and validation are the OData ones;
a failed row rolls back alone and is kept, with its keys, for ``GetExecutionErrors`` and the error
files. State and behaviour only: the HTTP side is in :mod:`simulator.fno.operations`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
import time
import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa

from simulator.fno import packages
from simulator.fno.blobs import BlobContainer
from simulator.fno.model import TABLES, TableInfo
from simulator.odata.context import RequestContext
from simulator.odata.errors import ODataProblem
from simulator.odata.model import EntitySet

TERMINAL = ("Succeeded", "PartiallySucceeded", "Failed", "Canceled")
COMPANY = "dataAreaId"


@dataclass
class RowError:
    entity: str
    line: int  # the row's line in the data file (a CSV header is line 1)
    message: str
    stage: str  # "Staging" (the value could not be read) or "Target" (the write was refused)
    keys: dict[str, str] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"EntityName": self.entity, "LineNumber": self.line, "ErrorType": self.stage,
                "ErrorMessage": self.message, "Keys": self.keys}


@dataclass
class Execution:
    id: str
    kind: str  # "Import" | "Export"
    definition_group: str
    legal_entity: str
    status: str = "NotRun"
    errors: list[RowError] = field(default_factory=list)
    written: dict[str, int] = field(default_factory=dict)  # entity -> rows written
    package_blob: str | None = None  # the exported package
    error_files: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, entity) -> blob name
    done: threading.Event = field(default_factory=threading.Event)


@dataclass
class Timings:
    """How long an execution stays ``NotRun`` and, at least, ``Executing`` (seconds)."""

    queued: float = 0.2
    running: float = 0.3


class DataManagement:
    """The package API's state for one F&O environment: blobs, executions, the service to write through."""

    def __init__(self, service, timings: Timings | None = None) -> None:
        self.service = service
        self.blobs = BlobContainer()
        self.timings = timings or Timings()
        self.executions: dict[str, Execution] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lookups
    def execution(self, execution_id: str) -> Execution | None:
        with self._lock:
            return self.executions.get(execution_id)

    def entity_set_for(self, dmf_name: str) -> tuple[EntitySet, TableInfo] | None:
        for set_name, info in TABLES.items():
            if info.dmf_name and info.dmf_name.lower() == dmf_name.strip().lower():
                return self.service.model.entity_set(set_name), info
        return None

    def new_execution(self, kind: str, execution_id: str, group: str, legal_entity: str) -> Execution:
        with self._lock:
            execution_id = execution_id or f"{group}-{dt.datetime.now(dt.UTC):%m/%d/%Y %I:%M:%S %p}-" \
                                            f"{uuid.uuid4().hex[:8].upper()}"
            if execution_id in self.executions:
                raise ValueError(f"The execution ID '{execution_id}' is already used by another job.")
            execution = Execution(execution_id, kind, group, legal_entity)
            self.executions[execution_id] = execution
        return execution

    def start(self, execution: Execution, work) -> None:
        """Run ``work(execution)`` after the queue delay, keeping it ``Executing`` at least ``running``."""
        def run() -> None:
            time.sleep(self.timings.queued)
            execution.status = "Executing"
            began = time.monotonic()
            try:
                final = work(execution)
            except Exception as exc:  # noqa: BLE001 - an execution that crashes fails, it never takes the server
                execution.errors.append(RowError("", 0, f"The execution stopped: {type(exc).__name__}.", "Target"))
                final = "Failed"
            time.sleep(max(0.0, self.timings.running - (time.monotonic() - began)))
            execution.status = final
            execution.done.set()

        threading.Thread(target=run, name=f"dmf-{execution.id}", daemon=True).start()

    # ------------------------------------------------------------------ import
    def import_package(self, execution: Execution, package: packages.Package, execute: bool,
                       overwrite: bool) -> str:
        attempted = failed = 0
        for entry in package.entities:
            entity_set, info = self.entity_set_for(entry.name)
            try:
                rows = packages.read_rows(package, entry)
            except packages.PackageError as exc:
                execution.errors.append(RowError(entry.name, 0, str(exc), "Staging"))
                failed += 1
                attempted += 1
                continue
            first_line = 2 if entry.source_format.startswith("CSV") else 1
            for line, source in enumerate(rows, start=first_line):
                attempted += 1
                error = self._import_row(execution, entity_set, info, entry, line, source, execute, overwrite)
                if error is not None:
                    execution.errors.append(error)
                    failed += 1
                else:
                    execution.written[entry.name] = execution.written.get(entry.name, 0) + (1 if execute else 0)
        if failed == 0:
            return "Succeeded"
        return "Failed" if failed >= attempted else "PartiallySucceeded"

    def _values(self, entity_set: EntitySet, info: TableInfo, entry, line: int, source: dict) -> dict:
        """Column texts -> typed entity values; raises ValueError naming the column."""
        values: dict = {}
        for column, text in source.items():
            name = entry.field_map.get(column) or column
            prop = next((p for p in entity_set.type.properties if p.name.upper() == name.upper()), None)
            if prop is None:
                raise ValueError(f"The column '{column}' does not map to a field of the entity '{info.dmf_name}'.")
            if prop.name == COMPANY or text == "":
                continue
            values[prop.name] = _typed(text, prop.type, self.service.model, column)
        return values

    def _import_row(self, execution: Execution, entity_set: EntitySet, info: TableInfo, entry, line: int,
                    source: dict, execute: bool, overwrite: bool) -> RowError | None:
        keys = {k: source.get(k.upper(), "") for k in entity_set.type.key if k != COMPANY}
        try:
            values = self._values(entity_set, info, entry, line, source)
        except ValueError as exc:
            return RowError(entry.name, line, f"Row {line} of '{entry.file}': {exc}", "Staging", keys, source)
        if COMPANY in entity_set.type.key:
            values[COMPANY] = execution.legal_entity
        if not execute:
            return None
        ctx = RequestContext("POST", "", "", {}, {}, extras={"service": self.service})
        try:
            with self.service.store.transaction() as conn:
                key = {k: values.get(k) for k in entity_set.type.key}
                existing = self.service.find(conn, entity_set, key) if None not in key.values() else None
                if existing is None:
                    self.service.insert(conn, ctx, entity_set, values)
                elif not overwrite:
                    raise self.service.dialect.duplicate(entity_set)
                else:
                    self._update(conn, ctx, entity_set, existing, values)
        except ODataProblem as problem:
            return RowError(entry.name, line, f"Row {line} of '{entry.file}': {problem.message}", "Target", keys,
                            source)
        return None

    def _update(self, conn, ctx, entity_set: EntitySet, row: dict, values: dict) -> None:
        """Overwrite an existing row with the package's values (the PATCH path of the service)."""
        body = {k: v for k, v in values.items() if k not in entity_set.type.key}
        self.service.work.modify(conn, ctx, entity_set, row, body)

    # ------------------------------------------------------------------ export
    def export_package(self, execution: Execution, details: list[dict], package_name: str) -> str:
        entities = []
        for detail in details:
            found = self.entity_set_for(detail["EntityName"])
            if found is None:
                execution.errors.append(RowError(detail["EntityName"], 0, f"Entity {detail['EntityName']} does not "
                                                 "exist in the target environment.", "Staging"))
                continue
            entity_set, info = found
            table = self.service.table(entity_set.name)
            select = sa.select(table)
            if COMPANY in table.c:
                select = select.where(table.c[COMPANY] == execution.legal_entity)
            columns = [p.name for p in entity_set.type.properties if p.name != COMPANY]
            with self.service.store.transaction() as conn:
                rows = [dict(r._mapping) for r in conn.execute(
                    select.order_by(*[table.c[k] for k in entity_set.type.key]))]
            entities.append(packages.EntityData(
                info.dmf_name, detail.get("SourceFormat") or "XML-Element", info.aot_name.upper(), columns,
                [{c: _text(row.get(c)) for c in columns} for row in rows],
                (detail.get("ExecutionUnit") or 1, detail.get("LevelInExecutionUnit") or 1,
                 detail.get("SequenceInLevel") or 1)))
            execution.written[info.dmf_name] = len(rows)
        if not entities:
            return "Failed"
        entities.sort(key=lambda e: e.order)
        data = packages.write_package(execution.definition_group, package_name, entities)
        name = f"{execution.id}/{package_name}.zip"
        self.blobs.put(name, data, "application/zip")
        execution.package_blob = name
        return "Succeeded" if not execution.errors else "PartiallySucceeded"

    # ------------------------------------------------------------------ error files
    def error_file(self, execution: Execution, stage: str, entity: str) -> str | None:
        """Write the (keys or rows) file of one entity's failed rows; None when there are none."""
        failed = [e for e in execution.errors if e.stage == stage and e.entity.lower() == entity.lower()]
        if not failed:
            return None
        columns = list(failed[0].keys if stage == "Target" else failed[0].source)
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([c.upper() for c in columns] + ["ERRORMESSAGE"] * (stage == "Staging"))
        for error in failed:
            data = error.keys if stage == "Target" else error.source
            writer.writerow([data.get(c, "") for c in columns] + [error.message] * (stage == "Staging"))
        name = f"{execution.id}/{entity}-{stage.lower()}-errors.csv"
        self.blobs.put(name, buffer.getvalue().encode("utf-8-sig"), "text/csv")
        execution.error_files[(stage, entity.lower())] = name
        return name

    def errors_json(self, execution: Execution) -> str:
        return json.dumps([e.as_json() for e in execution.errors])


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _typed(text: str, type_name: str, model, column: str):
    """A package cell as the entity's value type."""
    try:
        if type_name in ("Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte"):
            return int(text)
        if type_name in ("Edm.Decimal", "Edm.Double", "Edm.Single"):
            return float(text.replace(",", ""))
        if type_name == "Edm.Boolean":
            if text.lower() in ("yes", "true", "1"):
                return True
            if text.lower() in ("no", "false", "0"):
                return False
            raise ValueError
    except ValueError:
        raise ValueError(f"The value '{text}' of the column '{column}' is not a valid {type_name}.") from None
    enum = model.enum(type_name) if not type_name.startswith("Edm.") else None
    if enum is not None and text not in enum.members:
        raise ValueError(f"The value '{text}' of the column '{column}' is not a member of the enumeration "
                         f"'{enum.name}'.")
    return text


__all__ = ["DataManagement", "Execution", "RowError", "TERMINAL", "Timings"]
