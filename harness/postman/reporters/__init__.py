"""``harness run``'s reporters, one per module, all rendering one :class:`~.record.RunRecord`.

``cli`` (Newman's summary table and numbered failures), ``json_report`` (Newman's JSON summary),
``junit`` and ``html_report``; ``record`` holds the run facts they share (failures, stats, masked
variable scopes). :func:`render` imports only the reporter asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.postman.reporters.record import RunRecord

# reporter name -> (module, function)
_RENDERERS = {"cli": ("cli", "render_cli"), "json": ("json_report", "render_json"),
              "junit": ("junit", "render_junit"), "html": ("html_report", "render_html")}


def render(reporter: str, record: RunRecord) -> str:
    module, function = _RENDERERS[reporter]
    return getattr(importlib.import_module(f"harness.postman.reporters.{module}"), function)(record)
