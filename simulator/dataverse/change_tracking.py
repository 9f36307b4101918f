"""Change tracking: ``Prefer: odata.track-changes``, delta links and ``$deletedEntity`` rows.

As documented (learn.microsoft.com ``/power-apps/developer/data-platform/use-change-tracking-
synchronize-data-external-systems`` and ``webapi/use-change-tracking``): a collection GET with the
preference answers as usual plus ``@odata.deltaLink`` (``…?$deltatoken=<version>!<UTC time>``) and
``Preference-Applied: odata.track-changes``; following the link returns the rows created or
changed since the token (as ordinary rows) and one ``$deletedEntity`` entry per row deleted since,
then a new delta link. A token older than the retention period, from the future or unreadable is
refused (the client must do a full sync). ``$filter``, ``$orderby``, ``$expand`` and ``$top`` do not
combine with change tracking on the real service, so they are refused here too.

Deletions are remembered in a tombstone table of the same store (written by the dialect's
``before_delete`` hook, inside the deleting unit of work).
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote, urlencode

import sqlalchemy as sa
from starlette.responses import Response

from simulator.odata.errors import ODataProblem, syntax_error
from simulator.odata.store import VERSION_COLUMN

TRACKED_SETS = {"accounts", "contacts", "tasks"}
RETENTION = dt.timedelta(days=90)
EXPIRED = "0x80044352"
TOKEN = re.compile(r"^(\d{1,18})!(\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2})$")
NOT_WITH_TRACKING = ("$filter", "$orderby", "$expand", "$top", "$skiptoken", "$count", "$apply")


def tombstones(service) -> sa.Table:
    """The store's table of deleted rows, created by the first request (outside any unit of work)."""
    name = f"{service.prefix}__deleted"
    table = service.store.metadata.tables.get(name)
    if table is None:
        table = sa.Table(name, service.store.metadata,
                         sa.Column("entity_set", sa.String(128), nullable=False),
                         sa.Column("id", sa.String(64), nullable=False),
                         sa.Column("version", sa.BigInteger, nullable=False),
                         sa.Index(f"ix_{name}_set_version", "entity_set", "version"))
    if not getattr(service, "_tombstones_ready", False):
        with service.store.lock:
            table.create(service.store.engine, checkfirst=True)
        service._tombstones_ready = True
    return table


def remember_delete(service, conn, entity_set, row: dict) -> None:
    """Record a deleted row of a tracked table (called in the deleting transaction)."""
    if entity_set.name not in TRACKED_SETS:
        return
    table = tombstones(service)
    conn.execute(table.insert().values(entity_set=entity_set.name, id=str(row[entity_set.type.key[0]]),
                                       version=service.store.next_version(conn)))


def wants_tracking(ctx) -> bool:
    return "odata.track-changes" in ctx.prefer or "$deltatoken" in ctx.params


def make_token(version: int, now: dt.datetime) -> str:
    return f"{version}!{now.strftime('%m/%d/%Y %H:%M:%S')}"


def read_token(token: str, current: int, now: dt.datetime) -> int:
    match = TOKEN.match(token.strip())
    if not match:
        raise syntax_error(f"The $deltatoken '{token}' is not a valid change tracking token.")
    version = int(match.group(1))
    issued = dt.datetime.strptime(match.group(2), "%m/%d/%Y %H:%M:%S").replace(tzinfo=dt.UTC)
    if version > current or issued > now + dt.timedelta(minutes=5) or now - issued > RETENTION:
        raise ODataProblem(400, EXPIRED, "Version stamp associated with the client has expired. Please perform "
                           "a full sync.", "validation")
    return version


def serve_changes(service, ctx) -> Response:
    """A tracked collection GET: the first full read, or the changes since a delta token."""
    from simulator.odata.paths import split_path

    segments = split_path(ctx.path)
    entity_set = service.model.entity_set(segments[0].name) if len(segments) == 1 else None
    if entity_set is None or segments[0].has_parens or ctx.method != "GET":
        raise syntax_error("Change tracking is only supported on a GET of an entity set.")
    if entity_set.name not in TRACKED_SETS:
        raise ODataProblem(400, "0x80040203", f"The entity '{entity_set.label}' is not enabled for change "
                           "tracking.", "validation")
    combined = [name for name in NOT_WITH_TRACKING if name in ctx.params]
    if combined:
        raise syntax_error(f"The query option '{combined[0]}' is not supported with change tracking.")
    if "odata.maxpagesize" in ctx.prefer:
        raise ODataProblem(501, "0x8006088a", "Paging a change-tracking read (odata.maxpagesize) is not "
                           "implemented by the simulator.", "unsupported")
    given = ctx.params.pop("$deltatoken", None)  # not an option the shared parser knows
    opts = service.options(ctx, entity_set)
    table = service.table(entity_set.name)
    include = service.dialect.requested_annotations(ctx)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with service.store.transaction() as conn:
        current = conn.execute(sa.select(service.store._version.c.value)).scalar_one()
        since = read_token(given, current, now) if given is not None else None
        select = sa.select(table)
        if since is not None:
            select = select.where(table.c[VERSION_COLUMN] > since)
        select = select.order_by(table.c[VERSION_COLUMN].asc())
        rows = [dict(r._mapping) for r in conn.execute(select.limit(service.dialect.max_page_size + 1))]
        if len(rows) > service.dialect.max_page_size:
            raise ODataProblem(501, "0x8006088a", "More than one page of changes: paging change tracking is not "
                               "implemented by the simulator.", "unsupported")
        values = [service.render(conn, ctx, entity_set, row, opts.select, [], include) for row in rows]
        if since is not None:
            dead = tombstones(service)
            for record in conn.execute(sa.select(dead.c.id).where(dead.c.entity_set == entity_set.name,
                                                                  dead.c.version > since)
                                       .order_by(dead.c.version)):
                values.append({"@odata.context": f"{ctx.root_url}/$metadata#{entity_set.name}/$deletedEntity",
                               "id": record.id, "reason": "deleted"})
        token = make_token(current, now)
    context = service.dialect.context_url(ctx, entity_set, opts.select, [], collection=True)
    if since is not None:
        context += "/$delta"
    params = dict(ctx.params) | {"$deltatoken": token}
    link = f"{ctx.root_url}/{entity_set.name}?" + urlencode(params, quote_via=quote, safe="$,'()/:@=!")
    body = {"@odata.context": context, "value": values, "@odata.deltaLink": link}
    applied = ["odata.track-changes"] if "odata.track-changes" in ctx.prefer else []
    if include:
        applied.append(service.dialect.applied_annotations(ctx))
    headers = {"Preference-Applied": ",".join(applied)} if applied else {}
    return service.dialect.json_response(ctx, body, headers=headers)
