"""Paths of functions and actions, and their results (harness/odata/operations.py)."""

from __future__ import annotations

import pytest

from harness.odata.dialects import BUSINESS_CENTRAL, DATAVERSE, FNO
from harness.odata.errors import ODataProtocolError
from harness.odata.operations import function_path, operation_path, result_value


def test_unbound_and_bound_paths_are_qualified_by_the_schema_namespace():
    assert operation_path("PublishAllXml", DATAVERSE) == "PublishAllXml"
    assert operation_path("ImportFromPackage", FNO, "DataManagementDefinitionGroups") == \
        "DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.ImportFromPackage"
    key = "5ff4954e-07ec-48cb-9c72-b7259e0b9b9b"
    assert operation_path("post", BUSINESS_CENTRAL, "companies(x)/salesInvoices", key) == \
        f"companies(x)/salesInvoices({key})/Microsoft.NAV.post"
    assert operation_path("NAV.post", BUSINESS_CENTRAL, "salesInvoices") == "salesInvoices/NAV.post"


def test_function_parameters_are_literals():
    assert function_path("WhoAmI", DATAVERSE) == "WhoAmI()"
    assert function_path("Fn", DATAVERSE, {"A": 1, "B": "it's"}) == "Fn(A=1,B='it''s')"


@pytest.mark.parametrize("name", ["", "a/b", "Fn()"])
def test_bad_names_are_refused(name):
    with pytest.raises(ValueError):
        operation_path(name, DATAVERSE)


def test_key_without_set_is_refused():
    with pytest.raises(ValueError):
        operation_path("post", BUSINESS_CENTRAL, key="x")


def test_result_value():
    assert result_value({"@odata.context": "x#Edm.String", "value": "Succeeded"}) == "Succeeded"
    assert result_value({"@odata.context": "x#NS.T", "UserId": "u"}) == {"UserId": "u"}
    with pytest.raises(ODataProtocolError):
        result_value(["x"])
