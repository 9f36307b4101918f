"""F&O OData actions, served from one registry (see :mod:`simulator.odata.operations`).

The Data management package API (learn.microsoft.com …/data-entities/data-management-api) is a set of
actions bound to the ``DataManagementDefinitionGroups`` collection, called as
``POST /data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.<Action>`` with a JSON body;
each answers ``{"@odata.context": "…/$metadata#Edm.String", "value": …}``. The version actions are bound
to ``DataManagementEntities``. State lives in :class:`simulator.fno.executions.DataManagement`
(``call.dialect.dmf``); this module checks parameters and shapes answers.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import sqlalchemy as sa

from simulator.fno import errors, packages
from simulator.fno.executions import DataManagement, Execution
from simulator.odata.model import Parameter
from simulator.odata.operations import OperationCall, OperationRegistry
from simulator.odata.store import VERSION_COLUMN

NAMESPACE = "Microsoft.Dynamics.DataEntities"
REGISTRY = OperationRegistry(NAMESPACE, "")
GROUPS = "DataManagementDefinitionGroups"
ENTITIES = "DataManagementEntities"
INVALID_OPERATION = "System.InvalidOperationException"

APPLICATION_VERSION = "10.0.41"
APPLICATION_BUILD_VERSION = "10.0.2015.54"
PLATFORM_BUILD_VERSION = "7.0.7367.49"
WRITE_URL_LIFETIME = dt.timedelta(hours=1)
READ_URL_LIFETIME = dt.timedelta(days=7)  # "The file in Blob storage will remain there for seven days."


def _s(name: str, required: bool = True) -> Parameter:
    return Parameter(name, "Edm.String", nullable=not required)


def _b(name: str) -> Parameter:
    return Parameter(name, "Edm.Boolean", nullable=False)


def _dmf(call: OperationCall) -> DataManagement:
    return call.dialect.dmf


def _failure(message: str, action: str) -> Exception:
    """An action that refuses its input: F&O's error envelope with the X++ exception text."""
    return errors.fno_problem(400, f"Exception occurred while executing action {action} on Entity "
                                   f"DataManagementDefinitionGroup: {message}", INVALID_OPERATION, "validation")


def _execution(call: OperationCall, action: str) -> Execution:
    execution_id = call.params.get("executionId") or ""
    execution = _dmf(call).execution(execution_id)
    if execution is None:
        raise _failure(f"The execution summary records for execution ID '{execution_id}' were not found.", action)
    return execution


def _base_url(call: OperationCall) -> str:
    return call.ctx.root_url.rsplit("/data", 1)[0]


# ---------------------------------------------------------------------- versions
@REGISTRY.action("GetApplicationVersion", "Edm.String", bound_to=ENTITIES, collection=True)
def get_application_version(call: OperationCall) -> dict:
    """The application (finance and operations apps) version, e.g. ``10.0.41``."""
    return {"value": APPLICATION_VERSION}


@REGISTRY.action("GetApplicationBuildVersion", "Edm.String", bound_to=ENTITIES, collection=True)
def get_application_build_version(call: OperationCall) -> dict:
    return {"value": APPLICATION_BUILD_VERSION}


@REGISTRY.action("GetPlatformBuildVersion", "Edm.String", bound_to=ENTITIES, collection=True)
def get_platform_build_version(call: OperationCall) -> dict:
    return {"value": PLATFORM_BUILD_VERSION}


# ---------------------------------------------------------------------- import
@REGISTRY.action("GetAzureWriteUrl", "Edm.String", bound_to=GROUPS, collection=True,
                 params=[_s("uniqueFileName")])
def get_azure_write_url(call: OperationCall) -> dict:
    """A writable blob URL with a SAS, returned as a JSON string ``{"BlobId": "{GUID}", "BlobUrl": …}``."""
    name = call.params["uniqueFileName"].strip()
    if not name or "/" in name or "\\" in name or len(name) > 255:
        raise _failure(f"'{name}' is not a valid file name.", "GetAzureWriteUrl")
    blob_id = "{" + str(uuid.uuid4()).upper() + "}"
    url = _dmf(call).blobs.url(_base_url(call), name, "rw", WRITE_URL_LIFETIME)
    return {"value": json.dumps({"BlobId": blob_id, "BlobUrl": url}, separators=(",", ":"))}


def _company(call: OperationCall, action: str) -> str:
    company = (call.params.get("legalEntityId") or "").strip().lower()
    if company not in call.dialect.companies(call.conn):
        raise _failure(f"The legal entity '{call.params.get('legalEntityId')}' does not exist.", action)
    return company


def _ensure_group(call: OperationCall, name: str, operation: str, package: packages.Package | None) -> None:
    """The data project: ImportFromPackage creates it (with the package's entities) when it is missing."""
    groups = call.service.table(GROUPS)
    row = call.conn.execute(sa.select(groups).where(groups.c.Name == name)).first()
    if row is not None:
        if row._mapping["OperationType"] != operation:
            raise _failure(f"The data project '{name}' is an {row._mapping['OperationType']} project, not an "
                           f"{operation} project.", f"{operation}ToPackage" if operation == "Export"
                           else "ImportFromPackage")
        return
    if package is None:
        raise _failure(f"The data project '{name}' does not exist.", "ExportToPackage")
    version = call.service.store.next_version(call.conn)
    call.conn.execute(groups.insert().values(Name=name, Description=name[:60], OperationType=operation,
                                             ProjectCategory="Project", GenerateDataPackage="Yes",
                                             **{VERSION_COLUMN: version}))
    details = call.service.table("DataManagementDefinitionGroupDetails")
    for entity in package.entities:
        unit, level, sequence = entity.order
        call.conn.execute(details.insert().values(
            DefinitionGroupId=name, EntityName=_dmf(call).entity_set_for(entity.name)[1].dmf_name,
            SourceFormat=entity.source_format, ExecutionUnit=unit, LevelInExecutionUnit=level,
            SequenceInLevel=sequence, DefaultRefreshType="FullPush", AutoGenerateMapping="Yes",
            ValidationStatus="Yes", **{VERSION_COLUMN: call.service.store.next_version(call.conn)}))


@REGISTRY.action("ImportFromPackage", "Edm.String", bound_to=GROUPS, collection=True,
                 params=[_s("packageUrl"), _s("definitionGroupId"), _s("executionId", required=False),
                         _b("execute"), _b("overwrite"), _s("legalEntityId")])
def import_from_package(call: OperationCall) -> dict:
    """Read the uploaded package, then import it in the background; answers the execution id."""
    action = "ImportFromPackage"
    dmf = _dmf(call)
    name = dmf.blobs.name_of(call.params["packageUrl"])
    blob = dmf.blobs.get(name) if name else None
    if blob is None:
        raise _failure(f"The package '{call.params['packageUrl']}' was not found in the blob storage of this "
                       "environment; upload it to the URL GetAzureWriteUrl returned first.", action)
    company = _company(call, action)
    try:
        package = packages.read_package(blob.data)
    except packages.PackageError as exc:
        raise _failure(str(exc), action) from None
    for entity in package.entities:
        if dmf.entity_set_for(entity.name) is None:
            raise _failure(f"Entity {entity.name} does not exist in the target environment.", action)
    group = call.params["definitionGroupId"].strip()
    if not group:
        raise _failure("The definition group ID must not be empty.", action)
    _ensure_group(call, group, "Import", package)
    try:
        execution = dmf.new_execution("Import", (call.params.get("executionId") or "").strip(), group, company)
    except ValueError as exc:
        raise _failure(str(exc), action) from None
    execute, overwrite = bool(call.params["execute"]), bool(call.params["overwrite"])
    dmf.start(execution, lambda e: dmf.import_package(e, package, execute, overwrite))
    return {"value": execution.id}


# ---------------------------------------------------------------------- export
@REGISTRY.action("ExportToPackage", "Edm.String", bound_to=GROUPS, collection=True,
                 params=[_s("definitionGroupId"), _s("packageName"), _s("executionId", required=False),
                         _b("reExecute"), _s("legalEntityId")])
def export_to_package(call: OperationCall) -> dict:
    """Export the project's entities of one company into a package, in the background."""
    action = "ExportToPackage"
    dmf = _dmf(call)
    group = call.params["definitionGroupId"].strip()
    _ensure_group(call, group, "Export", None)
    company = _company(call, action)
    package_name = call.params["packageName"].strip()
    if not package_name or "/" in package_name or "\\" in package_name:
        raise _failure(f"'{package_name}' is not a valid package name.", action)
    details_table = call.service.table("DataManagementDefinitionGroupDetails")
    details = [dict(r._mapping) for r in call.conn.execute(
        sa.select(details_table).where(details_table.c.DefinitionGroupId == group))]
    if not details:
        raise _failure(f"The data project '{group}' has no entities to export.", action)
    try:
        execution = dmf.new_execution("Export", (call.params.get("executionId") or "").strip(), group, company)
    except ValueError as exc:
        raise _failure(str(exc), action) from None
    dmf.start(execution, lambda e: dmf.export_package(e, details, package_name))
    return {"value": execution.id}


@REGISTRY.action("GetExportedPackageUrl", "Edm.String", bound_to=GROUPS, collection=True,
                 params=[_s("executionId")])
def get_exported_package_url(call: OperationCall) -> dict:
    """A read-only SAS URL of the exported package; empty while the export runs."""
    execution = _execution(call, "GetExportedPackageUrl")
    if execution.kind != "Export":
        raise _failure(f"The execution '{execution.id}' is not an export.", "GetExportedPackageUrl")
    if execution.package_blob is None or not execution.done.is_set():
        return {"value": ""}
    return {"value": _dmf(call).blobs.url(_base_url(call), execution.package_blob, "r", READ_URL_LIFETIME)}


# ---------------------------------------------------------------------- status and errors
@REGISTRY.action("GetExecutionSummaryStatus", "Edm.String", bound_to=GROUPS, collection=True,
                 params=[_s("executionId")])
def get_execution_summary_status(call: OperationCall) -> dict:
    """``NotRun``, ``Executing``, then ``Succeeded``, ``PartiallySucceeded`` or ``Failed``."""
    return {"value": _execution(call, "GetExecutionSummaryStatus").status}


@REGISTRY.action("GetExecutionErrors", "Edm.String", bound_to=GROUPS, collection=True,
                 params=[_s("executionId")])
def get_execution_errors(call: OperationCall) -> dict:
    """The execution's errors as a JSON list (a string), each naming the entity and the row."""
    return {"value": _dmf(call).errors_json(_execution(call, "GetExecutionErrors"))}


def _entity_name(call: OperationCall, action: str) -> str:
    name = call.params["entityName"]
    found = _dmf(call).entity_set_for(name)
    if found is None:
        raise _failure(f"Entity {name} does not exist in the target environment.", action)
    return found[1].dmf_name


@REGISTRY.action("GenerateImportTargetErrorKeysFile", "Edm.Boolean", bound_to=GROUPS, collection=True,
                 params=[_s("executionId"), _s("entityName")])
def generate_import_target_error_keys_file(call: OperationCall) -> dict:
    """True (and the keys file is generated) when rows of the entity failed at the staging-to-target step."""
    action = "GenerateImportTargetErrorKeysFile"
    execution = _execution(call, action)
    entity = _entity_name(call, action)
    if not execution.done.is_set():
        return {"value": False}
    return {"value": _dmf(call).error_file(execution, "Target", entity) is not None}


def _error_file_url(call: OperationCall, stage: str, action: str) -> dict:
    execution = _execution(call, action)
    entity = _entity_name(call, action)
    if stage == "Staging" and execution.done.is_set() and (stage, entity.lower()) not in execution.error_files:
        _dmf(call).error_file(execution, stage, entity)
    name = execution.error_files.get((stage, entity.lower()))
    return {"value": _dmf(call).blobs.url(_base_url(call), name, "r", READ_URL_LIFETIME) if name else ""}


@REGISTRY.action("GetImportTargetErrorKeysFileUrl", "Edm.String", bound_to=GROUPS, collection=True,
                 params=[_s("executionId"), _s("entityName")])
def get_import_target_error_keys_file_url(call: OperationCall) -> dict:
    """The keys file GenerateImportTargetErrorKeysFile wrote; empty before that or without errors."""
    return _error_file_url(call, "Target", "GetImportTargetErrorKeysFileUrl")


@REGISTRY.action("GetImportStagingErrorFileUrl", "Edm.String", bound_to=GROUPS, collection=True,
                 params=[_s("executionId"), _s("entityName")])
def get_import_staging_error_file_url(call: OperationCall) -> dict:
    """The input rows that failed at the source-to-staging step; empty when there are none."""
    return _error_file_url(call, "Staging", "GetImportStagingErrorFileUrl")
