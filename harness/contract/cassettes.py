"""Check recorded responses against the contract, offline: no service, no network, only files.

A cassette answers "what did the service say"; the `$metadata` stored next to the cassettes
(``cassettes/metadata/<root>.xml``, see :mod:`harness.contract.pinning`) answers "what did it
promise". Every recorded request is routed to the service root it went to (the recording layer
writes ``https://<root>.instance.invalid`` for each service), then to the OpenAPI operation whose
method and path template it fits, and its recorded response goes through the same schemathesis
checks a live contract run uses. Interactions the contract does not describe (sign-in, navigation
paths, ``$batch``) are counted as not covered, never as failures.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import requests
from schemathesis import Response
from schemathesis.core.failures import FailureGroup

from harness.contract.baseline import Baseline, KnownIssue
from harness.contract.document import HTTP_METHODS, contract_document, load_model
from harness.contract.errors import ContractError
from harness.contract.schema import CHECKS, load_schema
from harness.metadata import MetadataError, OpenApiOptionError
from harness.odata.dialects import BY_ROOT
from harness.recording.bodies import unstructure
from harness.recording.instance import PLACEHOLDER_DOMAIN
from harness.recording.interactions import CassetteFormatError
from harness.recording.persister import read_document
from harness.recording.serializers import SERIALIZERS

CASSETTE_SUFFIXES = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}
# Where each service's API root sits in a URL path (version, tenant and environment vary).
API_ROOTS: dict[str, re.Pattern[str]] = {
    "crm": re.compile(r"^/api/data/v\d+\.\d+(?=/|$)", re.IGNORECASE),
    "fno": re.compile(r"^/data(?=/|$)", re.IGNORECASE),
    "bc": re.compile(r"^/v2\.0/[^/]+(?:/[^/]+)?/api/v2\.0(?=/|$)", re.IGNORECASE),
}
_TEMPLATE_PART = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class CassetteMismatch:
    """A recorded response that breaks the contract: where it is and what is wrong."""

    cassette: str
    interaction: int  # 1-based, as the recording layer numbers them
    method: str
    uri: str
    operation: str  # `GET /accounts({accountid})`
    problems: tuple[str, ...]

    def describe(self) -> str:
        lines = [f"{self.cassette}: interaction #{self.interaction}: {self.method} {self.uri} ({self.operation})"]
        lines.extend(f"    - {problem}" for problem in self.problems)
        return "\n".join(lines)


@dataclass
class CassetteReport:
    """Outcome of :func:`validate_cassettes`: counts, mismatches and what the contract does not cover."""

    cassettes: int = 0
    checked: int = 0
    mismatches: list[CassetteMismatch] = field(default_factory=list)
    known: dict[str, int] = field(default_factory=dict)  # known-issue key -> failures it explained
    uncovered: list[tuple[str, int, str, str]] = field(default_factory=list)  # (cassette, #, method, uri)
    roots: dict[str, int] = field(default_factory=dict)  # interactions checked per root

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def to_text(self) -> str:
        roots = ", ".join(f"{root} {count}" for root, count in sorted(self.roots.items())) or "none"
        lines = [f"Cassette contract check: {self.cassettes} cassettes, {self.checked} responses checked "
                 f"({roots}), {len(self.uncovered)} not covered by the contract, "
                 f"{len(self.mismatches)} mismatches"
                 + (f", known issues: {', '.join(f'{k} x{n}' for k, n in sorted(self.known.items()))}"
                    if self.known else "")]
        lines.extend(mismatch.describe() for mismatch in self.mismatches)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cassettes": self.cassettes,
            "checked": self.checked,
            "roots": dict(sorted(self.roots.items())),
            "uncovered": len(self.uncovered),
            "known": dict(sorted(self.known.items())),
            "mismatches": [
                {"cassette": m.cassette, "interaction": m.interaction, "method": m.method, "uri": m.uri,
                 "operation": m.operation, "problems": list(m.problems)}
                for m in self.mismatches
            ],
        }


class RootContract:
    """One service root's OpenAPI document with a router from concrete paths to its operations."""

    def __init__(self, root: str, document: dict[str, Any]):
        self.root = root
        self.document = document
        self.schema = load_schema(document)
        routes = []
        for path, item in document.get("paths", {}).items():
            names = _TEMPLATE_PART.findall(path)
            pattern = "".join(re.escape(part) if index % 2 == 0 else "([^/]+)"
                              for index, part in enumerate(_TEMPLATE_PART.split(path)))
            methods = {m.upper() for m in HTTP_METHODS if m in item}
            routes.append((len(names), path, re.compile(pattern), tuple(names), methods))
        # Literal paths (`/accounts/$count`) win over templated ones that could also match.
        self.routes = sorted(routes, key=lambda route: route[0])

    @classmethod
    def from_metadata(cls, root: str, metadata: bytes | str | Path) -> RootContract:
        server = f"https://{root}.{PLACEHOLDER_DOMAIN}"
        model = load_model(metadata)
        try:
            document = contract_document(model, BY_ROOT[root], server, reserve_write_keys=False,
                                         operation_imports="all")
        except OpenApiOptionError:  # an import the converter cannot describe: check entity sets only
            document = contract_document(model, BY_ROOT[root], server, reserve_write_keys=False)
        return cls(root, document)

    def route(self, method: str, path: str) -> tuple[str, dict[str, str]] | None:
        """(path template, path parameters) of the operation `method path` fits, if any.

        A function without parameters may be called without parentheses (`/WhoAmI` is `/WhoAmI()`).
        """
        for candidate in (path, f"{path}()") if not path.endswith(")") else (path,):
            for _, template, pattern, names, methods in self.routes:
                match = pattern.fullmatch(candidate)
                if match and method in methods:
                    return template, dict(zip(names, match.groups(), strict=True))
        return None


def cassette_files(paths: Iterable[str | Path]) -> list[Path]:
    """Cassette files named directly or found below folders (sorted, so reports are stable)."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in CASSETTE_SUFFIXES
                                and p.is_file() and "metadata" not in p.relative_to(path).parts[:1]))
        elif path.is_file():
            found.append(path)
        else:
            raise ContractError(f"{path}: no such cassette file or folder")
    return found


def load_contracts(metadata_dir: str | Path | None = None,
                   documents: Mapping[str, dict[str, Any]] | None = None) -> dict[str, RootContract]:
    """Contracts per root from OpenAPI `documents` and/or the `<root>.xml` files in `metadata_dir`."""
    contracts = {root: RootContract(root, document) for root, document in (documents or {}).items()}
    if metadata_dir is not None:
        folder = Path(metadata_dir)
        if not folder.is_dir():
            raise ContractError(f"{folder}: no such metadata folder (expected <root>.xml files, e.g. crm.xml)")
        for root in BY_ROOT:
            path = folder / f"{root}.xml"
            if root not in contracts and path.is_file():
                try:
                    contracts[root] = RootContract.from_metadata(root, path)
                except MetadataError as exc:
                    raise ContractError(f"cannot use the stored $metadata: {exc}") from None
    if not contracts:
        raise ContractError("no contract to check against: give OpenAPI documents or a folder with "
                            "<root>.xml $metadata files (crm.xml, fno.xml, bc.xml)")
    return contracts


def split_uri(uri: str, roots: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """(root, path below the API root) for a recorded request URI; None for other hosts (sign-in).

    Placeholder hosts (``https://crm.instance.invalid``) name their root; `roots` maps other base
    URLs (``{"https://contoso.crm.dynamics.com": "crm"}``) for cassettes recorded without them.
    """
    parts = urlsplit(uri)
    host = parts.netloc.lower()
    origin = f"{parts.scheme}://{host}"
    root = None
    suffix = f".{PLACEHOLDER_DOMAIN}"
    if host.endswith(suffix):
        root = host[: -len(suffix)]
    for base, name in (roots or {}).items():
        if origin == base.rstrip("/").lower():
            root = name
    if root not in API_ROOTS:
        return None
    path = unquote(parts.path)
    match = API_ROOTS[root].match(path)
    if match is None:
        return None
    return root, path[match.end():] or "/"


def _response(interaction: Mapping[str, Any]) -> Response:
    """The recorded answer as a schemathesis `Response` (what its checks take), with its request."""
    recorded_request, recorded = interaction["request"], interaction["response"]
    request_headers = {k: v[0] if isinstance(v, list) and v else v
                       for k, v in (recorded_request.get("headers") or {}).items()}
    prepared = requests.Request(recorded_request["method"], recorded_request["uri"], headers=request_headers,
                                data=unstructure(recorded_request.get("body"))).prepare()
    headers = {name.lower(): list(value) if isinstance(value, list) else [value]
               for name, value in (recorded.get("headers") or {}).items()}
    return Response(status_code=recorded["status"]["code"], headers=headers,
                    content=unstructure(recorded.get("body")) or b"", request=prepared, elapsed=0.0,
                    verify=True, message=recorded["status"].get("message") or "", encoding="utf-8")


def _problems(error: BaseException) -> tuple[str, ...]:
    failures = getattr(error, "exceptions", None) or [error]
    problems = []
    for failure in failures:
        title = getattr(failure, "title", None) or type(failure).__name__
        message = (getattr(failure, "message", None) or str(failure)).strip()
        first = " ".join(message.splitlines()[:3])
        problems.append(f"{title}: {first[:300]}" if first else str(title))
    return tuple(problems)


class _Validator:
    def __init__(self, contracts: Mapping[str, RootContract], roots: Mapping[str, str] | None,
                 checks: list[Callable], baseline: Baseline):
        self.contracts = contracts
        self.roots = roots
        self.checks = checks
        self.baseline = baseline
        self.report = CassetteReport()

    def cassette(self, path: Path, display: str) -> None:
        serializer = SERIALIZERS[CASSETTE_SUFFIXES.get(path.suffix.lower(), "json")]
        try:
            document = read_document(path, serializer)
        except CassetteFormatError as exc:
            raise ContractError(str(exc)) from None
        self.report.cassettes += 1
        for index, interaction in enumerate((document or {}).get("interactions", []), start=1):
            self.interaction(display, index, interaction)

    def interaction(self, display: str, index: int, interaction: Mapping[str, Any]) -> None:
        method = interaction["request"]["method"].upper()
        uri = interaction["request"]["uri"]
        located = split_uri(uri, self.roots)
        contract = self.contracts.get(located[0]) if located else None
        routed = contract.route(method, located[1]) if contract and located else None
        if routed is None:
            self.report.uncovered.append((display, index, method, uri))
            return
        template, path_parameters = routed
        operation = contract.schema[template][method]
        response = _response(interaction)
        query = dict(parse_qsl(urlsplit(uri).query, keep_blank_values=True))
        extra: dict[str, Any] = {}
        if method in ("POST", "PATCH", "PUT"):
            body = interaction["request"].get("body")
            extra["body"] = body["json"] if isinstance(body, Mapping) and "json" in body else {}
            extra["media_type"] = "application/json"
        case = operation.Case(path_parameters=path_parameters, query=query, **extra)
        self.report.checked += 1
        self.report.roots[contract.root] = self.report.roots.get(contract.root, 0) + 1
        try:
            case.validate_response(response, checks=self.checks,
                                   headers=dict(response.request.headers))
        except (FailureGroup, AssertionError) as exc:  # a group of check failures, or one
            failures = list(getattr(exc, "exceptions", None) or [exc])
            remaining = self.baseline.split(contract.root, f"{method} {template}", failures, response)
            self.report.known = dict(self.baseline.seen)
            if remaining:
                self.report.mismatches.append(CassetteMismatch(display, index, method, uri, f"{method} {template}",
                                                               _problems(FailureGroup(remaining))))


def validate_cassettes(paths: Iterable[str | Path], *, metadata_dir: str | Path | None = None,
                       documents: Mapping[str, dict[str, Any]] | None = None,
                       roots: Mapping[str, str] | None = None,
                       checks: list[Callable] | None = None,
                       known_issues: Iterable[KnownIssue] = (),
                       relative_to: str | Path | None = None) -> CassetteReport:
    """Validate every recorded response in the cassettes below `paths` against the contract.

    The contract is `documents` (OpenAPI per root: ``{"crm": {...}}``) and/or the stored `$metadata`
    files in `metadata_dir`. A cassette that cannot be read is a :class:`ContractError` naming it.
    Failures that `known_issues` explain are counted in ``report.known`` instead of reported.
    """
    validator = _Validator(load_contracts(metadata_dir, documents), roots, checks or list(CHECKS),
                           Baseline(tuple(known_issues)))
    base = Path(relative_to).resolve() if relative_to else None
    for path in cassette_files(paths):
        display = str(path)
        if base is not None:
            try:
                display = str(path.resolve().relative_to(base))
            except ValueError:
                pass
        validator.cassette(path, display)
    return validator.report

