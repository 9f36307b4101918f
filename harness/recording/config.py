"""A vcrpy ``VCR`` configured like the pytest plugin, for scripts, benchmarks and tests."""

from __future__ import annotations

from pathlib import Path

from vcr import VCR

from harness.recording import absent_imports, fast_headers
from harness.recording.matching import MATCH_ON, MATCHERS
from harness.recording.persister import ContextSource, HarnessPersister
from harness.recording.replay_index import with_index_hook
from harness.recording.serializers import DEFAULT_SERIALIZER, SERIALIZERS


def configure_vcr(context: ContextSource = None, cassette_library_dir: str | Path | None = None, *,
                  record_mode: str = "none", serializer: str = DEFAULT_SERIALIZER) -> VCR:
    """A ``VCR`` with the harness serializers, OData matchers, scrubbing persister and replay index."""
    vcr = VCR(cassette_library_dir=str(cassette_library_dir) if cassette_library_dir else None,
              record_mode=record_mode, serializer=serializer, match_on=MATCH_ON,
              decode_compressed_response=True, path_transformer=VCR.ensure_suffix(f".{serializer}"))
    for name, item in SERIALIZERS.items():
        vcr.register_serializer(name, item)
    for name, matcher in MATCHERS.items():
        vcr.register_matcher(name, matcher)
    vcr.register_persister(HarnessPersister(context))
    vcr.after_load_interaction = with_index_hook(vcr.after_load_interaction)
    fast_headers.install()  # replayed responses' headers without the e-mail parser
    absent_imports.install()  # vcrpy's imports of HTTP libraries that are not installed, answered once
    return vcr
