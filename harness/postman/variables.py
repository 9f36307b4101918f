"""Variable scopes and ``{{name}}`` substitution with Postman's precedence.

Resolution order (first hit wins): local (``pm.variables.set``) → iteration data → environment →
collection → globals, then two layers Postman does not have: the harness target (values taken
from the running simulator) and ``.env`` values, lowest. Substitution is repeated so nested
values resolve (``WebAPIUrl = {{Resource}}/api/data/v9.0/``), up to Postman's limit of 19
passes; names nobody defines stay literal, as Newman sends them, and are recorded.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

VARIABLE = re.compile(r"\{\{([^{}]*?)\}\}")
MAX_PASSES = 19

# Layer names, highest precedence first.
LAYER_ORDER = ("local", "iterationData", "environment", "collectionVariables", "globals", "harness", "dotenv")


def variable_names(text: str) -> set[str]:
    return {m.group(1) for m in VARIABLE.finditer(text or "")}


def js_string(value: Any) -> str:
    """``String(value)`` as JavaScript would print it (variables keep JSON types)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, list):
        return ",".join("" if v is None else js_string(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def substitution_text(value: Any) -> str:
    """What ``{{name}}`` becomes: ``String(value)``, except that null/undefined give ``""``."""
    return "" if value is None else js_string(value)


@dataclass
class VariableScope:
    """One named layer of variables (environment, globals, collection, data, local, ...)."""

    scope: str
    values: dict[str, Any] = field(default_factory=dict)
    name: str = ""  # environment name, for pm.environment.name
    secret_keys: set[str] = field(default_factory=set)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def has(self, key: str) -> bool:
        return key in self.values

    def set(self, key: str, value: Any) -> None:
        self.values[key] = value

    def unset(self, key: str) -> None:
        self.values.pop(key, None)

    def clear(self) -> None:
        self.values.clear()

    def to_dict(self) -> dict[str, Any]:
        return dict(self.values)

    def replace_all(self, values: dict[str, Any]) -> None:
        """Take the state back from the sandbox after a script ran."""
        self.values = dict(values)

    def copy(self) -> VariableScope:
        return VariableScope(self.scope, dict(self.values), self.name, set(self.secret_keys))

    @classmethod
    def from_mapping(cls, scope: str, values: dict[str, Any] | None, name: str = "") -> VariableScope:
        return cls(scope, dict(values or {}), name)


@dataclass
class Unresolved:
    """A ``{{name}}`` left as is, with where it was found."""

    name: str
    field: str
    item_path: str


class VariableResolver:
    """Substitute ``{{name}}`` through ordered layers; dynamic ``{{$name}}`` via a callback."""

    def __init__(self, layers: Iterable[VariableScope], dynamic: Callable[[str], str | None] | None = None):
        self.layers = list(layers)
        self.dynamic = dynamic
        self.unresolved: list[Unresolved] = []

    def lookup(self, name: str) -> tuple[bool, Any]:
        for layer in self.layers:
            if name in layer.values:
                return True, layer.values[name]
        return False, None

    def get(self, name: str, default: Any = None) -> Any:
        found, value = self.lookup(name)
        return value if found else default

    def merged(self) -> dict[str, Any]:
        """All visible variables (``pm.variables.toObject()``)."""
        result: dict[str, Any] = {}
        for layer in reversed(self.layers):
            result.update(layer.values)
        return result

    def resolve(self, text: Any, *, field: str = "", item_path: str = "") -> Any:
        """``text`` with variables substituted; non-strings pass through unchanged."""
        if not isinstance(text, str) or "{{" not in text:
            return text
        result = text
        unknown_dynamic: set[str] = set()
        for _ in range(MAX_PASSES):
            changed = False

            def substitute(match: re.Match[str]) -> str:
                nonlocal changed
                name = match.group(1)
                found, value = self.lookup(name)
                if found:
                    changed = True
                    return substitution_text(value)
                if name.startswith("$") and self.dynamic is not None and name not in unknown_dynamic:
                    generated = self.dynamic(name)
                    if generated is not None:
                        changed = True
                        return generated
                    unknown_dynamic.add(name)
                return match.group(0)

            result = VARIABLE.sub(substitute, result)
            if not changed or "{{" not in result:
                break
        for name in sorted(variable_names(result)):
            self.unresolved.append(Unresolved(name, field, item_path))
        return result

    def resolve_json(self, value: Any, *, field: str = "", item_path: str = "") -> Any:
        """Resolve every string inside a JSON-like structure (keys included)."""
        if isinstance(value, str):
            return self.resolve(value, field=field, item_path=item_path)
        if isinstance(value, list):
            return [self.resolve_json(v, field=field, item_path=item_path) for v in value]
        if isinstance(value, dict):
            return {self.resolve(k, field=field, item_path=item_path): self.resolve_json(v, field=field,
                                                                                           item_path=item_path)
                    for k, v in value.items()}
        return value

    def take_unresolved(self) -> list[Unresolved]:
        found, self.unresolved = self.unresolved, []
        return found


def scopes_to_json(scopes: dict[str, VariableScope]) -> str:
    return json.dumps({name: scope.values for name, scope in scopes.items()})
