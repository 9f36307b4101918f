"""Cassettes for the suites: record once, replay offline, never store a secret, survive a new instance.

Public API::

    from harness.recording import HarnessPersister, RecordingContext, InstanceMap, configure_vcr
    vcr = configure_vcr(RecordingContext(InstanceMap.build({"crm": crm_url}, [tenant])))
    with vcr.use_cassette("cassettes/x.json", record_mode="once"):
        ...                               # requests made here are recorded / replayed

In pytest the plugin (:mod:`harness.recording.plugin`) does this for every ``@pytest.mark.vcr``
test; ``harness cassettes lint|diff`` are :func:`lint_command` and :func:`diff_command`.
"""

from harness.recording.commands import diff_command, lint_command
from harness.recording.config import configure_vcr
from harness.recording.instance import InstanceMap
from harness.recording.interactions import CassetteFormatError
from harness.recording.matching import MATCH_ON, match_key
from harness.recording.persister import HarnessPersister, RecordingContext
from harness.recording.scrub import is_secret_key
from harness.recording.values import CassetteValues, RecordedValuesError
from harness.secrets import guard_library_loggers

guard_library_loggers()  # vcrpy logs whole token replies at INFO: mask them where they are logged

__all__ = [
    "MATCH_ON",
    "CassetteFormatError",
    "CassetteValues",
    "HarnessPersister",
    "InstanceMap",
    "RecordedValuesError",
    "RecordingContext",
    "configure_vcr",
    "diff_command",
    "is_secret_key",
    "lint_command",
    "match_key",
]
