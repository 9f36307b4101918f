"""The simulated Dataverse / Dynamics 365 CRM Web API."""

from simulator.dataverse.app import build_dataverse_app

__all__ = ["build_dataverse_app"]
