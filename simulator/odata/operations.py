"""Functions and actions: one registry per service family, declared in ``$metadata`` and served here.

A dialect package (Dataverse, F&O, Business Central) builds one :class:`OperationRegistry` and
adds its operations with a handler each; the model lists ``registry.declarations()`` so the CSDL
shows them, and :class:`~simulator.odata.service.ODataService` routes every call through
:func:`dispatch`. Handlers are plain functions over an :class:`OperationCall` (state and behaviour
apart from HTTP): they read and write through ``call.conn`` — the unit of work the request, or a
``$batch`` changeset, runs in — and return a body, ``None`` (204) or a ready ``Response``.

Addressing, as OData 4.0 and the three services do it:

- unbound: ``GET {root}/WhoAmI()`` (function), ``POST {root}/PublishAllXml`` (action);
- bound to a collection: ``POST {root}/salesOrders/Microsoft.NAV.post`` style names, qualified by
  the schema namespace (or its alias);
- bound to an entity: ``POST {root}/salesOrders({id})/Microsoft.NAV.shipAndInvoice``.

Function parameters come from the URL (``Fn(A=1,B='x',C=@p1)`` with ``@p1`` as a query
parameter); action parameters from the JSON body. Undeclared parameters and missing required ones
are refused, never ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.odata import json_body
from simulator.odata.errors import ODataProblem, syntax_error
from simulator.odata.model import Operation, Parameter

if TYPE_CHECKING:
    from simulator.odata.context import RequestContext
    from simulator.odata.model import EntitySet
    from simulator.odata.service import ODataService

OperationResult = Any  # dict (a JSON body) | list (a collection) | None (204) | starlette Response
Handler = Callable[["OperationCall"], OperationResult]


@dataclass
class OperationCall:
    """One call of a function or action, with everything its handler may need."""

    service: ODataService
    ctx: RequestContext
    conn: Any  # the SQLAlchemy connection of the unit of work the call runs in
    operation: Operation
    params: dict[str, Any]
    entity_set: EntitySet | None = None  # the binding set (bound operations)
    row: dict | None = None  # the bound entity (entity-bound operations)

    @property
    def dialect(self):
        return self.service.dialect


@dataclass
class OperationRegistry:
    """The functions and actions one service family serves, by name and binding."""

    namespace: str
    alias: str = ""
    operations: list[Operation] = field(default_factory=list)
    # Unbound operations by name (the first registered wins, as the scan did), asked twice per request.
    _unbound: tuple[int, dict[str, Operation]] | None = field(default=None, init=False, repr=False, compare=False)

    def add(self, operation: Operation) -> Operation:
        self.operations.append(operation)
        return operation

    def _decorator(self, kind: str, name: str, returns: str | None, params, bound_to: str | None,
                   collection: bool, returns_collection: bool, return_properties) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.add(Operation(name, kind, returns, list(return_properties or []),
                               parameters=list(params or []), binding=bound_to, bound_collection=collection,
                               returns_collection=returns_collection, handler=handler))
            return handler
        return register

    def function(self, name: str, returns: str | None = None, *, params=(), bound_to: str | None = None,
                 collection: bool = False, returns_collection: bool = False,
                 return_properties=()) -> Callable[[Handler], Handler]:
        """Register a function (GET, no side effects) with a decorator."""
        return self._decorator("Function", name, returns, params, bound_to, collection, returns_collection,
                               return_properties)

    def action(self, name: str, returns: str | None = None, *, params=(), bound_to: str | None = None,
               collection: bool = False, returns_collection: bool = False,
               return_properties=()) -> Callable[[Handler], Handler]:
        """Register an action (POST) with a decorator."""
        return self._decorator("Action", name, returns, params, bound_to, collection, returns_collection,
                               return_properties)

    def declarations(self) -> list[Operation]:
        return list(self.operations)

    def unbound(self, name: str) -> Operation | None:
        index = self._unbound
        if index is None or index[0] != len(self.operations):  # (re)built when operations were added
            names: dict[str, Operation] = {}
            for o in self.operations:
                if o.binding is None:
                    names.setdefault(o.name, o)
            index = self._unbound = (len(self.operations), names)
        return index[1].get(name)

    def bound(self, set_name: str, segment: str, collection: bool) -> Operation | None:
        """The operation a ``{set}/Namespace.Name`` (or ``{set}(key)/…``) segment names, if any."""
        name = self.short_name(segment)
        if name is None:
            return None
        return next((o for o in self.operations if o.binding == set_name and o.name == name
                     and o.bound_collection == collection), None)

    def short_name(self, segment: str) -> str | None:
        for prefix in (self.namespace, self.alias):
            if prefix and segment.startswith(prefix + "."):
                return segment[len(prefix) + 1:]
        return None


def method_of(operation: Operation) -> str:
    """Functions are called with GET, actions with POST."""
    return "GET" if operation.kind == "Function" else "POST"


def is_qualified(segment: str) -> bool:
    """A path segment that names an operation (``Namespace.Name``) rather than a property."""
    return "." in segment


# ---------------------------------------------------------------------- parameters
_ENUM_LITERAL = re.compile(r"^[A-Za-z_][\w.]*'(?P<value>(?:[^']|'')*)'$")


def parse_parameter_value(text: str, aliases: dict[str, str]):
    """A function parameter literal: OData primitives, ``@alias``, JSON arrays/objects, enum literals."""
    from simulator.odata.paths import parse_literal

    text = text.strip()
    if text.startswith("@"):
        if text not in aliases:
            raise syntax_error(f"The parameter alias '{text}' has no value in the query string.")
        text = aliases[text].strip()
    if text[:1] in ("[", "{"):
        try:
            return json.loads(text)  # ["O'Brian","D'Arcy"]: JSON as it is
        except ValueError:
            pass
        # ['a','b'] and {'@odata.id':'accounts(…)'} are how clients write them too
        candidate = re.sub(r"'((?:[^']|'')*)'", lambda m: json.dumps(m.group(1).replace("''", "'")), text)
        try:
            return json_body.loads(candidate)
        except ValueError:
            raise syntax_error(f"Bad Request - Error in query syntax. '{text}' is not a valid value.") from None
    enum = _ENUM_LITERAL.match(text)
    if enum and not text.startswith("'"):
        return enum.group("value").replace("''", "'")
    return parse_literal(text)


def function_parameters(operation: Operation, text: str | None, aliases: dict[str, str]) -> dict[str, Any]:
    """Parse ``A=1,B='x'`` from a function call's parentheses and check it against the declaration."""
    values: dict[str, Any] = {}
    for part in _split_arguments(text or ""):
        name, eq, raw = part.partition("=")
        if not eq or not name.strip():
            raise syntax_error(f"Bad Request - Error in query syntax. '{part}' is not 'Name=value'.")
        values[name.strip()] = parse_parameter_value(raw, aliases)
    return check_parameters(operation, values)


def _split_arguments(text: str) -> list[str]:
    """Split ``A=1,B=['x','y']`` on commas outside quotes, parentheses, brackets and braces."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "([{":
            depth += 1
        elif not quoted and char in ")]}":
            depth -= 1
        elif not quoted and depth == 0 and char == ",":
            parts.append(text[start:i])
            start = i + 1
    if depth or quoted:
        raise syntax_error(f"Bad Request - Error in query syntax. Unbalanced parameters in '{text}'.")
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def action_parameters(operation: Operation, body: bytes) -> dict[str, Any]:
    """Parse an action's JSON body and check it against the declaration."""
    if not body or not body.strip():
        values: dict = {}
    else:
        try:
            values = json_body.loads(body)
        except json_body.JSONBodyError as exc:
            raise syntax_error(f"The request body is not valid JSON: {exc}.") from None
        if not isinstance(values, dict):
            raise syntax_error("The request body of an action must be a JSON object.")
    return check_parameters(operation, values)


def check_parameters(operation: Operation, values: dict[str, Any]) -> dict[str, Any]:
    declared = {p.name: p for p in operation.parameters}
    for name in values:
        if name not in declared and not name.startswith("@"):
            raise ODataProblem(400, "0x80060888", f"The parameter '{name}' is not declared by the "
                               f"{operation.kind.lower()} '{operation.name}'.", "syntax", parameter=name)
    for p in operation.parameters:
        if not p.nullable and values.get(p.name) is None:
            raise ODataProblem(400, "0x80060888", f"The parameter '{p.name}' of the {operation.kind.lower()} "
                               f"'{operation.name}' is required.", "syntax", parameter=p.name)
    return {k: v for k, v in values.items() if not k.startswith("@")}


def call_parameters(operation: Operation, ctx: RequestContext, segment_key: str | None,
                    has_parens: bool) -> dict[str, Any]:
    """The parameters of one call (the caller has checked the HTTP method against :func:`method_of`)."""
    if operation.kind == "Function":
        aliases = {k: v for k, v in ctx.params.items() if k.startswith("@")}
        return function_parameters(operation, segment_key if has_parens else "", aliases)
    if has_parens and (segment_key or "").strip():
        raise syntax_error(f"The action '{operation.name}' takes its parameters in the request body.")
    return action_parameters(operation, ctx.body)


__all__ = ["Handler", "OperationCall", "OperationRegistry", "OperationResult", "Parameter", "call_parameters",
           "is_qualified", "method_of"]
