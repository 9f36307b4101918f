"""The ``html`` reporter: one self-contained page (inline CSS, no scripts), every value escaped."""

from __future__ import annotations

import datetime as dt
import html

from harness.postman.reporters.record import (
    RunRecord,
    case_names,
    failures_of,
    item_label,
    newman_stats,
    pretty_bytes,
    pretty_ms,
)

# ============================================================================ html reporter
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em} table{border-collapse:collapse;margin:1em 0} td,th{border:1px solid #ccc;padding:.3em .6em}
th{background:#f3f3f3;text-align:left} .ok{color:#1a7f37} .fail{color:#cf222e;font-weight:600} .skip{color:#777}
details{border:1px solid #ddd;border-radius:4px;margin:.4em 0;padding:.3em .6em}
details.failed{border-color:#cf222e} summary{cursor:pointer} code,pre{font-family:ui-monospace,monospace;font-size:.9em}
pre{background:#f6f8fa;padding:.5em;white-space:pre-wrap}
"""


def render_html(record: RunRecord) -> str:
    """A self-contained page (inline CSS, no scripts, no external resources); every value escaped."""
    e = html.escape
    stats = newman_stats(record)
    failures = failures_of(record.result.executions)
    verdict = "passed" if record.result.passed else "failed"
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{e(record.collection.name)} — "
             f"harness run</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(record.collection.name)}: <span class='{'ok' if verdict == 'passed' else 'fail'}'>{verdict}"
             "</span></h1>",
             f"<p>Target: {e(record.target)}. Started {e(dt.datetime.fromtimestamp(record.started).isoformat(timespec='seconds'))}, "
             f"duration {e(pretty_ms((record.completed - record.started) * 1000))}.</p>",
             "<table><tr><th></th><th>executed</th><th>failed</th></tr>"]
    for label, key in (("iterations", "iterations"), ("requests", "requests"), ("test-scripts", "testScripts"),
                       ("prerequest-scripts", "prerequestScripts"), ("assertions", "assertions")):
        parts.append(f"<tr><th>{label}</th><td>{stats[key]['total']}</td><td>{stats[key]['failed']}</td></tr>")
    parts.append("</table>")
    if record.result.stopped:
        parts.append(f"<p class='fail'>Stopped: {e(record.result.stopped)}</p>")
    if failures:
        parts.append("<h2>Failures</h2><table><tr><th>#</th><th>failure</th><th>detail</th></tr>")
        for f in failures:
            detail = "<br>".join(e(x) for x in (f.test or "", f.message, f"at {f.at}",
                                                f"inside “{item_label(f.execution.item)}”, iteration "
                                                f"{f.execution.iteration + 1}") if x)
            parts.append(f"<tr><td>{f.number}</td><td>{e(f.name)}</td><td>{detail}</td></tr>")
        parts.append("</table>")
    parts.append("<h2>Requests</h2>")
    for name, execution in zip(case_names(record), record.result.executions, strict=True):
        css = "" if execution.passed else " class='failed'"
        mark = "<span class='ok'>✓</span>" if execution.passed else "<span class='fail'>✗</span>"
        status = f" — {execution.response.status} {e(execution.response.reason)}" if execution.response else ""
        parts.append(f"<details{css}{'' if execution.passed else ' open'}><summary>{mark} {e(name)}{status}</summary>")
        if execution.request is not None:
            parts.append(f"<p><code>{e(execution.request.method)} {e(execution.request.url)}</code></p>")
            if execution.request.headers:
                parts.append("<pre>" + e("\n".join(f"{k}: {v}" for k, v in execution.request.headers)) + "</pre>")
        if execution.response is not None:
            parts.append(f"<p>{execution.response.time_ms} ms, {e(pretty_bytes(execution.response.size))}</p>")
        if execution.request_error:
            parts.append(f"<p class='fail'>Request error: {e(execution.request_error)}</p>")
        for error in execution.script_errors:
            parts.append(f"<p class='fail'>Script error: {e(str(error))}</p>")
        if execution.assertions:
            parts.append("<ul>")
            for assertion in execution.assertions:
                if assertion.skipped:
                    parts.append(f"<li class='skip'>skipped: {e(assertion.name)}</li>")
                elif assertion.passed:
                    parts.append(f"<li class='ok'>✓ {e(assertion.name)}</li>")
                else:
                    parts.append(f"<li class='fail'>✗ {e(assertion.name)}: {e(assertion.message)}</li>")
            parts.append("</ul>")
        for warning in execution.warnings:
            parts.append(f"<p class='skip'>warning: {e(warning)}</p>")
        parts.append("</details>")
    parts.append("</body></html>\n")
    return "".join(parts)
