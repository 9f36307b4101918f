"""F&O's Data management package API over real HTTP: blob URLs, imports, exports, statuses and errors.

Source: learn.microsoft.com/dynamics365/fin-ops-core/dev-itpro/data-entities/data-management-api.
"""

from __future__ import annotations

import io
import json
import time
import uuid
import zipfile

import pytest
import requests
from lxml import etree

from simulator.fno.packages import EntityData, read_package, read_rows, write_package

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
NS = "Microsoft.Dynamics.DataEntities"


def dmf(fno, root: str, action: str, body: dict) -> requests.Response:
    return fno.post(f"{root}/DataManagementDefinitionGroups/{NS}.{action}", json=body)


def value(reply: requests.Response):
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["@odata.context"].split("#")[1] in ("Edm.String", "Edm.Boolean")
    return body["value"]


def upload(fno, root: str, data: bytes) -> str:
    info = json.loads(value(dmf(fno, root, "GetAzureWriteUrl", {"uniqueFileName": f"{uuid.uuid4()}.zip"})))
    assert info["BlobId"].startswith("{") and info["BlobUrl"].startswith("http")
    put = requests.put(info["BlobUrl"], data=data, headers={"x-ms-blob-type": "BlockBlob"})
    assert put.status_code == 201, put.text
    return info["BlobUrl"]


def wait(fno, root: str, execution_id: str) -> list[str]:
    seen = []
    for _ in range(100):
        status = value(dmf(fno, root, "GetExecutionSummaryStatus", {"executionId": execution_id}))
        if not seen or seen[-1] != status:
            seen.append(status)
        if status not in ("NotRun", "Executing", "Unknown"):
            return seen
        time.sleep(0.05)
    raise AssertionError(f"execution {execution_id} never finished: {seen}")


def groups_package(rows: list[dict], source_format: str = "CSV-Unicode") -> bytes:
    return write_package("pytest groups", "pytest", [EntityData(
        "Customer groups", source_format, "CUSTCUSTOMERGROUPENTITY",
        ["CustomerGroupId", "Description", "PaymentTermId"], rows)])


def test_metadata_declares_the_package_and_version_actions(fno, fno_root):
    document = etree.fromstring(fno.get(f"{fno_root}/$metadata").content)
    actions = {a.get("Name"): a for a in document.iter(f"{EDM}Action")}
    for name in ("GetAzureWriteUrl", "ImportFromPackage", "ExportToPackage", "GetExportedPackageUrl",
                 "GetExecutionSummaryStatus", "GetExecutionErrors", "GenerateImportTargetErrorKeysFile",
                 "GetImportTargetErrorKeysFileUrl", "GetImportStagingErrorFileUrl"):
        binding = actions[name].find(f"{EDM}Parameter")
        assert binding.get("Type") == f"Collection({NS}.DataManagementDefinitionGroup)"
    params = [p.get("Name") for p in actions["ImportFromPackage"].findall(f"{EDM}Parameter")][1:]
    assert params == ["packageUrl", "definitionGroupId", "executionId", "execute", "overwrite", "legalEntityId"]
    for name in ("GetApplicationVersion", "GetPlatformBuildVersion", "GetApplicationBuildVersion"):
        assert actions[name].find(f"{EDM}Parameter").get("Type") == f"Collection({NS}.DataManagementEntity)"


def test_version_actions(fno, fno_root):
    for name in ("GetApplicationVersion", "GetPlatformBuildVersion", "GetApplicationBuildVersion"):
        reply = fno.post(f"{fno_root}/DataManagementEntities/{NS}.{name}", json={})
        assert reply.status_code == 200 and reply.json()["value"].count(".") >= 2, reply.text
    assert fno.get(f"{fno_root}/DataManagementEntities/{NS}.GetApplicationVersion").status_code == 405


def test_write_url_is_a_blob_the_simulator_serves(fno, fno_root):
    info = json.loads(value(dmf(fno, fno_root, "GetAzureWriteUrl", {"uniqueFileName": "pkg-a.zip"})))
    url = info["BlobUrl"]
    missing = requests.put(url, data=b"x")
    assert missing.status_code == 400 and b"MissingRequiredHeader" in missing.content
    assert requests.get(url).status_code == 404
    assert requests.put(url, data=b"hello", headers={"x-ms-blob-type": "BlockBlob"}).status_code == 201
    back = requests.get(url)
    assert back.status_code == 200 and back.content == b"hello"
    forged = requests.get(url.replace("sig=", "sig=AAAA"))
    assert forged.status_code == 403 and b"AuthenticationFailed" in forged.content
    assert dmf(fno, fno_root, "GetAzureWriteUrl", {}).status_code == 400
    assert dmf(fno, fno_root, "GetAzureWriteUrl", {"uniqueFileName": "a", "bogus": 1}).status_code == 400


def test_import_walks_the_states_and_writes_rows(fno, fno_root):
    url = upload(fno, fno_root, groups_package([
        {"CustomerGroupId": "PK1", "Description": "Package group one", "PaymentTermId": "Net30"},
        {"CustomerGroupId": "PK2", "Description": "Package group two", "PaymentTermId": "Net10"}]))
    execution = value(dmf(fno, fno_root, "ImportFromPackage", {
        "packageUrl": url, "definitionGroupId": "pytest import", "executionId": "", "execute": True,
        "overwrite": True, "legalEntityId": "DAT"}))
    assert execution
    states = wait(fno, fno_root, execution)
    assert states[0] == "NotRun" and "Executing" in states and states[-1] == "Succeeded", states
    row = fno.get(f"{fno_root}/CustomerGroups(dataAreaId='dat',CustomerGroupId='PK2')?cross-company=true")
    assert row.status_code == 200 and row.json()["Description"] == "Package group two"
    assert json.loads(value(dmf(fno, fno_root, "GetExecutionErrors", {"executionId": execution}))) == []
    project = fno.get(f"{fno_root}/DataManagementDefinitionGroups('pytest import')").json()
    assert project["OperationType"] == "Import"


def test_bad_rows_fail_alone_and_are_named(fno, fno_root):
    package = write_package("pytest bad", "pytest", [EntityData(
        "Customers V3", "XML-Element", "CUSTCUSTOMERV3ENTITY",
        ["CustomerAccount", "OrganizationName", "CustomerGroupId", "CreditLimit"],
        [{"CustomerAccount": "PKC-1", "OrganizationName": "Good", "CustomerGroupId": "10", "CreditLimit": "5"},
         {"CustomerAccount": "PKC-2", "OrganizationName": "Bad group", "CustomerGroupId": "NOPE",
          "CreditLimit": "5"},
         {"CustomerAccount": "PKC-3", "OrganizationName": "Bad number", "CustomerGroupId": "10",
          "CreditLimit": "lots"}])])
    url = upload(fno, fno_root, package)
    execution = value(dmf(fno, fno_root, "ImportFromPackage", {
        "packageUrl": url, "definitionGroupId": "pytest bad", "executionId": f"bad-{uuid.uuid4().hex[:6]}",
        "execute": True, "overwrite": False, "legalEntityId": "dat"}))
    assert wait(fno, fno_root, execution)[-1] == "PartiallySucceeded"
    errors = json.loads(value(dmf(fno, fno_root, "GetExecutionErrors", {"executionId": execution})))
    by_line = {e["LineNumber"]: e for e in errors}
    assert set(by_line) == {2, 3}
    assert by_line[2]["ErrorType"] == "Target" and "NOPE" in by_line[2]["ErrorMessage"]
    assert by_line[3]["ErrorType"] == "Staging" and "CREDITLIMIT" in by_line[3]["ErrorMessage"]
    good = fno.get(f"{fno_root}/CustomersV3(dataAreaId='dat',CustomerAccount='PKC-1')?cross-company=true")
    assert good.status_code == 200
    bad = fno.get(f"{fno_root}/CustomersV3(dataAreaId='dat',CustomerAccount='PKC-2')?cross-company=true")
    assert bad.status_code == 404
    body = {"executionId": execution, "entityName": "Customers V3"}
    assert value(dmf(fno, fno_root, "GetImportTargetErrorKeysFileUrl", body)) == ""  # not generated yet
    assert value(dmf(fno, fno_root, "GenerateImportTargetErrorKeysFile", body)) is True
    keys_url = value(dmf(fno, fno_root, "GetImportTargetErrorKeysFileUrl", body))
    keys = requests.get(keys_url)
    assert keys.status_code == 200 and "PKC-2" in keys.content.decode("utf-8-sig")
    staging = requests.get(value(dmf(fno, fno_root, "GetImportStagingErrorFileUrl", body)))
    assert "PKC-3" in staging.content.decode("utf-8-sig")
    assert requests.put(keys_url, data=b"x", headers={"x-ms-blob-type": "BlockBlob"}).status_code == 403


@pytest.mark.parametrize("data, fragment", [
    (b"not a zip at all", "not a valid zip"),
    (None, "no Manifest.xml"),
    (b"unknown", "does not exist in the target environment"),
])
def test_bad_packages_get_a_clear_error(fno, fno_root, data, fragment):
    if data is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("PackageHeader.xml", "<x/>")
        data = buffer.getvalue()
    elif data == b"unknown":
        data = write_package("g", "d", [EntityData("Spaceships", "CSV", "X", ["A"], [{"A": "1"}])])
    url = upload(fno, fno_root, data)
    reply = dmf(fno, fno_root, "ImportFromPackage", {
        "packageUrl": url, "definitionGroupId": "pytest broken", "executionId": "", "execute": True,
        "overwrite": True, "legalEntityId": "dat"})
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert fragment in error["innererror"]["message"] and error["code"] == ""


def test_unknown_execution_and_company_are_refused(fno, fno_root):
    reply = dmf(fno, fno_root, "GetExecutionSummaryStatus", {"executionId": "no-such-job"})
    assert reply.status_code == 400 and "were not found" in reply.json()["error"]["innererror"]["message"]
    url = upload(fno, fno_root, groups_package([]))
    reply = dmf(fno, fno_root, "ImportFromPackage", {
        "packageUrl": url, "definitionGroupId": "g", "executionId": "", "execute": True, "overwrite": True,
        "legalEntityId": "zzzz"})
    assert reply.status_code == 400 and "zzzz" in reply.text
    elsewhere = dmf(fno, fno_root, "ImportFromPackage", {
        "packageUrl": "https://example.com/x.zip", "definitionGroupId": "g", "executionId": "", "execute": True,
        "overwrite": True, "legalEntityId": "dat"})
    assert elsewhere.status_code == 400


def test_export_then_import_into_another_company_gives_equal_rows(fno, fno_root):
    project = f"pytest export {uuid.uuid4().hex[:6]}"
    created = fno.post(f"{fno_root}/DataManagementDefinitionGroups", json={
        "Name": project, "OperationType": "Export", "ProjectCategory": "Project", "Description": "round trip"})
    assert created.status_code == 201, created.text
    for sequence, (entity, source_format) in enumerate([("Customer groups", "CSV-Unicode"),
                                                        ("Customers V3", "XML-Element")], start=1):
        detail = fno.post(f"{fno_root}/DataManagementDefinitionGroupDetails", json={
            "DefinitionGroupId": project, "EntityName": entity, "SourceFormat": source_format,
            "ExecutionUnit": 1, "LevelInExecutionUnit": 1, "SequenceInLevel": sequence})
        assert detail.status_code == 201, detail.text
    bad_detail = fno.post(f"{fno_root}/DataManagementDefinitionGroupDetails", json={
        "DefinitionGroupId": project, "EntityName": "Spaceships"})
    assert bad_detail.status_code == 400
    execution = value(dmf(fno, fno_root, "ExportToPackage", {
        "definitionGroupId": project, "packageName": "roundtrip", "executionId": "", "reExecute": False,
        "legalEntityId": "usrt"}))
    assert value(dmf(fno, fno_root, "GetExportedPackageUrl", {"executionId": execution})) == ""  # still running
    assert wait(fno, fno_root, execution)[-1] == "Succeeded"
    package_url = value(dmf(fno, fno_root, "GetExportedPackageUrl", {"executionId": execution}))
    package = requests.get(package_url)
    assert package.status_code == 200
    parsed = read_package(package.content)
    assert [e.name for e in parsed.entities] == ["Customer groups", "Customers V3"]
    assert len(read_rows(parsed, parsed.entities[1])) == 20

    url = upload(fno, fno_root, package.content)
    imported = value(dmf(fno, fno_root, "ImportFromPackage", {
        "packageUrl": url, "definitionGroupId": f"{project} in", "executionId": "", "execute": True,
        "overwrite": True, "legalEntityId": "dat"}))
    assert wait(fno, fno_root, imported)[-1] == "Succeeded", dmf(fno, fno_root, "GetExecutionErrors",
                                                                 {"executionId": imported}).text

    def rows(set_name: str, company: str) -> list[dict]:
        reply = fno.get(f"{fno_root}/{set_name}", params={
            "cross-company": "true", "$filter": f"dataAreaId eq '{company}'", "$orderby": "dataAreaId"})
        assert reply.status_code == 200, reply.text
        return sorted(({k: v for k, v in r.items() if k not in ("dataAreaId", "@odata.etag")}
                       for r in reply.json()["value"]), key=lambda r: json.dumps(r, sort_keys=True))

    def same_keys(target: list[dict], source: list[dict], key: str) -> list[dict]:
        wanted = {r[key] for r in source}
        return [r for r in target if r[key] in wanted]

    assert fno.delete(f"{fno_root}/DataManagementDefinitionGroups('{project}')").status_code == 204
    left = fno.get(f"{fno_root}/DataManagementDefinitionGroupDetails",
                   params={"$filter": f"DefinitionGroupId eq '{project}'"}).json()["value"]
    assert left == []  # the project's entity list goes with it

    source_customers = rows("CustomersV3", "usrt")
    assert len(source_customers) == 20
    assert same_keys(rows("CustomersV3", "dat"), source_customers, "CustomerAccount") == source_customers
    source_groups = rows("CustomerGroups", "usrt")
    assert same_keys(rows("CustomerGroups", "dat"), source_groups, "CustomerGroupId") == source_groups


def test_import_without_execute_stages_only(fno, fno_root):
    url = upload(fno, fno_root, groups_package([{"CustomerGroupId": "STG1", "Description": "staged only",
                                                 "PaymentTermId": ""}]))
    execution = value(dmf(fno, fno_root, "ImportFromPackage", {
        "packageUrl": url, "definitionGroupId": "pytest staging", "executionId": "", "execute": False,
        "overwrite": True, "legalEntityId": "dat"}))
    assert wait(fno, fno_root, execution)[-1] == "Succeeded"
    row = fno.get(f"{fno_root}/CustomerGroups(dataAreaId='dat',CustomerGroupId='STG1')?cross-company=true")
    assert row.status_code == 404
    missing = dmf(fno, fno_root, "ImportFromPackage", {"packageUrl": url, "definitionGroupId": "x",
                                                        "executionId": "", "execute": True, "legalEntityId": "dat"})
    assert missing.status_code == 400 and "overwrite" in missing.text
