"""Which status reason (``statuscode``) belongs to which state (``statecode``), per table.

Dataverse changes a record's state with a plain PATCH of ``statecode``/``statuscode`` (the old
``SetState`` message is not in the Web API): a state alone takes its default status, a status
alone moves the record to the status's state, and a pair that does not belong together is refused.
"""

from __future__ import annotations

from simulator.odata.errors import ODataProblem

INVALID_ARGUMENT = "0x80040203"
# table logical name -> {statecode: (default statuscode, every allowed statuscode)}
TRANSITIONS: dict[str, dict[int, tuple[int, set[int]]]] = {
    "account": {0: (1, {1}), 1: (2, {2})},
    "contact": {0: (1, {1}), 1: (2, {2})},
    "opportunity": {0: (1, {1, 2}), 1: (3, {3}), 2: (4, {4, 5})},
    "task": {0: (2, {2, 3, 4, 7}), 1: (5, {5}), 2: (6, {6})},
}


def settle_state(entity_set, values: dict, existing: dict | None) -> None:
    """Fill or check ``statecode``/``statuscode`` in ``values`` (a create or an update) in place."""
    table = TRANSITIONS.get(entity_set.label)
    et = entity_set.type
    if table is None or et.prop("statecode") is None:
        return
    has_status = et.prop("statuscode") is not None
    state, status = values.get("statecode"), values.get("statuscode") if has_status else None
    record = (existing or {}).get(et.key[0], "")
    if state is not None and state not in table:
        raise ODataProblem(400, INVALID_ARGUMENT, f"{state} is not a valid state code on {entity_set.label} "
                           f"with Id {record}.", "validation")
    if status is not None:
        owner = next((s for s, (_, allowed) in table.items() if status in allowed), None)
        if owner is None or (state is not None and owner != state):
            raise ODataProblem(400, INVALID_ARGUMENT, f"{status} is not a valid status code for state code "
                               f"{state if state is not None else owner} on {entity_set.label} with Id {record}.",
                               "validation")
        values["statecode"] = owner
    elif state is not None and has_status:
        values["statuscode"] = table[state][0]
