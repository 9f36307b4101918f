"""Shared fixtures: the real Dataverse `$metadata` corpus and the handmade CSDL files."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.metadata import CsdlModel, parse_csdl

DATA = Path(__file__).resolve().parent / "data"
REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "Simple.OData.Client"
DYNAMICS_CRM = CORPUS / "DynamicsCRM.xml"  # CRM Online v8.1 (2016), English
CRM_SCHEMA = CORPUS / "crm_schema.xml"  # CRM on-prem v8.2 (2018), German, custom he_employee


def _corpus(path: Path) -> CsdlModel:
    if not path.exists():
        pytest.skip(f"corpus file {path} is not available")
    return parse_csdl(path)


@pytest.fixture(scope="module")
def dynamics_crm() -> CsdlModel:
    return _corpus(DYNAMICS_CRM)


@pytest.fixture(scope="module")
def crm_schema() -> CsdlModel:
    return _corpus(CRM_SCHEMA)


@pytest.fixture(scope="module")
def dataverse_small() -> CsdlModel:
    return parse_csdl(DATA / "dataverse_small.xml")


@pytest.fixture(scope="module")
def fno_small() -> CsdlModel:
    return parse_csdl(DATA / "fno_small.xml")


@pytest.fixture(scope="module")
def bc_small() -> CsdlModel:
    return parse_csdl(DATA / "bc_small.xml")
