"""What differs between the three Dynamics OData services, as far as a contract document cares.

Sources: /work/shared/reference/dataverse.md §0-§5 (create 204 + OData-EntityId, or 201 with
`Prefer: return=representation`; no `$skip`), fno_bc.md A3/A4/A6 (POST 201, PATCH/PUT/DELETE 204,
`$skip`, `cross-company`, errors with `innererror`), B3/B5 (POST 201, PATCH 200 with body,
If-Match required, errors without `innererror`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import OpenApiOptionError


@dataclass(frozen=True)
class Dialect:
    name: str
    title: str
    default_server_url: str
    supports_skip: bool
    supports_put: bool
    # "positional": a single key is written bare, `accounts({accountid})`; several keys are named.
    # "named": always `Set(k1='{k1}',k2={k2})` (F&O URLs and its generated @odata.id links).
    key_style: str
    create_returns_body_by_default: bool  # F&O/BC 201 + body; Dataverse 204 unless Prefer asks for it
    update_status: int  # 204 (Dataverse, F&O) or 200 with the entity (BC)
    if_match_required: bool  # BC rejects PATCH/DELETE without If-Match (400 BadRequest_InvalidToken)
    error_innererror: bool  # F&O adds innererror {message,type,stacktrace}
    retry_after_required: bool
    odata_bind: bool  # Dataverse sets lookups with `nav@odata.bind`
    cross_company: bool  # F&O `?cross-company=true`
    prefer_header: bool
    company_scoped: bool  # BC: sets live under /companies({companyId})/
    # Sets the service never lets you write, whatever the CSDL says: BC answers POST/PATCH/DELETE on
    # companies with 405 BadRequest_MethodNotAllowed (fno_bc.md B5).
    read_only_sets: frozenset[str] = frozenset()


DIALECTS: dict[str, Dialect] = {
    "dataverse": Dialect(
        name="dataverse",
        title="Dataverse Web API",
        default_server_url="https://contoso.crm.dynamics.com/api/data/v9.2",
        supports_skip=False,
        supports_put=False,
        key_style="positional",
        create_returns_body_by_default=False,
        update_status=204,
        if_match_required=False,
        error_innererror=False,
        retry_after_required=True,
        odata_bind=True,
        cross_company=False,
        prefer_header=True,
        company_scoped=False,
    ),
    "fno": Dialect(
        name="fno",
        title="Finance and Operations OData",
        default_server_url="https://contoso.operations.dynamics.com/data",
        supports_skip=True,
        supports_put=True,
        key_style="named",
        create_returns_body_by_default=True,
        update_status=204,
        if_match_required=False,
        error_innererror=True,
        retry_after_required=False,
        odata_bind=False,
        cross_company=True,
        prefer_header=False,
        company_scoped=False,
    ),
    "bc": Dialect(
        name="bc",
        title="Business Central API",
        default_server_url="https://api.businesscentral.dynamics.com/v2.0/production/api/v2.0",
        supports_skip=True,
        supports_put=False,
        key_style="positional",
        create_returns_body_by_default=True,
        update_status=200,
        if_match_required=True,
        error_innererror=False,
        retry_after_required=False,
        odata_bind=False,
        cross_company=False,
        prefer_header=True,
        company_scoped=True,
        read_only_sets=frozenset({"companies"}),
    ),
}


def get_dialect(name: str) -> Dialect:
    try:
        return DIALECTS[name]
    except KeyError:
        raise OpenApiOptionError(
            f"unknown dialect {name!r}; expected one of {', '.join(DIALECTS)}"
        ) from None
