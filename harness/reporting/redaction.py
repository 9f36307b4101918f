"""Mask secrets in everything pytest's reports are built from, before any reporter sees it.

Reporters (terminal, JUnit XML, pytest-html, xdist's wire format) all read the same
:class:`pytest.TestReport`: captured stdout/stderr/log sections, the failure text (``longrepr``),
user properties and pytest-html extras. Rewriting those with :func:`harness.secrets.redact` where
the report is made (in the worker that knows the registered secrets) covers every reporter at
once. The HTML report's environment table comes from pytest-metadata, which copies CI variables
from the environment; only the harmless keys are kept.
"""

from __future__ import annotations

import dataclasses
import logging

import pytest

from harness.secrets import install_redaction, redact

# pytest-metadata keys that describe the toolchain; every other collected key (CI variables) is dropped.
SAFE_METADATA_KEYS = ("Python", "Platform", "Packages", "Plugins")


def _redact_value(value):
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_redact_value(v) for v in value)
    return value


def _redact_fields(obj, seen: set[int]) -> None:
    """Mask strings inside pytest's repr dataclasses (traceback entries, crash message, sections)."""
    if id(obj) in seen or not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return
    seen.add(id(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        masked = _redact_nested(value, seen)
        if masked is not value:
            object.__setattr__(obj, f.name, masked)


def _redact_nested(value, seen: set[int]):
    if isinstance(value, str):
        masked = redact(value)
        return value if masked == value else masked
    if isinstance(value, list):
        items = [_redact_nested(v, seen) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, tuple):
        items = tuple(_redact_nested(v, seen) for v in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    _redact_fields(value, seen)
    return value


def redact_longrepr(longrepr):
    """The failure/skip representation with secrets masked.

    pytest's structured repr is kept (its crash line feeds the short summary and the JUnit
    ``message``) and masked field by field; a repr that still renders a secret after that is
    replaced by its masked text.
    """
    if longrepr is None:
        return None
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (path, line, reason) of a skip
        path, line, reason = longrepr
        return (path, line, redact(str(reason)))
    if isinstance(longrepr, str):
        return redact(longrepr)
    text = str(longrepr)
    if redact(text) == text:
        return longrepr
    _redact_fields(longrepr, set())
    text = str(longrepr)
    masked = redact(text)
    return longrepr if masked == text else masked


def redact_report(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Rewrite a report in place: sections, failure text, user properties, pytest-html extras."""
    report.sections = [(title, redact(content)) for title, content in report.sections]
    report.longrepr = redact_longrepr(report.longrepr)
    if hasattr(report, "user_properties"):
        report.user_properties = [(name, _redact_value(value)) for name, value in report.user_properties]
    extras = getattr(report, "extras", None)
    if extras:
        for extra in extras:
            if isinstance(extra, dict) and isinstance(extra.get("content"), str) \
                    and extra.get("format_type") in ("text", "json", "html", "url"):
                extra["content"] = redact(extra["content"])


def sanitize_metadata(metadata: dict, explicit_keys: set[str]) -> None:
    """Keep the toolchain keys and what the user passed with ``--metadata``; mask secrets in them."""
    for key in list(metadata):
        if key not in SAFE_METADATA_KEYS and key not in explicit_keys:
            del metadata[key]
    for key, value in list(metadata.items()):
        metadata[key] = _redact_value(value)


def mask_warning(warning_message) -> None:
    """A recorded warning (``warnings.WarningMessage``) with secrets masked in its message, before
    pytest's "warnings summary" (or xdist's wire format) turns it into text."""
    message = warning_message.message
    text = str(message)
    masked = redact(text)
    if masked == text:
        return
    try:
        replacement = type(message)(masked) if isinstance(message, Warning) else masked
    except Exception:  # a warning class with another constructor
        replacement = UserWarning(masked)
    warning_message.message = replacement


def mask_run_metadata(config: pytest.Config) -> None:
    """Mask the HTML report's environment table again once the run's secrets are known.

    pytest-metadata builds the table (and calls ``pytest_metadata``) before the harness has read
    ``.env``; a ``--metadata`` value equal to a ``.env`` secret, or a URL with a password, would
    otherwise reach report.html as typed.
    """
    try:
        from pytest_metadata.plugin import metadata_key
    except ImportError:
        return
    metadata = config.stash.get(metadata_key, None)
    if isinstance(metadata, dict):
        for key, value in list(metadata.items()):
            metadata[key] = _redact_value(value)


def register_setting_secrets(config: pytest.Config) -> None:
    """Register the secret values of ``.env`` and the environment, whichever target the run uses."""
    from harness.settings import secret_setting_values

    try:
        env_file = config.getoption("env_file")
    except ValueError:  # the harness plugin is not loaded
        env_file = None
    try:
        secret_setting_values(env_file)
    except OSError:
        pass


def explicit_metadata_keys(config: pytest.Config) -> set[str]:
    keys: set[str] = set()
    try:
        keys.update(k for k, _ in config.getoption("metadata") or [])
        import json

        keys.update(json.loads(config.getoption("metadata_from_json") or "{}"))
    except (ValueError, TypeError):
        pass
    return keys


def install_log_redaction(config: pytest.Config) -> None:
    """Put a :class:`~harness.secrets.RedactingFilter` on pytest's report/CLI/file log handlers.

    The plugin's filter on the ``harness`` logger does not see records of child loggers
    (``harness.auth``...) or of other libraries; a filter on the handler sees them all.
    """
    plugin = config.pluginmanager.get_plugin("logging-plugin")
    if plugin is None:
        return
    for name in ("report_handler", "log_file_handler", "log_cli_handler"):
        handler = getattr(plugin, name, None)
        if isinstance(handler, logging.Handler):
            install_redaction(handler)
