"""``postman.setNextRequest`` flow control, shared by ``harness run`` (the runner) and the pytest plugin.

After an item ran, Newman goes on with the next item in order, or — when a script called
``setNextRequest`` — with the item of that name or id (ids first, then names), ``null`` ends the
iteration, and an unknown name ends it too (Newman logs nothing; we add a report warning). Both
front-ends ask :func:`next_position` so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from harness.postman.report import WARNING

if TYPE_CHECKING:
    from harness.postman.model import RequestItem
    from harness.postman.report import ImportReport
    from harness.postman.results import ItemExecution


def find_position(items: Sequence[RequestItem], name_or_id: str) -> int | None:
    """Index of the item ``setNextRequest(name_or_id)`` means: an id match wins over a name match."""
    for index, item in enumerate(items):
        if item.id and item.id == name_or_id:
            return index
    for index, item in enumerate(items):
        if item.name == name_or_id:
            return index
    return None


def next_position(items: Sequence[RequestItem], execution: ItemExecution, current: int,
                  report: ImportReport) -> int | None:
    """Where the iteration goes after ``execution`` (of ``items[current]``); None when it ends.

    ``setNextRequest(null)`` and an unknown name end the iteration (the latter with a
    ``setNextRequest:unknown`` warning in ``report``); without a call the next item in order runs
    (``len(items)`` past the last one).
    """
    if not execution.next_request_set:
        return current + 1
    if execution.next_request is None:
        return None
    target = find_position(items, str(execution.next_request))
    if target is None:
        report.add(WARNING, execution.path, "setNextRequest:unknown",
                   f"setNextRequest('{execution.next_request}'): no such request; iteration ended")
    return target
