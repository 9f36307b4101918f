"""CSDL -> OpenAPI on an F&O-sized `$metadata` (>= 28 MB): harness.metadata next to npm `odata-openapi`.

`harness metadata openapi FILE` (all sets, with `--indent 0` and with the default `--indent 2`) reads the
compact model (:mod:`harness.metadata.compact`) and streams the document; ``--select`` reads only what the selection needs
(:mod:`harness.metadata.lazy`). A deterministic F&O-like document is generated into a temp dir (namespace
Microsoft.Dynamics.DataEntities, thousands of entity types with `dataAreaId` composite keys,
EnumTypes, navigation properties with referential constraints, bound actions). Each measured
command runs in its own wrapper subprocess that reports wall time and
`resource.getrusage(RUSAGE_CHILDREN).ru_maxrss` (peak RSS of the command), so the figures of one
tool never mask the other's. Ours forks a second process for big documents (it reads and writes
half of them: :mod:`harness.metadata.halves`); the CPU time counts both, the peak is the larger
process's. "the same in one process" (``HARNESS_OPENAPI_PROCESSES=1``) is measured too.

    python benchmarks/bench_metadata.py [--size-mb 30] [--timeout 900] [--node-prefix DIR] [--repeat N]

The peer (`odata-openapi3`, the OASIS reference converter) is installed with
`npm install --prefix <DIR> odata-openapi` when missing; DIR defaults to a cache folder outside the
repository so node_modules is never committed. If npm fails, our figures are still printed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

REPO = Path(__file__).resolve().parents[1]
NAMESPACE = "Microsoft.Dynamics.DataEntities"
PEER_PACKAGE = "odata-openapi@0.29.0"
DEFAULT_NODE_PREFIX = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "dynamics-harness" / "odata-openapi"
FIRST_SET = "CustomersV3"

WORDS = (
    "Customer Vendor Sales Purchase Order Line Header Journal Ledger Item Product Warehouse Invoice Payment "
    "Project Asset Budget Tax Currency Bank Account Employee Worker Position Release Batch Inventory Site "
    "Location Route Production Quality Trade Agreement Price Discount Charge Shipment Transfer Return Rebate "
    "Commission Expense Fixed Main Dimension Posting Profile Group Setting Parameter Rule Policy Template"
).split()
ENUM_SIZES = (2, 2, 2, 3, 3, 4, 5, 6, 8, 12, 20, 30)

# A wrapper run as a separate process: it starts the command, waits, and reports the peak RSS and the
# CPU time (user + system, all threads) of its (only) child from RUSAGE_CHILDREN, plus the wall time.
WRAPPER = r"""
import json, resource, subprocess, sys, time
timeout = float(sys.argv[1])
start = time.perf_counter()
try:
    done = subprocess.run(sys.argv[2:], capture_output=True, text=True, timeout=timeout)
    code, out, err = done.returncode, done.stdout, done.stderr
except subprocess.TimeoutExpired:
    code, out, err = None, "", f"did not finish within {timeout:.0f} s"
elapsed = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "seconds": elapsed, "cpu": usage.ru_utime + usage.ru_stime,
                  "peak_mib": usage.ru_maxrss / 1024, "stdout": out[-2000:], "stderr": err[-2000:]}))
"""

OURS = r"""
import json, os, sys, time
source, target, mode, dialect = sys.argv[1:5]
if mode.endswith("@1"):  # the same in one process: no forked reader/writer halves
    os.environ["HARNESS_OPENAPI_PROCESSES"], mode = "1", mode[:-2]
start = time.perf_counter()
# each mode imports what the CLI imports for it (the all-sets path does without lxml)
if mode == "parse":  # the full model (diff, contract tests)
    from harness.metadata.parser import parse_csdl
    model, paths = parse_csdl(source), 0
elif mode == "compact":  # the model an all-sets conversion reads
    from harness.metadata.compact import read_compact
    model, paths = read_compact(source), 0
    assert model is not None, "the compact reading fell back to parse_csdl"
elif mode in ("all", "all-indented"):  # `harness metadata openapi FILE --indent 0 --out F` / the default --indent 2
    from harness.metadata.compact import load_model
    from harness.metadata.stream import write_openapi
    model = load_model(source)
    with open(target, "w", encoding="utf-8") as handle:
        paths = write_openapi(model, dialect, "all", None, handle, indent=2 if mode == "all-indented" else None)
else:  # `--select NAME`: only what the set needs is parsed
    from harness.metadata.lazy import load_selection
    from harness.metadata.stream import write_openapi
    model, names, _ = load_selection(source, [mode])
    with open(target, "w", encoding="utf-8") as handle:
        paths = write_openapi(model, dialect, names, None, handle)
print(json.dumps({"total_s": time.perf_counter() - start, "paths": paths, "entity_types": len(model.entity_types)}))
"""


def _name(rng: random.Random, index: int) -> str:
    return "".join(rng.sample(WORDS, rng.choice((2, 3)))) + str(index)


def write_fno_csdl(path: Path, target_bytes: int, seed: int = 7) -> dict[str, int]:
    """Write an F&O-like CSDL of at least `target_bytes`; returns counts of what it holds."""
    rng = random.Random(seed)
    written = 0
    counts = {"entity_types": 0, "enum_types": 0, "properties": 0, "navigation": 0, "actions": 0}
    sets: list[tuple[str, str, list[tuple[str, str]]]] = []
    keyed: list[tuple[str, str, list[str]]] = []  # (type, set, key names) usable as navigation targets

    with path.open("w", encoding="utf-8", newline="\n") as out:

        def emit(text: str) -> None:
            nonlocal written
            out.write(text)
            written += len(text)

        emit('<?xml version="1.0" encoding="utf-8"?>\n<edmx:Edmx Version="4.0" '
             'xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">\n<edmx:DataServices>\n'
             f'<Schema Namespace="{NAMESPACE}" xmlns="http://docs.oasis-open.org/odata/ns/edm">\n')
        enums = ["NoYes"]
        emit('<EnumType Name="NoYes"><Member Name="No" Value="0"/><Member Name="Yes" Value="1"/></EnumType>\n')
        for index in range(600):
            name = _name(rng, index) + "Type"
            members = "".join(
                f'<Member Name="{_name(rng, m)}" Value="{m}"/>' for m in range(rng.choice(ENUM_SIZES))
            )
            emit(f'<EnumType Name="{name}">{members}</EnumType>\n')
            enums.append(name)
        counts["enum_types"] = len(enums)

        # Real F&O entities reuse a shared vocabulary of field names (Description, CurrencyCode, ...).
        field_names = sorted({_name(rng, rng.randint(0, 9)) for _ in range(30000)})
        index = 0
        while written < target_bytes:
            type_name = "CustomerV3" if index == 0 else _name(rng, index)
            set_name = FIRST_SET if index == 0 else type_name + "s"
            company = rng.random() < 0.85
            keys = (["dataAreaId"] if company else []) + [f"{type_name[:12]}Id"]
            if rng.random() < 0.3:
                keys.append("LineNumber")
            lines = [f'<EntityType Name="{type_name}">', "<Key>"]
            lines += [f'<PropertyRef Name="{key}"/>' for key in keys]
            lines.append("</Key>")
            for key in keys:
                if key == "LineNumber":
                    lines.append('<Property Name="LineNumber" Type="Edm.Int64" Nullable="false"/>')
                else:
                    size = 4 if key == "dataAreaId" else 20
                    lines.append(f'<Property Name="{key}" Type="Edm.String" Nullable="false" MaxLength="{size}"/>')
            for prop in rng.sample(field_names, rng.randint(40, 110)):
                if prop in keys:
                    continue
                roll = rng.random()
                nullable = ' Nullable="false"' if rng.random() < 0.7 else ""
                if roll < 0.5:
                    facet = f'Type="Edm.String"{nullable} MaxLength="{rng.choice((10, 20, 60, 100, 255, 1000))}"'
                elif roll < 0.65:
                    facet = f'Type="{NAMESPACE}.{rng.choice(enums)}"{nullable}'
                elif roll < 0.77:
                    facet = f'Type="Edm.Decimal"{nullable} Precision="32" Scale="6"'
                elif roll < 0.85:
                    facet = f'Type="Edm.DateTimeOffset"{nullable}'
                elif roll < 0.91:
                    facet = f'Type="Edm.Int32"{nullable}'
                elif roll < 0.96:
                    facet = f'Type="Edm.Int64"{nullable}'
                else:
                    facet = f'Type="Edm.Guid"{nullable}'
                lines.append(f'<Property Name="{prop}" {facet}/>')
                counts["properties"] += 1
            bindings = []
            for nav_index in range(rng.randint(0, 4) if keyed else 0):
                target_type, target_set, target_keys = rng.choice(keyed)
                nav = f"{target_type[:20]}Nav{nav_index}"
                collection = rng.random() < 0.3
                nav_type = f"Collection({NAMESPACE}.{target_type})" if collection else f"{NAMESPACE}.{target_type}"
                constraints = "" if collection else "".join(
                    f'<ReferentialConstraint Property="{k}" ReferencedProperty="{k}"/>'
                    for k in target_keys if k in keys
                )
                lines.append(f'<NavigationProperty Name="{nav}" Type="{nav_type}">{constraints}</NavigationProperty>')
                bindings.append((nav, target_set))
                counts["navigation"] += 1
            lines.append("</EntityType>")
            if rng.random() < 0.05:
                lines.append(
                    f'<Action Name="{type_name}Submit" IsBound="true">'
                    f'<Parameter Name="_bindingParameter" Type="{NAMESPACE}.{type_name}"/>'
                    '<Parameter Name="comment" Type="Edm.String"/><ReturnType Type="Edm.String"/></Action>'
                )
                counts["actions"] += 1
            emit("\n".join(lines) + "\n")
            sets.append((set_name, type_name, bindings))
            keyed.append((type_name, set_name, keys))
            counts["entity_types"] += 1
            index += 1

        emit('<EntityContainer Name="Resources">\n')
        for set_name, type_name, bindings in sets:
            inner = "".join(
                f"<NavigationPropertyBinding Path={quoteattr(nav)} Target={quoteattr(target)}/>"
                for nav, target in bindings
            )
            emit(f'<EntitySet Name="{set_name}" EntityType="{NAMESPACE}.{type_name}">{inner}</EntitySet>\n')
        emit("</EntityContainer>\n</Schema>\n</edmx:DataServices>\n</edmx:Edmx>\n")
    counts["bytes"] = path.stat().st_size
    return counts


REPEAT = 1  # set from --repeat: each command (ours and the peer's alike) runs this often, the fastest run counts


def measure(command: list[str], timeout: float, cwd: Path, env: dict[str, str] | None = None) -> dict:
    best: dict | None = None
    for _ in range(REPEAT):
        wrapper = [sys.executable, "-c", WRAPPER, str(timeout), *command]
        done = subprocess.run(wrapper, capture_output=True, text=True, cwd=cwd, check=True, env=env)
        result = json.loads(done.stdout)
        if result["code"] != 0:
            return result
        if best is None or result["seconds"] < best["seconds"]:
            best = result
    assert best is not None
    return best


def ensure_peer(prefix: Path) -> Path | None:
    cli = prefix / "node_modules" / "odata-openapi" / "lib" / "cli.js"
    if cli.exists():
        return cli
    if shutil.which("npm") is None or shutil.which("node") is None:
        print("PEER UNAVAILABLE: node/npm are not installed; only our figures are shown.")
        return None
    prefix.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix), PEER_PACKAGE],
        capture_output=True, text=True,
    )
    if done.returncode != 0 or not cli.exists():
        print(f"PEER UNAVAILABLE: `npm install --prefix {prefix} {PEER_PACKAGE}` failed:")
        print("  " + (done.stderr or done.stdout).strip().replace("\n", "\n  ")[-1500:])
        return None
    return cli


def _report(label: str, result: dict, output: Path | None) -> None:
    if result["code"] != 0:
        reason = result["stderr"].strip().splitlines()[-1:] or ["exit code " + str(result["code"])]
        print(f"  {label:<44} FAILED after {result['seconds']:.1f} s, peak {result['peak_mib']:.0f} MiB: {reason[0]}")
        return
    size = ""
    if output and output.exists():
        size = f", output {output.stat().st_size / 2**20:.1f} MiB" if output.stat().st_size > 2**20 else (
            f", output {output.stat().st_size / 1024:.0f} KiB"
        )
    print(f"  {label:<44} {result['seconds']:7.2f} s (CPU {result['cpu']:6.2f} s)   "
          f"peak RSS {result['peak_mib']:5.0f} MiB{size}")


def _ratio(ours: dict, peer: dict | None, what: str) -> None:
    if peer is None or peer["code"] != 0 or ours["code"] != 0:
        print(f"  ratio {what}: n/a (peer did not produce a result)")
        return
    print(
        f"  ratio {what}: peer/ours time {peer['seconds'] / ours['seconds']:.1f}x "
        f"(CPU time {peer['cpu'] / ours['cpu']:.1f}x), peer/ours peak memory {peer['peak_mib'] / ours['peak_mib']:.1f}x"
    )


CORPUS = REPO.parent / "shared" / "corpus" / "Simple.OData.Client"
# (file, dialect, the one set) for the real Dataverse documents measured next to the generated one.
REAL_DOCUMENTS = ((CORPUS / "DynamicsCRM.xml", "dataverse", "accounts"),
                  (CORPUS / "crm_schema.xml", "dataverse", "accounts"))


def bytecode_env(workdir: Path) -> dict[str, str]:
    """Our commands' environment: the harness's modules compiled once into a cache in ``workdir``, as
    an installed package has them (pip compiles on install). A shell with PYTHONDONTWRITEBYTECODE
    set (this box's) would otherwise compile every module from source in every run (~30 ms)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    subprocess.run([sys.executable, "-c", "import harness.cli, harness.metadata.compact, harness.metadata.stream, "
                    "harness.metadata.lazy, harness.metadata.parser"], cwd=REPO, env=env, check=True)
    return env


def compare(csdl: Path, dialect: str, one: str, workdir: Path, cli: Path | None, args: argparse.Namespace) -> None:
    """Ours (parse only, all sets streamed, one set selective) and the peer (all, one) on one document."""
    stem = csdl.stem
    ours_cmd = [sys.executable, "-c", OURS, str(csdl)]
    env = bytecode_env(workdir)
    print(f"harness.metadata on {csdl.name} ({csdl.stat().st_size / 2**20:.1f} MiB):")
    parse_only = measure([*ours_cmd, str(workdir / "none.json"), "parse", dialect], args.timeout, REPO, env)
    _report("parse only (full model, parse_csdl)", parse_only, None)
    compact_only = measure([*ours_cmd, str(workdir / "none.json"), "compact", dialect], args.timeout, REPO, env)
    _report("parse only (compact model, read_compact)", compact_only, None)
    ours_all = measure([*ours_cmd, str(workdir / f"{stem}_ours_all.json"), "all", dialect], args.timeout, REPO, env)
    _report("all entity sets (streamed, compact)", ours_all, workdir / f"{stem}_ours_all.json")
    ours_single = measure([*ours_cmd, str(workdir / f"{stem}_ours_all1.json"), "all@1", dialect], args.timeout, REPO, env)
    _report("  the same in one process", ours_single, workdir / f"{stem}_ours_all1.json")
    if ours_all["code"] == 0 and ours_single["code"] == 0:
        same = (workdir / f"{stem}_ours_all.json").read_bytes() == (workdir / f"{stem}_ours_all1.json").read_bytes()
        print(f"  (two processes and one process wrote {'the same bytes' if same else 'DIFFERENT BYTES'})")
    no_cache = {key: value for key, value in env.items() if key != "PYTHONPYCACHEPREFIX"}
    no_cache["PYTHONDONTWRITEBYTECODE"] = "1"
    ours_compiling = measure([*ours_cmd, str(workdir / f"{stem}_ours_all0.json"), "all", dialect], args.timeout, REPO,
                             no_cache)
    _report("  the same, no .pyc (modules compiled)", ours_compiling, None)
    ours_indented = measure([*ours_cmd, str(workdir / f"{stem}_ours_all2.json"), "all-indented", dialect],
                            args.timeout, REPO, env)
    _report("all entity sets (streamed, --indent 2)", ours_indented, workdir / f"{stem}_ours_all2.json")
    ours_one = measure([*ours_cmd, str(workdir / f"{stem}_ours_one.json"), one, dialect], args.timeout, REPO, env)
    _report(f"{one} only (--select: selective parse)", ours_one, workdir / f"{stem}_ours_one.json")
    peer_all = peer_one = peer_pretty = None
    if cli is not None:
        node = [shutil.which("node") or "node", f"--max-old-space-size={args.peer_heap_mb}", str(cli)]
        print(f"odata-openapi3 ({PEER_PACKAGE}) on {csdl.name}:")
        raw = csdl.read_bytes()
        if raw.startswith(b"\xef\xbb\xbf"):  # the peer takes a UTF-8 byte order mark for JSON: give it none
            csdl = workdir / f"{stem}_no_bom.xml"
            csdl.write_bytes(raw[3:])
            print("  (input without its UTF-8 byte order mark, which odata-openapi3 cannot read)")
        peer_all = measure([*node, "--skipBatchPath", "-t", str(workdir / f"{stem}_peer_all.json"), str(csdl)],
                           args.timeout, workdir)
        _report("convert all (--skipBatchPath)", peer_all, workdir / f"{stem}_peer_all.json")
        peer_pretty = measure([*node, "--skipBatchPath", "--pretty", "-t", str(workdir / f"{stem}_peer_all4.json"),
                               str(csdl)], args.timeout, workdir)
        _report("convert all (--skipBatchPath --pretty)", peer_pretty, workdir / f"{stem}_peer_all4.json")
        peer_one = measure([*node, "--skipBatchPath", "-k", one, "-t", str(workdir / f"{stem}_peer_one.json"),
                            str(csdl)], args.timeout, workdir)
        _report(f"convert {one} only (-k)", peer_one, workdir / f"{stem}_peer_one.json")
    print(f"Ratios on {csdl.name} (> 1 means ours is faster / smaller):")
    _ratio(ours_all, peer_all, "all entity sets")
    _ratio(ours_single, peer_all, "all entity sets, ours in one process")
    _ratio(ours_compiling, peer_all, "all entity sets, ours compiling its modules (no .pyc)")
    _ratio(ours_indented, peer_all, "all, ours --indent 2 (the CLI default) vs peer compact")
    _ratio(ours_indented, peer_pretty, "all, ours --indent 2 vs peer --pretty (indent 4)")
    _ratio(ours_one, peer_one, f"{one} only")
    if ours_one["code"] == 0 and ours_all["code"] == 0:
        print(f"  one set / all sets (ours): {ours_one['seconds'] / ours_all['seconds']:.2f} of the time; "
              f"peak RSS / document size, all sets: {ours_all['peak_mib'] / (csdl.stat().st_size / 2**20):.1f}x "
              "(target <= 2x for the 31 MiB document)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=30.0, help="size of the generated CSDL (>= 28 for F&O)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds allowed per measured command")
    parser.add_argument("--node-prefix", type=Path, default=DEFAULT_NODE_PREFIX)
    parser.add_argument("--peer-heap-mb", type=int, default=8192, help="Node --max-old-space-size for the peer")
    parser.add_argument("--keep", help="directory to keep the generated CSDL and outputs in")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run every command (ours and the peer's) N times and keep the fastest (a loaded machine)")
    args = parser.parse_args()
    global REPEAT
    REPEAT = max(1, args.repeat)

    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-metadata-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        csdl = workdir / "fno_metadata.xml"
        counts = write_fno_csdl(csdl, int(args.size_mb * 2**20))
        print(
            f"Generated {csdl.name}: {counts['bytes'] / 2**20:.1f} MiB, {counts['entity_types']} entity types/sets, "
            f"{counts['enum_types']} enum types, {counts['properties']} properties, "
            f"{counts['navigation']} navigation properties, {counts['actions']} bound actions"
        )
        print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
              f"({os.cpu_count()} CPUs; runs per command: {REPEAT}, the fastest counts)")
        cli = ensure_peer(args.node_prefix)
        if cli is not None:
            version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
            print(f"peer: odata-openapi3 ({PEER_PACKAGE}, Node {version})")
        compare(csdl, "fno", FIRST_SET, workdir, cli, args)
        for path, dialect, one in REAL_DOCUMENTS:
            print()
            if not path.exists():
                print(f"{path}: not available (the shared corpus is outside the repository); skipped")
                continue
            compare(path, dialect, one, workdir, cli, args)
        print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
