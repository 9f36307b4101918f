"""Data management packages: the zip files F&O's package API imports and exports (no HTTP, no database).

A package is a zip with ``Manifest.xml`` (the data project: one ``DataManagementPackageEntityData`` per
entity, with its data file, source format, order and field map), ``PackageHeader.xml`` and one data
file per entity. Both XML files use the ``http://schemas.microsoft.com/dynamics/2015/01/DataManagement``
namespace. Column names are the entity's field names in upper case (``CUSTOMERGROUPID``); an
``EntityMapList`` maps ``XMLField`` (the column) to ``EntityField``. Source formats: ``CSV-Unicode``
(UTF-16 LE with BOM, CRLF), ``CSV`` (UTF-8), ``XML-Element`` (``<Document><ROW><FIELD>v</FIELD>…``) and
``XML-Attribute`` (``<Document><ROW FIELD="v"/>…``).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

DMF_NS = "http://schemas.microsoft.com/dynamics/2015/01/DataManagement"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
FORMATS = ("CSV-Unicode", "CSV", "XML-Element", "XML-Attribute")
MAX_PACKAGE_BYTES = 256 * 1024 * 1024


class PackageError(Exception):
    """A package the import cannot read; the message names the file and what is wrong."""


@dataclass
class PackageEntity:
    """One entity of a package, as its manifest describes it."""

    name: str  # the Data management entity name, e.g. "Customer groups"
    file: str
    source_format: str
    field_map: dict[str, str] = field(default_factory=dict)  # column (upper case) -> entity field
    order: tuple[int, int, int] = (1, 1, 1)  # execution unit, level, sequence


@dataclass
class Package:
    definition_group: str
    entities: list[PackageEntity]
    files: dict[str, bytes]


def _text(element, name: str) -> str:
    child = element.find(f"{{{DMF_NS}}}{name}")
    return (child.text or "").strip() if child is not None else ""


def _int(element, name: str) -> int:
    value = _text(element, name)
    return int(value) if value.lstrip("-").isdigit() else 1


def _xml(data: bytes, name: str):
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise PackageError(f"'{name}' is not well-formed XML: {exc}") from None


def read_package(data: bytes) -> Package:
    """Open a package and read its manifest; raises :class:`PackageError` for anything unreadable."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise PackageError("The package is larger than the simulator accepts.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = {info.filename: info for info in archive.infolist() if not info.is_dir()}
        if sum(info.file_size for info in names.values()) > MAX_PACKAGE_BYTES:
            raise PackageError("The package expands beyond the size the simulator accepts.")
        files = {name: archive.read(name) for name in names}
    except (zipfile.BadZipFile, EOFError, NotImplementedError, ValueError):
        raise PackageError("The package is not a valid zip file.") from None
    by_lower = {name.lower(): name for name in files}
    for required in ("Manifest.xml", "PackageHeader.xml"):
        if required.lower() not in by_lower:
            raise PackageError(f"The package has no {required}.")
    manifest = _xml(files[by_lower["manifest.xml"]], "Manifest.xml")
    if etree.QName(manifest).localname != "DataManagementPackageManifest" \
            or etree.QName(manifest).namespace != DMF_NS:
        raise PackageError(f"Manifest.xml is not a DataManagementPackageManifest in the namespace '{DMF_NS}'.")
    _xml(files[by_lower["packageheader.xml"]], "PackageHeader.xml")
    entity_list = manifest.find(f"{{{DMF_NS}}}PackageEntityList")
    entities = []
    for item in entity_list.findall(f"{{{DMF_NS}}}DataManagementPackageEntityData") \
            if entity_list is not None else []:
        name = _text(item, "EntityName")
        path = _text(item, "InputFilePath")
        source_format = _text(item, "SourceFormat") or "XML-Element"
        if not name:
            raise PackageError("Manifest.xml lists an entity without an EntityName.")
        if source_format not in FORMATS:
            raise PackageError(f"The source data format '{source_format}' of entity '{name}' is not supported; "
                               f"use one of {', '.join(FORMATS)}.")
        if not path or path.replace("\\", "/").lower() not in by_lower:
            raise PackageError(f"The data file '{path}' of entity '{name}' is not in the package.")
        field_map = {}
        maps = item.find(f"{{{DMF_NS}}}EntityMapList")
        for entry in maps.findall(f"{{{DMF_NS}}}EntityMap") if maps is not None else []:
            column, target = _text(entry, "XMLField"), _text(entry, "EntityField")
            if column and target:
                field_map[column.upper()] = target
        entities.append(PackageEntity(name, by_lower[path.replace("\\", "/").lower()], source_format, field_map,
                                      (_int(item, "ExecutionUnit"), _int(item, "LevelInExecutionUnit"),
                                       _int(item, "SequenceInLevel"))))
    if not entities:
        raise PackageError("Manifest.xml lists no entities.")
    entities.sort(key=lambda e: e.order)
    return Package(_text(manifest, "DefinitionGroupName"), entities, files)


def read_rows(package: Package, entity: PackageEntity) -> list[dict[str, str]]:
    """The rows of one entity's data file, as column (upper case) -> text."""
    data = package.files[entity.file]
    if entity.source_format in ("CSV-Unicode", "CSV"):
        try:
            if entity.source_format == "CSV-Unicode":
                if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
                    raise PackageError(f"The data file '{entity.file}' is not Unicode (UTF-16 with a byte order "
                                       "mark), as the source format CSV-Unicode requires.")
                text = data.decode("utf-16")
            else:
                text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PackageError(f"The data file '{entity.file}' cannot be decoded.") from None
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            lines = list(reader)
        except csv.Error as exc:
            raise PackageError(f"The data file '{entity.file}' is not valid CSV: {exc}") from None
        lines = [line for line in lines if any(cell.strip() for cell in line)]
        if not lines:
            return []
        header = [cell.strip().upper() for cell in lines[0]]
        rows = []
        for number, line in enumerate(lines[1:], start=2):
            if len(line) != len(header):
                raise PackageError(f"Line {number} of '{entity.file}' has {len(line)} values for "
                                   f"{len(header)} columns.")
            rows.append(dict(zip(header, line, strict=True)))
        return rows
    root = _xml(data, entity.file)
    rows = []
    for element in root:
        if not isinstance(element.tag, str):
            continue
        if entity.source_format == "XML-Attribute":
            rows.append({k.upper(): v for k, v in element.attrib.items()})
        else:
            rows.append({etree.QName(child).localname.upper(): child.text or "" for child in element
                         if isinstance(child.tag, str)})
    return rows


# ---------------------------------------------------------------------- writing
@dataclass
class EntityData:
    """One entity's rows for :func:`write_package`."""

    name: str
    source_format: str
    row_element: str  # XML row element (the target entity's AOT name, upper case)
    columns: list[str]  # entity field names
    rows: list[dict[str, str]]
    order: tuple[int, int, int] = (1, 1, 1)

    @property
    def file(self) -> str:
        return f"{self.name}.{'csv' if self.source_format.startswith('CSV') else 'xml'}"


def _manifest(group: str, description: str, entities: list[EntityData]) -> str:
    items = []
    for entity in entities:
        maps = "".join(f"<EntityMap><EntityField>{escape(c)}</EntityField><XMLField>{escape(c.upper())}</XMLField>"
                       "</EntityMap>" for c in entity.columns)
        unit, level, sequence = entity.order
        items.append(
            "<DataManagementPackageEntityData>"
            "<DefaultRefreshType>FullPush</DefaultRefreshType><Disable>false</Disable>"
            f"<EntityMapList>{maps}</EntityMapList><EntityName>{escape(entity.name)}</EntityName>"
            f"<ExecutionUnit>{unit}</ExecutionUnit><InputFilePath>{escape(entity.file)}</InputFilePath>"
            f"<LevelInExecutionUnit>{level}</LevelInExecutionUnit><SequenceInLevel>{sequence}</SequenceInLevel>"
            f"<SourceFormat>{escape(entity.source_format)}</SourceFormat>"
            "</DataManagementPackageEntityData>")
    return ('<?xml version="1.0" encoding="utf-8"?>\r\n'
            f'<DataManagementPackageManifest xmlns:i="{XSI_NS}" xmlns="{DMF_NS}">'
            f"<DefinitionGroupName>{escape(group)}</DefinitionGroupName>"
            f"<Description>{escape(description)}</Description>"
            f"<PackageEntityList>{''.join(items)}</PackageEntityList></DataManagementPackageManifest>")


def _header(description: str) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?>\r\n'
            f'<DataManagementPackageHeader xmlns:i="{XSI_NS}" xmlns="{DMF_NS}">'
            f"<Description>{escape(description)}</Description>"
            "<ManifestType>Microsoft.Dynamics.AX.Framework.Tools.DataManagement.Serialization."
            "DataManagementPackageManifest</ManifestType>"
            "<PackageType>DefinitionGroup</PackageType><PackageVersion>2</PackageVersion>"
            "</DataManagementPackageHeader>")


def _data_file(entity: EntityData) -> bytes:
    upper = [c.upper() for c in entity.columns]
    if entity.source_format.startswith("CSV"):
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(upper)
        for row in entity.rows:
            writer.writerow([row.get(c, "") for c in entity.columns])
        text = buffer.getvalue()
        return text.encode("utf-16") if entity.source_format == "CSV-Unicode" else text.encode("utf-8-sig")
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<Document>"]
    for row in entity.rows:
        if entity.source_format == "XML-Attribute":
            attrs = " ".join(f"{u}={quoteattr(row.get(c, ''))}" for c, u in zip(entity.columns, upper, strict=True))
            lines.append(f"<{entity.row_element} {attrs} />")
        else:
            fields = "".join(f"<{u}>{escape(row.get(c, ''))}</{u}>" for c, u in zip(entity.columns, upper,
                                                                                       strict=True))
            lines.append(f"<{entity.row_element}>{fields}</{entity.row_element}>")
    lines.append("</Document>")
    return "\r\n".join(lines).encode("utf-8")


def write_package(group: str, description: str, entities: list[EntityData]) -> bytes:
    """A package the import reads back (and the shape F&O exports)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Manifest.xml", _manifest(group, description, entities))
        archive.writestr("PackageHeader.xml", _header(description))
        for entity in entities:
            archive.writestr(entity.file, _data_file(entity))
    return buffer.getvalue()
