"""Errors a user can cause with a collection, an environment, a data file or a strict run."""

from __future__ import annotations

from harness.errors import HarnessError


class CollectionError(HarnessError):
    """A malformed collection, environment, globals or data file.

    The message names the file, the item path inside the collection and, when it is known, the
    JSON line, so the user can go straight to the broken spot.
    """

    def __init__(self, message: str, *, file: str | None = None, item_path: str | None = None,
                 line: int | None = None):
        self.file = file
        self.item_path = item_path
        self.line = line
        where = []
        if file:
            where.append(file if line is None else f"{file}:{line}")
        if item_path:
            where.append(f"item '{item_path}'")
        prefix = (", ".join(where) + ": ") if where else ""
        super().__init__(prefix + message)


class UnresolvedVariableError(HarnessError):
    """A ``{{variable}}`` nobody defines, in strict mode (Newman would send it literally)."""

    def __init__(self, names: list[str], *, item_path: str, field: str):
        self.names = names
        self.item_path = item_path
        self.field = field
        listed = ", ".join("{{" + name + "}}" for name in names)
        super().__init__(f"item '{item_path}': unresolved variable(s) {listed} in {field}")
