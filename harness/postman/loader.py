"""Read Postman collection (v2.0/v2.1), environment/globals and iteration-data files.

Every structural mistake becomes a :class:`CollectionError` naming the file, the item path and
(when the text is at hand) the JSON line of the offending item; things that parse but cannot be
honoured go to the collection's :class:`ImportReport` instead of failing the import.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from harness.postman.dynamic import KNOWN_DYNAMIC
from harness.postman.errors import CollectionError
from harness.postman.model import (
    BODY_MODES,
    KNOWN_AUTH,
    SUPPORTED_AUTH,
    Auth,
    Collection,
    Folder,
    Node,
    RequestItem,
    Script,
    Variable,
)
from harness.postman.report import INFO, UNSUPPORTED, WARNING, ImportReport
from harness.postman.scan import scan_script
from harness.postman.urls import normalize_url
from harness.postman.variables import VariableScope, variable_names

_SCHEMA = re.compile(r"/collection/v(\d+)\.(\d+)\.(\d+)/")
_LOCAL_HOST = re.compile(r"^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$", re.IGNORECASE)
_SCRIPT_HOST = re.compile(r"https?://([A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,})")
_HONOURED_PROFILE = {"disableBodyPruning", "followRedirects", "strictSSL"}


# --------------------------------------------------------------------------- JSON text
def _read_text(path: Path, what: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CollectionError(f"{what} file not found", file=str(path)) from None
    except OSError as exc:
        raise CollectionError(f"cannot read the {what} file: {exc.strerror or exc}", file=str(path)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CollectionError(f"the {what} file is not valid UTF-8", file=str(path), line=line) from None


# Folders inside folders: Postman has no documented limit, but a tree this deep is a generated or
# corrupted file; refusing it with one message beats a RecursionError traceback.
MAX_FOLDER_DEPTH = 100


def _parse_json(text: str, source: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CollectionError(f"invalid JSON in the {what} (line {exc.lineno}, column {exc.colno}): {exc.msg}",
                              file=source, line=exc.lineno) from None
    except RecursionError:
        raise CollectionError(f"the {what} is nested too deeply to read (JSON arrays and objects inside each "
                              f"other past about {2 * MAX_FOLDER_DEPTH} levels; folders may be nested at most "
                              f"{MAX_FOLDER_DEPTH} deep)", file=source, line=_deep_line(text)) from None


def _deep_line(text: str, limit: int = 2 * MAX_FOLDER_DEPTH) -> int | None:
    """The line where JSON nesting first goes past ``limit`` (strings skipped), found without recursion."""
    depth, quoted, escaped, line = 0, False, False, 1
    for char in text:
        if char == "\n":
            line += 1
        elif quoted:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return line
        elif char in "]}":
            depth -= 1
    return None


class _LineFinder:
    """Find the JSON line of the n-th item by scanning for its ``"name": "..."`` in file order."""

    def __init__(self, text: str | None):
        self.text = text
        self.cursor = 0

    def line_of(self, name: Any) -> int | None:
        if not self.text or not isinstance(name, str):
            return None
        pattern = re.compile(r'"name"\s*:\s*' + re.escape(json.dumps(name, ensure_ascii=False)))
        match = pattern.search(self.text, self.cursor) or pattern.search(self.text)
        if not match:
            pattern = re.compile(r'"name"\s*:\s*' + re.escape(json.dumps(name)))
            match = pattern.search(self.text, self.cursor) or pattern.search(self.text)
        if not match:
            return None
        self.cursor = match.end()
        return self.text.count("\n", 0, match.start()) + 1


# --------------------------------------------------------------------------- collection
def load_collection(source: str | Path | dict, *, name: str | None = None) -> Collection:
    """Load a collection from a file path (or an already-parsed dict) and build its report."""
    if isinstance(source, dict):
        return parse_collection(source, source=name or "<collection>", text=None)
    path = Path(source)
    text = _read_text(path, "collection")
    data = _parse_json(text, str(path), "collection")
    return parse_collection(data, source=str(path), text=text)


def parse_collection(data: Any, *, source: str, text: str | None = None) -> Collection:
    if not isinstance(data, dict):
        raise CollectionError("a collection must be a JSON object", file=source)
    if "requests" in data and "order" in data and "item" not in data:
        raise CollectionError("this is a Postman Collection v1 file; export it again as Collection v2.1",
                              file=source)
    info = data.get("info")
    if not isinstance(info, dict):
        raise CollectionError("missing 'info' object (is this a Postman collection v2 file?)", file=source)
    schema = info.get("schema")
    if not isinstance(schema, str) or not schema:
        raise CollectionError("missing 'info.schema'; expected the Collection v2.0.0 or v2.1.0 schema URL",
                              file=source)
    match = _SCHEMA.search(schema)
    if not match or (match.group(1), match.group(2)) not in {("2", "0"), ("2", "1")}:
        raise CollectionError(f"unsupported collection schema '{schema}'; expected Collection v2.0.0 or v2.1.0",
                              file=source)
    if "item" not in data:
        raise CollectionError("missing 'item' array", file=source)
    if not isinstance(data["item"], list):
        raise CollectionError("'item' must be an array", file=source)

    report = ImportReport(source=source)
    name = info.get("name")
    if not isinstance(name, str) or not name.strip():
        name = Path(source).name.split(".")[0] or "collection"
        report.add(WARNING, "", "info:name", "info.name is missing; using the file name")
    collection = Collection(name=name, id=info.get("_postman_id"), schema_version=f"2.{match.group(2)}",
                            source=source, report=report)
    finder = _LineFinder(text)
    _fill_node(collection, data, "", source, finder, report, line=None)
    counter = [0]
    collection.items = _parse_items(data["item"], collection, (), source, finder, report, counter)
    _collect_nested_variables(collection, report)
    _report_undefined_variables(collection, report)
    return collection


def _fill_node(node: Node, data: dict, path: str, source: str, finder: _LineFinder,
               report: ImportReport, line: int | None) -> None:
    description = data.get("description")
    if isinstance(description, dict):
        description = description.get("content")
    node.description = description if isinstance(description, str) else ""
    node.id = node.id or data.get("id") or data.get("_postman_id")
    node.events = _parse_events(data.get("event"), path, source, report, line)
    if "auth" in data and data["auth"] is not None:
        if not isinstance(data["auth"], dict):
            raise CollectionError("'auth' must be an object", file=source, item_path=path or None, line=line)
        auth = Auth.from_json(data["auth"])
        node.auth = auth
        node.auth_declared = auth is not None
        if auth is not None:
            _report_auth(auth, path, report)
    variables = data.get("variable")
    if variables is not None:
        if not isinstance(variables, list):
            raise CollectionError("'variable' must be an array", file=source, item_path=path or None, line=line)
        for entry in variables:
            if not isinstance(entry, dict):
                raise CollectionError("each 'variable' entry must be an object", file=source,
                                      item_path=path or None, line=line)
            key = entry.get("key", entry.get("id"))
            if key is None:
                continue
            node.variables.append(Variable(str(key), entry.get("value"), entry.get("type"),
                                           bool(entry.get("disabled"))))
    profile = data.get("protocolProfileBehavior")
    if isinstance(profile, dict):
        node.protocol_profile = dict(profile)
        for key in profile:
            if key not in _HONOURED_PROFILE:
                report.add(INFO, path, f"protocolProfileBehavior:{key}",
                           f"protocolProfileBehavior.{key} is ignored (requests' default behaviour applies)")


def _parse_events(events: Any, path: str, source: str, report: ImportReport, line: int | None) -> list[Script]:
    if events is None:
        return []
    if not isinstance(events, list):
        raise CollectionError("'event' must be an array", file=source, item_path=path or None, line=line)
    scripts = []
    for event in events:
        if not isinstance(event, dict):
            raise CollectionError("each 'event' entry must be an object", file=source,
                                  item_path=path or None, line=line)
        listen = event.get("listen")
        script = event.get("script") or {}
        if not isinstance(script, dict):
            raise CollectionError(f"event '{listen}': 'script' must be an object", file=source,
                                  item_path=path or None, line=line)
        exec_ = script.get("exec", "")
        code = "\n".join(str(x) for x in exec_) if isinstance(exec_, list) else str(exec_ or "")
        src = script.get("src")
        if listen not in ("prerequest", "test"):
            report.add(INFO, path, f"event:{listen}", f"'{listen}' event scripts are not run")
            continue
        entry = Script(listen, code, bool(event.get("disabled")), src if isinstance(src, str) else None)
        if entry.src:
            report.add(UNSUPPORTED, path, "script:src",
                       f"{listen} script 'src' ({entry.src}) is not fetched (Newman ignores it too)")
        if not entry.empty and not entry.disabled:
            for severity, feature, message in scan_script(code):
                report.add(severity, path, feature, f"{listen} script: {message}")
            for host in sorted(set(_SCRIPT_HOST.findall(code))):
                if not _LOCAL_HOST.match(host):
                    report.add(WARNING, path, "script:fixed-host",
                               f"{listen} script uses a fixed URL on {host}; it is not redirected to the simulator")
        scripts.append(entry)
    return scripts


def _report_auth(auth: Auth, path: str, report: ImportReport) -> None:
    if auth.type == "oauth2":
        token = auth.params.get("accessToken")
        grant = auth.params.get("grant_type") or auth.params.get("grantType") or "?"
        state = "with an exported accessToken" if token else "without an exported accessToken"
        report.add(WARNING, path, "auth:oauth2",
                   f"oauth2 auth (grant {grant}, {state}): the token comes from the harness token provider; "
                   "without one the exported accessToken is sent as it is")
    elif auth.type not in SUPPORTED_AUTH:
        known = "" if auth.type in KNOWN_AUTH else " (unknown type)"
        report.add(UNSUPPORTED, path, f"auth:{auth.type}",
                   f"'{auth.type}' auth{known} is not supported; requests are sent without it")


def _parse_items(items: list, parent: Node, folder_path: tuple[str, ...], source: str, finder: _LineFinder,
                 report: ImportReport, counter: list[int]) -> list[Node]:
    nodes: list[Node] = []
    for position, data in enumerate(items):
        where = "/".join(folder_path) or None
        if not isinstance(data, dict):
            raise CollectionError(f"entry #{position + 1} of the items is not an object", file=source,
                                  item_path=where)
        raw_name = data.get("name")
        line = finder.line_of(raw_name)
        name = raw_name if isinstance(raw_name, str) and raw_name != "" else f"#{position + 1}"
        path = "/".join((*folder_path, name))
        if "item" in data:
            if not isinstance(data["item"], list):
                raise CollectionError("folder 'item' must be an array", file=source, item_path=path, line=line)
            if len(folder_path) >= MAX_FOLDER_DEPTH:
                shown = "/".join((*folder_path[:3], "...", name))
                raise CollectionError(f"folders are nested more than {MAX_FOLDER_DEPTH} deep; flatten the "
                                      "collection", file=source, item_path=shown, line=line)
            folder = Folder(name=name, parent=parent, folder_path=(*folder_path, name), line=line)
            _fill_node(folder, data, path, source, finder, report, line)
            folder.items = _parse_items(data["item"], folder, (*folder_path, name), source, finder, report,
                                        counter)
            nodes.append(folder)
        elif "request" in data:
            item = RequestItem(name=name, parent=parent, folder_path=folder_path, index=counter[0], line=line)
            counter[0] += 1
            request = data["request"]
            if isinstance(request, dict) and "auth" in request and request["auth"] is not None:
                # request-level auth lives inside "request" in the format; move it onto the node
                _fill_node(item, {**data, "auth": request["auth"]}, path, source, finder, report, line)
            else:
                _fill_node(item, data, path, source, finder, report, line)
            item.request = _parse_request(request, path, source, line, report)
            nodes.append(item)
        else:
            raise CollectionError("is neither a request (no 'request') nor a folder (no 'item')",
                                  file=source, item_path=path, line=line)
    return nodes


def _kv_list(entries: Any, what: str, path: str, source: str, line: int | None) -> list[dict[str, Any]]:
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise CollectionError(f"'{what}' must be an array", file=source, item_path=path, line=line)
    result = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise CollectionError(f"each '{what}' entry must be an object", file=source, item_path=path, line=line)
        result.append(dict(entry))
    return result


def _parse_headers(header: Any, path: str, source: str, line: int | None) -> list[dict[str, Any]]:
    if isinstance(header, str):  # raw "Key: Value" lines
        entries = []
        for text in header.splitlines():
            if ":" in text:
                key, value = text.split(":", 1)
                entries.append({"key": key.strip(), "value": value.strip()})
        return entries
    return _kv_list(header, "header", path, source, line)


def _parse_request(request: Any, path: str, source: str, line: int | None, report: ImportReport) -> dict:
    if isinstance(request, str):
        return {"method": "GET", "url": normalize_url(request), "header": [], "body": None}
    if not isinstance(request, dict):
        raise CollectionError("'request' must be an object or a URL string", file=source, item_path=path, line=line)
    method = request.get("method") or "GET"
    if not isinstance(method, str):
        raise CollectionError("'request.method' must be a string", file=source, item_path=path, line=line)
    try:
        url = normalize_url(request.get("url"))
    except TypeError as exc:
        raise CollectionError(f"'request.url': {exc}", file=source, item_path=path, line=line) from None
    if not url.get("host") and not url.get("path") and not url.get("raw"):
        report.add(WARNING, path, "request:no-url", "the request has no URL")
    host = ".".join(url.get("host") or [])
    if host and "{{" not in host and not _LOCAL_HOST.match(host):
        report.add(WARNING, path, "url:fixed-host",
                   f"the URL names a fixed host ({host}); it is not redirected to the simulator")
    body = _parse_body(request.get("body"), path, source, line, report)
    description = request.get("description")
    if isinstance(description, dict):
        description = description.get("content")
    return {"method": method.upper(), "url": url, "header": _parse_headers(request.get("header"), path, source, line),
            "body": body, "description": description if isinstance(description, str) else None}


def _parse_body(body: Any, path: str, source: str, line: int | None, report: ImportReport) -> dict | None:
    if body is None:
        return None
    if not isinstance(body, dict):
        raise CollectionError("'request.body' must be an object", file=source, item_path=path, line=line)
    mode = body.get("mode")
    if mode is None:
        return None
    if mode not in BODY_MODES:
        raise CollectionError(f"unknown body mode '{mode}' (expected one of {', '.join(sorted(BODY_MODES))})",
                              file=source, item_path=path, line=line)
    result: dict[str, Any] = {"mode": mode}
    if body.get("disabled"):
        result["disabled"] = True
    if isinstance(body.get("options"), dict):
        result["options"] = body["options"]
    if mode == "raw":
        raw = body.get("raw")
        result["raw"] = "" if raw is None else (raw if isinstance(raw, str) else json.dumps(raw))
    elif mode in ("urlencoded", "formdata"):
        result[mode] = _kv_list(body.get(mode), f"body.{mode}", path, source, line)
        if mode == "formdata":
            for entry in result[mode]:
                if entry.get("type") == "file" and not entry.get("disabled"):
                    report.add(UNSUPPORTED, path, "body:formdata-file",
                               f"form-data file field '{entry.get('key')}' is not sent (file uploads are unsupported)")
    elif mode == "graphql":
        graphql = body.get("graphql") or {}
        if not isinstance(graphql, dict):
            raise CollectionError("'body.graphql' must be an object", file=source, item_path=path, line=line)
        result["graphql"] = dict(graphql)
    elif mode == "file":
        result["file"] = body.get("file") or {}
        report.add(UNSUPPORTED, path, "body:file", "file bodies are not supported; the request is sent without a body")
    return result


def _collect_nested_variables(collection: Collection, report: ImportReport) -> None:
    """Folder/request ``variable`` arrays join the collection scope (Postman treats them alike)."""
    defined = {v.key for v in collection.variables}
    for node in [*collection.folders(), *collection.requests()]:
        for var in node.variables:
            path = "/".join((*getattr(node, "folder_path", ()),)) if isinstance(node, Folder) else node.path
            report.add(INFO, path, "variable:nested", f"variable '{var.key}' declared below the collection "
                       "is treated as a collection variable")
            if var.key not in defined and not var.disabled:
                collection.variables.append(var)
                defined.add(var.key)


def _report_undefined_variables(collection: Collection, report: ImportReport) -> None:
    """Unknown dynamic variables are an import finding; unknown plain ones are checked at run time."""
    for item in collection.requests():
        for name in sorted(variable_names(json.dumps(item.request))):
            if name.startswith("$") and name not in KNOWN_DYNAMIC:
                report.add(UNSUPPORTED, item.path, f"dynamic:{name}",
                           f"dynamic variable {{{{{name}}}}} is not implemented; it is sent literally")


# --------------------------------------------------------------------------- environments
def load_environment(source: str | Path | dict, *, scope_name: str = "environment") -> VariableScope:
    """An environment or globals export → a :class:`VariableScope` (``enabled: false`` skipped)."""
    if isinstance(source, dict):
        data, where = source, "<environment>"
    else:
        path = Path(source)
        where = str(path)
        data = _parse_json(_read_text(path, scope_name), where, f"{scope_name} file")
    if not isinstance(data, dict):
        raise CollectionError(f"a {scope_name} file must be a JSON object", file=where)
    values = data.get("values")
    if values is None:
        raise CollectionError(f"missing 'values' array (is this a Postman {scope_name} export?)", file=where)
    if not isinstance(values, list):
        raise CollectionError("'values' must be an array", file=where)
    scope = VariableScope(scope_name, name=str(data.get("name") or ""))
    for index, entry in enumerate(values):
        if not isinstance(entry, dict):
            raise CollectionError(f"values[{index}] must be an object", file=where)
        key = entry.get("key")
        if not isinstance(key, str) or not key:
            raise CollectionError(f"values[{index}] has no 'key'", file=where)
        if entry.get("enabled") is False or entry.get("disabled") is True:
            continue
        scope.set(key, entry.get("value"))
        if entry.get("type") == "secret":
            scope.secret_keys.add(key)
    return scope


def load_data_file(source: str | Path) -> list[dict[str, Any]]:
    """Iteration data: a JSON array of objects, or a CSV file with a header row."""
    path = Path(source)
    text = _read_text(path, "iteration data")
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames:
            raise CollectionError("the CSV data file has no header row", file=str(path))
        rows = []
        for row in reader:
            if None in row:
                raise CollectionError(f"row has more fields than the header ({len(reader.fieldnames)})",
                                      file=str(path), line=reader.line_num)
            rows.append({k: ("" if v is None else v) for k, v in row.items()})
        return rows
    data = _parse_json(text, str(path), "iteration data")
    if not isinstance(data, list):
        raise CollectionError("a JSON data file must hold an array of objects", file=str(path))
    for index, row in enumerate(data):
        if not isinstance(row, dict):
            raise CollectionError(f"data row {index + 1} is not an object", file=str(path))
    return data
