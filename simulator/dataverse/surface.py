"""Dataverse's own query surface, served (or refused) before the shared OData flow.

The real service acts on more than the OData system query options: ``fetchXml``, ``savedQuery``,
``userQuery`` and ``sql`` parameters, parameter aliases (``@p1``), ``$apply``, change tracking and
impersonation headers. Each is either served by its module here or refused loudly with
Dataverse's error shape: never accepted and dropped, which would answer with every row.
Custom parameters that mean nothing to the real service (OData says a service ignores unknown
custom query options) are left alone; system query options (``$``) are checked by the core.
"""

from __future__ import annotations

from starlette.responses import Response

from simulator.dataverse.change_tracking import serve_changes, wants_tracking
from simulator.dataverse.impersonation import impersonate
from simulator.dataverse.query_functions import SCOPE, FilterScope, substitute_aliases
from simulator.dataverse.unsimulated import refuse_unsimulated
from simulator.odata.errors import ODataProblem

# Request headers the real service acts on that the simulator does not serve (yet).
NOT_IMPLEMENTED_HEADERS: dict[str, str] = {}
# Prefer preferences the real service acts on that the simulator does not serve (yet).
NOT_IMPLEMENTED_PREFERENCES: dict[str, str] = {}
CUSTOM_QUERY = {"fetchxml": "fetchXml", "savedquery": "savedQuery", "userquery": "userQuery"}


def not_implemented(what: str) -> ODataProblem:
    """501 in Dataverse's error shape: the service would act on it, the simulator cannot."""
    return ODataProblem(501, "0x8006088a", f"{what} is not implemented by the simulator; the request was "
                        "refused instead of being answered without it.", "unsupported")


def intercept(service, ctx) -> Response | None:
    """Serve or refuse what only Dataverse understands; rewrite aliases; None goes on to the core."""
    params = ctx.params
    refuse_unsimulated(params)  # parameters the service acts on that are not simulated (?sql=); also in $batch
    for name, what in NOT_IMPLEMENTED_HEADERS.items():
        if ctx.header(name) is not None:
            raise not_implemented(f"The header '{name}' ({what})")
    prefer = ctx.prefer if NOT_IMPLEMENTED_PREFERENCES else {}
    for name, what in NOT_IMPLEMENTED_PREFERENCES.items():
        if name in prefer:
            raise not_implemented(f"The preference '{name}' ({what})")
    impersonate(service, ctx)
    aliases = {k: v for k, v in params.items() if k[:1] == "@"} if params else {}
    scope = FilterScope(aliases=aliases, service=service, caller=_caller(service, ctx),
                        business_unit=_business_unit())
    SCOPE.set(scope)
    if params:
        if "UserId" in params.get("$filter", "") or "UserId" in params.get("$expand", ""):
            scope.caller()  # resolved now: the filter may be compiled inside the request's unit of work
        for option in ("$filter", "$orderby"):
            if option in params and "@" in params[option]:
                params[option] = substitute_aliases(params[option], aliases)
        _check_operation_options(service, ctx)
    custom = [name for name in params if name.lower() in CUSTOM_QUERY] if params else None
    if custom:
        from simulator.dataverse.fetchxml import serve_custom_query
        return serve_custom_query(service, ctx, custom)
    if wants_tracking(ctx):
        return serve_changes(service, ctx)
    if "$apply" in params:
        from simulator.dataverse.apply import serve_apply
        return serve_apply(service, ctx)
    return None


def _check_operation_options(service, ctx) -> None:
    """System query options on a function or action call would be dropped by the registry: refuse them."""
    options = [name for name in ctx.params if name.startswith("$")]
    if not options:
        return
    segments = ctx.segments()
    named = segments[-1].name if segments else ""
    if (len(segments) == 1 and service.operations.unbound(named) is not None) or \
            (len(segments) > 1 and service.operations.short_name(named) is not None):
        raise not_implemented(f"The query option '{options[0]}' on the operation '{named}'")


_BUSINESS_UNIT: list[str] = []


def _business_unit() -> str:
    if not _BUSINESS_UNIT:  # simulator.dataverse.dialect imports this module
        from simulator.dataverse.dialect import BUSINESS_UNIT_ID
        _BUSINESS_UNIT.append(BUSINESS_UNIT_ID)
    return _BUSINESS_UNIT[0]


def _caller(service, ctx):
    """The caller's systemuserid, looked up once, outside any unit of work of the request."""
    cached: list[str] = []

    def caller() -> str:
        if not cached:
            if "caller_id" in ctx.extras:
                cached.append(ctx.extras["caller_id"])
            else:
                with service.store.transaction() as conn:
                    cached.append(service.dialect.caller_id(ctx, conn, service))
        return cached[0]
    return caller
