"""``d365fo-client`` (PyPI) cannot run here: every release needs Python >= 3.13 and this project runs 3.11.

What it reads first, the F&O REST metadata service (``/Metadata/DataEntities``, ``/Metadata/PublicEntities('...')``,
``/Metadata/PublicEnumerations``), is served and tested in tests/simulator/test_fno_metadata_service.py.
The entry stays in the conformance summary so the gap is visible.
"""

from __future__ import annotations

import sys

import pytest


@pytest.mark.client("d365fo-client")
@pytest.mark.skipif(sys.version_info < (3, 13), reason="d365fo-client requires Python >= 3.13 (this project: 3.11)")
def test_d365fo_client_is_not_installable_on_this_python():
    pytest.skip("d365fo-client is not in the test dependencies; add it (Python >= 3.13) and a driver here")
