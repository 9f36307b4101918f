"""What differs between the three Dynamics OData services, expressed as data.

Dataverse, Finance & Operations and Business Central all speak OData v4 but disagree on status
codes, paging limits, key shapes and error bodies. Each difference is one field of
:class:`Dialect`; the code that formats keys, parses errors or follows pages reads the field instead
of branching on the service name, so adding a fourth dialect means adding one instance.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    """The wire conventions of one OData service (see ``shared/reference``)."""

    name: str
    #: ``$skip`` is accepted (Dataverse rejects it; it pages with ``$skiptoken`` only).
    supports_skip: bool
    #: Largest page the server returns / accepts in ``Prefer: odata.maxpagesize``.
    max_page_size: int
    #: Status of a successful POST without ``Prefer: return=representation``.
    create_status: int
    #: Status of a successful PATCH without ``Prefer: return=representation``.
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

    def __repr__(self) -> str:
        return f"Dialect({self.name!r})"


DATAVERSE = Dialect(
    name="dataverse",
    supports_skip=False,
    max_page_size=5000,
    create_status=204,
    update_status=204,
    requires_if_match=False,
    enum_namespace="Microsoft.Dynamics.CRM",
    etag_style='W/"<versionnumber>"',
    guid_primary_key=True,
    bare_guid_strings=False,
    guid_key_pattern=r"^_\w+_value$",
    key_named_after_entity_set=True,
    whoami_path="WhoAmI",
)

FNO = Dialect(
    name="fno",
    supports_skip=True,
    max_page_size=10000,
    create_status=201,
    update_status=204,
    requires_if_match=False,
    enum_namespace="Microsoft.Dynamics.DataEntities",
    etag_style="W/\"<base64 of 'recversion,recid;...'>\"",
    guid_primary_key=False,
    bare_guid_strings=False,
    leading_key_fields=("dataAreaId",),
    generic_error_messages=("An error has occurred.",),
    all_companies=(("cross-company", "true"),),
)

BUSINESS_CENTRAL = Dialect(
    name="business_central",
    supports_skip=True,
    max_page_size=20000,
    create_status=201,
    update_status=200,
    requires_if_match=True,
    enum_namespace="Microsoft.NAV",
    etag_style="W/\"<base64 of 'length;hash1;00;'>\"",
    guid_primary_key=False,
    bare_guid_strings=True,
    body_key_fields=("id",),
    error_correlation_pattern=r"\s+CorrelationId:\s+([0-9A-Fa-f-]{36})\.?\s*$",
    company_parent="companies",
)

DIALECTS: dict[str, Dialect] = {d.name: d for d in (DATAVERSE, FNO, BUSINESS_CENTRAL)}
