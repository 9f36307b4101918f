"""``harness metadata fetch|diff|openapi|check-cassettes``: download `$metadata`, compare two of them,
convert one to OpenAPI, check recorded responses against the stored ones.

A SOURCE is a CSDL file, or ``sim:<root>`` / ``live:<root>`` (crm, fno, bc) to download it with the
harness's own sign-in, e.g. ``harness metadata diff cassettes/metadata/crm.xml live:crm`` tells
whether the recorded cassettes still describe the live org. ``diff`` exits 0 when nothing changed,
1 on drift (``--fail-on breaking``: only on breaking drift) and 2 on a usage error;
``check-cassettes`` exits 0 when every recorded response conforms, 1 on a mismatch, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from harness.contract.errors import ContractError
from harness.errors import HarnessError
from harness.metadata.dialects import CHOICES
from harness.odata.dialects import BY_ROOT

if TYPE_CHECKING:
    from harness.metadata import CsdlModel

TARGET_PREFIXES = ("sim:", "live:")


# ---------------------------------------------------------------------------- sources
def is_target_reference(source: str) -> bool:
    return source.startswith(TARGET_PREFIXES)


def fetch_bytes(target: str, root: str, env_file: str | None) -> tuple[bytes, str]:
    """`$metadata` of `root` on the simulator or the live instance; (XML, its API root URL)."""
    from harness.contract.metadata import fetch_metadata
    from harness.targets import client_for, open_targets

    if root not in BY_ROOT:
        raise ContractError(f"unknown service root {root!r}; expected one of {', '.join(BY_ROOT)}")
    with open_targets(target, env_file) as (targets, broker):
        settings = targets.get(root)
        if settings is None:
            raise HarnessError(f"no settings for target '{root}': set {root.upper()}_URL and its sign-in keys "
                               "in .env (see .env.example)")
        with client_for(settings, broker) as client:
            return fetch_metadata(client), client.api_root


def load_source(source: str, env_file: str | None, *, compact: bool = False) -> tuple[CsdlModel, str | None]:
    """(parsed model, root name if the source was a target reference).

    ``compact``: the model is only converted to OpenAPI, so properties may share objects
    (:mod:`harness.metadata.compact`: a fraction of the memory and time for a whole document).
    """
    if compact:  # (lxml, which parse_csdl uses, is then imported only if the compact reading gives up)
        from harness.metadata.compact import load_model as read
    else:
        from harness.metadata.parser import parse_csdl as read
    if is_target_reference(source):
        target, _, root = source.partition(":")
        content, _ = fetch_bytes(target, root, env_file)
        model = read(content)
        model.source = source
        return model, root
    path = Path(source)
    if path.is_dir():
        raise HarnessError(f"{source}: is a folder; give a $metadata XML file (or sim:<root> / live:<root>)")
    if not path.exists():
        raise HarnessError(f"{source}: no such file (give a $metadata XML file, or sim:<root> / live:<root>)")
    return read(path), None


def write_output(text: str | bytes, out: str | None) -> None:
    """To `out` (a file; its folder is created) or to stdout when `out` is None or ``-``."""
    if out in (None, "-"):
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
            sys.stdout.flush()
        else:
            print(text)
        return
    path = Path(out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
    except OSError as exc:
        raise HarnessError(f"cannot write {out}: {exc.strerror or exc}") from None


def _names(value: str | None) -> str | list[str] | None:
    if value is None:
        return None
    if value.strip() == "all":
        return "all"
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise HarnessError("expected a comma-separated list of names, or 'all'")
    return names


# ---------------------------------------------------------------------------- commands
def fetch_command(target: str, root: str, out: str | None, env_file: str | None) -> int:
    content, _ = fetch_bytes(target, root, env_file)
    write_output(content, out)
    if out not in (None, "-"):
        print(f"wrote {out} ({len(content):,} bytes) from {root} ({target})", file=sys.stderr)
    return 0


def diff_command(old: str, new: str, json_out: str | None, fail_on: str, env_file: str | None) -> int:
    from harness.metadata import diff_metadata

    old_model, _ = load_source(old, env_file)
    new_model, _ = load_source(new, env_file)
    report = diff_metadata(old_model, new_model)
    if json_out == "-":
        print(report.to_json())
    else:
        print(report.to_text())
        if json_out:
            write_output(report.to_json(), json_out)
    drifted = bool(report.breaking) if fail_on == "breaking" else not report.is_empty
    return 1 if drifted else 0


def openapi_command(source: str, dialect: str | None, entity_sets: str | None, operation_imports: str | None,
                    server_url: str | None, out: str | None, env_file: str | None, indent: int | None = 2) -> int:
    """Convert, reading only what a selection needs from a file (:mod:`harness.metadata.lazy`) and
    writing the document a set at a time (:mod:`harness.metadata.stream`)."""
    from harness.gc_pause import gc_paused

    with gc_paused():  # also between reading and writing: a full collection over the new model finds nothing
        return _openapi(source, dialect, entity_sets, operation_imports, server_url, out, env_file, indent)


def _openapi(source: str, dialect: str | None, entity_sets: str | None, operation_imports: str | None,
             server_url: str | None, out: str | None, env_file: str | None, indent: int | None) -> int:
    from harness.metadata.stream import write_openapi

    selected, imports = _names(entity_sets) or "all", _names(operation_imports)
    if dialect is None and not is_target_reference(source):
        raise HarnessError(f"--dialect is needed for a file source: one of {', '.join(CHOICES)}")
    if selected != "all" and not is_target_reference(source) and Path(source).is_file():
        from harness.metadata.lazy import load_selection

        model, selected, chosen_imports = load_selection(source, selected, imports)
        imports = chosen_imports if imports is not None else None
        root = None
    else:
        model, root = load_source(source, env_file, compact=True)
    if dialect is None:
        assert root is not None
        dialect = CHOICES[list(BY_ROOT).index(root)]
    indent = indent or None  # 0: compact
    if out in (None, "-"):
        paths = write_openapi(model, dialect, selected, server_url, sys.stdout, operation_imports=imports,
                              indent=indent)
        sys.stdout.flush()
        return 0
    import tempfile  # here: `harness --help` need not load tempfile (and shutil, bz2, lzma)

    target = Path(out)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}.",
                                             suffix=".tmp", delete=False)
    except OSError as exc:
        raise HarnessError(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        with handle:
            paths = write_openapi(model, dialect, selected, server_url, handle, operation_imports=imports,
                                  indent=indent)
        os.replace(handle.name, target)  # nothing half-written: the file appears complete or not at all
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    print(f"wrote {out}: {paths} paths for the {dialect} dialect", file=sys.stderr)
    return 0


def find_metadata_dir(start: Path) -> Path:
    """The nearest ``metadata`` folder at or above `start` (``cassettes/suites`` -> ``cassettes/metadata``)."""
    for folder in [start, *start.resolve().parents]:
        candidate = folder / "metadata"
        if candidate.is_dir() and any(candidate.glob("*.xml")):
            return candidate
    return Path("cassettes") / "metadata"


def check_cassettes_command(paths: list[str], metadata_dir: str | None, json_out: str | None) -> int:
    from harness.contract.cassettes import validate_cassettes

    paths = paths or ["cassettes"]
    report = validate_cassettes(paths, metadata_dir=metadata_dir or find_metadata_dir(Path(paths[0])))
    if json_out == "-":
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report.to_text())
        if json_out:
            write_output(json.dumps(report.to_dict(), indent=2), json_out)
    return 0 if report.ok else 1


# ---------------------------------------------------------------------------- argparse
def _target_source_help() -> str:
    return "a $metadata XML file, or sim:<root> / live:<root> (crm, fno, bc) to download it"


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``metadata`` with ``fetch``, ``diff``, ``openapi`` and ``check-cassettes`` to the ``harness`` CLI."""
    parser = commands.add_parser(
        "metadata", help="download $metadata, compare two versions (drift), convert to OpenAPI",
        description="Work with OData $metadata (CSDL) documents. SOURCE arguments are files, or sim:<root> / "
                    "live:<root> (crm, fno, bc) to download with the harness's sign-in.")
    parser.add_argument("--env-file", default=None, help="the .env file for live: sources (default ./.env)")
    actions = parser.add_subparsers(dest="metadata_command", metavar="ACTION", required=True)

    fetch = actions.add_parser("fetch", help="download a service's $metadata with the harness's token",
                               description="Download $metadata from the simulator or the live instance in .env.")
    fetch.add_argument("--target", choices=("sim", "live"), default="sim", help="sim (default) or live")
    fetch.add_argument("--root", choices=tuple(BY_ROOT), required=True, help="which service")
    fetch.add_argument("--out", default=None, metavar="FILE", help="write here (default: stdout)")
    fetch.add_argument("--env-file", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    fetch.set_defaults(handler=lambda a: fetch_command(a.target, a.root, a.out, a.env_file))

    diff = actions.add_parser(
        "diff", help="what changed between two $metadata documents (exit 1 on drift)",
        description="Entity sets, types, keys, properties and navigation added, removed or changed between "
                    "OLD and NEW. Exit status: 0 no drift, 1 drift, 2 usage error.")
    diff.add_argument("old", metavar="OLD", help=_target_source_help())
    diff.add_argument("new", metavar="NEW", help=_target_source_help())
    diff.add_argument("--json", dest="json_out", default=None, metavar="OUT",
                      help="also write the report as JSON to OUT ('-': print JSON instead of text)")
    diff.add_argument("--fail-on", choices=("any", "breaking"), default="any",
                      help="exit 1 on any change (default) or only on breaking ones")
    diff.add_argument("--env-file", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    diff.set_defaults(handler=lambda a: diff_command(a.old, a.new, a.json_out, a.fail_on, a.env_file))

    openapi = actions.add_parser(
        "openapi", help="convert $metadata to an OpenAPI 3.0 document",
        description="Write the OpenAPI document the contract tests use: what each Dynamics service really "
                    "answers (status codes, headers, error bodies) for the selected entity sets.")
    openapi.add_argument("source", metavar="SOURCE", help=_target_source_help())
    openapi.add_argument("--dialect", choices=CHOICES, default=None,
                         help="dataverse, fno or bc (default: from the root of a sim:/live: source)")
    openapi.add_argument("--entity-sets", "--select", dest="entity_sets", default=None, metavar="A,B",
                         help="entity sets to include, names or globs such as new_* (default: all); from a file "
                              "only what they need is parsed")
    openapi.add_argument("--operation-imports", default=None, metavar="A,B",
                         help="unbound functions/actions to include, e.g. WhoAmI (default: none)")
    openapi.add_argument("--server-url", default=None, help="the servers[] URL (default: the dialect's example)")
    openapi.add_argument("--out", default=None, metavar="FILE", help="write here (default: stdout)")
    openapi.add_argument("--indent", type=int, default=2, metavar="N",
                         help="JSON indentation, laid out as json.dumps(indent=N) writes it (default 2; 0 = compact)")
    openapi.add_argument("--env-file", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    check = actions.add_parser(
        "check-cassettes", help="check recorded responses against the stored $metadata (offline)",
        description="Validate every recorded response in the cassettes against the OpenAPI contract made "
                    "from the $metadata stored beside them (<dir>/metadata/<root>.xml): status codes, "
                    "content types, required headers, body schemas. Exit status: 0 all conform, 1 a "
                    "mismatch (file and interaction named), 2 bad input.")
    check.add_argument("paths", nargs="*", metavar="PATH", help="cassette files or folders (default: cassettes)")
    check.add_argument("--metadata-dir", default=None, metavar="DIR",
                       help="folder with crm.xml, fno.xml, bc.xml (default: <first folder>/metadata)")
    check.add_argument("--json", dest="json_out", default=None, metavar="OUT",
                       help="also write the report as JSON to OUT ('-': print JSON instead of text)")
    check.add_argument("--env-file", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    check.set_defaults(handler=lambda a: check_cassettes_command(a.paths, a.metadata_dir, a.json_out))

    openapi.set_defaults(handler=lambda a: openapi_command(a.source, a.dialect, a.entity_sets, a.operation_imports,
                                                           a.server_url, a.out, a.env_file, a.indent))
