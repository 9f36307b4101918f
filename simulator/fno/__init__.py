"""The simulated Dynamics 365 Finance and Operations OData service (``/data``)."""

from simulator.fno.app import build_fno_app

__all__ = ["build_fno_app"]
