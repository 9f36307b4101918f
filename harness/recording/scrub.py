"""Deny-by-default secret scrubbing of cassette documents, with stable per-cassette placeholders.

What is scrubbed (whatever the test or the ``vcr_config`` says):

* ``Authorization``/``Proxy-Authorization`` (scheme kept: ``Bearer <ACCESS_TOKEN_1>``), ``Cookie``
  and ``Set-Cookie`` values, and any header whose name is secret-like;
* in JSON bodies, form bodies and query strings, the string value of every key whose name is
  secret-like (password, secret, token, key, credential, assertion, ... see :func:`is_secret_key`),
  plus ``code``/``code_verifier``/``client_assertion`` in forms and query strings;
* anywhere in any text: JWT-shaped strings, ``Bearer <token>`` credentials, and every value already
  found (a token from a token response is replaced in the later ``Authorization`` headers too) or
  known from the settings (passwords, client secrets).

Each distinct secret gets one placeholder per cassette (``<ACCESS_TOKEN_1>``, ``<PASSWORD_1>``), so
a replayed flow stays consistent; numbering continues after placeholders already in the cassette.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from harness.recording.bodies import form_pairs
from harness.recording.instance import rewrite_uri

PLACEHOLDER_RE = re.compile(r"<([A-Z][A-Z0-9_]*)_(\d+)>")
_ANY_PLACEHOLDER = re.compile(r"^(<[A-Z][A-Z0-9_]*>|\*+|\[FILTERED\]|REDACTED)$")
JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*")
# A credential after "Bearer"/"Basic": not a WWW-Authenticate parameter (``Bearer realm="..."``) and
# with at least one digit or punctuation mark, so prose such as "Basic information" is left alone.
BEARER_RE = re.compile(r"(?i)\b(Bearer|Basic)\s+(?![A-Za-z_]+=\\?\")(?=[A-Za-z0-9._~+/-]*[0-9._~+/=-])"
                       r"([A-Za-z0-9._~+/-]{8,}=*)")
# A shared access signature inside text (a blob URL in a JSON body): ``…?sv=…&sig=<base64, percent-encoded>``.
SAS_SIG_RE = re.compile(r"(?<=[?&]sig=)([A-Za-z0-9%+/=_-]{8,})")
MIN_TEXT_SECRET = 4  # shorter values are replaced where they are found, not searched for everywhere

SECRET_WORDS = frozenset({
    "password", "passwd", "pwd", "passphrase", "secret", "secrets", "token", "tokens", "key", "keys",
    "apikey", "credential", "credentials", "assertion", "cookie", "cookies", "sig", "otp",
})
SECRET_FRAGMENTS = ("password", "passwd", "secret", "token", "apikey", "credential", "privatekey", "accesskey")
# Words that make a secret-looking name describe something else (token_type, token_endpoint, ...).
NOT_SECRET_WORDS = frozenset({"type", "types", "endpoint", "uri", "url", "supported", "expires", "use"})
# "Keys" alone names the key list of Dataverse's KeyValuePair collections ({"Count","IsReadOnly","Keys",
# "Values"}: RetrieveTotalRecordCount's table names, RetrieveCurrentOrganization's endpoint names).
NOT_SECRET_KEYS = frozenset({"$skiptoken", "$deltatoken", "skiptoken", "deltatoken", "token_type", "keys"})
FORM_ONLY_SECRET_KEYS = frozenset({"code", "code_verifier", "client_assertion", "device_code", "user_code",
                                   "assertion", "sig", "signature"})
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie",
                            "x-api-key", "api-key", "ocp-apim-subscription-key", "x-functions-key"})
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def key_words(name: str) -> list[str]:
    """``clientSecret`` -> ``["client", "secret"]``; ``x-api-key`` -> ``["x", "api", "key"]``."""
    return [word.lower() for word in _WORDS.findall(name)]


@functools.lru_cache(maxsize=4096)  # pure; called for every field of every body the matchers compare
def is_secret_key(name: str, *, form: bool = False) -> bool:
    """Whether the value under ``name`` is treated as a secret (case-insensitive).

    ``form=True`` (form bodies, query strings) adds the OAuth fields ``code``, ``code_verifier``,
    ``client_assertion``; in JSON ``code`` is an error code and stays.
    """
    lowered = name.strip().lower()
    if not lowered or lowered in NOT_SECRET_KEYS or lowered.startswith("@odata") or "@odata." in lowered:
        return False
    if form and lowered in FORM_ONLY_SECRET_KEYS:
        return True
    words = key_words(name)
    if NOT_SECRET_WORDS.intersection(words):
        return False
    if SECRET_WORDS.intersection(words):
        return True
    compact = re.sub(r"[^a-z0-9]", "", lowered)
    return any(fragment in compact for fragment in SECRET_FRAGMENTS)


def is_secret_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_HEADERS or (lowered != "www-authenticate" and is_secret_key(name))


def label_for(name: str) -> str:
    """Placeholder label for a key name: ``client_secret`` -> ``CLIENT_SECRET``."""
    label = re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")
    if not label or not label[0].isalpha():
        label = f"SECRET_{label}".rstrip("_")
    return label[:40]


def is_placeholder(value: str) -> bool:
    return bool(_ANY_PLACEHOLDER.match(value.strip())) or bool(PLACEHOLDER_RE.fullmatch(value.strip()))


class Placeholders:
    """value -> ``<LABEL_n>`` for one cassette; the same value always gets the same placeholder."""

    def __init__(self, known: Iterable[tuple[str, str]] = (), existing_text: str = ""):
        self._by_value: dict[str, str] = {}
        self._labels: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        for match in PLACEHOLDER_RE.finditer(existing_text):
            label, number = match.group(1), int(match.group(2))
            self._counters[label] = max(self._counters.get(label, 0), number)
        for value, label in known:
            if value:
                self._labels.setdefault(value, label)
        self._pattern: re.Pattern[str] | None = None

    def note(self, value: str, label: str) -> None:
        """Remember ``value`` as a secret (the first label given wins), without numbering it yet."""
        if value and not is_placeholder(value):
            if value not in self._labels:
                self._labels[value] = label
                self._pattern = None

    def get(self, value: str, label: str = "SECRET") -> str:
        """The placeholder of ``value``, numbering it on first use."""
        if not value or is_placeholder(value):
            return value
        found = self._by_value.get(value)
        if found is None:
            label = self._labels.setdefault(value, label)
            self._pattern = None
            number = self._counters.get(label, 0) + 1
            self._counters[label] = number
            found = self._by_value[value] = f"<{label}_{number}>"
        return found

    def replace_known(self, text: str) -> str:
        """``text`` with every remembered secret (longest first) replaced by its placeholder."""
        if not text:
            return text
        if self._pattern is None:
            values = sorted((v for v in self._labels if len(v) >= MIN_TEXT_SECRET), key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in values)) if values else re.compile(r"(?!)")
        return self._pattern.sub(lambda m: self.get(m.group(0)), text)

    def values(self) -> list[str]:
        return list(self._labels)


class Scrubber:
    """Finds and replaces the secrets of one cassette document (a list of interactions)."""

    def __init__(self, placeholders: Placeholders):
        self.p = placeholders

    # ---------------------------------------------------------------- free text
    def _text(self, text: str) -> str:
        if not text:
            return text
        text = self.p.replace_known(text)
        text = JWT_RE.sub(lambda m: self.p.get(m.group(0), "JWT"), text)
        text = SAS_SIG_RE.sub(self._signature, text)
        return BEARER_RE.sub(self._credential, text)

    def _signature(self, match: re.Match[str]) -> str:
        """The same placeholder as the decoded ``sig`` query parameter of a request URI gets."""
        value = unquote(match.group(1))
        if is_placeholder(value):
            return match.group(0)
        return quote(self.p.get(value, label_for("sig")), safe="")

    def _credential(self, match: re.Match[str]) -> str:
        scheme, value = match.group(1), match.group(2)
        if is_placeholder(value):
            return match.group(0)
        label = "ACCESS_TOKEN" if scheme.lower() == "bearer" else "BASIC_CREDENTIALS"
        return f"{scheme} {self.p.get(value, label)}"

    # ---------------------------------------------------------------- structure
    def _json(self, value: Any, key: str | None = None, collect: bool = False) -> Any:
        if isinstance(value, dict):
            return {k: self._json(v, k, collect) for k, v in value.items()}
        if isinstance(value, list):
            return [self._json(item, key, collect) for item in value]
        if isinstance(value, str):
            if key is not None and is_secret_key(key):
                if collect:
                    self.p.note(value, label_for(key))
                    return value
                return self.p.get(value, label_for(key))
            return value if collect else self._text(value)
        return value

    def _param(self, name: str, value: str, collect: bool) -> str:
        if value and is_secret_key(name, form=True):
            if collect:
                self.p.note(value, label_for(name))
                return value
            return self.p.get(value, label_for(name))
        return value

    def _uri(self, uri: str, collect: bool) -> str:
        parts = urlsplit(uri)
        if parts.password and not collect:
            netloc = parts.netloc.replace(f":{parts.password}@", f":{self.p.get(parts.password, 'PASSWORD')}@")
            uri = urlunsplit(parts._replace(netloc=netloc))
        return rewrite_uri(uri, (lambda text: text) if collect else self._text,
                           lambda name, value: self._param(name, value, collect))

    def _header(self, name: str, value: str, collect: bool) -> str:
        lowered = name.lower()
        if lowered in ("authorization", "proxy-authorization"):
            scheme, _, credential = value.partition(" ")
            if not credential:
                scheme, credential = "", scheme
            if is_placeholder(credential):
                return value
            label = "ACCESS_TOKEN" if scheme.lower() == "bearer" else "CREDENTIALS"
            if collect:
                self.p.note(credential, label)
                return value
            return f"{scheme} {self.p.get(credential, label)}".strip()
        if lowered in ("cookie", "set-cookie"):
            return self._cookies(value, set_cookie=lowered == "set-cookie", collect=collect)
        if is_secret_header(name):
            if collect:
                self.p.note(value, label_for(name))
                return value
            return self.p.get(value, label_for(name))
        return value if collect else self._text(value)

    def _cookies(self, value: str, *, set_cookie: bool, collect: bool) -> str:
        pieces = value.split(";")
        # Set-Cookie: only the first pair is the cookie, the rest are attributes (Path, Expires...).
        cookie_pieces = pieces[:1] if set_cookie else pieces
        out = []
        for index, piece in enumerate(pieces):
            name, equals, cookie = piece.partition("=")
            if index < len(cookie_pieces) and equals and cookie.strip():
                if collect:
                    self.p.note(cookie.strip(), "COOKIE")
                else:
                    piece = f"{name}={self.p.get(cookie.strip(), 'COOKIE')}"
            out.append(piece)
        return ";".join(out)

    def _body(self, body: Any, collect: bool) -> Any:
        if isinstance(body, str):
            return body if collect else self._text(body)
        if not isinstance(body, dict):
            return body
        if "json" in body:
            return {"json": self._json(body["json"], None, collect)}
        if "form" in body:
            form = body["form"]
            pairs = [(name, self._param(name, value, collect)) for name, value in form_pairs(form)]
            if not collect:
                pairs = [(name, self._text(value)) for name, value in pairs]
            return {"form": dict(pairs) if isinstance(form, dict) else [list(pair) for pair in pairs]}
        if "string" in body and isinstance(body["string"], str):
            return body if collect else {"string": self._text(body["string"])}
        return body

    def _interaction(self, interaction: dict[str, Any], collect: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for side in ("request", "response"):
            part = dict(interaction[side])
            if side == "request":
                part["uri"] = self._uri(part["uri"], collect)
            part["headers"] = {name: [self._header(name, v, collect) for v in values]
                               for name, values in (part.get("headers") or {}).items()}
            part["body"] = self._body(part.get("body"), collect)
            out[side] = part
        return out

    def scrub(self, interactions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Two passes: learn every secret first, then replace, so numbering follows first use."""
        for interaction in interactions:
            self._interaction(interaction, collect=True)
        return [self._interaction(interaction, collect=False) for interaction in interactions]

    def scrub_value(self, value: Any) -> Any:
        """Free-text scrubbing of JSON-like data (cassette metadata)."""
        return self._json(value)


def scrub_interactions(interactions: list[dict[str, Any]], known: Iterable[tuple[str, str]] = (),
                       existing_text: str | None = None) -> tuple[list[dict[str, Any]], Placeholders]:
    """Scrubbed copies of document interactions, and the placeholders used.

    Numbering continues after the placeholders found in ``existing_text`` (default: the
    interactions themselves), so new secrets never reuse a number already in the cassette.
    """
    if existing_text is None:
        existing_text = json.dumps(interactions, ensure_ascii=False, default=str)
    placeholders = Placeholders(known, existing_text)
    return Scrubber(placeholders).scrub(interactions), placeholders
