"""F&O's error bodies: ASP.NET Web API OData errors with an ``innererror``, and Web API routing errors.

Two shapes reach clients (reference A6):

* ``{"error": {"code": "", "message": "An error has occurred.", "innererror": {"message", "type",
  "stacktrace"}}}`` for data and validation failures (the X++ infolog goes into the inner message),
  and the same envelope with ``"The query specified in the URI is not valid. ..."`` for bad queries;
* ``{"Message": "No HTTP resource was found that matches the request URI '...'"}`` (capital ``M``, no
  ``error`` wrapper) when the route itself is unknown, and for unsupported HTTP methods.
"""

from __future__ import annotations

from simulator.fno.model import TableInfo
from simulator.odata.errors import ODataProblem

GENERIC = "An error has occurred."
QUERY_INVALID = "The query specified in the URI is not valid. "
WRITE_EXCEPTION = "Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException"
ODATA_EXCEPTION = "Microsoft.OData.ODataException"
NOT_FOUND_EXCEPTION = "Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataObjectNotFoundException"
WRITE_STACK = ("   at Microsoft.Dynamics.Platform.Integration.Services.OData.Update.UpdateProcessor"
               ".CreateEntity_Save(ChangeOperationContext context, ChangeInfo changeInfo)")
QUERY_STACK = "   at Microsoft.OData.UriParser.UriQueryExpressionParser.ParseExpressionText(String expressionText)"


def fno_problem(status: int, inner: str, exception_type: str, kind: str, outer: str = GENERIC,
                stacktrace: str = "") -> ODataProblem:
    """A problem that the F&O dialect renders in the ``innererror`` envelope."""
    return ODataProblem(status, "", inner, kind, fno_outer=outer, fno_type=exception_type,
                        fno_stack=stacktrace)


def write_failed(info: TableInfo, *infolog: str, status: int = 400) -> ODataProblem:
    """``Write failed for table row of type 'X'. Infolog: Error: ...; Warning: ...``.

    Current builds answer 400 for validation failures (older ones 500, reference A6).
    """
    lines = "; ".join(infolog)
    return fno_problem(status, f"Write failed for table row of type '{info.aot_name}'. Infolog: {lines}",
                       WRITE_EXCEPTION, "validation", stacktrace=WRITE_STACK)


def error_body(problem: ODataProblem) -> dict:
    """The ``{"error": ...}`` envelope for any problem (core problems included)."""
    details = problem.details
    if "fno_type" in details:
        outer, exception_type, stack = details["fno_outer"], details["fno_type"], details["fno_stack"]
    elif problem.kind in ("syntax", "unknown_property", "unsupported") \
            and "request body" not in problem.message.lower():
        outer, exception_type, stack = QUERY_INVALID + problem.message, ODATA_EXCEPTION, QUERY_STACK
    else:
        outer, exception_type, stack = GENERIC, ODATA_EXCEPTION, ""
    return {"error": {"code": "", "message": outer,
                      "innererror": {"message": problem.message, "type": exception_type, "stacktrace": stack}}}


def routing_body(request_uri: str) -> dict:
    return {"Message": f"No HTTP resource was found that matches the request URI '{request_uri}'. "
                       "No route data was found for this request."}


def method_body(method: str) -> dict:
    return {"Message": f"The requested resource does not support http method '{method}'."}
