"""The query builder and the percent-encoding of query options."""

from __future__ import annotations

from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest

from harness.odata import (
    DATAVERSE,
    FNO,
    ODataClient,
    ODataUrlError,
    Query,
    and_,
    contains,
    encode_params,
    eq,
)

NASTY = "A+B & C #1; 50% = 'O'Bryan' / é"


def test_params_in_stable_order_with_extra_last():
    query = Query(select=["name", "revenue"], filter="statecode eq 0", orderby=["revenue desc", "name"],
                  top=10, skip=20, count=True, extra={"cross-company": "true"})
    assert list(query.to_params().items()) == [
        ("$select", "name,revenue"),
        ("$filter", "statecode eq 0"),
        ("$orderby", "revenue desc,name"),
        ("$top", "10"),
        ("$skip", "20"),
        ("$count", "true"),
        ("cross-company", "true"),
    ]


def test_empty_query_has_no_params():
    assert Query().to_params() == {}
    assert Query().to_query_string() == ""
    assert Query(filter="").to_params() == {}


def test_nested_expand_options_are_separated_by_semicolons():
    query = Query(select=["name"], expand={
        "primarycontactid": Query(select=["contactid", "fullname"], filter=eq("statecode", 0)),
        "Account_Tasks": Query(select=["subject"], orderby="createdon desc", top=5),
        "owninguser": None,
    })
    assert query.to_params()["$expand"] == (
        "primarycontactid($select=contactid,fullname;$filter=statecode eq 0),"
        "Account_Tasks($select=subject;$orderby=createdon desc;$top=5),owninguser")


def test_expand_nests_recursively_and_accepts_lists_and_strings():
    inner = Query(expand={"createdby": Query(select=["fullname"])})
    assert Query(expand={"primarycontactid": inner}).to_params()["$expand"] == (
        "primarycontactid($expand=createdby($select=fullname))")
    assert Query(expand=["a", "b"]).to_params()["$expand"] == "a,b"
    assert Query(expand="a($select=x)").to_params()["$expand"] == "a($select=x)"


def test_invalid_top_and_skip_are_refused():
    with pytest.raises(ValueError):
        Query(top=-1)
    with pytest.raises(ValueError):
        Query(skip=True)


@pytest.mark.parametrize("value", [NASTY, "a+b", "x&$top=1", "#frag", "100%", "a;b", "tab\there", "\u20ac"])
def test_filter_values_survive_a_urllib_round_trip(value):
    query = Query(filter=eq("name", value), select=["name"], extra={"@p1": "'x&y'"})
    encoded = query.to_query_string()
    raw_filter = next(part for part in encoded.split("&") if part.startswith("$filter="))
    assert not set(raw_filter) & set(" +#;\t"), raw_filter
    assert "'" in raw_filter
    decoded = dict(parse_qsl(encoded, keep_blank_values=True, strict_parsing=True))
    assert decoded == query.to_params()
    assert decoded["$filter"] == "name eq " + "'" + value.replace("'", "''") + "'"


def test_encoding_escapes_the_separators_but_keeps_odata_punctuation_readable():
    encoded = encode_params({"$filter": "name eq 'a+b&c#d'", "$select": "name,revenue"})
    assert encoded == "$filter=name%20eq%20'a%2Bb%26c%23d'&$select=name,revenue"


def test_encode_params_skips_none_and_formats_bools():
    assert encode_params({"$count": True, "$top": None, "cross-company": False}) == (
        "$count=true&cross-company=false")


def test_client_url_appends_query_to_paths_that_already_have_one():
    client = ODataClient("https://org.crm.dynamics.com/api/data/v9.2/", DATAVERSE)
    url = client.url_for("accounts?$select=name", Query(filter=contains("name", "&")))
    assert url == "https://org.crm.dynamics.com/api/data/v9.2/accounts?$select=name&$filter=contains(name,'%26')"
    assert parse_qs(urlsplit(url).query)["$filter"] == ["contains(name,'&')"]


def test_client_resolves_relative_root_relative_and_absolute_paths():
    client = ODataClient("https://fo.example.com/data", FNO)
    assert client.url_for("CustomersV3") == "https://fo.example.com/data/CustomersV3"
    assert client.url_for("/data/CustomersV3") == "https://fo.example.com/data/CustomersV3"
    assert client.url_for("/CustomersV3") == "https://fo.example.com/data/CustomersV3"
    absolute = "https://fo.example.com/data/CustomersV3?$skip=10000&$top=10000"
    assert client.url_for(absolute) == absolute
    assert client.url_for("") == "https://fo.example.com/data/"


def test_query_check_refuses_skip_for_dataverse_only():
    with pytest.raises(ODataUrlError, match=r"\$skip"):
        Query(skip=5).check(DATAVERSE)
    with pytest.raises(ODataUrlError, match=r"\$skip"):
        Query(expand={"Account_Tasks": Query(skip=1)}).check(DATAVERSE)
    Query(skip=5).check(FNO)


def test_filter_built_from_helpers_keeps_quotes_when_encoded():
    query = Query(filter=and_(eq("lastname", "O'Bryan"), contains("name", "+&#")))
    decoded = parse_qs(query.to_query_string())["$filter"][0]
    assert decoded == "lastname eq 'O''Bryan' and contains(name,'+&#')"


def test_hand_written_queries_are_re_encoded_without_double_encoding():
    client = ODataClient("https://org.crm.dynamics.com/api/data/v9.2", DATAVERSE)
    url = client.url_for("accounts?$filter=name eq 'a+b' and contains(name,'50%')&$select=name")
    assert url.endswith("accounts?$filter=name%20eq%20'a%2Bb'%20and%20contains(name,'50%25')&$select=name")
    assert parse_qs(urlsplit(url).query)["$filter"] == ["name eq 'a+b' and contains(name,'50%')"]
    already = "accounts?$filter=name%20eq%20'a%2Bb'"
    assert client.url_for(already).endswith(already)
    raw = "accounts?$filter=name eq 'a+b'"
    assert client.url_for(raw, validate=False).endswith(raw)
