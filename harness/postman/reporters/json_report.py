"""The ``json`` reporter: Newman's JSON summary (``collection``, ``environment``, ``globals``, ``run``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from harness.postman.reporters.record import (
    RunRecord,
    export_scope,
    failures_of,
    newman_stats,
    response_timings,
)

if TYPE_CHECKING:
    from harness.postman.results import ItemExecution


# ============================================================================ json reporter
def _assertion_json(index: int, assertion) -> dict[str, Any]:
    entry: dict[str, Any] = {"assertion": assertion.name, "skipped": assertion.skipped}
    if not assertion.passed and not assertion.skipped:
        entry["error"] = {"name": assertion.error_name or "AssertionError", "index": index, "test": assertion.name,
                          "message": assertion.error_message or assertion.name}
    return entry


def _execution_json(record: RunRecord, execution: ItemExecution) -> dict[str, Any]:
    item = execution.item
    entry: dict[str, Any] = {
        "cursor": {"position": record.position(execution), "iteration": execution.iteration,
                   "length": len(record.items), "cycles": record.result.iterations},
        "item": {"id": item.id, "name": item.name, "path": list((*item.folder_path, item.name))},
    }
    if execution.request is not None:
        entry["request"] = {"method": execution.request.method, "url": execution.request.url,
                            "header": [{"key": k, "value": v} for k, v in execution.request.headers],
                            "body": execution.request.body}
    if execution.response is not None:
        response = execution.response
        entry["response"] = {"code": response.status, "status": response.reason,
                             "header": [{"key": k, "value": v} for k, v in response.headers],
                             "responseTime": response.time_ms, "responseSize": response.size}
        if response.body is not None:  # Newman's shape: the body as a serialised Buffer (here redacted)
            entry["response"]["stream"] = {"type": "Buffer", "data": list(response.body.encode("utf-8"))}
    if execution.request_error:
        entry["requestError"] = {"name": "Error", "message": execution.request_error}
    entry["assertions"] = [_assertion_json(i, a) for i, a in enumerate(execution.assertions)]
    for event, key in (("prerequest", "prerequestScript"), ("test", "testScript")):
        errors = [e for e in execution.script_errors if (e.event == "prerequest") == (event == "prerequest")]
        if errors:
            entry[key] = [{"error": {"name": e.name, "message": e.message, "kind": e.kind, "line": e.line}}
                          for e in errors]
    if execution.skipped:
        entry["skipped"] = True
    if execution.warnings:
        entry["warnings"] = list(execution.warnings)
    return entry


def _collection_tree(nodes: list) -> list[dict[str, Any]]:
    from harness.postman.model import RequestItem

    tree = []
    for node in nodes:
        if isinstance(node, RequestItem):
            tree.append({"id": node.id, "name": node.name})
        else:
            tree.append({"id": node.id, "name": node.name, "item": _collection_tree(node.items)})
    return tree


def to_json_report(record: RunRecord) -> dict[str, Any]:
    """Newman's json reporter shape (``collection``, ``environment``, ``globals``, ``run``), secrets masked."""
    failures = failures_of(record.result.executions)
    return {
        "collection": {"info": {"_postman_id": record.collection.id, "name": record.collection.name,
                                "schema": f"https://schema.getpostman.com/json/collection/v{record.collection.schema_version}"
                                          ".0/collection.json"},
                       "item": _collection_tree(record.collection.items)},
        "environment": export_scope(record.environment, record.environment_raw, "environment"),
        "globals": export_scope(record.globals, record.globals_raw, "globals"),
        "run": {
            "stats": newman_stats(record),
            "timings": response_timings(record),
            "executions": [_execution_json(record, e) for e in record.result.executions],
            "transfers": {"responseTotal": sum(e.response.size for e in record.result.executions if e.response)},
            "failures": [{"error": {"name": f.name, "message": f.message, "test": f.test},
                          "at": f.at, "source": {"id": f.execution.item.id, "name": f.execution.item.name,
                                                 "path": f.execution.item.path},
                          "cursor": {"iteration": f.execution.iteration,
                                     "position": record.position(f.execution)}} for f in failures],
            "error": {"message": record.result.stopped} if record.result.stopped else None,
        },
    }


def render_json(record: RunRecord) -> str:
    return json.dumps(to_json_report(record), indent=2)
