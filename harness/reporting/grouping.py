"""Which summary row a test belongs to: its Postman collection, or the service root it tests.

A test from a Postman collection is grouped by its collection: the name in its
``postman_collection`` marker (set by :mod:`harness.postman.plugin`), else the collection file's name. Every other
test is grouped by its root marker (``crm``, ``fno``, ``bc``), or ``other`` without one. Each
test lands in exactly one group, so the rows add up to the total.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

ROOTS = ("crm", "fno", "bc")
COLLECTION_SUFFIXES = (".postman_collection.json", ".collection.json", ".json")


class Group(NamedTuple):
    kind: str  # "root" | "collection"
    name: str

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"


def collection_name(path: Path | str) -> str:
    """``collections/dataverse.postman_collection.json`` -> ``dataverse``."""
    name = Path(path).name
    for suffix in COLLECTION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def is_collection_path(path: Path | str) -> bool:
    return str(path).endswith(".json")


def group_of(item: pytest.Item) -> Group:
    marker = item.get_closest_marker("postman_collection")
    if marker is not None and marker.args and str(marker.args[0]):
        return Group("collection", str(marker.args[0]))
    if is_collection_path(item.path):
        return Group("collection", collection_name(item.path))
    for root in ROOTS:
        if item.get_closest_marker(root) is not None:
            return Group("root", root)
    return Group("root", "other")


def group_of_nodeid(nodeid: str) -> Group:
    """For reports without an item (collection errors): by the file part of the node id."""
    path = nodeid.split("::", 1)[0]
    if is_collection_path(path):
        return Group("collection", collection_name(path))
    return Group("root", "other")
