"""Endpoint coverage: which parts of a service's `$metadata` the recorded traffic exercised.

Input: a service root's CSDL (usually the ``$metadata`` pinned next to the cassettes,
``<cassettes>/metadata/<root>.xml``) and the cassettes of the suites and collections (or of one
run, ``harness test --cassette-dir``). Each recorded request under that root's API path is
resolved against the model: its entity set (also through navigation and BC's
``companies(...)/customers`` containment), singleton, bound or unbound function/action, method,
key access, query options and ``Prefer`` preferences. The report lists what was exercised, how
often and with which status classes, and what was never touched — the blind spots of the
regression checks after a trial instance is recreated.

Paths the model does not know are listed as ``outside_metadata`` (an endpoint the suites use but
the document does not declare is worth knowing too).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from harness.contract.cassettes import API_ROOTS
from harness.metadata.model import CsdlModel, split_collection

# System query options a client can send (OData 4.01 §11.2, Dataverse and F&O docs); what a
# dialect refuses is left out of its "never touched" list.
QUERY_OPTIONS = ("$select", "$filter", "$orderby", "$top", "$skip", "$count", "$expand", "$search", "$apply",
                 "$skiptoken", "$compute")
UNSUPPORTED = {"crm": {"$skip", "$search", "$compute"}, "fno": {"$search", "$apply", "$compute"},
               "bc": {"$search", "$apply", "$compute", "$skiptoken"}}
SERVICE_PATHS = {"": "service document", "$metadata": "$metadata", "$batch": "$batch"}
_SUFFIXES = ("$count", "$ref", "$value")
_WORD = re.compile(r"^[A-Za-z][\w.\-]{0,63}$")  # a parameter or preference name; fuzzed junk is lumped together


@dataclass
class Use:
    """How often something was touched, how, and with which status classes."""

    requests: int = 0
    ways: Counter = field(default_factory=Counter)  # "GET key", "POST", "GET $count"...
    options: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)  # "2xx", "4xx"...

    def add(self, way: str, options: list[str], status: str) -> None:
        self.requests += 1
        self.ways[way] += 1
        self.options.update(options)
        self.statuses[status] += 1

    def to_dict(self) -> dict[str, Any]:
        return {"requests": self.requests, "ways": dict(sorted(self.ways.items())),
                "options": dict(sorted(self.options.items())), "statuses": dict(sorted(self.statuses.items()))}


@dataclass
class RootCoverage:
    root: str
    metadata: str
    model: CsdlModel
    sets: dict[str, Use] = field(default_factory=dict)
    singletons: dict[str, Use] = field(default_factory=dict)
    operations: dict[str, Use] = field(default_factory=dict)  # qualified name -> use
    service: Counter = field(default_factory=Counter)  # $metadata, $batch, service document
    options: Counter = field(default_factory=Counter)
    custom_options: Counter = field(default_factory=Counter)  # cross-company, fetchXml, ...
    preferences: Counter = field(default_factory=Counter)
    outside: Counter = field(default_factory=Counter)  # "GET /unknownset" -> count
    requests: int = 0

    # ------------------------------------------------------------------ what the model declares
    def declared_operations(self) -> dict[str, str]:
        """Qualified name -> "function" / "action" for every operation the document declares."""
        ops = {name: "function" for name in self.model.functions}
        ops.update({name: "action" for name in self.model.actions})
        return ops

    def supported_options(self) -> list[str]:
        return [o for o in QUERY_OPTIONS if o not in UNSUPPORTED.get(self.root, set())]

    # ------------------------------------------------------------------ views
    def to_dict(self) -> dict[str, Any]:
        declared = self.declared_operations()
        sets = self.model.entity_sets

        def part(names: list[str], uses: dict[str, Use], kinds: dict[str, str] | None = None) -> dict[str, Any]:
            exercised = [{"name": n, **({"kind": kinds[n]} if kinds else {}), **uses[n].to_dict()}
                         for n in names if n in uses]
            never = [n for n in names if n not in uses]
            return {"declared": len(names), "exercised": len(exercised),
                    "percent": _percent(len(exercised), len(names)), "items": exercised, "never": never}

        functions = sorted(n for n, k in declared.items() if k == "function")
        actions = sorted(n for n, k in declared.items() if k == "action")
        supported = self.supported_options()
        return {
            "metadata": self.metadata,
            "requests": self.requests,
            "entity_sets": part(sorted(sets), self.sets),
            "singletons": part(sorted(self.model.singletons), self.singletons),
            "functions": part(functions, self.operations),
            "actions": part(actions, self.operations),
            "query_options": {"exercised": dict(sorted(self.options.items())),
                              "never": [o for o in supported if o not in self.options],
                              "custom": dict(sorted(self.custom_options.items()))},
            "preferences": dict(sorted(self.preferences.items())),
            "service": dict(sorted(self.service.items())),
            "outside_metadata": [{"request": k, "count": v} for k, v in sorted(self.outside.items())],
        }


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 100.0


# ---------------------------------------------------------------------------- resolving one request
def _segments(path: str) -> list[str]:
    """Path segments, split on ``/`` outside parentheses and quotes, then percent-decoded."""
    out, depth, quoted, current = [], 0, False, []
    for char in path:
        if char == "'" and depth:
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth = max(0, depth - 1)
        if char == "/" and not depth and not quoted:
            out.append("".join(current))
            current = []
        else:
            current.append(char)
    out.append("".join(current))
    return [unquote(s) for s in out if s != ""]


def _name_and_key(segment: str) -> tuple[str, bool]:
    name, paren, _ = segment.partition("(")
    return name, bool(paren)


class Resolver:
    """Maps request paths below one root onto the model's sets and operations."""

    def __init__(self, model: CsdlModel):
        self.model = model
        self.types_by_set = {name: model.resolve_name(s.entity_type) for name, s in model.entity_sets.items()}
        self.imports: dict[str, str] = {}
        if model.container:
            for imp in (*model.container.function_imports.values(), *model.container.action_imports.values()):
                self.imports[imp.name] = model.resolve_name(imp.operation)
        self.bound: dict[str, list[str]] = {}  # short and qualified name -> qualified names
        for table in (model.functions, model.actions):
            for qualified, overloads in table.items():
                if any(o.is_bound for o in overloads):
                    self.bound.setdefault(qualified, []).append(qualified)
                    self.bound.setdefault(qualified.rpartition(".")[2], []).append(qualified)
        for alias, namespace in model.aliases.items():
            for qualified in list(self.bound):
                if qualified.startswith(namespace + "."):
                    self.bound.setdefault(alias + qualified[len(namespace):], []).append(qualified)

    def _navigate(self, entity_type: str | None, name: str, current_set: str | None) -> tuple[str | None, str | None]:
        """(target set, target type) of navigation ``name`` from ``entity_type``."""
        if entity_type is None:
            return None, None
        try:
            structured = self.model.entity_type(entity_type)
        except KeyError:
            return None, None
        nav = structured.navigation_properties.get(name)
        if nav is None:
            return None, None
        target_type = self.model.resolve_name(split_collection(nav.type)[0])
        target_set = None
        if current_set is not None:
            target_set = self.model.entity_sets[current_set].navigation_bindings.get(name) \
                if current_set in self.model.entity_sets else None
        if target_set is None:  # BC containment: companies(...)/customers names the set itself
            target_set = name if name in self.model.entity_sets else None
        return target_set, target_type

    def _is_property(self, entity_type: str | None, name: str) -> bool:
        if entity_type is None:
            return False
        try:
            return name in self.model.entity_type(entity_type).properties
        except KeyError:
            return False

    def resolve(self, segments: list[str]) -> tuple[list[tuple[str, str, str]], bool]:
        """[(kind, name, way-suffix)] touched, and whether every segment was understood."""
        touched: list[tuple[str, str, str]] = []
        current_set: str | None = None
        current_type: str | None = None
        for index, segment in enumerate(segments):
            name, keyed = _name_and_key(segment)
            if segment in _SUFFIXES:
                if touched:
                    kind, target, way = touched[-1]
                    touched[-1] = (kind, target, f"{way} {segment}".strip())
                continue
            if index == 0 and name in self.model.entity_sets:
                current_set, current_type = name, self.types_by_set[name]
                touched.append(("set", name, "key" if keyed else ""))
                continue
            if index == 0 and name in self.model.singletons:
                current_set, current_type = None, self.model.resolve_name(self.model.singletons[name].type)
                touched.append(("singleton", name, ""))
                continue
            if index == 0 and name in self.imports:
                touched.append(("operation", self.imports[name], ""))
                current_set = current_type = None
                continue
            if touched and self._is_property(current_type, name):  # accounts(id)/name[/$value]
                kind, target, way = touched[-1]
                touched[-1] = (kind, target, f"{way} property".strip())
                current_set = current_type = None
                continue
            target_set, target_type = self._navigate(current_type, name, current_set)
            if target_type is None and touched and name in self.model.entity_sets:
                # BC: companies({id})/customers addresses the customers set inside the company
                target_set, target_type = name, self.types_by_set[name]
            if target_type is not None:
                current_set, current_type = target_set, target_type
                if target_set is not None:
                    touched.append(("set", target_set, "key" if keyed else ""))
                continue
            if name in self.bound:
                for qualified in self.bound[name]:
                    touched.append(("operation", qualified, ""))
                current_set = current_type = None
                continue
            return touched, False
        return touched, True


# ---------------------------------------------------------------------------- the whole report
def _status(response: dict[str, Any]) -> str:
    code = (response.get("status") or {}).get("code")
    return f"{str(code)[0]}xx" if isinstance(code, int) else "?"


def _preferences(headers: dict[str, Any]) -> list[str]:
    values = []
    for key, value in (headers or {}).items():
        if key.lower() == "prefer":
            for item in value if isinstance(value, list) else [value]:
                values.extend(part.strip().split("=", 1)[0] for part in str(item).split(",") if part.strip())
    return values


def record(coverage: RootCoverage, resolver: Resolver, method: str, path: str, query: str,
           headers: dict[str, Any], status: str) -> None:
    coverage.requests += 1
    names = [name for name, _ in parse_qsl(query, keep_blank_values=True)]
    options = sorted({n.lower() if n.startswith("$") else n for n in names if n.startswith("$")})
    coverage.options.update(options)
    custom = {n for n in names if not n.startswith(("$", "@"))}
    coverage.custom_options.update(sorted(n if _WORD.match(n) else "(malformed)" for n in custom))
    coverage.preferences.update(p if _WORD.match(p) else "(malformed)" for p in _preferences(headers))
    segments = _segments(path)
    if not segments or segments[0] in SERVICE_PATHS:
        coverage.service[SERVICE_PATHS.get(segments[0] if segments else "", segments[0] if segments else "")] += 1
        return
    touched, understood = resolver.resolve(segments)
    if not understood or not touched:
        coverage.outside[f"{method} /{'/'.join(_name_and_key(s)[0] for s in segments)}"] += 1
    for position, (kind, name, way) in enumerate(touched):
        table = {"set": coverage.sets, "singleton": coverage.singletons, "operation": coverage.operations}[kind]
        last = position == len(touched) - 1  # the method acts on the last resource; the others lead to it
        table.setdefault(name, Use()).add(f"{method} {way}".strip() if last else f"path {way}".strip(),
                                          options if last else [], status)


def measure(models: dict[str, tuple[str, CsdlModel]], interactions: list[dict[str, Any]]) -> dict[str, RootCoverage]:
    """Coverage per root from ``{root: (metadata source, model)}`` and cassette interactions."""
    result = {root: RootCoverage(root, source, model) for root, (source, model) in models.items()}
    resolvers = {root: Resolver(model) for root, (_, model) in models.items()}
    for interaction in interactions:
        request = interaction.get("request") or {}
        parts = urlsplit(str(request.get("uri", "")))
        for root, coverage in result.items():
            match = API_ROOTS[root].match(parts.path)
            if match:
                record(coverage, resolvers[root], str(request.get("method", "GET")).upper(),
                       parts.path[match.end():].lstrip("/"), parts.query, request.get("headers") or {},
                       _status(interaction.get("response") or {}))
                break
    return result


def report_dict(coverage: dict[str, RootCoverage], cassettes: int, interactions: int) -> dict[str, Any]:
    return {"cassettes": cassettes, "interactions": interactions,
            "roots": {root: c.to_dict() for root, c in coverage.items()}}


def render_table(report: dict[str, Any]) -> list[str]:
    """The coverage report as text: per root, sets with how they were used, then what was never touched."""
    lines = [f"Endpoint coverage from {report['cassettes']} cassette(s), {report['interactions']} interaction(s)"]
    for root, data in report["roots"].items():
        lines.append("")
        lines.append(f"{root}: {data['requests']} request(s) against {data['metadata']}")
        for label, key in (("entity sets", "entity_sets"), ("singletons", "singletons"),
                           ("functions", "functions"), ("actions", "actions")):
            part = data[key]
            if not part["declared"] and not part["items"]:
                continue
            lines.append(f"  {label:<12} {part['exercised']:>4}/{part['declared']:<4} exercised ({part['percent']:.1f}%)")
            width = max([len(item["name"]) for item in part["items"]] + [4])
            for item in part["items"]:
                ways = ", ".join(item["ways"])
                options = " ".join(item["options"])
                statuses = " ".join(f"{k}:{v}" for k, v in item["statuses"].items())
                lines.append(f"    {item['name']:<{width}}  {item['requests']:>5}  {ways}"
                             + (f"  [{options}]" if options else "") + f"  ({statuses})")
            if part["never"]:
                shown = part["never"][:20]
                more = len(part["never"]) - len(shown)
                lines.append("    never: " + ", ".join(shown) + (f" … and {more} more" if more else ""))
        options = data["query_options"]
        used = ", ".join(f"{k} {v}" for k, v in options["exercised"].items()) or "none"
        lines.append(f"  query options: {used}")
        if options["never"]:
            lines.append(f"    never: {', '.join(options['never'])}")
        if options["custom"]:
            lines.append("  custom parameters: " + ", ".join(f"{k} {v}" for k, v in options["custom"].items()))
        if data["preferences"]:
            lines.append("  Prefer: " + ", ".join(f"{k} {v}" for k, v in data["preferences"].items()))
        if data["outside_metadata"]:
            lines.append("  not in $metadata: " + ", ".join(f"{o['request']} ({o['count']})"
                                                         for o in data["outside_metadata"]))
    return lines


def load_cassette_interactions(paths: list[Path]) -> tuple[int, list[dict[str, Any]]]:
    """Every interaction of every cassette under ``paths`` (files or folders; ``metadata/`` skipped)."""
    from harness.recording.drift import CASSETTE_SUFFIXES, load_interactions

    files: list[Path] = []
    for path in paths:
        if path.is_file():
            files.append(path)
        else:
            files.extend(p for p in sorted(path.rglob("*")) if p.is_file()
                         and p.suffix.lower() in CASSETTE_SUFFIXES and "metadata" not in p.relative_to(path).parts[:1])
    interactions: list[dict[str, Any]] = []
    for file in files:
        interactions.extend(load_interactions(file))
    return len(files), interactions
