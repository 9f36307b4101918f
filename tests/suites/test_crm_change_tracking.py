"""Change tracking on the Dataverse Web API, asserted as documented.

Source: learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems
(Web API: ``Prefer: odata.track-changes``, ``@odata.deltaLink``, ``$deletedEntity``).
"""

from __future__ import annotations

import pytest

from harness.odata import ODataError, Query

pytestmark = [pytest.mark.crm, pytest.mark.writes]


def test_delta_link_returns_new_changed_and_deleted_rows(crm, values):
    kept = crm.create("contacts", {"lastname": values.name("Kept")}).created.key
    doomed = crm.create("contacts", {"lastname": values.name("Doomed")}).created.key
    first = crm.track_changes("contacts", Query(select=["lastname"]))
    assert "odata.track-changes" in first.response.preference_applied
    assert "$deltatoken=" in first.delta_link
    created = crm.create("contacts", {"lastname": values.name("Created")}).created.key
    crm.update("contacts", kept, {"jobtitle": "Changed"})
    crm.delete("contacts", doomed)
    delta = crm.changes_since(first.delta_link)
    ids = {r["contactid"] for r in delta.changed}
    assert {str(created), str(kept)} <= ids
    assert str(doomed) in delta.deleted
    assert delta.response.json()["@odata.context"].endswith("/$delta")
    assert delta.delta_link != first.delta_link


def test_stale_delta_token_is_refused(crm):
    with pytest.raises(ODataError) as raised:
        crm.get("contacts", {"$select": "lastname", "$deltatoken": "1!01/01/2020 00:00:00"})
    assert raised.value.status == 400
