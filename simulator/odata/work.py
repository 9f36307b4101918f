"""The unit-of-work layer of the OData core: reads and writes of rows on a connection passed in.

Nothing here knows HTTP. Every method takes the SQLAlchemy connection of the unit of work it runs
in (``conn``): one request's, or a ``$batch`` changeset's that wraps several requests, so the
caller decides what commits or rolls back together (moto's split: state and behaviour here, HTTP in
:mod:`simulator.odata.service`). The dialect still decides keys, computed columns and problems.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.sql import operators

from simulator.odata.context import RequestContext
from simulator.odata.dialect import Dialect
from simulator.odata.edm import CoercionError, coerce, to_json
from simulator.odata.errors import ODataProblem, syntax_error
from simulator.odata.filters import compile_filter, filter_shape, plan_filter
from simulator.odata.model import EntityModel, EntitySet
from simulator.odata.options import ExpandItem, QueryOptions
from simulator.odata.paths import parse_key, split_path
from simulator.odata.prepared import PreparedSelect
from simulator.odata.store import VERSION_COLUMN, Store


@dataclass(frozen=True)
class Where:
    """The conditions of a read and the values of the parameters a kept ``$filter`` plan left open."""

    clause: sa.ColumnElement | None
    params: dict = field(default_factory=dict)
    shape: tuple | None = None  # set when ``clause`` is the same object for every request of this shape


class EntityWork:
    """Rows of one entity model in one store (``prefix`` picks the tables), read and written in a unit of work."""

    def __init__(self, model: EntityModel, store: Store, prefix: str, dialect: Dialect):
        self.model = model
        self.store = store
        self.prefix = prefix
        self.dialect = dialect
        # Built once per shape and reused (a request used to rebuild them): statements that find a
        # row by column values, with bound parameters, by (set, ((column, value type), ...)); the
        # properties a rendering writes, by (set, $select, always-selected names).
        self._finders: dict[tuple, PreparedSelect] = {}
        self._rendered: dict[tuple, list] = {}
        self._filters: dict[tuple, tuple | None] = {}  # (set, $filter shape) -> (clause, names) or None
        self._selects: dict[tuple, PreparedSelect] = {}  # (set, Where.shape, $orderby) -> SELECT … LIMIT :n OFFSET :m
        # (both run on the driver directly: simulator/odata/prepared.py)

    # ------------------------------------------------------------------ units of work
    def unit(self, conn: sa.Connection | None = None) -> AbstractContextManager[sa.Connection]:
        """The connection to work on: ``conn`` when the caller already has one (a changeset), else
        the thread's open transaction, else a new one committed when the block ends."""
        if conn is not None:
            return nullcontext(conn)
        return self.store.transaction()

    # ------------------------------------------------------------------ tables and rows
    def table(self, set_name: str) -> sa.Table:
        return self.store.table(self.prefix, set_name)

    def is_empty(self, set_name: str) -> bool:
        with self.unit() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(self.table(set_name))).scalar_one() == 0

    @staticmethod
    def row_dict(row) -> dict:
        return dict(row._mapping)

    def entity_url(self, ctx: RequestContext, entity_set: EntitySet, row: dict) -> str:
        """Absolute URL of a row; key values are percent-encoded where a header could not carry them."""
        key = quote(self.dialect.format_key(entity_set, row), safe="'=,-_.~!$&*+:@")
        return f"{ctx.root_url}/{entity_set.name}({key})"

    @staticmethod
    def link_clauses(table, link: dict | tuple) -> list:
        """``column == value`` conditions that tie a navigation's targets to their source row."""
        pairs = link.items() if isinstance(link, dict) else [link]
        return [table.c[column] == value for column, value in pairs]

    def find(self, conn, entity_set: EntitySet, values: dict, ctx: RequestContext | None = None) -> dict | None:
        table = self.table(entity_set.name)
        scope = self.dialect.scope_clause(entity_set, table, ctx) if ctx is not None else None
        if any(v is None for v in values.values()):  # ``IS NULL``: not a shape worth keeping
            clause = sa.and_(*[table.c[k] == v for k, v in values.items()])
            statement, params = sa.select(table).where(clause), {}
        else:
            prepared, params = self._finder(entity_set.name, table, values)
            if scope is None:
                return prepared.first(conn, params)
            statement = prepared.statement
        if scope is not None:
            statement = statement.where(scope)
        row = conn.execute(statement, params).first()
        return self.row_dict(row) if row else None

    def _finder(self, set_name: str, table: sa.Table, values: dict) -> tuple[PreparedSelect, dict]:
        """``SELECT … WHERE k1 = :find_0 AND …`` for these columns and value types, and its parameters.

        Each parameter gets the type SQLAlchemy gives a literal compared with the column
        (``coerce_compared_value``), so the cached statement binds values as ``column == value`` did.
        """
        shape = (set_name, *((name, type(value)) for name, value in values.items()))
        prepared = self._finders.get(shape)
        if prepared is None:
            statement = sa.select(table).where(sa.and_(*[
                table.c[name] == sa.bindparam(f"find_{i}", type_=table.c[name].type.coerce_compared_value(
                    operators.eq, value)) for i, (name, value) in enumerate(values.items())]))
            prepared = self._finders[shape] = PreparedSelect(statement, self.store.engine.dialect)
        return prepared, {f"find_{i}": value for i, value in enumerate(values.values())}

    # ------------------------------------------------------------------ reads
    def where_clause(self, ctx: RequestContext, entity_set: EntitySet, table, opts: QueryOptions,
                     link: dict | tuple | None = None) -> Where:
        clauses, params = [], {}
        if link is not None:
            clauses += self.link_clauses(table, link)
        scope = self.dialect.scope_clause(entity_set, table, ctx)
        if scope is not None:
            clauses.append(scope)
        if opts.filter:
            clause, params, kept = self.filter_clause(entity_set, table, opts.filter)
            if not clauses and kept:  # a kept plan alone: the same clause object every time
                return Where(clause, params, ("filter", id(clause)))
            clauses.append(clause)
        if not clauses:
            return Where(None, {}, ("all",))
        return Where(sa.and_(*clauses), params)

    def filter_clause(self, entity_set: EntitySet, table, text: str) -> tuple[sa.ColumnElement, dict, bool]:
        """``$filter`` as SQL, its parameters and whether the clause is a kept plan: the shape's clause with
        its strings as parameters when the dialect allows (:func:`~simulator.odata.filters.plan_filter`),
        else compiled for this text."""
        hook = self.dialect.compare_hook()
        original, text = text, self.dialect.preprocess_filter(text)  # (once: it may note query functions)
        if not self.dialect.filter_plans or text != original or "\x00" in text or text.count("'") % 2:
            return compile_filter(text, self.model, entity_set, table, self.table, hook), {}, False
        shape, values = filter_shape(text)
        key = (entity_set.name, shape)
        plan = self._filters.get(key, self)  # (self: not planned yet)
        if plan is self:
            try:
                plan = plan_filter(shape, len(values), self.model, entity_set, table, self.table, hook)
            except ODataProblem:
                plan = None  # the message must name the caller's text: compiled below
            if len(self._filters) >= 1024:
                self._filters.clear()
            self._filters[key] = plan
        if plan is None:
            return compile_filter(text, self.model, entity_set, table, self.table, hook), {}, False
        clause, names = plan
        return clause, dict(zip(names, values.values(), strict=True)), True

    @staticmethod
    def ordered(select, table, entity_set: EntitySet, opts: QueryOptions):
        order = [table.c[name].desc() if desc else table.c[name].asc() for name, desc in opts.orderby]
        order += [table.c[k].asc() for k in (*entity_set.default_order, *entity_set.type.key)]
        return select.order_by(*order)

    def select_rows(self, conn, entity_set: EntitySet, where: Where, opts: QueryOptions, limit: int,
                    offset: int) -> list[dict]:
        """Up to ``limit`` rows in the query's order from ``offset``."""
        table = self.table(entity_set.name)
        if where.shape is None:
            select = sa.select(table)
            if where.clause is not None:
                select = select.where(where.clause)
            statement, params = self.ordered(select, table, entity_set, opts).limit(limit).offset(offset), where.params
        else:  # one statement per shape, its limit and offset bound too (built and keyed once)
            shape = (entity_set.name, where.shape, tuple(opts.orderby))
            prepared = self._selects.get(shape)
            if prepared is None:
                select = sa.select(table) if where.clause is None else sa.select(table).where(where.clause)
                statement = self.ordered(select, table, entity_set, opts) \
                    .limit(sa.bindparam("page_limit", type_=sa.Integer())) \
                    .offset(sa.bindparam("page_offset", type_=sa.Integer()))
                if len(self._selects) >= 1024:
                    self._selects.clear()
                prepared = self._selects[shape] = PreparedSelect(statement, self.store.engine.dialect)
            return prepared.rows(conn, {**where.params, "page_limit": limit, "page_offset": offset})
        return [self.row_dict(r) for r in conn.execute(statement, params)]

    def count_rows(self, conn, entity_set: EntitySet, where: Where) -> int:
        select = sa.select(sa.func.count()).select_from(self.table(entity_set.name))
        if where.clause is not None:
            select = select.where(where.clause)
        return conn.execute(select, where.params).scalar_one()

    def linked_rows(self, conn, target: EntitySet, column: str, value) -> list[dict]:
        table = self.table(target.name)
        return [self.row_dict(r) for r in conn.execute(sa.select(table).where(table.c[column] == value))]

    # ------------------------------------------------------------------ rendering
    def render(self, conn, ctx: RequestContext, entity_set: EntitySet, row: dict, select: list[str] | None,
               expand: list[ExpandItem], include, nested: bool = False) -> dict:
        out: dict = {"@odata.etag": self.dialect.row_etag(entity_set, row)}
        for name, prop in self.rendered_properties(entity_set, select):
            value = to_json(row.get(name), prop)
            if include:
                for ann, ann_value in self.dialect.annotations(entity_set, prop, value, row, conn, self).items():
                    if include(ann):
                        out[f"{name}@{ann}"] = ann_value
            out[name] = value
        for item in expand:
            out.update(self.render_expand(conn, ctx, entity_set, row, item, include))
        return out

    def rendered_properties(self, entity_set: EntitySet, select: list[str] | None) -> list:
        """``(name, property)`` in declaration order for a ``$select`` (None: all), built once per shape."""
        et = entity_set.type
        always = frozenset(self.dialect.always_selected(entity_set, select)) if select is not None else None
        shape = (entity_set.name, id(et), len(et.properties), tuple(select) if select is not None else None, always)
        chosen = self._rendered.get(shape)
        if chosen is None:
            wanted = None if select is None else set(select) | set(et.key) | always
            chosen = [(p.name, p) for p in et.properties if wanted is None or p.name in wanted]
            if len(self._rendered) >= 4096:  # any number of $select lists can arrive: stay bounded
                self._rendered.clear()
            self._rendered[shape] = chosen
        return chosen

    def render_expand(self, conn, ctx: RequestContext, entity_set: EntitySet, row: dict, item: ExpandItem,
                      include) -> dict:
        nav = entity_set.type.nav(item.nav)
        target = self.model.entity_set(nav.target_set)
        table = self.table(target.name)
        if not nav.collection:
            fk = row.get(nav.fk)
            found = self.find(conn, target, {target.type.key[0]: fk}) if fk else None
            if found is None:
                return {nav.name: None}
            if item.ref:
                return {nav.name: {"@odata.id": self.entity_url(ctx, target, found)}}
            return {nav.name: self.render(conn, ctx, target, found, item.options.select, item.options.expand,
                                          include, nested=True)}
        if item.ref:
            raise syntax_error("Expand with $ref is only supported on lookup type navigation property.")
        opts = item.options
        clause = sa.and_(*[table.c[fk] == row[pk] for fk, pk in nav.link_pairs(entity_set.type)])
        if opts.filter:
            clause = sa.and_(clause, compile_filter(opts.filter, self.model, target, table, self.table,
                                                    self.dialect.compare_hook(), self.dialect.preprocess_filter))
        select = self.ordered(sa.select(table).where(clause), table, target, opts)
        if opts.top is not None:
            select = select.limit(opts.top)
        children = [self.row_dict(r) for r in conn.execute(select)]
        return {nav.name: [self.render(conn, ctx, target, child, opts.select, opts.expand, include, nested=True)
                           for child in children]}

    # ------------------------------------------------------------------ writes
    def apply_body(self, conn, ctx: RequestContext, entity_set: EntitySet, body: dict,
                   creating: bool) -> tuple[dict, list]:
        """Turn a request body into column values and post-insert actions (binds, deep inserts)."""
        et = entity_set.type
        values: dict = {}
        after: list = []
        for name, value in body.items():
            if name.endswith("@odata.bind"):
                nav = et.nav(name[: -len("@odata.bind")])
                if nav is None:
                    raise self.dialect.undeclared_property(entity_set, name[: -len("@odata.bind")], self.model)
                if nav.collection:
                    if not creating:
                        raise syntax_error("Collection-valued navigation properties can only be bound on create.")
                    if not isinstance(value, list):
                        raise syntax_error(f"The value of '{name}' must be an array of entity references.")
                    after.append(("bind_many", nav, [self.resolve_reference(conn, ctx, v) for v in value]))
                elif value is None:
                    values[nav.fk] = None
                else:
                    target_set, target_row = self.resolve_reference(conn, ctx, value)
                    values[nav.fk] = target_row[target_set.type.key[0]]
                continue
            if name.startswith("@") or "@" in name:
                continue  # instance annotations such as @odata.type
            nav = et.nav(name)
            if nav is not None:
                if value is None and not nav.collection:
                    values[nav.fk] = None
                elif isinstance(value, dict) and not nav.collection:
                    target = self.model.entity_set(nav.target_set)
                    child = self.insert(conn, ctx, target, value)
                    values[nav.fk] = child[target.type.key[0]]
                elif isinstance(value, list) and nav.collection and creating:
                    after.append(("deep_many", nav, value))
                else:
                    raise syntax_error(f"Invalid value for the navigation property '{name}'.")
                continue
            prop = et.prop(name)
            if prop is None:
                raise self.dialect.undeclared_property(entity_set, name, self.model)
            if prop.lookup_of:
                raise self.dialect.lookup_write(entity_set, prop)
            if prop.read_only:
                continue
            try:
                coerced = coerce(value, prop, self.model)
            except CoercionError:
                raise self.dialect.bad_value(entity_set, prop, value) from None
            if isinstance(coerced, str) and prop.max_length and len(coerced) > prop.max_length:
                raise self.dialect.validation(
                    f"A validation error occurred.  The length of the '{prop.name}' attribute of the "
                    f"'{entity_set.label}' entity exceeded the maximum allowed length of '{prop.max_length}'.")
            if coerced is None and not prop.nullable and name not in et.key:
                raise self.dialect.validation(
                    f"A validation error occurred.  The value of '{prop.name}' cannot be null.")
            values[name] = coerced
        return values, after

    def resolve_reference(self, conn, ctx: RequestContext, reference) -> tuple[EntitySet, dict]:
        """The set and row an ``@odata.id`` / ``@odata.bind`` value points at (relative or absolute URL)."""
        if isinstance(reference, dict):
            reference = reference.get("@odata.id")
        if not isinstance(reference, str) or "(" not in reference:
            raise syntax_error(f"'{reference}' is not a valid entity reference.")
        text = reference
        if text.startswith(ctx.root_url):
            text = text[len(ctx.root_url):]
        elif "://" in text:
            text = text.split("/", 3)[-1]
            text = re.sub(r"^(api/data/v[0-9.]+/|data/)", "", text)
        text = text.lstrip("/")
        segments = split_path(text)
        if len(segments) != 1 or not segments[0].has_parens:
            raise syntax_error(f"'{reference}' is not a valid entity reference.")
        target = self.model.entity_set(segments[0].name)
        if target is None:
            raise self.dialect.unknown_segment(segments[0].name)
        key = parse_key(segments[0].key or "")
        values, alternate = self.dialect.resolve_key(target, key)
        row = self.find(conn, target, values, ctx)
        if row is None:
            raise self.dialect.not_found(target, key, alternate)
        return target, row

    def insert(self, conn, ctx: RequestContext, entity_set: EntitySet, body: dict,
               key_values: dict | None = None) -> dict:
        """Create a row (and its deep-inserted or bound children); returns the stored row."""
        if not entity_set.writable:
            raise self.dialect.read_only_set(entity_set, "Create")
        values, after = self.apply_body(conn, ctx, entity_set, body, creating=True)
        values.update(key_values or {})
        values.update(self.dialect.new_key(entity_set, values, conn))
        key = {k: values[k] for k in entity_set.type.key}
        if self.find(conn, entity_set, key) is not None:
            raise self.dialect.duplicate(entity_set)
        for alternate in entity_set.type.alternate_keys:
            alt = {k: values.get(k) for k in alternate}
            if all(v is not None for v in alt.values()) and self.find(conn, entity_set, alt) is not None:
                raise self.dialect.duplicate(entity_set)
        self.dialect.before_write(entity_set, values, None, ctx, conn)
        values[VERSION_COLUMN] = self.store.next_version(conn)
        self.dialect.stamp_version(entity_set, values)
        conn.execute(self.table(entity_set.name).insert().values(**values))
        row = self.find(conn, entity_set, key)
        for action, nav, payload in after:
            target = self.model.entity_set(nav.target_set)
            if action == "bind_many":
                for target_set, target_row in payload:
                    self.set_link(conn, target_set, target_row, nav.fk, row[entity_set.type.key[0]])
            else:
                for child in payload:
                    if not isinstance(child, dict):
                        raise syntax_error(f"Invalid value in the navigation property '{nav.name}'.")
                    self.insert(conn, ctx, target, child,
                                {fk: row[pk] for fk, pk in nav.link_pairs(entity_set.type)})
        return row

    def modify(self, conn, ctx: RequestContext, entity_set: EntitySet, row: dict, body: dict) -> dict:
        """Apply a PATCH body to a stored row; returns the row as stored afterwards."""
        changes, _after = self.apply_body(conn, ctx, entity_set, body, creating=False)
        for name in entity_set.type.key:
            if name in changes and changes[name] != row[name]:
                raise self.dialect.key_change(entity_set, name)
        self.write(conn, ctx, entity_set, row, changes)
        return self.find(conn, entity_set, {k: row[k] for k in entity_set.type.key})

    def write(self, conn, ctx: RequestContext, entity_set: EntitySet, row: dict, changes: dict) -> None:
        """Store column changes on a row with a new version (computed columns filled by the dialect)."""
        self.dialect.before_write(entity_set, changes, row, ctx, conn)
        changes[VERSION_COLUMN] = self.store.next_version(conn)
        self.dialect.stamp_version(entity_set, changes)
        table = self.table(entity_set.name)
        conn.execute(table.update().where(
            sa.and_(*[table.c[k] == row[k] for k in entity_set.type.key])).values(**changes))

    def write_property(self, conn, ctx: RequestContext, entity_set: EntitySet, row: dict, payload: dict) -> None:
        """PUT/DELETE of one property value."""
        changes, _ = self.apply_body(conn, ctx, entity_set, payload, creating=False)
        self.write(conn, ctx, entity_set, row, changes)

    def set_link(self, conn, entity_set: EntitySet, row: dict, column: str, value) -> None:
        table = self.table(entity_set.name)
        key = {k: row[k] for k in entity_set.type.key}
        version = self.store.next_version(conn)
        changes = {column: value, VERSION_COLUMN: version}
        self.dialect.stamp_version(entity_set, changes)
        conn.execute(table.update().where(sa.and_(*[table.c[k] == v for k, v in key.items()])).values(**changes))

    def delete(self, conn, ctx: RequestContext, entity_set: EntitySet, row: dict) -> None:
        """Delete a row after the dialect's cascade."""
        self.dialect.before_delete(entity_set, row, ctx, conn)
        self.remove(conn, entity_set, row)

    def remove(self, conn, entity_set: EntitySet, row: dict) -> None:
        """Delete a row; lookups pointing at it are cleared ("remove link" cascade)."""
        key_value = row[entity_set.type.key[0]]
        for other in self.model.entity_sets:
            for nav in other.type.navigations:
                if not nav.collection and nav.target_set == entity_set.name:
                    table = self.table(other.name)
                    conn.execute(table.update().where(table.c[nav.fk] == key_value).values(**{nav.fk: None}))
        table = self.table(entity_set.name)
        conn.execute(table.delete().where(sa.and_(*[table.c[k] == row[k] for k in entity_set.type.key])))
