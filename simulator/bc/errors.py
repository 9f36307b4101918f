"""Business Central error codes and texts (reference B5).

Every BC error body is ``{"error": {"code": "<Category_Detail>", "message": "<text>  CorrelationId:  <guid>."}}``
with no ``innererror``. :func:`bc_problem` builds problems that already carry a BC code; problems
raised by the shared core (which carry Dataverse codes) are mapped by their neutral ``kind``.
"""

from __future__ import annotations

from simulator.odata.errors import ODataProblem

INVALID_TOKEN = ("Could not validate the client concurrency token required by the service. "
                 "Please provide a valid token in the client request.")
ENTITY_CHANGED = "Another user has already changed the record."
BAD_CREDENTIALS = "The server has rejected the client credentials."
COMPANY_NOT_FOUND = ("Cannot process the request because the default company cannot be found. You can specify a "
                     "default company in the service configuration file, or specify one for each tenant, or you "
                     "can add a query string in the form of \"company=[name]\". You can see the available "
                     "companies by accessing the default OData web service, Company. For more information, see "
                     "\"OData Web Services\" in Help.")

# kind of a core problem -> (status, BC code)
KIND_CODES = {
    "syntax": (400, "BadRequest_NotFound"),
    "unknown_property": (400, "BadRequest_NotFound"),
    "unsupported": (400, "BadRequest_NotFound"),
    "segment": (404, "BadRequest_NotFound"),
    "not_found": (404, "Internal_RecordNotFound"),
    "duplicate": (409, "Internal_EntityWithSameKeyExists"),
    "etag_mismatch": (409, "Request_EntityChanged"),
    "precondition": (400, "BadRequest_InvalidToken"),
    "validation": (400, "Application_FieldValidationException"),
    "method": (405, "BadRequest_MethodNotAllowed"),
    "auth": (401, "Authentication_InvalidCredentials"),
}


def bc_problem(status: int, code: str, message: str, kind: str = "bc") -> ODataProblem:
    return ODataProblem(status, code, message, kind, bc=True)


def status_and_code(problem: ODataProblem) -> tuple[int, str]:
    if problem.details.get("bc"):
        return problem.status, problem.code
    return KIND_CODES.get(problem.kind, (problem.status, "Unknown"))


def with_correlation(message: str, correlation_id: str) -> str:
    """``<text>  CorrelationId:  <guid>.``: two spaces either side of the label, final period."""
    return f"{message}  CorrelationId:  {correlation_id}."
