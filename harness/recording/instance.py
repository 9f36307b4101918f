"""Instance identity in cassettes: org/environment URLs and tenant ids become stable placeholders.

A trial Dynamics instance is recreated with a new URL and a new tenant; the simulator gets new
ports on every run. Cassettes therefore never store those values: on save each service URL is
replaced by ``https://<role>.instance.invalid`` (``.invalid`` is reserved by RFC 2606, so a
placeholder can never reach a real host) and each tenant id by ``{{TENANT_ID}}``; on load the
placeholders are mapped to the URLs and tenant of the instance the run talks to.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote_plus

PLACEHOLDER_DOMAIN = "instance.invalid"
TENANT_PLACEHOLDER = "{{TENANT_ID}}"
ROLES = ("crm", "fno", "bc", "login")
# Characters that may continue a host, port or path segment: a URL followed by one of them is a
# different URL (``http://127.0.0.1:4000`` inside ``http://127.0.0.1:40001``), so it is not replaced.
_CONTINUES_URL = r"(?![A-Za-z0-9.:_~\-])"
_QUERY_SAFE = "$,'()=@:/!*;{}"


def placeholder_url(role: str) -> str:
    return f"https://{role}.{PLACEHOLDER_DOMAIN}"


def tenant_placeholder(index: int) -> str:
    return TENANT_PLACEHOLDER if index == 1 else f"{{{{TENANT_ID_{index}}}}}"


@dataclass(frozen=True)
class InstanceMap:
    """Pairs of (placeholder, real value) for service URLs and tenants, with both directions."""

    urls: tuple[tuple[str, str], ...] = ()
    tenants: tuple[tuple[str, str], ...] = ()

    @classmethod
    def build(cls, urls: Mapping[str, str | None], tenants: Iterable[str | None] = ()) -> InstanceMap:
        """``urls`` maps a role (crm, fno, bc, login, or any name) to the instance's URL."""
        seen: dict[str, str] = {}
        pairs = []
        for role, url in urls.items():
            if not url:
                continue
            url = url.rstrip("/")
            if url.lower() in seen:  # two roles on one URL: one placeholder, so it maps back uniquely
                continue
            seen[url.lower()] = role
            pairs.append((placeholder_url(role), url))
        tenant_pairs = []
        for tenant in tenants:
            if tenant and tenant.lower() not in {t.lower() for _, t in tenant_pairs}:
                tenant_pairs.append((tenant_placeholder(len(tenant_pairs) + 1), tenant))
        return cls(tuple(pairs), tuple(tenant_pairs))

    @classmethod
    def from_targets(cls, targets: Mapping[str, Any]) -> InstanceMap:
        """From :class:`~harness.settings.TargetSettings` by name (the ``harness_targets`` fixture)."""
        urls: dict[str, str | None] = {}
        tenants = []
        for name, target in targets.items():
            urls[name] = target.url
            tenants.append(target.tenant_id)
        for target in targets.values():
            urls.setdefault("login", target.authority)
        return cls.build(urls, tenants)

    # ------------------------------------------------------------------ text
    def __post_init__(self) -> None:
        hide_url = sorted(self.urls, key=lambda pair: -len(pair[1]))
        url_alt = "|".join(re.escape(real) for _, real in hide_url)
        tenant_alt = "|".join(re.escape(real) for _, real in self.tenants)
        by_real = {real.lower(): placeholder for placeholder, real in self.urls}
        by_real.update({real.lower(): placeholder for placeholder, real in self.tenants})
        parts = []
        if url_alt:
            parts.append(f"(?:{url_alt}){_CONTINUES_URL}")
        if tenant_alt:
            parts.append(f"(?<![A-Za-z0-9-])(?:{tenant_alt})(?![A-Za-z0-9-])")
        pattern = re.compile("|".join(parts), re.IGNORECASE) if parts else None
        object.__setattr__(self, "_hide_pattern", pattern)
        object.__setattr__(self, "_by_real", by_real)
        object.__setattr__(self, "_reveal_pairs", tuple(sorted(self.urls + self.tenants, key=lambda p: -len(p[0]))))

    @property
    def empty(self) -> bool:
        return not self.urls and not self.tenants

    def hide(self, text: str) -> str:
        """Real URLs and tenants in ``text`` replaced by placeholders."""
        pattern = self._hide_pattern  # type: ignore[attr-defined]
        if pattern is None or not text:
            return text
        return pattern.sub(lambda m: self._by_real[m.group(0).lower()], text)  # type: ignore[attr-defined]

    def reveal_in_json(self, text: str) -> str:
        """:meth:`reveal` on the text of a JSON document (values escaped as JSON string content).

        Placeholders only ever appear inside JSON strings, so one replacement pass over the file
        text does what walking every string of the parsed document would, many times faster.
        """
        if "{{TENANT_ID" not in text and PLACEHOLDER_DOMAIN not in text:
            return text
        for placeholder, real in self._reveal_pairs:  # type: ignore[attr-defined]
            text = text.replace(placeholder, json.dumps(real)[1:-1])
        return text

    def reveal(self, text: str) -> str:
        """Placeholders in ``text`` replaced by this instance's values."""
        if not text or ("{{TENANT_ID" not in text and PLACEHOLDER_DOMAIN not in text):
            return text
        for placeholder, real in self._reveal_pairs:  # type: ignore[attr-defined]
            text = text.replace(placeholder, real)
        return text


# ---------------------------------------------------------------------- URIs
def rewrite_uri(uri: str, on_text: Callable[[str], str],
                on_param: Callable[[str, str], str] | None = None) -> str:
    """``uri`` with ``on_text`` applied to its scheme/host/path and each decoded query value.

    Query pairs whose value did not change keep their original encoding, so a URI that needs no
    rewriting comes back byte for byte. ``on_param(name, value)`` runs before ``on_text``.
    """
    base, question, query = uri.partition("?")
    base = on_text(base)
    if not question:
        return base
    pieces = []
    for piece in query.split("&"):
        raw_name, equals, raw_value = piece.partition("=")
        if not equals:
            pieces.append(on_text(piece))
            continue
        value = unquote_plus(raw_value)
        new = on_param(unquote_plus(raw_name), value) if on_param else value
        new = on_text(new)
        pieces.append(f"{raw_name}={quote(new, safe=_QUERY_SAFE) if new != value else raw_value}")
    return f"{base}?{'&'.join(pieces)}"


def map_strings(value: Any, on_text: Callable[[str], str]) -> Any:
    """``value`` (JSON-like data) with ``on_text`` applied to every string value (not to keys)."""
    if isinstance(value, str):
        return on_text(value)
    if isinstance(value, list):
        return [map_strings(item, on_text) for item in value]
    if isinstance(value, dict):
        return {key: map_strings(item, on_text) for key, item in value.items()}
    return value


def map_interaction(interaction: dict[str, Any], on_text: Callable[[str], str]) -> dict[str, Any]:
    """A document interaction with ``on_text`` applied to URIs, header values and body strings."""
    out = {}
    for side in ("request", "response"):
        part = dict(interaction[side])
        if side == "request":
            part["uri"] = rewrite_uri(part["uri"], on_text)
        part["headers"] = {k: [on_text(v) for v in values] for k, values in (part.get("headers") or {}).items()}
        body = part.get("body")
        if isinstance(body, str):
            part["body"] = on_text(body)
        elif isinstance(body, dict) and "base64" not in body:
            part["body"] = map_strings(body, on_text)
        out[side] = part
    return out
