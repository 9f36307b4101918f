"""Removing what tests created: at teardown, and by sweeping a live instance for tagged leftovers."""

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
            ("VendorsV2", "VendorOrganizationName")],
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
            try:
                client.delete(entity_set, key, if_match="*")
            except ODataError as exc:
                if exc.status != 404:
                    problems.append(f"could not delete {entity_set} {key!r}: {exc}")
        return problems


def sweep_tagged(client: ODataClient, target: str, tag: str = TAG_PREFIX,
                 entity_sets: Iterable[tuple[str, str]] | None = None, dry_run: bool = False) -> list[str]:
    """Find (and unless ``dry_run`` delete) records whose name carries ``tag``; returns what was found."""
    found = []
    for entity_set, name_field in entity_sets or SWEEPABLE.get(target, []):
        keys = client.entity_keys.get(entity_set)
        select = [name_field, *keys] if keys else None
        try:
            rows = list(client.iter_all(entity_set, Query(filter=contains(name_field, tag), select=select)))
        except ODataError as exc:
            log.warning("cannot search %s on %s: %s", entity_set, target, exc)
            continue
        for row in rows:
            key = _key_of(client, entity_set, row)
            found.append(f"{target}:{entity_set} {row.get(name_field)!r}")
            if not dry_run and key is not None:
                try:
                    client.delete(entity_set, key, if_match="*")
                except ODataError as exc:
                    if exc.status != 404:
                        log.warning("cannot delete %s %s: %s", entity_set, key, exc)
    return found


def _key_of(client: ODataClient, entity_set: str, row: dict):
    keys = client.entity_keys.get(entity_set)
    if keys:
        return {k: row[k] for k in keys} if len(keys) > 1 else row[keys[0]]
    guesses = [k for k in row if k.lower() in (entity_set.rstrip("s") + "id", "id", "activityid")]
    return row[guesses[0]] if guesses else None
