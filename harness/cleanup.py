"""Removing what tests created: at teardown, and by sweeping a live instance for tagged leftovers.

A sweep covers every company: each Business Central company (``companies(<id>)/customers``) and
every F&O legal entity (``cross-company=true``), and reports what it could not delete.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from harness.naming import TAG_PREFIX
from harness.odata import ODataClient, ODataError, Query, contains

log = logging.getLogger("harness.cleanup")

# Where a run's tag can be found on each target: (entity set, name property).
SWEEPABLE: dict[str, list[tuple[str, str]]] = {
    "crm": [("tasks", "subject"), ("contacts", "lastname"), ("accounts", "name")],
    "fno": [("SalesOrderHeadersV2", "CustomerRequisitionNumber"), ("CustomersV3", "OrganizationName"),
            ("VendorsV2", "VendorOrganizationName"), ("CustomerGroups", "Description")],
    "bc": [("customers", "displayName"), ("vendors", "displayName"), ("items", "displayName")],
}


@dataclass
class RecordTracker:
    """Remembers every record created through a client and deletes them, newest first."""

    records: list[tuple[ODataClient, str, object]] = field(default_factory=list)

    def callback(self, client_getter):
        def on_created(entity_set: str, key) -> None:
            self.records.append((client_getter(), entity_set, key))
        return on_created

    def sweep(self) -> list[str]:
        """Delete what was tracked; returns the problems (a record already gone is fine)."""
        problems = []
        while self.records:
            client, entity_set, key = self.records.pop()
            # F&O: a key naming its legal entity is only reachable in another one with cross-company=true
            company_key = isinstance(key, dict) and any(f in key for f in client.dialect.leading_key_fields)
            widen = dict(client.dialect.all_companies) if company_key else {}
            try:
                client.delete(entity_set, key, if_match="*", params=widen or None)
            except ODataError as exc:
                if exc.status != 404:
                    problems.append(f"could not delete {entity_set} {key!r}: {exc}")
        return problems


@dataclass
class SweepReport:
    """What a sweep saw: every tagged record found, and what it could not search or delete."""

    found: list[str] = field(default_factory=list)  # "crm:accounts 'Account x zzh-...'"
    failed: list[str] = field(default_factory=list)  # each names the record (or entity set) and why


def company_scopes(client: ODataClient) -> list[str]:
    """Path prefixes that reach every company's data: BC ``companies(<id>)/`` for each company.

    F&O needs no prefix (its ``cross-company=true`` option widens the read instead, see
    :attr:`~harness.odata.dialects.Dialect.all_companies`); Dataverse has no companies.
    """
    parent = client.dialect.company_parent
    if parent is None:
        return [""]
    return [f"{parent}({row['id']})/" for row in client.iter_all(parent, Query(select=["id"]))]


def sweep(client: ODataClient, target: str, tag: str = TAG_PREFIX,
          entity_sets: Iterable[tuple[str, str]] | None = None, dry_run: bool = False) -> SweepReport:
    """Find (and unless ``dry_run`` delete) records whose name carries ``tag``, in every company.

    After deleting, each entity set is searched again: a tagged record still there is reported in
    :attr:`SweepReport.failed`, so a caller can tell a clean instance from a partial sweep.
    """
    report = SweepReport()
    widen = dict(client.dialect.all_companies)
    try:
        scopes = company_scopes(client)
    except ODataError as exc:
        report.failed.append(f"{target}: cannot list the companies: {exc}")
        return report
    for entity_set, name_field in entity_sets or SWEEPABLE.get(target, []):
        for scope in scopes:
            path = f"{scope}{entity_set}"
            rows = _search(client, target, path, entity_set, name_field, tag, widen, report)
            if rows is None:
                continue
            for row in rows:
                line = f"{target}:{path} {row.get(name_field)!r}"
                report.found.append(line)
                if dry_run:
                    continue
                key = _key_of(client, entity_set, row)
                if key is None:
                    report.failed.append(f"{line}: its key is unknown, so it cannot be deleted")
                    continue
                try:
                    client.delete(path, key, if_match="*", params=widen or None)
                except ODataError as exc:
                    if exc.status != 404:
                        report.failed.append(f"{line}: {exc}")
            if dry_run or not rows:
                continue
            left = _search(client, target, path, entity_set, name_field, tag, widen, report) or []
            reported = set(report.failed)
            for row in left:
                line = f"{target}:{path} {row.get(name_field)!r}"
                if not any(problem.startswith(line) for problem in reported):
                    report.failed.append(f"{line}: still there after the sweep")
    return report


def _search(client: ODataClient, target: str, path: str, entity_set: str, name_field: str, tag: str,
            widen: dict[str, str], report: SweepReport) -> list[dict] | None:
    keys = client.entity_keys.get(entity_set)
    select = [name_field, *keys] if keys else None
    try:
        return list(client.iter_all(path, Query(filter=contains(name_field, tag), select=select, extra=widen)))
    except ODataError as exc:
        log.warning("cannot search %s on %s: %s", path, target, exc)
        report.failed.append(f"{target}:{path}: cannot search it: {exc}")
        return None


def sweep_tagged(client: ODataClient, target: str, tag: str = TAG_PREFIX,
                 entity_sets: Iterable[tuple[str, str]] | None = None, dry_run: bool = False) -> list[str]:
    """Find (and unless ``dry_run`` delete) records whose name carries ``tag``; returns what was found."""
    report = sweep(client, target, tag, entity_sets, dry_run)
    for problem in report.failed:
        log.warning("%s", problem)
    return report.found


def _key_of(client: ODataClient, entity_set: str, row: dict):
    keys = client.entity_keys.get(entity_set)
    if keys:
        return {k: row[k] for k in keys} if len(keys) > 1 else row[keys[0]]
    guesses = [k for k in row if k.lower() in (entity_set.rstrip("s") + "id", "id", "activityid")]
    return row[guesses[0]] if guesses else None
