"""The simulated Dynamics 365 Business Central API v2.0."""

from simulator.bc.app import build_bc_app

__all__ = ["build_bc_app"]
