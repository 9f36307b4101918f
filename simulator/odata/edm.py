"""Edm primitive types: SQL column types, request-value coercion and JSON rendering."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from simulator.odata.model import EntityModel, Property

INTEGER_RANGE = {"Edm.Byte": (0, 255), "Edm.Int16": (-2**15, 2**15 - 1), "Edm.Int32": (-2**31, 2**31 - 1),
                 "Edm.Int64": (-2**63, 2**63 - 1)}
NUMERIC = {"Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.Decimal", "Edm.Double", "Edm.Single"}
INTEGER = {"Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte"}


def sql_type(prop: Property, model: EntityModel) -> sa.types.TypeEngine:
    t = prop.type
    if t in INTEGER:
        return sa.BigInteger() if t == "Edm.Int64" else sa.Integer()
    if t in ("Edm.Decimal", "Edm.Double", "Edm.Single"):
        return sa.Float()
    if t == "Edm.Boolean":
        return sa.Boolean()
    if t == "Edm.Guid":
        return sa.String(36)
    if model.enum(t) is not None:
        return sa.String(100)
    # strings, dates, date-times: case-insensitive text like SQL Server's default collation
    return sa.String(collation="NOCASE")


class CoercionError(ValueError):
    """A request value does not fit the property's Edm type (message is safe to show)."""


def format_datetime(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"


def coerce(value, prop: Property, model: EntityModel):
    """Convert a JSON request value to the stored Python value, or raise :class:`CoercionError`."""
    if value is None:
        return None
    t = prop.type
    try:
        if t in INTEGER:
            low, high = INTEGER_RANGE[t]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise CoercionError(t)
            return value
        if t in ("Edm.Decimal", "Edm.Double", "Edm.Single"):
            if isinstance(value, bool):
                raise CoercionError(t)
            if isinstance(value, str):
                return float(Decimal(value))
            if not isinstance(value, int | float) or abs(value) > 1e300:
                raise CoercionError(t)
            return float(value)
        if t == "Edm.Boolean":
            if not isinstance(value, bool):
                raise CoercionError(t)
            return value
        if t == "Edm.Guid":
            return str(uuid.UUID(str(value))).lower()
        if t == "Edm.DateTimeOffset":
            if not isinstance(value, str):
                raise CoercionError(t)
            return format_datetime(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
        if t == "Edm.Date":
            if not isinstance(value, str):
                raise CoercionError(t)
            return dt.date.fromisoformat(value[:10]).isoformat()
        enum = model.enum(t)
        if enum is not None:
            if not isinstance(value, str) or value not in enum.members:
                raise CoercionError(t)
            return value
        if not isinstance(value, str):
            raise CoercionError(t)
        return value
    except (ValueError, TypeError, InvalidOperation) as exc:
        if isinstance(exc, CoercionError):
            raise
        raise CoercionError(t) from exc


def to_json(value, prop: Property):
    """Stored value -> JSON value as the service writes it."""
    if value is None:
        return None
    if prop.type in ("Edm.Decimal", "Edm.Double", "Edm.Single"):
        return float(value)
    return value


def blank_value(prop: Property, model: EntityModel, blanks: dict[str, object]):
    """The value a service stores for a field nobody set (F&O and BC never store null).

    Enums take their first member, numbers zero; ``blanks`` gives the rest by Edm type
    (booleans, GUIDs, dates differ per service); anything else is the empty string.
    """
    enum = model.enum(prop.type)
    if enum is not None:
        return next(iter(enum.members))
    if prop.type in INTEGER:
        return 0
    if prop.type in NUMERIC:
        return 0.0
    return blanks.get(prop.type, "")
