"""Builders for Dataverse ``$apply`` texts: ``aggregate``, ``groupby`` and ``filter``, composed with ``/``.

    from harness.odata.apply import aggregate, apply, count_as, groupby, with_
    Query(apply=apply(filter_("statecode eq 0"), groupby(["address1_city"], aggregate(count_as("n")))))
"""

from __future__ import annotations

from collections.abc import Sequence

METHODS = ("sum", "average", "min", "max", "countdistinct")


def with_(prop: str, method: str, alias: str) -> str:
    """``prop with method as alias`` (sum, average, min, max, countdistinct)."""
    if method not in METHODS:
        raise ValueError(f"unknown aggregation method {method!r}; Dataverse supports {', '.join(METHODS)}")
    return f"{prop} with {method} as {alias}"


def count_as(alias: str) -> str:
    """``$count as alias``: the number of rows (per group)."""
    return f"$count as {alias}"


def aggregate(*expressions: str) -> str:
    if not expressions:
        raise ValueError("aggregate() needs at least one expression")
    return f"aggregate({','.join(expressions)})"


def groupby(properties: Sequence[str], then: str | None = None) -> str:
    """``groupby((p1,p2))`` or ``groupby((p1,p2),aggregate(...))``."""
    if isinstance(properties, str) or not properties:
        raise ValueError("groupby() needs a list of property names")
    inner = f"({','.join(properties)})"
    return f"groupby({inner},{then})" if then else f"groupby({inner})"


def filter_(expression: str) -> str:
    return f"filter({expression})"


def apply(*steps: str) -> str:
    """Transformations applied one after the other (``step1/step2``)."""
    return "/".join(steps)
