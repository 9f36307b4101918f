"""The one secrets policy: which names hold secrets and which text shapes are secrets.

Every consumer asks this module — cassette scrubbing (:mod:`harness.recording.scrub`), the
cassette/report linter (:mod:`harness.recording.lint`), log and message redaction
(:func:`harness.secrets.redact`), Postman reports and exports (:mod:`harness.postman.redaction`),
the settings loader (which ``.env`` keys are secret) and pytest's reports. A rule added here
(:meth:`SecretPolicy.add_value_rule`, :meth:`SecretPolicy.add_secret_word`) reaches all of them.

Two kinds of rules:

* **names**: a value stored under a secret-like key (``password``, ``clientSecret``,
  ``x-api-key``, ``CRM_REFRESH_TOKEN``...) is a secret whatever it looks like;
* **shapes**: text that looks like a credential wherever it stands (a JWT, an Entra opaque grant
  such as a refresh token ``0.A…``/``1.A…``, a ``Bearer``/``Basic`` credential, a URL's user-info
  password).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

MASK = "***"

_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


@dataclass(frozen=True)
class ValueRule:
    """Text of this shape is a secret wherever it appears; ``label`` names its placeholder."""

    label: str
    pattern: re.Pattern[str]
    description: str
    #: The match is percent-encoded (inside a URL): compare and scrub its decoded value.
    percent_encoded: bool = False


JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
# Entra ID's opaque grants: refresh tokens and authorization codes start with "0.A" (v1) or "1.A"
# (v2) followed by a long base64url body (real ones also contain dots).
OPAQUE_GRANT_RE = re.compile(r"(?<![A-Za-z0-9_.-])[01]\.A[A-Za-z0-9_-][A-Za-z0-9_.-]{38,}")
# A credential after "Bearer"/"Basic": not a WWW-Authenticate parameter (``Bearer realm="..."``) and
# with at least one digit or punctuation mark, so prose such as "Basic information" is left alone.
BEARER_RE = re.compile(r"(?i)\b(Bearer|Basic)\s+(?![A-Za-z_]+=\\?\")(?=[A-Za-z0-9._~+/-]*[0-9._~+/=-])"
                       r"([A-Za-z0-9._~+/-]{8,}=*)")
# A shared access signature inside text (a blob URL in a JSON body): ``…?sv=…&sig=<base64, percent-encoded>``.
SAS_SIG_RE = re.compile(r"(?<=[?&]sig=)([A-Za-z0-9%+/=_-]{8,})")
# ``scheme://user:password@host``: the password part.
URL_USERINFO_RE = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@'\"<>]*):([^/\s@'\"<>]+)@")
# ``name=value`` in free text (form bodies, query strings, log lines): masked when ``name`` is secret.
_FIELD_RE = re.compile(r"(?<![\w$.-])([A-Za-z_][\w.-]*)=([^&\s\"'<>]+)")
# ``"name": "value"`` in free text (a JSON body inside a log line or a repr): masked when ``name`` is secret.
_JSON_PAIR_RE = re.compile(r'"([A-Za-z_$@][\w.$@-]*)"\s*:\s*"((?:[^"\\]|\\.)+)"')


class SecretPolicy:
    """Name and shape rules; one module-level instance, :data:`POLICY`, is what everyone asks."""

    def __init__(self) -> None:
        self.secret_words = {
            "password", "passwd", "pwd", "passphrase", "secret", "secrets", "token", "tokens", "key", "keys",
            "apikey", "credential", "credentials", "assertion", "cookie", "cookies", "sig", "otp",
        }
        self.secret_fragments = ["password", "passwd", "secret", "token", "apikey", "credential", "privatekey",
                                 "accesskey"]
        # Words that make a secret-looking name describe something else (token_type, token_endpoint, ...).
        self.not_secret_words = {"type", "types", "endpoint", "uri", "url", "supported", "expires", "use",
                                 "expiry", "expiration", "lifetime", "host", "name"}
        # "Keys" alone names the key list of Dataverse's KeyValuePair collections ({"Count","IsReadOnly","Keys",
        # "Values"}: RetrieveTotalRecordCount's table names, RetrieveCurrentOrganization's endpoint names).
        # HARNESS_SCRIPT_SECRETS lists the *names* of secrets scripts may read: it holds no secret.
        self.not_secret_keys = {"$skiptoken", "$deltatoken", "skiptoken", "deltatoken", "token_type", "keys",
                                "harness_script_secrets"}
        # In forms and query strings (never in JSON, where ``code`` is an error code) these are secrets too.
        self.form_only_keys = {"code", "code_verifier", "client_assertion", "device_code", "user_code",
                               "assertion", "sig", "signature"}
        self.secret_headers = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
                               "api-key", "ocp-apim-subscription-key", "x-functions-key"}
        # Settings keys whose values are always secret (``CRM_PASSWORD``...), besides secret-looking names.
        self.settings_suffixes = ["CLIENT_SECRET", "PASSWORD", "ACCESS_TOKEN", "REFRESH_TOKEN"]
        self.value_rules: list[ValueRule] = [
            ValueRule("JWT", JWT_RE, "JWT-shaped string"),
            ValueRule("REFRESH_TOKEN", OPAQUE_GRANT_RE, "opaque Entra grant (refresh token or code)"),
            ValueRule("SIG", SAS_SIG_RE, "shared access signature", percent_encoded=True),
        ]
        self._name_cache: dict[tuple[str, bool], bool] = {}

    # ------------------------------------------------------------------ names
    def is_secret_name(self, name: str, *, form: bool = False) -> bool:
        """Whether the value under ``name`` is a secret (case-insensitive).

        ``form=True`` (form bodies, query strings, free-text ``name=value``) adds the OAuth fields
        ``code``, ``code_verifier``, ``client_assertion``; in JSON ``code`` is an error code and stays.
        Answers are cached (the matchers ask for every field of every body they compare); adding a
        rule clears the cache.
        """
        key = (name, form)
        found = self._name_cache.get(key)
        if found is None:
            if len(self._name_cache) > 8192:
                self._name_cache.clear()
            found = self._name_cache[key] = self._is_secret_name(name, form)
        return found

    def _is_secret_name(self, name: str, form: bool) -> bool:
        lowered = name.strip().lower()
        if not lowered or lowered in self.not_secret_keys or lowered.startswith("@odata") or "@odata." in lowered:
            return False
        if form and lowered in self.form_only_keys:
            return True
        words = key_words(name)
        if self.not_secret_words.intersection(words):
            return False
        if self.secret_words.intersection(words):
            return True
        compact = re.sub(r"[^a-z0-9]", "", lowered)
        return any(fragment in compact for fragment in self.secret_fragments)

    def is_secret_header(self, name: str) -> bool:
        lowered = name.lower()
        return lowered in self.secret_headers or (lowered != "www-authenticate" and self.is_secret_name(name))

    def is_secret_setting(self, key: str) -> bool:
        """A ``.env``/environment key whose value is secret (``CRM_PASSWORD``, ``MY_API_KEY``...)."""
        upper = key.upper()
        return any(upper == s or upper.endswith("_" + s) for s in self.settings_suffixes) or self.is_secret_name(key)

    # ------------------------------------------------------------------ shapes
    def shaped_secrets(self, text: str) -> Iterator[tuple[ValueRule, re.Match[str]]]:
        """Every match of every shape rule in ``text``."""
        for rule in list(self.value_rules):
            for match in rule.pattern.finditer(text):
                yield rule, match

    def looks_secret(self, value: str) -> bool:
        """Whether a lone value (a settings value, a line of a file) is secret-shaped.

        True for a shape rule's match, and for a long unbroken mix of character classes such as
        a client secret (``Abc8Q~…``) or a password; GUIDs, host names, URLs and paths are not.
        """
        text = value.strip()
        if not text:
            return False
        if any(rule.pattern.search(text) for rule in self.value_rules) or BEARER_RE.search(text) \
                or URL_USERINFO_RE.search(text):
            return True
        if len(text) < 8 or any(ch.isspace() for ch in text) or "://" in text or _GUID.fullmatch(text.strip("{}")):
            return False
        if re.fullmatch(r"[A-Za-z0-9.-]+", text) and "." in text and not any(ch.isdigit() for ch in text):
            return False  # a host name
        classes = sum((any(ch.islower() for ch in text), any(ch.isupper() for ch in text),
                       any(ch.isdigit() for ch in text), any(not ch.isalnum() for ch in text)))
        return classes >= 3 or (classes >= 2 and len(text) >= 20 and any(ch.isdigit() for ch in text))

    def mask_text(self, text: str, mask: str = MASK) -> str:
        """``text`` with every shape-rule match, credential, user-info password and secret-named
        ``name=value`` or ``"name": "value"`` masked (registered values are masked by the registry)."""
        if not text:
            return text
        for rule in list(self.value_rules):
            text = rule.pattern.sub(lambda m: m.group(0) if m.group(0) == mask else mask, text)
        text = BEARER_RE.sub(lambda m: f"{m.group(1)} {mask}", text)
        text = URL_USERINFO_RE.sub(lambda m: f"{m.group(1)}:{mask}@", text)
        text = _FIELD_RE.sub(lambda m: f"{m.group(1)}={mask}" if self.is_secret_name(m.group(1), form=True)
                             and m.group(2) != mask and not _DOC_PLACEHOLDER.fullmatch(m.group(2))
                             else m.group(0), text)
        return _JSON_PAIR_RE.sub(lambda m: f'"{m.group(1)}": "{mask}"' if self.is_secret_name(m.group(1))
                                 and m.group(2) != mask else m.group(0), text)

    # ------------------------------------------------------------------ extending
    def add_value_rule(self, label: str, pattern: str | re.Pattern[str], description: str = "") -> ValueRule:
        """Treat text of this shape as a secret everywhere (cassettes, lint, logs, reports, settings)."""
        rule = ValueRule(label, re.compile(pattern) if isinstance(pattern, str) else pattern,
                         description or f"{label.lower()}-shaped string")
        self.value_rules.append(rule)
        return rule

    def add_secret_word(self, word: str) -> None:
        """Treat values under names containing ``word`` as secrets everywhere."""
        self.secret_words.add(word.lower())
        self._name_cache.clear()

    @contextmanager
    def extra_rules(self, *, value_rules: tuple[tuple[str, str], ...] = (),
                    words: tuple[str, ...] = ()) -> Iterator[SecretPolicy]:
        """Rules added for the duration of a ``with`` block (tests, one-off runs)."""
        added = [self.add_value_rule(label, pattern) for label, pattern in value_rules]
        new_words = [w.lower() for w in words if w.lower() not in self.secret_words]
        self.secret_words.update(new_words)
        self._name_cache.clear()
        try:
            yield self
        finally:
            for rule in added:
                self.value_rules.remove(rule)
            self.secret_words.difference_update(new_words)
            self._name_cache.clear()


# ``KEY=VALUE``, ``password=SECRET`` in help texts: an upper-case word is a placeholder, not a secret.
_DOC_PLACEHOLDER = re.compile(r"[A-Z][A-Z_]*")
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def key_words(name: str) -> list[str]:
    """``clientSecret`` -> ``["client", "secret"]``; ``x-api-key`` -> ``["x", "api", "key"]``."""
    return [word.lower() for word in _WORDS.findall(name)]


def label_for(name: str) -> str:
    """Placeholder label for a key name: ``client_secret`` -> ``CLIENT_SECRET``."""
    label = re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")
    if not label or not label[0].isalpha():
        label = f"SECRET_{label}".rstrip("_")
    return label[:40]


POLICY = SecretPolicy()
