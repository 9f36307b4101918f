"""Twin orgs: serve a Dataverse org's own `$metadata` document with empty SQLite tables.

    SimulatorServer(SimConfig(crm_metadata_path="org.xml"))      # or: python -m simulator --crm-metadata org.xml
"""

from simulator.twin.app import build_twin_app, load_twin
from simulator.twin.csdl import TwinError, read_document
from simulator.twin.model import TwinModel, build_twin_model

__all__ = ["TwinError", "TwinModel", "build_twin_app", "build_twin_model", "load_twin", "read_document"]
