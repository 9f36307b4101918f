"""Cassette serializers: pretty JSON (the default) and YAML with libyaml, both of structured documents.

Why JSON by default: the standard library's C JSON parser loads a cassette several times faster
than PyYAML even with libyaml's ``CSafeLoader`` (see ``benchmarks/bench_cassettes.py``), JSON has no
tags to be tricked by, and with bodies stored as structured data (not escaped strings) and two-space
indentation it reads and diffs well. YAML stays available (``vcr_config: {"serializer": "yaml"}``)
for people who prefer it; it is written with the C dumper and read with the safe C loader.

Both serializers only turn text into data and back: the cassette layout (structured bodies,
placeholders) is the persister's job, so any vcrpy serializer works with the harness persister.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

try:
    from yaml import CSafeDumper as _Dumper
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


class JsonSerializer:
    """``json`` with two-space indentation and real UTF-8 (not ``\\u`` escapes)."""

    suffix = "json"

    @staticmethod
    def serialize(cassette: Any) -> str:
        return json.dumps(cassette, indent=2, ensure_ascii=False) + "\n"

    @staticmethod
    def deserialize(text: str) -> Any:
        return json.loads(text)


class YamlSerializer:
    """Safe YAML through libyaml, block style, keys in document order."""

    suffix = "yaml"

    @staticmethod
    def serialize(cassette: Any) -> str:
        return yaml.dump(cassette, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False)

    @staticmethod
    def deserialize(text: str) -> Any:
        return yaml.load(text, Loader=_Loader)


SERIALIZERS = {"json": JsonSerializer, "yaml": YamlSerializer}
DEFAULT_SERIALIZER = "json"


def describe_decode_error(exc: Exception) -> str:
    """``line 12 column 5: Expecting ',' delimiter`` for JSON and YAML parse errors."""
    if isinstance(exc, json.JSONDecodeError):
        return f"line {exc.lineno} column {exc.colno}: {exc.msg}"
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        problem = getattr(exc, "problem", None) or str(exc)
        return f"line {mark.line + 1} column {mark.column + 1}: {problem}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
