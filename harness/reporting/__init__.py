"""Run reports of the harness: per-root/per-collection summary, ``summary.json``, safe JUnit/HTML.

:mod:`harness.reporting.plugin` is a pytest sub-plugin (listed in :mod:`harness.pytest_plugin`) that

- counts the HTTP exchanges each test makes (:mod:`~harness.reporting.counting`),
- sorts every test into a group: a Postman collection, or a service root from its ``crm``/``fno``/
  ``bc`` marker (:mod:`~harness.reporting.grouping`),
- prints the summary table and writes ``summary.json`` (:mod:`~harness.reporting.summary`),
- masks secrets in everything a report is made of: captured output and logs, failure text, the
  HTML report's environment table (:mod:`~harness.reporting.redaction`).
"""

from __future__ import annotations

from harness.reporting.summary import GroupStats, RunSummary

__all__ = ["GroupStats", "RunSummary"]
