"""Dataverse request features the simulator does not implement, refused loudly instead of ignored.

A custom query parameter the OData core does not know is ignored by the core (OData allows custom
options), but Dataverse acts on some of them: ``?sql=`` runs a SQL SELECT over the Web API (what
Microsoft's Python SDK sends for ``client.query.sql``). Answering such a request with the whole
table would be a silent wrong result, so it gets Dataverse's query error instead.
"""

from __future__ import annotations

from simulator.odata.errors import syntax_error

UNSIMULATED_PARAMETERS = {"sql": "Dataverse SQL over the Web API (?sql=) is not simulated; use $filter/$select."}


def refuse_unsimulated(params: dict[str, str]) -> None:
    for name, reason in UNSIMULATED_PARAMETERS.items():
        if name in params:
            raise syntax_error(f"The query parameter '{name}' is not supported by the simulator: {reason}")
