"""The ``cli`` reporter: Newman's summary table, per-request lines and numbered failures."""

from __future__ import annotations

from harness.postman.item_text import cli_lines
from harness.postman.reporters.record import (
    RunRecord,
    failures_of,
    item_label,
    newman_stats,
    pretty_bytes,
    pretty_ms,
    response_timings,
)

# ============================================================================ cli reporter

def summary_table(record: RunRecord) -> list[str]:
    """Newman's box: executed/failed per kind, then duration, data received and response times."""
    stats = newman_stats(record)
    rows = [("iterations", stats["iterations"]), ("requests", stats["requests"]),
            ("test-scripts", stats["testScripts"]), ("prerequest-scripts", stats["prerequestScripts"]),
            ("assertions", stats["assertions"])]
    footer = [f"total run duration: {pretty_ms((record.completed - record.started) * 1000)}",
              f"total data received: {pretty_bytes(sum(e.response.size for e in record.result.executions if e.response))}"
              " (approx)"]
    timings = response_timings(record)
    if "responseAverage" in timings:
        footer.append(f"average response time: {pretty_ms(timings['responseAverage'])} "
                      f"[min: {pretty_ms(timings['responseMin'])}, max: {pretty_ms(timings['responseMax'])}, "
                      f"s.d.: {pretty_ms(timings['responseSd'])}]")
    first, width = 25, 10
    widest = max(len(text) for text in footer) + 2
    while first + 2 * width + 2 < widest:
        width += 1
    inner = first + 2 * width + 2
    bar = "─"

    def line(left: str, mid: str, right: str) -> str:
        return f"{left}{bar * first}{mid}{bar * width}{mid}{bar * width}{right}"

    out = [line("┌", "┬", "┐"),
           f"│{'':>{first}}│{'executed ':>{width}}│{'failed ':>{width}}│"]
    for label, entry in rows:
        out.append(line("├", "┼", "┤"))
        out.append(f"│{label + ' ':>{first}}│{str(entry['total']) + ' ':>{width}}│{str(entry['failed']) + ' ':>{width}}│")
    out.append(line("├", "┴", "┤"))
    for index, text in enumerate(footer):
        if index:
            out.append(f"├{bar * inner}┤")
        out.append(f"│ {text:<{inner - 1}}│")
    out.append(f"└{bar * inner}┘")
    return out


def render_cli(record: RunRecord) -> str:
    """Progress per request (Newman's ❏ ↳ ✓ lines), the summary table and the numbered failure list."""
    failures = failures_of(record.result.executions)
    numbers = {(id(f.execution), f.at, f.test, f.message): f.number for f in failures}  # item_text.failure_key
    lines: list[str] = [""]
    folder: tuple[str, ...] | None = None
    iteration = -1
    for execution in record.result.executions:
        if record.iterations > 1 and execution.iteration != iteration:
            iteration = execution.iteration
            lines.extend(([""] if lines[-1] else []) + [f"Iteration {iteration + 1}/{record.result.iterations}", ""])
            folder = None
        if execution.item.folder_path != folder:
            folder = execution.item.folder_path
            if folder:
                lines.extend(([""] if lines[-1] else []) + [f"❏ {' / '.join(folder)}"])
        lines.append(f"↳ {execution.item.name}")
        lines.extend(cli_lines(execution, numbers))
    if record.result.stopped:
        lines.append(f"\nstopped: {record.result.stopped}")
    lines.append("")
    lines.extend(summary_table(record))
    if failures:
        lines.append("")
        lines.append(f" {'#':<4} {'failure':<24} detail")
        for failure in failures:
            where = f'inside "{item_label(failure.execution.item)}"'
            if record.iterations > 1:
                where = f"iteration: {failure.execution.iteration + 1}, {where}"
            detail = [failure.test, failure.message, f"at {failure.at}", where] if failure.test else \
                [failure.message, f"at {failure.at}", where]
            prefix = f" {str(failure.number) + '.':<4} {failure.name:<24} "
            lines.append("")
            lines.append(prefix + detail[0])
            lines.extend(" " * len(prefix) + text for text in detail[1:])
    return "\n".join(lines)
