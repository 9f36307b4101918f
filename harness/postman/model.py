"""The in-memory shape of a Postman collection: folders, requests, scripts, auth, variables.

Requests are kept as normalised Postman v2.1 JSON (``method``, ``url`` object, ``header`` list,
``body``) because that is also what the script sandbox's ``pm.request`` reads and writes; the
rest (tree, events, auth, variables, protocol behaviour) is typed.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

SUPPORTED_AUTH = {"noauth", "bearer", "basic", "apikey", "oauth2"}
KNOWN_AUTH = SUPPORTED_AUTH | {"awsv4", "digest", "edgegrid", "hawk", "oauth1", "ntlm", "akamai", "asap",
                               "jwt", "inherit"}
BODY_MODES = {"raw", "urlencoded", "formdata", "file", "graphql"}


@dataclass
class Auth:
    """An auth block with its parameters flattened to a dict (v2.0 objects and v2.1 lists alike)."""

    type: str
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any) -> Auth | None:
        """``None`` means "inherit from the parent" (absent, null or ``type: inherit``)."""
        if not isinstance(data, dict):
            return None
        auth_type = str(data.get("type") or "").strip()
        if not auth_type or auth_type == "inherit":
            return None
        raw = data.get(auth_type)
        params: dict[str, Any] = {}
        if isinstance(raw, list):
            for entry in raw:
                if isinstance(entry, dict) and entry.get("key") is not None:
                    params[str(entry["key"])] = entry.get("value")
        elif isinstance(raw, dict):
            params = dict(raw)
        return cls(auth_type, params)

    def to_json(self) -> dict[str, Any]:
        """v2.1 form, for the sandbox's ``pm.request.auth``."""
        if self.type == "noauth":
            return {"type": "noauth"}
        return {"type": self.type,
                self.type: [{"key": k, "value": v, "type": "string"} for k, v in self.params.items()]}


@dataclass
class Script:
    """One ``event`` entry: a pre-request or test script."""

    listen: str  # "prerequest" | "test"
    code: str
    disabled: bool = False
    src: str | None = None

    @property
    def empty(self) -> bool:
        return not self.code.strip()


@dataclass
class Variable:
    key: str
    value: Any
    type: str | None = None
    disabled: bool = False


@dataclass
class Node:
    """Common parts of the collection, a folder and a request."""

    name: str
    id: str | None = None
    events: list[Script] = field(default_factory=list)
    auth: Auth | None = None
    auth_declared: bool = False  # an auth block exists (even noauth); absent means inherit
    variables: list[Variable] = field(default_factory=list)
    protocol_profile: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    line: int | None = None  # JSON line of the item in its file, when known
    parent: Node | None = field(default=None, repr=False, compare=False)

    def scripts(self, listen: str) -> list[Script]:
        return [s for s in self.events if s.listen == listen and not s.disabled and not s.empty]


@dataclass
class RequestItem(Node):
    """A request: the leaf of the tree, one pytest item per iteration."""

    request: dict[str, Any] = field(default_factory=dict)
    folder_path: tuple[str, ...] = ()
    index: int = 0  # position among all requests of the collection, in run order

    @property
    def path(self) -> str:
        """``Folder/Sub/Request`` — the item path used in reports and errors."""
        return "/".join((*self.folder_path, self.name))

    def ancestors(self) -> list[Node]:
        """Collection first, then each enclosing folder, outermost first."""
        chain: list[Node] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def chain(self) -> list[Node]:
        """Ancestors plus the request itself: the script and protocol-behaviour order."""
        return [*self.ancestors(), self]

    def effective_auth(self) -> tuple[Auth | None, Node | None]:
        """The first declared auth walking up from the request; ``noauth`` stops the walk."""
        for node in reversed(self.chain()):
            if node.auth_declared and node.auth is not None:
                return (None if node.auth.type == "noauth" else node.auth), node
        return None, None

    def effective_protocol_profile(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for node in self.chain():
            merged.update(node.protocol_profile)
        return merged

    def request_copy(self) -> dict[str, Any]:
        return copy.deepcopy(self.request)


@dataclass
class Folder(Node):
    items: list[Node] = field(default_factory=list)
    folder_path: tuple[str, ...] = ()


@dataclass
class Collection(Node):
    schema_version: str = "2.1"
    items: list[Node] = field(default_factory=list)
    source: str = ""  # file the collection came from (for messages)
    report: Any = None  # ImportReport, attached by the loader

    def requests(self) -> Iterator[RequestItem]:
        """Every request, depth first, in the order Newman runs them."""
        def walk(nodes: list[Node]) -> Iterator[RequestItem]:
            for node in nodes:
                if isinstance(node, Folder):
                    yield from walk(node.items)
                elif isinstance(node, RequestItem):
                    yield node
        yield from walk(self.items)

    def folders(self) -> Iterator[Folder]:
        def walk(nodes: list[Node]) -> Iterator[Folder]:
            for node in nodes:
                if isinstance(node, Folder):
                    yield node
                    yield from walk(node.items)
        yield from walk(self.items)

    def find_request(self, name_or_id: str) -> RequestItem | None:
        """By id first, then by name (first match), like ``setNextRequest``."""
        requests = list(self.requests())
        for item in requests:
            if item.id and item.id == name_or_id:
                return item
        for item in requests:
            if item.name == name_or_id:
                return item
        return None

    def select(self, name: str) -> list[RequestItem]:
        """Newman ``--folder``: the requests of the first folder or request with this name or id."""
        for folder in self.folders():
            if folder.name == name or (folder.id and folder.id == name):
                return [r for r in self.requests() if _inside(r, folder)]
        item = self.find_request(name)
        return [item] if item else []


def _inside(item: RequestItem, folder: Folder) -> bool:
    node = item.parent
    while node is not None:
        if node is folder:
            return True
        node = node.parent
    return False
