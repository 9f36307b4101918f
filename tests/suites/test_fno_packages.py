"""The F&O Data management package API round trip, as documented
(learn.microsoft.com …/fin-ops-core/dev-itpro/data-entities/data-management-api): an export project,
ExportToPackage, GetExecutionSummaryStatus until it ends, GetExportedPackageUrl, then GetAzureWriteUrl,
a blob upload and ImportFromPackage into another company; the imported rows equal the exported ones."""

from __future__ import annotations

import json
import time

import pytest
import requests

from harness.odata import Query

pytestmark = [pytest.mark.fno, pytest.mark.writes]

GROUPS = "DataManagementDefinitionGroups"
RUNNING = ("NotRun", "Executing", "Unknown")
SOURCE, TARGET = "usrt", "dat"


def wait(fno, execution_id: str, seconds: float = 600) -> list[str]:
    """The statuses an execution passes through until it ends."""
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = fno.action_value("GetExecutionSummaryStatus", {"executionId": execution_id}, entity_set=GROUPS)
        if not seen or seen[-1] != status:
            seen.append(status)
        if status not in RUNNING:
            return seen
        time.sleep(0.2)
    raise AssertionError(f"execution {execution_id} still {seen[-1]} after {seconds} s")


def rows(fno, set_name: str, company: str, key: str) -> dict[str, dict]:
    query = Query(filter=f"dataAreaId eq '{company}'", extra={"cross-company": "true"})
    found = list(fno.iter_all(set_name, query))
    return {r[key]: {k: v for k, v in r.items() if k not in ("dataAreaId", "@odata.etag")} for r in found}


def test_export_then_import_into_another_company_gives_equal_rows(fno, values):
    project = values.name("pkg")[:60]
    assert fno.create(GROUPS, {"Name": project, "OperationType": "Export", "ProjectCategory": "Project",
                               "Description": "harness round trip"}).status == 201
    fno.create("DataManagementDefinitionGroupDetails", {
        "DefinitionGroupId": project, "EntityName": "Customer groups", "SourceFormat": "CSV-Unicode",
        "ExecutionUnit": 1, "LevelInExecutionUnit": 1, "SequenceInLevel": 1, "AutoGenerateMapping": "Yes"})
    execution = fno.action_value("ExportToPackage", {
        "definitionGroupId": project, "packageName": "harness-roundtrip", "executionId": "", "reExecute": False,
        "legalEntityId": SOURCE}, entity_set=GROUPS)
    assert execution
    assert wait(fno, execution)[-1] == "Succeeded"
    package_url = fno.action_value("GetExportedPackageUrl", {"executionId": execution}, entity_set=GROUPS)
    package = requests.get(package_url, timeout=60)
    assert package.status_code == 200 and package.content[:2] == b"PK"

    write = json.loads(fno.action_value("GetAzureWriteUrl", {"uniqueFileName": f"{project}.zip"},
                                        entity_set=GROUPS))
    upload = requests.put(write["BlobUrl"], data=package.content, headers={"x-ms-blob-type": "BlockBlob"},
                          timeout=60)
    assert upload.status_code == 201
    imported = fno.action_value("ImportFromPackage", {
        "packageUrl": write["BlobUrl"], "definitionGroupId": f"{project} in"[:60], "executionId": "",
        "execute": True, "overwrite": True, "legalEntityId": TARGET}, entity_set=GROUPS)
    states = wait(fno, imported)
    assert states[-1] == "Succeeded", fno.action_value("GetExecutionErrors", {"executionId": imported},
                                                       entity_set=GROUPS)
    assert json.loads(fno.action_value("GetExecutionErrors", {"executionId": imported}, entity_set=GROUPS)) == []

    exported = rows(fno, "CustomerGroups", SOURCE, "CustomerGroupId")
    landed = rows(fno, "CustomerGroups", TARGET, "CustomerGroupId")
    assert exported and {k: landed.get(k) for k in exported} == exported


def test_status_of_an_unknown_execution_is_refused(fno, values):
    response = fno.action("GetExecutionSummaryStatus", {"executionId": values.name("nojob")}, entity_set=GROUPS,
                          expect_error=True)
    assert 400 <= response.status < 600


def test_version_actions_answer_dotted_versions(fno):
    for name in ("GetApplicationVersion", "GetPlatformBuildVersion"):
        version = fno.action_value(name, {}, entity_set="DataManagementEntities")
        assert isinstance(version, str) and version.count(".") >= 2
