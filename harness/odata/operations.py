"""Paths and results of OData functions and actions (bound and unbound) for the three services.

Bound operations are qualified by the service's schema namespace, which is also the one its enum
literals use (:attr:`Dialect.enum_namespace`): ``salesOrders(<id>)/Microsoft.NAV.shipAndInvoice``,
``DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.ImportFromPackage``; unbound ones are
called by name (``WhoAmI()``, ``PublishAllXml``). Function parameters go into the URL as OData
literals (``Fn(A=1,B='x')``), action parameters into the JSON body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.odata.dialects import Dialect
from harness.odata.errors import ODataProtocolError
from harness.odata.keys import Key, entity_path
from harness.odata.literals import literal

NO_KEY: Any = object()  # no key given: the operation is unbound or bound to the collection


def operation_path(name: str, dialect: Dialect, entity_set: str | None = None, key: Key = NO_KEY) -> str:
    """``Name`` (unbound), ``Set/NS.Name`` (bound to the collection) or ``Set(key)/NS.Name`` (to one entity)."""
    if not name or "/" in name or "(" in name:
        raise ValueError(f"{name!r} is not an operation name")
    if entity_set is None:
        if key is not NO_KEY:
            raise ValueError("a key needs the entity set it belongs to")
        return name
    qualified = name if "." in name else f"{dialect.enum_namespace}.{name}"
    base = entity_set if key is NO_KEY else entity_path(entity_set, key, dialect)
    return f"{base}/{qualified}"


def function_path(name: str, dialect: Dialect, parameters: Mapping[str, Any] | None = None,
                  entity_set: str | None = None, key: Key = NO_KEY) -> str:
    """A function call with its parameters as OData literals: ``Fn(A=1,B='x')``."""
    arguments = ",".join(f"{k}={literal(v, dialect)}" for k, v in (parameters or {}).items())
    return f"{operation_path(name, dialect, entity_set, key)}({arguments})"


def result_value(body: Any) -> Any:
    """The ``value`` of a primitive or collection result (``{"@odata.context": …#Edm.String, "value": …}``)."""
    if isinstance(body, dict) and "value" in body:
        return body["value"]
    if isinstance(body, dict):
        return {k: v for k, v in body.items() if not k.startswith("@")}
    raise ODataProtocolError(f"an operation result must be a JSON object, not {type(body).__name__}")


__all__ = ["NO_KEY", "function_path", "operation_path", "result_value"]
