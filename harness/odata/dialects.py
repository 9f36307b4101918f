"""What differs between the three Dynamics OData services, expressed as data: one :class:`Dialect` each.

Dataverse, Finance & Operations and Business Central all speak OData v4 but disagree on status
codes, paging limits, key shapes, error bodies and what their contracts promise. Each difference is
one field of :class:`Dialect`; the client (keys, errors, paging), the OpenAPI/contract generator
(:mod:`harness.metadata.openapi`) and the pytest plugin read the field instead of branching on the
service name, so adding a fourth service means adding one instance here and one entry in
:data:`BY_ROOT`. Sources: ``shared/reference`` (dataverse.md §0-§5, fno_bc.md A3-A6, B3-B5).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    """The wire and contract conventions of one OData service."""

    name: str
    #: The harness's name for the service root (targets, markers, ``.env`` prefixes): crm, fno, bc.
    root: str
    #: Human title and an example service root (OpenAPI ``info.title`` and ``servers``).
    title: str
    default_server_url: str
    #: ``$skip`` is accepted (Dataverse rejects it; it pages with ``$skiptoken`` only).
    supports_skip: bool
    #: Largest page the server returns / accepts in ``Prefer: odata.maxpagesize``.
    max_page_size: int
    #: Status of a successful POST without ``Prefer: return=representation`` (201 comes with a body).
    create_status: int
    #: Status of a successful PATCH without ``Prefer: return=representation`` (200 comes with the entity).
    update_status: int
    #: PATCH and DELETE must carry ``If-Match`` (BC answers 400 ``BadRequest_InvalidToken`` otherwise).
    requires_if_match: bool
    #: Namespace that qualifies enum literals in ``$filter`` (``NS.Type'Member'``).
    enum_namespace: str
    #: How the service builds its (always weak) ETags; informative, clients treat ETags as opaque.
    etag_style: str
    #: A single unnamed key value must be a GUID (Dataverse primary keys are GUIDs).
    guid_primary_key: bool
    #: A string that looks like a GUID is written bare in keys (BC ``customers(<guid>)``).
    bare_guid_strings: bool
    #: PUT replaces an entity (F&O); the others only PATCH.
    supports_put: bool
    #: "positional": a single key is written bare, ``accounts({accountid})``; several keys are named.
    #: "named": always ``Set(k1='{k1}',k2={k2})`` (F&O URLs and its generated @odata.id links).
    key_style: str
    #: Error bodies carry ``innererror`` {message,type,stacktrace} (F&O).
    error_innererror: bool
    #: A 429 always carries ``Retry-After`` (Dataverse service protection).
    retry_after_required: bool
    #: Lookups are set with ``nav@odata.bind`` (Dataverse).
    odata_bind: bool
    #: ``?cross-company=true`` reads every legal entity (F&O).
    cross_company: bool
    #: The service honours ``Prefer`` (``return=representation``, ``odata.maxpagesize``).
    prefer_header: bool
    #: Entity sets live under ``/companies({companyId})/`` (BC).
    company_scoped: bool
    #: Sets the service never lets you write, whatever the CSDL says (BC ``companies``: 405).
    read_only_sets: frozenset[str] = frozenset()
    #: Key properties written first in a composite key (F&O puts ``dataAreaId`` first).
    leading_key_fields: tuple[str, ...] = ()
    #: Key properties whose value is a GUID written bare (Dataverse lookup keys ``_x_value``).
    guid_key_pattern: str | None = None
    #: Body property that holds a created record's key when no header names it (BC ``id``).
    body_key_fields: tuple[str, ...] = ()
    #: The primary key property can be guessed from the entity set (``accounts`` -> ``accountid``).
    key_named_after_entity_set: bool = False
    #: Error ``message`` values that say nothing; the ``innererror`` message is used instead.
    generic_error_messages: tuple[str, ...] = ()
    #: Regex for a correlation id appended to error messages; group 1 is the id.
    error_correlation_pattern: str | None = None
    #: Unbound function that names the calling user (Dataverse ``WhoAmI``).
    whoami_path: str | None = None
    #: Company data lives below ``<set>(<id>)/`` of this entity set (BC ``companies(<id>)/customers``).
    company_parent: str | None = None
    #: Query options that widen reads and writes to every company (F&O ``cross-company=true``).
    all_companies: tuple[tuple[str, str], ...] = ()

    @property
    def create_returns_body_by_default(self) -> bool:
        """F&O/BC answer a POST with 201 and the entity; Dataverse with 204 unless ``Prefer`` asks."""
        return self.create_status == 201

    def __repr__(self) -> str:
        return f"Dialect({self.name!r})"


DATAVERSE = Dialect(
    name="dataverse",
    root="crm",
    title="Dataverse Web API",
    default_server_url="https://contoso.crm.dynamics.com/api/data/v9.2",
    supports_skip=False,
    max_page_size=5000,
    create_status=204,
    update_status=204,
    requires_if_match=False,
    enum_namespace="Microsoft.Dynamics.CRM",
    etag_style='W/"<versionnumber>"',
    guid_primary_key=True,
    bare_guid_strings=False,
    supports_put=False,
    key_style="positional",
    error_innererror=False,
    retry_after_required=True,
    odata_bind=True,
    cross_company=False,
    prefer_header=True,
    company_scoped=False,
    guid_key_pattern=r"^_\w+_value$",
    key_named_after_entity_set=True,
    whoami_path="WhoAmI",
)

FNO = Dialect(
    name="fno",
    root="fno",
    title="Finance and Operations OData",
    default_server_url="https://contoso.operations.dynamics.com/data",
    supports_skip=True,
    max_page_size=10000,
    create_status=201,
    update_status=204,
    requires_if_match=False,
    enum_namespace="Microsoft.Dynamics.DataEntities",
    etag_style="W/\"<base64 of 'recversion,recid;...'>\"",
    guid_primary_key=False,
    bare_guid_strings=False,
    supports_put=True,
    key_style="named",
    error_innererror=True,
    retry_after_required=False,
    odata_bind=False,
    cross_company=True,
    prefer_header=False,
    company_scoped=False,
    leading_key_fields=("dataAreaId",),
    generic_error_messages=("An error has occurred.",),
    all_companies=(("cross-company", "true"),),
)

BUSINESS_CENTRAL = Dialect(
    name="business_central",
    root="bc",
    title="Business Central API",
    default_server_url="https://api.businesscentral.dynamics.com/v2.0/production/api/v2.0",
    supports_skip=True,
    max_page_size=20000,
    create_status=201,
    update_status=200,
    requires_if_match=True,
    enum_namespace="Microsoft.NAV",
    etag_style="W/\"<base64 of 'length;hash1;00;'>\"",
    guid_primary_key=False,
    bare_guid_strings=True,
    supports_put=False,
    key_style="positional",
    error_innererror=False,
    retry_after_required=False,
    odata_bind=False,
    cross_company=False,
    prefer_header=True,
    company_scoped=True,
    read_only_sets=frozenset({"companies"}),
    body_key_fields=("id",),
    error_correlation_pattern=r"\s+CorrelationId:\s+([0-9A-Fa-f-]{36})\.?\s*$",
    company_parent="companies",
)

#: Dialects by their own name (dataverse, fno, business_central).
DIALECTS: dict[str, Dialect] = {d.name: d for d in (DATAVERSE, FNO, BUSINESS_CENTRAL)}
#: The one map from a service root (crm, fno, bc: targets, markers, ``.env`` prefixes) to its dialect.
BY_ROOT: dict[str, Dialect] = {d.root: d for d in (DATAVERSE, FNO, BUSINESS_CENTRAL)}


def find_dialect(name: str | Dialect) -> Dialect | None:
    """The dialect called ``name`` or serving the root ``name`` (``bc`` and ``business_central`` alike)."""
    if isinstance(name, Dialect):
        return name
    return DIALECTS.get(name) or BY_ROOT.get(name)
