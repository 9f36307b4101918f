"""Every suite test records into and replays from ``cassettes/suites/<module>/<test id>.json``.

The cassette machinery is the recording sub-plugin (``harness/recording/plugin.py``); this
file only opts the suites in. See ``cassettes/README.md`` for the record/replay commands.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SUITES = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SUITES in Path(item.path).parents and item.get_closest_marker("vcr") is None:
            item.add_marker(pytest.mark.vcr)
