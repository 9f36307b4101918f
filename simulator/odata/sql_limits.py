"""Turn SQLite's own limits into the service's 400 instead of a 500.

A request can still reach a limit of the simulator's database that no real service has in the same
place: SQLite's parser stack (about 30 nested parentheses in one expression), its expression-tree
depth (1,000), its variable count, or an integer that does not fit its 64-bit ``INTEGER`` (an offset
computed from a huge ``$skiptoken`` plus ``$skip``). :func:`install` hooks the engine so those
failures surface as :class:`~simulator.odata.errors.ODataProblem` (a 400 in the dialect's shape).
"""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa

from simulator.odata.errors import ODataProblem, syntax_error
from simulator.odata.filter_limits import too_deep

TOO_COMPLEX = ("parser stack overflow", "expression tree is too large", "too many sql variables",
               "too many terms in compound select", "string or blob too big")


def translate(exc: BaseException) -> ODataProblem | None:
    """The problem to answer for a database failure caused by the request's size, else None."""
    if isinstance(exc, OverflowError):
        return syntax_error("A number in the request is out of range (it does not fit a 64-bit integer).")
    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError | sqlite3.DataError | sa.exc.DBAPIError) and any(t in text for t in TOO_COMPLEX):
        return too_deep()
    return None


def _on_error(context) -> None:
    problem = translate(context.original_exception)
    if problem is not None:
        raise problem from None


def install(engine: sa.Engine) -> None:
    sa.event.listen(engine, "handle_error", _on_error)
