"""How a contract run adapts the converter's OpenAPI document: read-only runs, pinned and reserved keys,
bounded pages (pure functions, no server)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.contract import RESERVED_KEY_PREFIX, contract_document
from harness.contract.document import READ_METHODS, item_path_for, operations
from harness.metadata import OpenApiOptionError

DATA = Path(__file__).resolve().parents[1] / "metadata" / "data"
FNO_ITEM = "/CustomerGroups(dataAreaId='{dataAreaId}',CustomerGroupId='{CustomerGroupId}')"


def _parameter(document: dict, operation: dict, name: str) -> dict:
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = document["components"]["parameters"][parameter["$ref"].rpartition("/")[2]]
        if parameter["name"] == name:
            return parameter
    raise AssertionError(f"no parameter {name}")


def _path_parameter(document: dict, path: str, method: str, name: str) -> dict:
    """The parameter that applies to `method path` (an operation's own overrides the path item's)."""
    item = document["paths"][path]
    own = [p for p in item[method].get("parameters", []) if p.get("name") == name and p.get("in") == "path"]
    return own[0] if own else _parameter(document, item, name)


def test_read_only_keeps_get_operations_only():
    document = contract_document(DATA / "dataverse_small.xml", "dataverse", "https://org/api/data/v9.2",
                                 read_only=True)
    methods = {method for _, method, _ in operations(document)}
    assert methods == {"get"}
    assert "/accounts" in document["paths"] and "/accounts({accountid})" in document["paths"]
    full = contract_document(DATA / "dataverse_small.xml", "dataverse", "https://org/api/data/v9.2")
    assert {"post", "patch", "delete"} <= {method for _, method, _ in operations(full)}
    assert READ_METHODS == {"get", "head"}


def test_writes_address_only_reserved_string_keys_reads_any():
    document = contract_document(DATA / "fno_small.xml", "fno", "https://fo/data")
    for method in ("patch", "put", "delete"):
        schema = _path_parameter(document, FNO_ITEM, method, "CustomerGroupId")["schema"]
        assert re.fullmatch(schema["pattern"], f"{RESERVED_KEY_PREFIX}01")
        assert not re.fullmatch(schema["pattern"], "10")  # a seeded / real group id
        assert not re.fullmatch(schema["pattern"], "USMF")
    read = _path_parameter(document, FNO_ITEM, "get", "CustomerGroupId")["schema"]
    assert re.fullmatch(read["pattern"], "10")
    # GUID keys stay GUIDs: a generated one never collides with a real record
    dataverse = contract_document(DATA / "dataverse_small.xml", "dataverse", "https://org/api/data/v9.2")
    key = _path_parameter(dataverse, "/accounts({accountid})", "delete", "accountid")["schema"]
    assert key.get("format") == "uuid" and "pattern" not in key


def test_reservation_can_be_switched_off():
    document = contract_document(DATA / "fno_small.xml", "fno", "https://fo/data", reserve_write_keys=False)
    schema = _path_parameter(document, FNO_ITEM, "delete", "CustomerGroupId")["schema"]
    assert not schema["pattern"].startswith(f"^{RESERVED_KEY_PREFIX}")


def test_pinned_path_parameter_has_one_value_everywhere():
    company = "5ff4954e-07ec-48cb-9c72-b7259e0b9b9b"
    document = contract_document(DATA / "bc_small.xml", "bc", "https://api.bc/v2.0/t/production/api/v2.0",
                                 path_values={"companyId": company})
    scoped = [path for path in document["paths"] if "{companyId}" in path]
    assert scoped
    for path in scoped:
        for method in ("get", "post", "patch", "delete"):
            if method in document["paths"][path]:
                assert _path_parameter(document, path, method, "companyId")["schema"] == {
                    "type": "string", "enum": [company]}


def test_max_page_makes_top_required_and_small():
    document = contract_document(DATA / "dataverse_small.xml", "dataverse", "https://org/api/data/v9.2", max_page=3)
    top = _parameter(document, document["paths"]["/accounts"]["get"], "$top")
    assert top["required"] is True and top["schema"]["maximum"] == 3 and top["schema"]["minimum"] == 0
    untouched = contract_document(DATA / "dataverse_small.xml", "dataverse", "https://org/api/data/v9.2")
    assert _parameter(untouched, untouched["paths"]["/accounts"]["get"], "$top")["required"] is False


def test_document_is_a_private_copy():
    first = contract_document(DATA / "fno_small.xml", "fno", "https://fo/data", max_page=2)
    second = contract_document(DATA / "fno_small.xml", "fno", "https://fo/data")
    assert first["components"]["parameters"] is not second["components"]["parameters"]
    assert _parameter(second, second["paths"]["/CustomerGroups"]["get"], "$top")["required"] is False


def test_operation_imports_missing_from_the_document_are_left_out():
    document = contract_document(DATA / "fno_small.xml", "fno", "https://fo/data", operation_imports=["WhoAmI"])
    assert not any("WhoAmI" in path for path in document["paths"])
    dataverse = contract_document(DATA / "dataverse_small.xml", "dataverse", "https://org/api/data/v9.2",
                                  operation_imports=["WhoAmI"])
    assert "/WhoAmI()" in dataverse["paths"]


def test_unknown_entity_set_is_a_clear_error():
    with pytest.raises(OpenApiOptionError, match="no entity set named 'acounts'.*accounts"):
        contract_document(DATA / "dataverse_small.xml", "dataverse", "https://org", entity_sets=["acounts"])


def test_item_path_for_a_collection():
    document = contract_document(DATA / "fno_small.xml", "fno", "https://fo/data")
    assert item_path_for(document, "/CustomerGroups") == FNO_ITEM
    assert item_path_for(document, "/NoSuchSet") is None
