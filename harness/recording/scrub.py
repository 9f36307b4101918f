"""Deny-by-default secret scrubbing of cassette documents, with stable per-cassette placeholders.

What is scrubbed (whatever the test or the ``vcr_config`` says):

* ``Authorization``/``Proxy-Authorization`` (scheme kept: ``Bearer <ACCESS_TOKEN_1>``), ``Cookie``
  and ``Set-Cookie`` values, and any header whose name is secret-like;
* in JSON bodies, form bodies and query strings, the string value of every key whose name is
  secret-like (password, secret, token, key, credential, assertion, ... see :func:`is_secret_key`),
  plus ``code``/``code_verifier``/``client_assertion`` in forms and query strings;
* anywhere in any text: what the policy calls secret-shaped (:mod:`harness.secrets.policy`: JWTs,
  opaque refresh tokens, ...), ``Bearer <token>`` credentials, and every value already found (a
  token from a token response is replaced in the later ``Authorization`` headers too), known from
  the settings (passwords, client secrets) or seen anywhere in the run (:func:`registered_secrets`).

Which names are secret-like, and which shapes, is :mod:`harness.secrets.policy`'s to say.

Each distinct secret gets one placeholder per cassette (``<ACCESS_TOKEN_1>``, ``<PASSWORD_1>``), so
a replayed flow stays consistent; numbering continues after placeholders already in the cassette.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from harness.recording.bodies import form_pairs
from harness.recording.instance import rewrite_uri
from harness.secrets.policy import BEARER_RE, JWT_RE, POLICY, key_words, label_for

__all__ = ["BEARER_RE", "JWT_RE", "PLACEHOLDER_RE", "Placeholders", "Scrubber", "is_placeholder",
           "is_secret_header", "is_secret_key", "key_words", "label_for", "scrub_interactions"]

PLACEHOLDER_RE = re.compile(r"<([A-Z][A-Z0-9_]*)_(\d+)>")
_ANY_PLACEHOLDER = re.compile(r"^(<[A-Z][A-Z0-9_]*>|\*+|\[FILTERED\]|REDACTED)$")
MIN_TEXT_SECRET = 4  # shorter values are replaced where they are found, not searched for everywhere


def is_secret_key(name: str, *, form: bool = False) -> bool:
    """Whether the value under ``name`` is treated as a secret: the policy's name rule."""
    return POLICY.is_secret_name(name, form=form)


def is_secret_header(name: str) -> bool:
    return POLICY.is_secret_header(name)


def is_placeholder(value: str) -> bool:
    return bool(_ANY_PLACEHOLDER.match(value.strip())) or bool(PLACEHOLDER_RE.fullmatch(value.strip()))


class Placeholders:
    """value -> ``<LABEL_n>`` for one cassette; the same value always gets the same placeholder."""

    def __init__(self, known: Iterable[tuple[str, str]] = (), existing_text: str = "",
                 seen: Iterable[tuple[str, str]] = ()):
        """``known``: secrets whose label wins (settings); ``seen``: secrets met elsewhere in the run,
        labelled by where they are first found in this cassette, else by their own label."""
        self._by_value: dict[str, str] = {}
        self._labels: dict[str, str] = {}
        self._seen: dict[str, str] = {value: label for value, label in seen if value and not is_placeholder(value)}
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
            values = sorted((v for v in {**self._seen, **self._labels} if len(v) >= MIN_TEXT_SECRET), key=len,
                            reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in values)) if values else re.compile(r"(?!)")
        return self._pattern.sub(lambda m: self.get(m.group(0), self._seen.get(m.group(0), "SECRET")), text)

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
        for rule in list(POLICY.value_rules):
            replace = self._encoded if rule.percent_encoded else self._shaped
            text = rule.pattern.sub(lambda m, rule=rule, replace=replace: replace(m, rule.label), text)
        return BEARER_RE.sub(self._credential, text)

    def _shaped(self, match: re.Match[str], label: str) -> str:
        return self.p.get(match.group(0), label)

    def _encoded(self, match: re.Match[str], label: str) -> str:
        """A percent-encoded secret (a SAS ``sig`` in a URL inside a body): the same placeholder as the
        decoded value gets elsewhere (the ``sig`` query parameter of a request URI), encoded again."""
        value = unquote(match.group(0))
        if is_placeholder(value):
            return match.group(0)
        return quote(self.p.get(value, label), safe="")

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
