"""Postman items in cassettes: what an item needs, besides its HTTP traffic, to replay on its own.

Each item gets its own cassette (pytest-recording's one cassette per test id). The items of a
collection share state — the token the first request saved, ids created by earlier items,
counters of a ``setNextRequest`` loop — so next to the interactions the cassette keeps, under
``metadata.postman``:

* ``scopes``: the environment, collection variables and globals as they were *before* the item
  ran (and which of their keys are declared secret). A replay restores them first, so the item
  sends the recorded requests whether or not the items before it ran (``-k`` picks one, xdist
  splits a collection, a failure earlier in the run changes nothing);
* ``dynamic``: the ``{{$guid}}``/``{{$randomEmail}}``/... values the item used
  (:class:`DynamicValues`, replayed strictly: asking for more is an error saying to re-record);
* ``determinism``: the random seed of its scripts and every ``Date.now()``/``new Date()`` they
  read (:class:`ScriptDeterminism`), so a token cached "until it expires" is still cached on
  replay, months later.

Tokens and passwords in ``scopes`` are scrubbed by the recording layer's persister like any other
metadata (secret-named keys, JWTs, known secrets), and instance URLs become placeholders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.errors import HarnessError
from harness.postman.determinism import DeterminismError, ScriptDeterminism
from harness.postman.dynamic import DynamicReplayError, DynamicValues
from harness.postman.redaction import is_secret_name
from harness.postman.variables import VariableScope
from harness.secrets.policy import JWT_RE, label_for

METADATA_KEY = "postman"
FORMAT = 1
SCOPES = ("environment", "collectionVariables", "globals")
RECORD, REPLAY, EXTEND, MISSING = "record", "replay", "extend", "missing"


class PostmanCassetteError(HarnessError):
    """A cassette whose Postman run state is missing or unusable; the item must be recorded again."""


def _scope_of(runner: Any, name: str) -> VariableScope:
    return {"environment": runner.environment, "collectionVariables": runner.collection_variables,
            "globals": runner.globals}[name]


def _mode(cassette: Any) -> str:
    return str(getattr(cassette.record_mode, "value", cassette.record_mode))


def secret_values(runner: Any) -> list[tuple[str, str]]:
    """(value, placeholder label) of every variable declared secret or named like one, in every layer
    the scripts and requests see — for the recording layer to scrub wherever they appear (a
    ``"type": "secret"`` value sent in a header or body field with an innocent name, too)."""
    found = []
    for scope in (runner.environment, runner.collection_variables, runner.globals, runner.harness, runner.dotenv):
        for key, value in scope.values.items():
            if isinstance(value, str) and value and (key in scope.secret_keys or is_secret_name(key)):
                found.append((value, "ACCESS_TOKEN" if JWT_RE.fullmatch(value) else label_for(key)))
    return found


@dataclass
class ItemCassette:
    """The cassette of one Postman item (one iteration of one request) and its run state.

    ``mode``: ``record`` (a fresh recording), ``replay`` (write-protected: ``none``, or ``once``
    with an existing file), ``extend`` (``new_episodes`` on an existing file: replay the state,
    record what is new) or ``missing`` (``none`` and no file: the first request fails with the
    recording layer's "nothing was recorded" message).
    """

    cassette: Any
    mode: str
    dynamic: DynamicValues
    determinism: ScriptDeterminism | None
    recorded: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, cassette: Any) -> ItemCassette:
        if cassette.write_protected and not cassette.rewound:
            return cls(cassette, MISSING, DynamicValues(), None)
        if cassette.write_protected:
            try:
                stored = cassette.get_metadata(METADATA_KEY, None)
            except Exception:  # vcrpy's MissingMetadataError
                stored = None
            if stored is None:
                raise PostmanCassetteError(
                    f"the cassette {cassette.path} has no Postman run state (metadata.postman) and record mode "
                    f"'{_mode(cassette)}' cannot add it; record the collection again with --record-mode=rewrite")
            return cls._replaying(cassette, stored, REPLAY, strict=True)
        stored = cassette.get_metadata(METADATA_KEY, {})
        if stored and _mode(cassette) == "new_episodes":
            return cls._replaying(cassette, stored, EXTEND, strict=False)
        return cls(cassette, RECORD, DynamicValues(), ScriptDeterminism())

    @classmethod
    def _replaying(cls, cassette: Any, stored: Any, mode: str, *, strict: bool) -> ItemCassette:
        where = f"{cassette.path}: metadata.{METADATA_KEY}"
        if not isinstance(stored, dict) or stored.get("format") != FORMAT:
            raise PostmanCassetteError(f"{where} is not format {FORMAT}; record the collection again "
                                       "with --record-mode=rewrite")
        scopes = stored.get("scopes")
        if not isinstance(scopes, dict) or not all(isinstance(scopes.get(name), dict) for name in SCOPES):
            raise PostmanCassetteError(f"{where}.scopes must hold {', '.join(SCOPES)} as objects; "
                                       "record the collection again with --record-mode=rewrite")
        try:
            dynamic = DynamicValues.from_dict(stored.get("dynamic", {}), strict=strict)
            determinism = ScriptDeterminism.from_dict(stored.get("determinism"))
        except (DynamicReplayError, DeterminismError) as exc:
            raise PostmanCassetteError(f"{where}: {exc}; record the collection again with "
                                       "--record-mode=rewrite") from None
        return cls(cassette, mode, dynamic, determinism, stored)

    @property
    def replaying(self) -> bool:
        return self.mode in (REPLAY, EXTEND)

    # ------------------------------------------------------------------ around the item
    def begin(self, runner: Any) -> None:
        """Restore the recorded scopes (replay) or remember the current ones (recording)."""
        if self.replaying:
            secret_keys = self.recorded.get("secret_keys") or {}
            for name in SCOPES:
                scope = _scope_of(runner, name)
                scope.replace_all(self.recorded["scopes"][name])
                scope.secret_keys |= {str(key) for key in secret_keys.get(name, []) if isinstance(key, str)}
            runner.register_secrets()
        elif self.mode == RECORD:
            self.recorded = {
                "format": FORMAT,
                "scopes": {name: dict(_scope_of(runner, name).values) for name in SCOPES},
                "secret_keys": {name: sorted(_scope_of(runner, name).secret_keys) for name in SCOPES
                                if _scope_of(runner, name).secret_keys},
            }

    def finish(self, item_path: str, iteration: int, dynamic: DynamicValues) -> None:
        """Store what the item used (recording, extending); a replay stores nothing."""
        if self.mode not in (RECORD, EXTEND) or self.determinism is None:
            return
        store = self.cassette.get_metadata(METADATA_KEY, {})
        fresh = {"format": FORMAT, "item": item_path, "iteration": iteration,
                 "scopes": self.recorded["scopes"], "secret_keys": self.recorded.get("secret_keys") or {},
                 "dynamic": dynamic.to_dict(), "determinism": self.determinism.to_dict()}
        store.clear()
        store.update(fresh)
        self.cassette.dirty = True
