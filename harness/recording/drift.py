"""Compare two recordings of the same suites (e.g. before and after re-recording on a new instance).

Cassettes are paired by their path below each folder and interactions by request signature
(method, path with ids replaced, query option names), aligned in order so an added or removed
request does not shift everything after it. For each pair the report lists what a client would
notice: status code, the headers that carry protocol meaning (media type and ``odata.metadata``,
``OData-Version``, ``Preference-Applied``, presence of ``ETag``, ``Location``, ``OData-EntityId``),
and the JSON shape of the response (properties added, removed or retyped, recursively, values
ignored; ``null`` is compatible with any type, since it says nothing about the shape).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from harness.odata.prefer import parse_preferences
from harness.recording.bodies import header_value, media_type, structure
from harness.recording.interactions import CassetteFormatError
from harness.recording.persister import read_document
from harness.recording.serializers import SERIALIZERS

CASSETTE_SUFFIXES = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}
PRESENCE_HEADERS = ("ETag", "Location", "OData-EntityId")
_GUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_KEY = re.compile(r"\(([^()]*)\)")


@dataclass
class Change:
    kind: str  # status | header | property_added | property_removed | property_retyped | body_kind
    where: str
    old: Any = None
    new: Any = None

    def __str__(self) -> str:
        if self.kind == "property_added":
            return f"response property added: {self.where} ({self.new})"
        if self.kind == "property_removed":
            return f"response property removed: {self.where} ({self.old})"
        if self.kind == "property_retyped":
            return f"response property retyped: {self.where}: {self.old} -> {self.new}"
        shown_old = "(absent)" if self.old in (None, "") else self.old
        shown_new = "(absent)" if self.new in (None, "") else self.new
        return f"{self.where}: {shown_old} -> {shown_new}"


@dataclass
class InteractionDrift:
    request: str
    old_index: int | None
    new_index: int | None
    status: str  # changed | added | removed
    changes: list[Change] = field(default_factory=list)


@dataclass
class CassetteDrift:
    path: str
    status: str  # changed | added | removed
    interactions: list[InteractionDrift] = field(default_factory=list)


# ---------------------------------------------------------------------- reading
def cassette_files(folder: Path) -> dict[str, Path]:
    return {path.relative_to(folder).as_posix(): path for path in sorted(folder.rglob("*"))
            if path.is_file() and path.suffix.lower() in CASSETTE_SUFFIXES}


def load_interactions(path: Path) -> list[dict[str, Any]]:
    serializer = SERIALIZERS[CASSETTE_SUFFIXES[path.suffix.lower()]]
    doc = read_document(path, serializer)
    return list((doc or {}).get("interactions", []))


def signature(request: dict[str, Any]) -> str:
    """``GET /api/data/v9.2/accounts({id})?$filter&$select``: stable across instances and runs."""
    parts = urlsplit(request.get("uri", ""))
    path = _KEY.sub(lambda m: "({id})" if m.group(1) else "()", _GUID.sub("{id}", unquote(parts.path)))
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{request.get('method', '?').upper()} {path}" + (f"?{'&'.join(names)}" if names else "")


# ---------------------------------------------------------------------- shapes
def shape_of(value: Any) -> Any:
    """JSON value -> shape: type names for scalars, ``{"object": {...}}``, ``{"array": shape|None}``."""
    if isinstance(value, dict):
        return {"object": {key: shape_of(item) for key, item in value.items()}}
    if isinstance(value, list):
        merged: Any = None
        for item in value:
            merged = _merge(merged, shape_of(item))
        return {"array": merged}
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string"


def _merge(first: Any, second: Any) -> Any:
    if first is None or first == "null":
        return second
    if second is None or second == "null":
        return first
    if isinstance(first, dict) and isinstance(second, dict) and "object" in first and "object" in second:
        keys = {**first["object"], **second["object"]}
        return {"object": {k: _merge(first["object"].get(k), second["object"].get(k)) for k in keys}}
    if isinstance(first, dict) and isinstance(second, dict) and "array" in first and "array" in second:
        return {"array": _merge(first["array"], second["array"])}
    return first


def type_name(shape: Any) -> str:
    if isinstance(shape, dict):
        return "object" if "object" in shape else "array"
    return str(shape)


def shape_changes(old: Any, new: Any, where: str = "$") -> list[Change]:
    if old is None or new is None or old == "null" or new == "null":
        return []  # unknown (empty array) or null: no evidence of a shape change
    if type_name(old) != type_name(new):
        return [Change("property_retyped", where, type_name(old), type_name(new))]
    if isinstance(old, dict) and "object" in old:
        changes = []
        for key, item in new["object"].items():
            if key not in old["object"]:
                changes.append(Change("property_added", f"{where}.{key}", None, type_name(item)))
        for key, item in old["object"].items():
            if key not in new["object"]:
                changes.append(Change("property_removed", f"{where}.{key}", type_name(item), None))
            else:
                changes.extend(shape_changes(item, new["object"][key], f"{where}.{key}"))
        return changes
    if isinstance(old, dict) and "array" in old:
        return shape_changes(old["array"], new["array"], f"{where}[]")
    return []


# ---------------------------------------------------------------------- one interaction
def _content_type(headers: dict[str, Any]) -> str | None:
    value = header_value(headers, "Content-Type")
    if not value:
        return None
    params = {k.strip().lower(): v.strip() for k, _, v in (p.partition("=") for p in value.split(";")[1:])}
    metadata = params.get("odata.metadata")
    return media_type(value) + (f"; odata.metadata={metadata}" if metadata else "")


def _preferences(headers: dict[str, Any]) -> str | None:
    prefs = parse_preferences(header_value(headers, "Preference-Applied"))
    return ", ".join(sorted(f"{k}={v}" if v is not None else k for k, v in prefs.items())) or None


def _json_body(response: dict[str, Any]) -> tuple[str, Any]:
    body = response.get("body")
    if isinstance(body, str) or (isinstance(body, dict) and "string" in body and len(body) == 1):
        text = body if isinstance(body, str) else body["string"]
        body = structure(text, header_value(response.get("headers"), "Content-Type"))
    if isinstance(body, dict) and "json" in body:
        return "json", body["json"]
    if not body or (isinstance(body, dict) and not any(body.values())):
        return "empty", None
    return "text", None


def compare_interaction(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    o, n = old["response"], new["response"]
    changes = []
    if o["status"]["code"] != n["status"]["code"]:
        changes.append(Change("status", "status", o["status"]["code"], n["status"]["code"]))
    oh, nh = o.get("headers") or {}, n.get("headers") or {}
    for name, read in (("Content-Type", _content_type), ("OData-Version", lambda h: header_value(h, "OData-Version")),
                       ("Preference-Applied", _preferences)):
        if read(oh) != read(nh):
            changes.append(Change("header", f"header {name}", read(oh), read(nh)))
    for name in PRESENCE_HEADERS:
        had, has = header_value(oh, name) is not None, header_value(nh, name) is not None
        if had != has:
            changes.append(Change("header", f"header {name}", "present" if had else None, "present" if has else None))
    old_kind, old_json = _json_body(o)
    new_kind, new_json = _json_body(n)
    if old_kind != new_kind:
        changes.append(Change("body_kind", "response body", old_kind, new_kind))
    elif old_kind == "json":
        changes.extend(shape_changes(shape_of(old_json), shape_of(new_json)))
    return changes


# ---------------------------------------------------------------------- whole recordings
def compare_cassette(name: str, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> CassetteDrift | None:
    old_sigs = [signature(item["request"]) for item in old]
    new_sigs = [signature(item["request"]) for item in new]
    drift = CassetteDrift(name, "changed")
    matcher = difflib.SequenceMatcher(a=old_sigs, b=new_sigs, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                changes = compare_interaction(old[i], new[j])
                if changes:
                    drift.interactions.append(InteractionDrift(old_sigs[i], i + 1, j + 1, "changed", changes))
            continue
        for i in range(i1, i2):
            drift.interactions.append(InteractionDrift(old_sigs[i], i + 1, None, "removed"))
        for j in range(j1, j2):
            drift.interactions.append(InteractionDrift(new_sigs[j], None, j + 1, "added"))
    return drift if drift.interactions else None


def compare_folders(old: Path, new: Path) -> list[CassetteDrift]:
    """Drift per cassette between two folders of cassettes (raises CassetteFormatError on a bad file)."""
    old_files, new_files = cassette_files(old), cassette_files(new)
    drifts = []
    for name in sorted(set(old_files) | set(new_files)):
        if name not in new_files:
            drifts.append(CassetteDrift(name, "removed"))
        elif name not in old_files:
            drifts.append(CassetteDrift(name, "added"))
        else:
            drift = compare_cassette(name, load_interactions(old_files[name]), load_interactions(new_files[name]))
            if drift is not None:
                drifts.append(drift)
    return drifts


def render_text(old: Path, new: Path, drifts: list[CassetteDrift], compared: int) -> str:
    if not drifts:
        return f"No drift: {compared} cassettes in {old} and {new} agree on status, headers and response shapes."
    lines = [f"Drift between {old} (old) and {new} (new): {len(drifts)} of {compared} cassettes differ"]
    for drift in drifts:
        if drift.status != "changed":
            lines.append(f"  {drift.path}: cassette only in the {'old' if drift.status == 'removed' else 'new'} recording")
            continue
        lines.append(f"  {drift.path}")
        for item in drift.interactions:
            if not item.old_index:
                place = f"#{item.new_index} (new)"
            elif item.new_index and item.new_index != item.old_index:
                place = f"#{item.old_index} (new #{item.new_index})"
            else:
                place = f"#{item.old_index}"
            if item.status != "changed":
                lines.append(f"    {place} {item.request}: request only in the "
                             f"{'old' if item.status == 'removed' else 'new'} recording")
                continue
            lines.append(f"    {place} {item.request}")
            lines.extend(f"      {change}" for change in item.changes)
    return "\n".join(lines)


def as_json(old: Path, new: Path, drifts: list[CassetteDrift], compared: int) -> dict[str, Any]:
    changes = sum(len(item.changes) or 1 for d in drifts for item in d.interactions) + \
        sum(1 for d in drifts if d.status != "changed")
    return {"old": str(old), "new": str(new), "drift": bool(drifts),
            "summary": {"cassettes_compared": compared, "cassettes_with_drift": len(drifts), "changes": changes},
            "cassettes": [asdict(d) for d in drifts]}


__all__ = ["CassetteFormatError", "as_json", "compare_folders", "render_text", "shape_of", "signature"]
