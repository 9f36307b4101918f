"""Write the OpenAPI document a set at a time instead of holding it (or its JSON text) whole.

:func:`harness.metadata.to_openapi` returns one dict, and ``json.dumps`` of an all-sets F&O
document is a 130-230 MB string on top of it. Here the same builder runs set by set: after each
set its paths go straight to the output, and its new schemas and parameters to a temporary spool
file that is copied into ``components`` at the end; the builder keeps only their names (to emit
each once). Peak memory is the model plus one set's worth of output, whatever the output size.

The document is the same as ``to_openapi``'s (equal once parsed); only the key order differs
(``paths`` before ``tags``; components in the order they were made rather than sorted).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from ._gc import gc_paused
from .dialects import get_dialect
from .model import CsdlModel
from .openapi import OPENAPI_VERSION, _Builder, select_names


class _Drained(dict):
    """A dict the builder fills; :meth:`drain` hands out and forgets the new entries, keeping their
    names so ``name in d`` stays true (the builder's "already emitted" test)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def __contains__(self, key: object) -> bool:
        return key in self.seen or dict.__contains__(self, key)

    def drain(self) -> list[tuple[str, Any]]:
        items = list(self.items())
        self.seen.update(self.keys())
        self.clear()
        return items


class _Writer:
    def __init__(self, out: IO[str], indent: int | None):
        self.out = out
        self.indent = indent

    def encode(self, value: Any) -> str:
        if self.indent is None:  # one-shot dumps without indent uses the C encoder
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return json.dumps(value, ensure_ascii=False, indent=self.indent)

    def members(self, target: IO[str], items: Iterable[tuple[str, Any]], first: bool) -> bool:
        newline = "" if self.indent is None else "\n"
        for key, value in items:
            target.write(("" if first else ",") + newline + self.encode(key) + ":" + self.encode(value))
            first = False
        return first


def write_openapi(model: CsdlModel, dialect: str, entity_sets: str | Iterable[str], server_url: str | None,
                  out: IO[str], *, operation_imports: str | Iterable[str] | None = None, title: str | None = None,
                  version: str = "1.0.0", indent: int | None = None) -> int:
    """Stream the OpenAPI document for ``entity_sets`` to ``out``; returns the number of paths."""
    profile = get_dialect(dialect)
    set_names = select_names(model.entity_sets, entity_sets, "entity set", model.source)
    imports: dict[str, Any] = {}
    import_names: list[str] = []
    if operation_imports is not None and model.container is not None:
        imports = {**model.container.function_imports, **model.container.action_imports}
        import_names = select_names(imports, operation_imports, "action/function import", model.source)
    builder = _Builder(model, profile)
    builder.paths, builder.schemas, builder.parameters = _Drained(), _Drained(), _Drained()
    writer = _Writer(out, indent)
    head = {"openapi": OPENAPI_VERSION,
            "info": {"title": title or f"{profile.title} ({Path(model.source).name})", "version": version,
                     "description": f"Generated from CSDL by harness.metadata for the {profile.name} dialect."},
            "servers": [{"url": (server_url or profile.default_server_url).rstrip("/")}]}
    out.write(writer.encode(head)[:-1] + ',"paths":{')
    paths = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8") as schemas, \
            tempfile.TemporaryFile("w+", encoding="utf-8") as parameters, gc_paused():
        first_path = first_schema = first_parameter = True
        for work in _steps(builder, model, set_names, imports, import_names):
            work()
            drained = builder.paths.drain()
            paths += len(drained)
            first_path = writer.members(out, drained, first_path)
            first_schema = writer.members(schemas, builder.schemas.drain(), first_schema)
            first_parameter = writer.members(parameters, builder.parameters.drain(), first_parameter)
        builder._emit_referenced_types()
        writer.members(schemas, builder.schemas.drain(), first_schema)
        out.write('},"tags":' + writer.encode(builder.tags) + ',"components":{"schemas":{')
        schemas.seek(0)
        shutil.copyfileobj(schemas, out)
        out.write('},"parameters":{')
        parameters.seek(0)
        shutil.copyfileobj(parameters, out)
        out.write('},"responses":' + writer.encode(builder.responses)
                  + ',"securitySchemes":{"bearer":{"type":"http","scheme":"bearer","bearerFormat":"JWT"}}},'
                  '"security":[{"bearer":[]}]}\n')
    return paths


def _steps(builder: _Builder, model: CsdlModel, set_names: list[str], imports: dict[str, Any],
           import_names: list[str]) -> Iterator:
    for name in set_names:
        yield lambda name=name: builder.add_entity_set(model.entity_sets[name])
    for name in import_names:
        yield lambda name=name: builder.add_operation_import(imports[name])
