"""The vcrpy persister that makes every cassette safe to commit and portable between instances.

Saving: interactions become documents (structured bodies, decompressed responses), secrets are
scrubbed (:mod:`harness.recording.scrub`), instance URLs and tenants become placeholders
(:mod:`harness.recording.instance`), and the file is written atomically (a temporary file in the
same folder, then a rename), so an interrupted run never leaves half a cassette.

Loading: placeholders are mapped to the current instance and bodies re-encoded. A cassette that
cannot be read raises :class:`CassetteFormatError` naming the file and the place, instead of
vcrpy's "treat it as empty and maybe overwrite it".

Because scrubbing lives here and not in ``vcr_config`` hooks, a test that overrides ``vcr_config``
still gets it; only passing another ``persister=`` opts out.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vcr.persisters.filesystem import CassetteNotFoundError

from harness.files import write_atomically
from harness.gc_pause import Pause, PausedList
from harness.recording.instance import InstanceMap, map_interaction, map_strings
from harness.recording.interactions import (
    CassetteFormatError,
    check_document,
    compact_headers,
    doc_to_request,
    doc_to_response,
    new_document,
    request_to_doc,
    response_to_doc,
)
from harness.recording.scrub import Placeholders, Scrubber
from harness.recording.serializers import describe_decode_error
from harness.secrets import registered_secrets


@dataclass(frozen=True)
class RecordingContext:
    """What the persister needs to know about the run: the instance and the secrets it was given."""

    instance: InstanceMap = field(default_factory=InstanceMap)
    known_secrets: tuple[tuple[str, str], ...] = ()  # (value, label)

    @classmethod
    def from_targets(cls, targets: dict[str, Any]) -> RecordingContext:
        """From the ``harness_targets`` fixture: URLs/tenants to hide, passwords/secrets to scrub."""
        secrets: list[tuple[str, str]] = []
        for target in targets.values():
            for name in ("password", "client_secret", "access_token", "refresh_token"):
                value = getattr(target, name, None)
                if value is not None and value.reveal():
                    secrets.append((value.reveal(), name.upper()))
        return cls(InstanceMap.from_targets(targets), tuple(secrets))


ContextSource = RecordingContext | Callable[[], RecordingContext | None] | None


def _resolve(context: ContextSource) -> RecordingContext:
    if callable(context):
        context = context()
    return context or RecordingContext()


def read_document(path: str | os.PathLike[str], serializer: Any,
                  instance: InstanceMap | None = None) -> dict[str, Any] | None:
    """The parsed cassette at ``path``; ``None`` if it does not exist or is empty.

    With ``instance``, placeholders are mapped to that instance (in the JSON text when the
    serializer is the JSON one, which is fastest; else walking the parsed document).
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CassetteFormatError(f"{path}: not UTF-8 text (byte {exc.start}); re-record it") from None
    if not text.strip():
        return None
    text_mapped = instance is not None and not instance.empty and getattr(serializer, "suffix", "") == "json"
    if text_mapped:
        assert instance is not None
        text = instance.reveal_in_json(text)
    try:
        doc = serializer.deserialize(text)
    except Exception as exc:  # json/yaml parse errors of a hand-edited or truncated file
        raise CassetteFormatError(f"{path}: {describe_decode_error(exc)}; fix the file or re-record it") from None
    interactions = check_document(doc, str(path))
    if instance is not None and not instance.empty and not text_mapped:
        interactions = [map_interaction(item, instance.reveal) for item in interactions]
    return {**doc, "interactions": interactions}


def scrub_document(interactions: list[dict[str, Any]], metadata: dict[str, Any] | None,
                   context: RecordingContext) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Secrets scrubbed, then instance values hidden (documents in, documents out).

    Known secrets are the run's settings and every secret registered so far in the process (a
    refresh token issued to an earlier test or Postman item and reused here, under any name).
    """
    existing = json.dumps([interactions, metadata], ensure_ascii=False, default=str)
    scrubber = Scrubber(Placeholders(context.known_secrets, existing, seen=registered_secrets()))
    interactions = scrubber.scrub(interactions)
    if metadata:
        metadata = scrubber.scrub_value(metadata)
    if not context.instance.empty:
        interactions = [map_interaction(item, context.instance.hide) for item in interactions]
        if metadata:  # e.g. a Postman item's saved variables hold @odata.nextLink URLs
            metadata = map_strings(metadata, context.instance.hide)
    return interactions, metadata


class HarnessPersister:
    """vcrpy persister: ``load_cassette(path, serializer)`` and ``save_cassette(path, dict, serializer)``.

    ``extra_paths`` are read after the cassette and never written (pytest-recording's
    ``@pytest.mark.vcr("shared.json")``); metadata comes from the cassette itself.
    """

    def __init__(self, context: ContextSource = None, extra_paths: Sequence[str] = ()):
        self.context = context
        self.extra_paths = list(extra_paths)

    @staticmethod
    def _interactions(doc: dict[str, Any] | None) -> Iterable[tuple[Any, Any]]:
        for item in (doc or {}).get("interactions", []):
            yield doc_to_request(item["request"]), doc_to_response(item["response"])

    def load_cassette(self, cassette_path: str, serializer: Any):
        """(requests, responses[, metadata]) for vcrpy; the requests come as a
        :class:`~harness.gc_pause.PausedList`: the garbage collector waits until vcrpy has
        appended them all (see :mod:`harness.gc_pause`)."""
        pause = Pause()
        try:
            instance = _resolve(self.context).instance
            main = read_document(cassette_path, serializer, instance)
            extras = [read_document(path, serializer, instance) for path in self.extra_paths
                      if path != cassette_path]
            if main is None and not any(extras):
                raise CassetteNotFoundError(cassette_path)
            pairs = [pair for doc in (main, *extras) for pair in self._interactions(doc)]
        except BaseException:
            pause.release()
            raise
        requests = PausedList((request for request, _ in pairs), pause)
        responses = [response for _, response in pairs]
        metadata = (main or {}).get("metadata")
        if metadata:
            return requests, responses, dict(metadata)
        return requests, responses

    def save_cassette(self, cassette_path: str, cassette_dict: dict[str, Any], serializer: Any) -> None:
        context = _resolve(self.context)
        interactions = [{"request": request_to_doc(request), "response": response_to_doc(response)}
                        for request, response in zip(cassette_dict["requests"], cassette_dict["responses"],
                                                     strict=True)]
        interactions, metadata = scrub_document(interactions, cassette_dict.get("metadata"), context)
        text = serializer.serialize(new_document([compact_headers(item) for item in interactions], metadata))
        write_atomically(Path(cassette_path), text)
