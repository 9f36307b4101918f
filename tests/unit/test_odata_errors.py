"""Error-body parsing for each service's shape, and how ODataError presents itself."""

from __future__ import annotations

import json
import pickle

from harness.errors import HarnessError
from harness.odata import (
    BUSINESS_CENTRAL,
    DATAVERSE,
    FNO,
    ODataError,
    parse_error_body,
    redact_url,
)
from tests.fakes import fake_jwt

GUID = "7eb682f1-ca75-e511-80d4-00155d2a68d1"

DATAVERSE_404 = json.dumps({"error": {"code": "0x80040217",
                                      "message": f"Entity 'account' With Id = {GUID} Does Not Exist"}})
DATAVERSE_OLD_412 = json.dumps({"error": {"code": "", "message": "A record with matching key values already exists."}})
DATAVERSE_ANNOTATED = json.dumps({"error": {
    "code": "0x80040265", "message": "",
    "@Microsoft.PowerApps.CDS.ErrorDetails.OperationStatus": "0",
    "@Microsoft.PowerApps.CDS.InnerError.Message": "Plugin said no"}})
FNO_WRITE_FAILED = json.dumps({"error": {
    "code": "", "message": "An error has occurred.",
    "innererror": {
        "message": "Write failed for table row of type 'CustCustomerV3Entity'. Infolog: Warning: The value "
                   "'Local' in field 'Customer group' is not found in the related table 'Customer groups'.",
        "type": "Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException",
        "stacktrace": "   at Microsoft.Dynamics.Platform.Integration.Services.OData.Update.UpdateProcessor"}}})
FNO_ROUTING = json.dumps({"Message": "No HTTP resource was found that matches the request URI "
                                     "'https://fo/data/AutomationDatas/Microsoft.Dynamics.DataEntities.ReturnRental'. "
                                     "No route data was found for this request."})
BC_MISSING_IF_MATCH = json.dumps({"error": {
    "code": "BadRequest_InvalidToken",
    "message": "Could not validate the client concurrency token required by the service. Please provide a valid "
               "token in the client request.  CorrelationId:  2c074c12-9c3e-4bcb-a0a4-6ef0b8b1c2a3."}})


def test_dataverse_error_shape():
    details = parse_error_body(DATAVERSE_404, DATAVERSE)
    assert details.code == "0x80040217"
    assert details.message == f"Entity 'account' With Id = {GUID} Does Not Exist"


def test_dataverse_empty_code_becomes_none():
    details = parse_error_body(DATAVERSE_OLD_412, DATAVERSE)
    assert details.code is None
    assert details.message == "A record with matching key values already exists."


def test_dataverse_annotated_inner_message_fills_an_empty_message():
    assert parse_error_body(DATAVERSE_ANNOTATED, DATAVERSE).message == "Plugin said no"


def test_fno_generic_message_is_replaced_by_the_inner_one():
    details = parse_error_body(FNO_WRITE_FAILED, FNO)
    assert details.code is None
    assert details.message.startswith("Write failed for table row of type 'CustCustomerV3Entity'")
    assert details.inner["type"].endswith("AxODataWriteException")


def test_fno_routing_error_shape():
    details = parse_error_body(FNO_ROUTING, FNO)
    assert details.code is None
    assert details.message.startswith("No HTTP resource was found that matches the request URI")


def test_bc_correlation_id_is_split_from_the_message():
    details = parse_error_body(BC_MISSING_IF_MATCH, BUSINESS_CENTRAL)
    assert details.code == "BadRequest_InvalidToken"
    assert details.message == ("Could not validate the client concurrency token required by the service. "
                               "Please provide a valid token in the client request.")
    assert details.correlation_id == "2c074c12-9c3e-4bcb-a0a4-6ef0b8b1c2a3"


def test_other_bodies():
    assert parse_error_body("", DATAVERSE).message is None
    assert parse_error_body("<html><body>Bad gateway</body></html>\nmore", FNO).message == (
        "<html><body>Bad gateway</body></html>")
    entra = parse_error_body(json.dumps({"error": "invalid_token", "error_description": "expired"}), DATAVERSE)
    assert (entra.code, entra.message) == ("invalid_token", "expired")
    v3 = parse_error_body(json.dumps({"odata.error": {"code": "x", "message": {"lang": "en", "value": "v"}}}),
                          FNO)
    assert (v3.code, v3.message) == ("x", "v")
    assert parse_error_body("\ufeff" + DATAVERSE_404, DATAVERSE).code == "0x80040217"


def test_odata_error_str_and_attributes():
    url = f"https://org.crm.dynamics.com/api/data/v9.2/accounts({GUID})?$select=name"
    error = ODataError(404, "0x80040217", f"Entity 'account' With Id = {GUID} Does Not Exist", "get", url,
                       request_id="abc")
    assert str(error) == (f"404 0x80040217 Entity 'account' With Id = {GUID} Does Not Exist "
                          f"(GET /api/data/v9.2/accounts({GUID})?$select=name)")
    assert error.url == url
    assert (error.status, error.code, error.method, error.request_id) == (404, "0x80040217", "GET", "abc")
    assert isinstance(error, HarnessError)


def test_odata_error_without_code():
    error = ODataError(401, None, "Unauthorized", "GET", "https://o/api/data/v9.2/WhoAmI")
    assert str(error) == "401 Unauthorized (GET /api/data/v9.2/WhoAmI)"


def test_odata_error_never_shows_tokens():
    token = fake_jwt({'typ': 'JWT', 'alg': 'RS256'}, {'aud': 'x'}, b'signature')
    url = f"https://user:pw@org/api/data/v9.2/accounts?access_token={token}&$top=1"
    error = ODataError(400, "x", f"bad token {token}", "GET", url, body=f'{{"echo": "Bearer {token}"}}')
    for text in (str(error), repr(error), error.url, error.body):
        assert token not in text
        assert "pw@" not in text
    assert "$top=1" in error.url


def test_redact_url_keeps_odata_options():
    url = "https://h/data/X?$filter=name%20eq%20'code'&code=SECRETCODE&sig=abc"
    assert redact_url(url) == "https://h/data/X?$filter=name%20eq%20'code'&code=***&sig=***"


def test_odata_error_pickles_without_the_response():
    error = ODataError(412, "0x80060882", "version mismatch", "PATCH", "https://o/api/data/v9.2/accounts(x)",
                       request_id="r1", correlation_id=None, response=object())  # type: ignore[arg-type]
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error)
    assert copy.request_id == "r1" and copy.response is None


def test_bearer_challenge_description_is_read_for_bodiless_401s():
    from harness.odata.errors import www_authenticate_description

    headers = {"WWW-Authenticate": 'Bearer error="invalid_token", error_description="The token expired, '
                                   'renew it", resource_id=https://org/'}
    assert www_authenticate_description(headers) == "The token expired, renew it"
    plain = {"WWW-Authenticate": "Bearer authorization_uri=https://login/t/oauth2/authorize, resource_id=https://o/"}
    assert www_authenticate_description(plain) is None
    assert www_authenticate_description({}) is None
