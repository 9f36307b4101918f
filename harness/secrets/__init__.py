"""Secrets: one policy of what is secret (:mod:`.policy`) and the values seen in this run (:mod:`.registry`).

Consumers import from here: ``redact`` for messages and logs, ``POLICY`` for name/shape rules,
``register_secret`` when a new secret is learned (settings, token responses, Postman variables).
"""

from harness.secrets.policy import MASK, POLICY, SecretPolicy, ValueRule, key_words, label_for
from harness.secrets.registry import (
    LIBRARY_LOGGERS,
    MIN_REGISTERED_LENGTH,
    RedactingFilter,
    Secret,
    guard_library_loggers,
    install_redaction,
    is_registered,
    redact,
    register_secret,
    registered_secrets,
)

__all__ = ["LIBRARY_LOGGERS", "MASK", "MIN_REGISTERED_LENGTH", "POLICY", "RedactingFilter", "Secret",
           "SecretPolicy", "ValueRule", "guard_library_loggers", "install_redaction", "is_registered", "key_words",
           "label_for", "redact", "register_secret", "registered_secrets"]
