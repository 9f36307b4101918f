"""pytest plugin: the harness's run summary, ``summary.json``, and reports that never show secrets.

A sub-plugin of the one entry point (``pytest_plugins`` in :mod:`harness.pytest_plugin`), so it works the
same under plain ``pytest``, under ``harness test`` and in pytest-xdist workers:

- always: secrets are masked in every report (captured output and logs, failure text, user
  properties, pytest-html extras and environment table, the warnings summary);
- ``--harness-summary``: a table per service root / Postman collection at the end of the run;
- ``--summary-json PATH``: the same as JSON, with failures and their messages.

Each test report carries its group and its number of HTTP exchanges (``harness_group``,
``harness_requests``), computed where the test ran; the controller adds them up, so the
figures are right with ``-n WORKERS`` too.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import time
from pathlib import Path

import pytest

from harness.reporting.counting import ExchangeCounter
from harness.reporting.grouping import Group, group_of, group_of_nodeid
from harness.reporting.redaction import (
    explicit_metadata_keys,
    install_log_redaction,
    mask_run_metadata,
    mask_warning,
    redact_report,
    register_setting_secrets,
    sanitize_metadata,
)
from harness.reporting.summary import GroupStats, RunSummary
from harness.secrets import redact

PLUGIN_NAME = "harness-reporter"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dynamics-reports", "Dynamics harness reports")
    group.addoption("--harness-summary", action="store_true",
                    help="print a summary per service root and per Postman collection (tests, outcomes, "
                         "HTTP requests, time) at the end of the run")
    group.addoption("--summary-json", metavar="PATH", default=None,
                    help="write that summary, with failure messages, as JSON to PATH")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(HarnessReporter(config), PLUGIN_NAME)


@pytest.hookimpl(optionalhook=True)
def pytest_metadata(metadata: dict, config: pytest.Config) -> None:
    """pytest-metadata copies CI variables into the HTML report: keep only harmless keys."""
    sanitize_metadata(metadata, explicit_metadata_keys(config))


def failure_message(report: pytest.TestReport | pytest.CollectReport) -> str:
    """One-line-ish reason of a failure, already redacted."""
    longrepr = report.longrepr
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None and getattr(crash, "message", None):
        return redact(crash.message)
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return redact(str(longrepr[2]))
    text = redact(str(longrepr or "")).strip()
    error_lines = [line[2:] for line in text.splitlines() if line.startswith("E ")]
    return "\n".join(error_lines) if error_lines else text


class HarnessReporter:
    """Per-process plugin state: the exchange counter and, in the controller, the summary."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.is_worker = hasattr(config, "workerinput")
        self.summary = RunSummary()
        self.counter = ExchangeCounter()
        self.wanted = bool(config.getoption("harness_summary") or config.getoption("summary_json"))
        self.started = time.time()
        self.json_path: Path | None = None

    # ------------------------------------------------------------------ setup / teardown
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.started = time.time()
        install_log_redaction(self.config)
        register_setting_secrets(self.config)
        mask_run_metadata(self.config)
        if self.wanted:
            self.counter.install()

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.counter.uninstall()

    @pytest.hookimpl(tryfirst=True)
    def pytest_warning_recorded(self, warning_message, when, nodeid, location) -> None:
        """Before the terminal's "warnings summary" or xdist sees it."""
        mask_warning(warning_message)

    # ------------------------------------------------------------------ where the test runs
    def pytest_runtest_logstart(self, nodeid: str, location) -> None:
        self.counter.take()  # exchanges outside any test phase belong to no test

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call):
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        report.harness_group = list(group_of(item))  # type: ignore[attr-defined]
        report.harness_requests = self.counter.take() if self.counter.installed else 0  # type: ignore[attr-defined]
        if report.failed:
            report.harness_message = failure_message(report)  # type: ignore[attr-defined]
        redact_report(report)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_make_collect_report(self, collector: pytest.Collector):
        outcome = yield
        report = outcome.get_result()
        if report.failed:
            report.harness_message = failure_message(report)  # type: ignore[attr-defined]
        redact_report(report)

    # ------------------------------------------------------------------ where results are gathered
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.is_worker:
            return
        raw = getattr(report, "harness_group", None)
        group = Group(*raw) if raw else group_of_nodeid(report.nodeid)
        message = getattr(report, "harness_message", None) or (failure_message(report) if report.failed else None)
        self.summary.record(report.nodeid, group, report.when or "call", report.outcome, report.duration,
                            int(getattr(report, "harness_requests", 0) or 0), message)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if self.is_worker or not report.failed:
            return
        if any(f.nodeid == (report.nodeid or "(collection)") and f.phase == "collect"
               for f in self.summary.failures):
            return  # xdist: the same broken file, reported by another worker
        message = getattr(report, "harness_message", None) or failure_message(report)
        self.summary.record_collection_error(report.nodeid, group_of_nodeid(report.nodeid), message)

    # ------------------------------------------------------------------ output
    def _meta(self, exitstatus: int) -> dict:
        finished = time.time()
        option = self.config.option
        meta = {
            "run_id": getattr(self.config, "run_id", None),
            "target": getattr(option, "target", None),
            "started": dt.datetime.fromtimestamp(self.started, dt.UTC).isoformat(timespec="seconds"),
            "finished": dt.datetime.fromtimestamp(finished, dt.UTC).isoformat(timespec="seconds"),
            "wall_time": round(finished - self.started, 3),
            "exit_status": int(exitstatus),
            "workers": getattr(option, "numprocesses", None) or 0,
        }
        shard = getattr(self.config, "harness_shard", None)  # --shard K/N (harness.sharding)
        if shard is not None:
            meta["shard"] = shard.to_dict()
        return meta

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        path = self.config.getoption("summary_json")
        if self.is_worker or not path:
            return
        self.json_path = Path(path)
        self.json_path.parent.mkdir(parents=True, exist_ok=True)
        document = self.summary.to_dict(**self._meta(exitstatus))
        text = redact(json.dumps(document, indent=2, ensure_ascii=False))
        tmp = self.json_path.with_name(self.json_path.name + f".{os.getpid()}.tmp")
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, self.json_path)

    def pytest_terminal_summary(self, terminalreporter, exitstatus: int, config: pytest.Config) -> None:
        if self.is_worker or not config.getoption("harness_summary"):
            return
        terminalreporter.write_sep("=", "harness summary")
        for line in self.summary.table():
            terminalreporter.write_line(line)
        if self.json_path is not None:
            terminalreporter.write_line(f"summary JSON: {self.json_path}")

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report) -> None:
        run_id = getattr(self.config, "run_id", None)
        report.title = "Dynamics harness run" + (f" {run_id}" if run_id else "")

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix: list, summary: list, postfix: list, session) -> None:
        prefix.append(summary_html(self.summary))


def summary_html(summary: RunSummary) -> str:
    """The per-group table for the top of the HTML report."""
    return summary_table_html(summary.groups(), summary.totals())


def summary_table_html(groups: list[GroupStats], totals: GroupStats) -> str:
    """The table from per-group figures (also used by ``harness reports merge``)."""
    rows = [(g.label, g) for g in groups] + [("total", totals)]
    cells = "".join(
        f"<tr><td>{html.escape(label)}</td><td>{g.tests}</td><td>{g.passed}</td><td>{g.failed + g.errors}</td>"
        f"<td>{g.skipped}</td><td>{g.requests}</td><td>{g.duration:.2f} s</td></tr>"
        for label, g in rows)
    return (_SUMMARY_STYLE + "<table id='harness-summary'><thead><tr><th>group</th><th>tests</th><th>passed</th>"
            "<th>failed</th><th>skipped</th><th>requests</th><th>time</th></tr></thead>"
            f"<tbody>{cells}</tbody></table>")


_SUMMARY_STYLE = ("<style>#harness-summary{border-collapse:collapse;margin:6px 0 12px}"
                  "#harness-summary th,#harness-summary td{padding:3px 12px;border-bottom:1px solid #e2e2e2}"
                  "#harness-summary th{text-align:right}#harness-summary th:first-child{text-align:left}"
                  "#harness-summary td{text-align:right}#harness-summary td:first-child{text-align:left}"
                  "#harness-summary tr:last-child td{font-weight:bold;border-top:2px solid #bbb}"
                  # pytest-html 4 writes the environment table above the summary; the README promises the
                  # summary on top: reorder the page's blocks (title, date line, summary, then the rest)
                  "body{display:flex;flex-direction:column}#title{order:-3}body>p:first-of-type{order:-2}"
                  ".summary{order:-1}</style>")
