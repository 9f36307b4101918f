"""The ``junit`` reporter: one ``<testcase>`` per request × iteration."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from harness.postman.reporters.record import RunRecord, case_names, item_label

# ============================================================================ junit reporter

def render_junit(record: RunRecord) -> str:
    """One ``<testcase>`` per request × iteration, one ``<failure>`` per failed assertion, ``<error>`` for
    script and request errors (Newman folds iterations into one suite: newman#2197, #3371)."""
    executions = record.result.executions
    suite_name = record.collection.name
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    cases = []
    for name, execution in zip(case_names(record), executions, strict=True):
        classname = ".".join((suite_name, *execution.item.folder_path))
        case = ET.Element("testcase", name=name, classname=classname,
                          time=f"{(execution.response.time_ms if execution.response else 0) / 1000:.3f}",
                          assertions=str(len(execution.assertions)))
        failed = execution.failed_assertions
        for assertion in failed:
            element = ET.SubElement(case, "failure", type=assertion.error_name or "AssertionError",
                                    message=f"{assertion.name}: {assertion.error_message or ''}".rstrip(": "))
            element.text = (f"{assertion.name}\n{assertion.message}\n"
                            f"at iteration {execution.iteration + 1}, {item_label(execution.item)}")
        for error in execution.script_errors:
            element = ET.SubElement(case, "error", type=error.name or "Error",
                                    message=f"{error.event}-script: {error.message}")
            element.text = str(error)
        if execution.request_error:
            element = ET.SubElement(case, "error", type="RequestError", message=execution.request_error)
            element.text = execution.request_error
        if execution.skipped:
            ET.SubElement(case, "skipped", message="request skipped by pm.execution.skipRequest()")
        out = [f"{'✓' if a.passed else ('-' if a.skipped else '✗')} {a.name}" for a in execution.assertions]
        if execution.request is not None:
            status = f" -> {execution.response.status}" if execution.response else ""
            out.insert(0, f"{execution.request.method} {execution.request.url}{status}")
        if out:
            ET.SubElement(case, "system-out").text = "\n".join(out)
        totals["tests"] += 1
        if execution.script_errors or execution.request_error:
            totals["errors"] += 1
        elif failed:
            totals["failures"] += 1
        elif execution.skipped:
            totals["skipped"] += 1
        cases.append(case)
    duration = f"{record.completed - record.started:.3f}"
    stamp = dt.datetime.fromtimestamp(record.started, dt.UTC).isoformat(timespec="seconds")
    root = ET.Element("testsuites", name=suite_name, time=duration, **{k: str(v) for k, v in totals.items()})
    suite = ET.SubElement(root, "testsuite", name=suite_name, timestamp=stamp, time=duration,
                          **{k: str(v) for k, v in totals.items()})
    suite.extend(cases)
    if record.result.stopped:
        ET.SubElement(suite, "system-err").text = f"stopped: {record.result.stopped}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
