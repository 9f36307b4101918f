"""Prefer header building/parsing and the ETag helpers."""

from __future__ import annotations

import pytest

from harness.odata import (
    EntityTag,
    ODataUrlError,
    etag_of,
    if_match,
    if_none_match,
    is_weak,
    parse_etag,
    parse_preferences,
    prefer,
    strong_match,
    weak_match,
)


# ---------------------------------------------------------------------- Prefer
def test_prefer_builds_the_exact_header_value():
    assert prefer(return_representation=True, maxpagesize=10, include_annotations="*") == (
        'return=representation,odata.maxpagesize=10,odata.include-annotations="*"')


def test_prefer_single_preferences_and_lists():
    assert prefer(maxpagesize=5000) == "odata.maxpagesize=5000"
    assert prefer(return_representation=False) == "return=minimal"
    assert prefer(include_annotations=["OData.Community.Display.V1.FormattedValue",
                                       "Microsoft.Dynamics.CRM.lookuplogicalname"]) == (
        'odata.include-annotations="OData.Community.Display.V1.FormattedValue,'
        'Microsoft.Dynamics.CRM.lookuplogicalname"')
    assert prefer(continue_on_error=True) == "odata.continue-on-error"
    assert prefer(extra=["odata.track-changes"]) == "odata.track-changes"


def test_prefer_with_nothing_asked_is_none():
    assert prefer() is None


@pytest.mark.parametrize("size", [0, -1, True, 2.5])
def test_prefer_rejects_bad_page_sizes(size):
    with pytest.raises(ValueError):
        prefer(maxpagesize=size)


def test_parse_preference_applied():
    header = ('return=representation, odata.maxpagesize=10,'
              'odata.include-annotations="OData.Community.Display.V1.FormattedValue,Microsoft.Dynamics.CRM.*",'
              'odata.continue-on-error, respond-async; wait=10')
    assert parse_preferences(header) == {
        "return": "representation",
        "odata.maxpagesize": "10",
        "odata.include-annotations": "OData.Community.Display.V1.FormattedValue,Microsoft.Dynamics.CRM.*",
        "odata.continue-on-error": None,
        "respond-async": None,
    }


def test_parse_round_trips_prefer():
    built = prefer(True, 25, ["a", "b"], continue_on_error=True)
    assert parse_preferences(built) == {"return": "representation", "odata.maxpagesize": "25",
                                        "odata.include-annotations": "a,b", "odata.continue-on-error": None}


def test_parse_empty_header():
    assert parse_preferences(None) == {}
    assert parse_preferences("") == {}


# ---------------------------------------------------------------------- ETags
DV_ETAG = 'W/"2101560"'
FNO_ETAG = 'W/"JzEsNTYzNzE0NDU3Njsw"'


def test_parse_weak_and_strong_etags():
    assert parse_etag(DV_ETAG) == EntityTag(True, "2101560")
    assert parse_etag('"abc"') == EntityTag(False, "abc")
    assert str(parse_etag(FNO_ETAG)) == FNO_ETAG
    assert is_weak(DV_ETAG) and not is_weak('"abc"')


@pytest.mark.parametrize("bad", ["2101560", 'W/2101560', 'W/"a"b"', ""])
def test_malformed_etags_are_refused(bad):
    with pytest.raises(ODataUrlError, match="quoted string"):
        parse_etag(bad)


def test_weak_and_strong_comparison():
    assert weak_match('W/"1"', '"1"')
    assert not weak_match('W/"1"', 'W/"2"')
    assert strong_match('"1"', '"1"')
    assert not strong_match('W/"1"', '"1"')


def test_etag_of_entities_and_strings():
    entity = {"@odata.etag": DV_ETAG, "name": "x"}
    assert etag_of(entity) == DV_ETAG
    assert etag_of({"name": "no etag"}) is None
    assert etag_of(None) is None
    assert etag_of(FNO_ETAG) == FNO_ETAG


def test_etag_of_prefers_the_header_of_a_response():
    class FakeResponse:  # the attributes etag_of reads from any response type
        headers = {"ETag": 'W/"9"'}

        def json(self):
            return {"@odata.etag": 'W/"1"'}

    class BodyOnly(FakeResponse):
        headers: dict = {}

    assert etag_of(FakeResponse()) == 'W/"9"'
    assert etag_of(BodyOnly()) == 'W/"1"'


def test_conditional_headers():
    assert if_match() == {"If-Match": "*"}
    assert if_match({"@odata.etag": DV_ETAG}) == {"If-Match": DV_ETAG}
    assert if_none_match() == {"If-None-Match": "*"}
    assert if_none_match(DV_ETAG) == {"If-None-Match": DV_ETAG}
    with pytest.raises(ODataUrlError, match="no @odata.etag"):
        if_match({"name": "x"})
    with pytest.raises(ODataUrlError):
        if_match("2101560")
