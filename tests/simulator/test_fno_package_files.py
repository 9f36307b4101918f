"""Data management package files (simulator/fno/packages.py): every source format reads back what was
written, and unreadable packages are refused with a message naming the file."""

from __future__ import annotations

import io
import zipfile

import pytest

from simulator.fno.packages import FORMATS, EntityData, PackageError, read_package, read_rows, write_package

ROWS = [{"CustomerGroupId": "A,1", "Description": 'quote " and <tag> & comma,', "PaymentTermId": ""},
        {"CustomerGroupId": "B2", "Description": "Zürich – ünïcode", "PaymentTermId": "Net30"}]


@pytest.mark.parametrize("source_format", FORMATS)
def test_each_format_round_trips(source_format):
    data = write_package("group", "desc", [EntityData("Customer groups", source_format, "CUSTCUSTOMERGROUPENTITY",
                                                      ["CustomerGroupId", "Description", "PaymentTermId"], ROWS)])
    package = read_package(data)
    (entity,) = package.entities
    assert package.definition_group == "group" and entity.source_format == source_format
    assert entity.field_map == {"CUSTOMERGROUPID": "CustomerGroupId", "DESCRIPTION": "Description",
                                "PAYMENTTERMID": "PaymentTermId"}
    assert read_rows(package, entity) == [{k.upper(): v for k, v in row.items()} for row in ROWS]


def test_csv_unicode_is_utf16_with_bom():
    data = write_package("g", "d", [EntityData("Customer groups", "CSV-Unicode", "X", ["A"], [{"A": "1"}])])
    raw = zipfile.ZipFile(io.BytesIO(data)).read("Customer groups.csv")
    assert raw.startswith(b"\xff\xfe") and raw.decode("utf-16") == "A\r\n1\r\n"


def _zip(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


MANIFEST = ('<DataManagementPackageManifest xmlns="http://schemas.microsoft.com/dynamics/2015/01/DataManagement">'
            "<PackageEntityList><DataManagementPackageEntityData><EntityName>Customer groups</EntityName>"
            "<InputFilePath>{path}</InputFilePath><SourceFormat>{fmt}</SourceFormat>"
            "</DataManagementPackageEntityData></PackageEntityList></DataManagementPackageManifest>")


@pytest.mark.parametrize("files, fragment", [
    ({"Manifest.xml": "<x/>", "PackageHeader.xml": "<x/>"}, "not a DataManagementPackageManifest"),
    ({"Manifest.xml": "<unclosed", "PackageHeader.xml": "<x/>"}, "'Manifest.xml' is not well-formed"),
    ({"Manifest.xml": MANIFEST.format(path="g.csv", fmt="CSV"), "PackageHeader.xml": "<x/>"},
     "data file 'g.csv'"),
    ({"Manifest.xml": MANIFEST.format(path="g.xlsx", fmt="Excel"), "PackageHeader.xml": "<x/>", "g.xlsx": "x"},
     "source data format 'Excel'"),
    ({"Manifest.xml": MANIFEST.format(path="g.csv", fmt="CSV")}, "no PackageHeader.xml"),
])
def test_unreadable_packages_name_the_problem(files, fragment):
    with pytest.raises(PackageError) as raised:
        read_package(_zip(files))
    assert fragment in str(raised.value)


def test_rows_that_do_not_fit_the_header_name_the_line():
    package = read_package(_zip({"Manifest.xml": MANIFEST.format(path="g.csv", fmt="CSV"),
                                 "PackageHeader.xml": "<x/>", "g.csv": "A,B\r\n1,2\r\n3\r\n"}))
    with pytest.raises(PackageError) as raised:
        read_rows(package, package.entities[0])
    assert "Line 3" in str(raised.value)
    unicode = read_package(_zip({"Manifest.xml": MANIFEST.format(path="g.csv", fmt="CSV-Unicode"),
                                 "PackageHeader.xml": "<x/>", "g.csv": "A\r\n1\r\n"}))
    with pytest.raises(PackageError, match="not Unicode"):
        read_rows(unicode, unicode.entities[0])
