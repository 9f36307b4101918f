"""Drive the JavaScript ``pm`` host in one mini-racer V8 context per run.

One context is created per run and reused for every script; per-script state (``pm.response``,
``tests``, the request) is rebuilt by ``__pmHost.begin`` and the variable scopes are passed in
from Python and read back after the script, so Python stays the owner of the run's state.

``pm.sendRequest`` calls and timers are completed after the script body (as in Postman's
sandbox): :meth:`ScriptEngine.run` asks the host what is pending, performs each request through
the ``send_request`` callback (the harness's ``requests.Session``, hence cassette-recorded) and
delivers the response to the script's callback, until nothing is left. Each evaluation has a
time limit, and the V8 heap has a hard memory limit.

Creating the context (loading V8, evaluating the core bundle and the host) is most of a short run's
fixed cost, so :meth:`ScriptEngine.prepare` can build it on a background thread while the caller
does other start-up work (``harness run`` imports ``requests`` and reads its inputs meanwhile); V8
runs outside the GIL, so on a second core this costs the caller nothing. ``py_mini_racer`` is
imported only when a context is built, for the same reason.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import HarnessError

_JS_DIR = Path(__file__).with_name("js")
_JS_FILES = ("determinism.js", "sdk.js", "pm.js")
# Postman's libraries as npm packages, bundled by bundle/build.mjs at `npm ci` (git-ignored output)
_DIST = _JS_DIR / "dist"
_CORE_BUNDLE = _DIST / "core.js"
_LIBRARIES_BUNDLE = _DIST / "libraries.js"
_PROJECT_ROOT = Path(__file__).resolve().parents[3]
# A script that may touch the second bundle (require(), the legacy library globals, jsonSchema's Ajv,
# or code built at run time) gets it loaded first; the rest never pay for its ~2 MB.
_USES_LIBRARIES = re.compile(r"\b(?:require|CryptoJS|cheerio|tv4|xml2Json|Backbone|jsonSchema|eval|Function)\b|"
                             r"(?<![\w$.])_\s*[.(\[]")
_PARSE_ERROR = re.compile(r"^(?P<source>[^\n:]+):(?P<line>\d+): (?P<name>\w*Error): (?P<message>[^\n]*)")
_MAX_DRAIN_STEPS = 10_000

if TYPE_CHECKING:
    from py_mini_racer import MiniRacer

SendRequest = Callable[[dict], tuple[dict | None, dict | None]]


@dataclass
class ScriptInput:
    """Everything one script execution sees."""

    event: str  # "prerequest" | "test"
    code: str
    location: str  # human readable owner: "collection", "folder 'A/B'", "request 'A/B/R'"
    scopes: dict[str, dict[str, Any]]
    request: dict[str, Any]
    response: dict[str, Any] | None = None
    info: dict[str, Any] = field(default_factory=dict)
    environment_name: str = ""
    item_location: list[str] = field(default_factory=list)
    current: str = ""  # name of the collection/folder/request owning the script
    cookies: list[dict[str, Any]] = field(default_factory=list)
    dynamic_pool: dict[str, list[str]] = field(default_factory=dict)
    # clock and random seed for replay (see determinism.js and harness.postman.determinism); None = real
    determinism: dict[str, Any] | None = None


@dataclass
class AssertionResult:
    """One ``pm.test`` (or legacy ``tests[...]``) outcome."""

    name: str
    passed: bool
    skipped: bool = False
    error_name: str | None = None
    error_message: str | None = None
    legacy: bool = False
    event: str = "test"

    @property
    def message(self) -> str:
        if self.passed:
            return ""
        return f"{self.error_name or 'AssertionError'}: {self.error_message or self.name}"


@dataclass
class ScriptError:
    """A script that could not run to the end: syntax error, exception, time or memory limit."""

    kind: str  # "syntax" | "runtime" | "timeout" | "memory"
    event: str
    location: str
    name: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.event} script of {self.location}"
        if self.line is not None:
            where += f", line {self.line}"
        return f"{where}: {self.name}: {self.message}"


@dataclass
class ScriptOutcome:
    assertions: list[AssertionResult] = field(default_factory=list)
    scopes: dict[str, dict[str, Any]] = field(default_factory=dict)
    request: dict[str, Any] | None = None
    next_request_set: bool = False
    next_request: str | None = None
    skip_request: bool = False
    logs: list[tuple[str, str]] = field(default_factory=list)
    error: ScriptError | None = None
    dynamic_used: dict[str, int] = field(default_factory=dict)
    dynamic_extra: dict[str, list[str]] = field(default_factory=dict)
    determinism: dict[str, Any] | None = None  # the clock reads the script made (see determinism.js)


class ScriptEngine:
    """One V8 context with the ``pm`` host loaded; ``run`` executes one script in it."""

    def __init__(self, *, timeout_ms: int = 10_000, max_memory_mb: int = 256):
        self.timeout_ms = timeout_ms
        self.max_memory = max_memory_mb * 1024 * 1024
        self._mr: MiniRacer | None = None
        self._counter = 0
        self._libraries_loaded = False
        self._params = ""
        self._source = _bundle(_CORE_BUNDLE) + "\n;\n" + "\n;\n".join(
            (_JS_DIR / name).read_text(encoding="utf-8") for name in _JS_FILES)
        self._preparing: threading.Thread | None = None
        self._prepared: tuple[MiniRacer, str] | BaseException | None = None

    # ------------------------------------------------------------------ context
    def prepare(self) -> None:
        """Start building the context on a background thread; the first :meth:`run` waits for it.

        A failure (V8 missing, say) is raised by that first run, where it would have been raised anyway.
        """
        if self._mr is None and self._preparing is None:
            self._preparing = threading.Thread(target=self._prepare, name="pm-sandbox-context", daemon=True)
            self._preparing.start()

    def _prepare(self) -> None:
        try:
            _map_v8_library()
            self._prepared = self._new_context()
        except BaseException as exc:  # noqa: BLE001 - handed to the thread that uses the context
            self._prepared = exc

    def _new_context(self) -> tuple[MiniRacer, str]:
        from py_mini_racer import MiniRacer

        mr = MiniRacer()
        try:
            mr.set_hard_memory_limit(self.max_memory)
            mr.eval(self._source)
            return mr, ",".join(mr.eval("__pmHost.params"))
        except BaseException:
            mr.close()
            raise

    def _take_prepared(self) -> tuple[MiniRacer, str] | None:
        """The background thread's context (waiting for it), or None when nothing was prepared."""
        thread, self._preparing = self._preparing, None
        if thread is None:
            return None
        thread.join()
        prepared, self._prepared = self._prepared, None
        if isinstance(prepared, BaseException):
            raise prepared
        return prepared

    def _context(self) -> MiniRacer:
        if self._mr is None:
            mr, self._params = self._take_prepared() or self._new_context()
            self._libraries_loaded = False
            self._mr = mr
        return self._mr

    def _ensure_libraries(self, mr: MiniRacer) -> None:
        if not self._libraries_loaded:
            mr.eval(_bundle(_LIBRARIES_BUNDLE))
            self._libraries_loaded = True

    def reset(self) -> None:
        """Drop the V8 context (after a memory blow-up); the next run builds a fresh one."""
        if self._preparing is not None:  # never leave a context behind on the thread (it would stall exit)
            try:
                prepared = self._take_prepared()
            except BaseException:  # noqa: BLE001 - it was never used; its failure is nobody's concern now
                prepared = None
            if prepared is not None:
                prepared[0].close()
        if self._mr is not None:
            try:
                self._mr.close()
            except Exception:  # noqa: BLE001 - a broken isolate may fail to close; it is discarded anyway
                pass
        self._mr = None

    def close(self) -> None:
        self.reset()

    def __enter__(self) -> ScriptEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def _timeout(self) -> float | None:
        return self.timeout_ms / 1000 if self.timeout_ms else None

    # ------------------------------------------------------------------ running
    def run(self, script: ScriptInput, send_request: SendRequest | None = None) -> ScriptOutcome:
        from py_mini_racer import JSEvalException, JSOOMException

        mr = self._context()
        if _USES_LIBRARIES.search(script.code):
            self._ensure_libraries(mr)
        self._counter += 1
        source_name = f"pm-script-{self._counter}.js"
        payload = {
            "event": script.event, "sourceName": source_name, "scopes": script.scopes, "request": script.request,
            "response": script.response, "info": script.info, "environmentName": script.environment_name,
            "location": script.item_location, "current": script.current, "cookies": script.cookies,
            "dynamicPool": script.dynamic_pool, "determinism": script.determinism,
        }
        error = self._execute(mr, script, source_name, payload)
        raw = None
        if error is None:
            error, raw = self._drain(mr, script, send_request)
        if self._mr is None:  # the memory limit killed the context; nothing to collect
            return ScriptOutcome(error=error)
        if raw is None:
            try:
                raw = mr.execute("__pmHost.finish()", timeout_sec=self._timeout)
            except JSOOMException:
                self.reset()
                return ScriptOutcome(error=error or self._limit_error("memory", script))
            except JSEvalException as exc:  # the host itself is broken: start over next time
                self.reset()
                return ScriptOutcome(error=error or self._host_failure(script, exc))
        outcome = _outcome(raw, script)
        if error is not None:
            outcome.error = error
        elif raw.get("error"):
            outcome.error = _script_error(raw["error"], script)
        return outcome

    def _execute(self, mr: MiniRacer, script: ScriptInput, source_name: str, payload: dict) -> ScriptError | None:
        """``__pmHost.begin`` and the script in one evaluation (each round trip to V8 costs thread hand-offs)."""
        from py_mini_racer import JSEvalException, JSOOMException, JSParseException, JSTimeoutException

        # the parameters are postman-sandbox's scope names (pm.js PARAMS); the script starts on the first
        # line (after the begin() input, JSON without line breaks), so its line numbers are kept
        wrapped = (f"__pmHost.start({json.dumps(payload, separators=(',', ':'))}, async function ({self._params}) "
                   f"{{{script.code}\n}});\n//# sourceURL={source_name}\n")
        try:
            failed = mr.eval(wrapped, timeout_sec=self._timeout)
        except JSTimeoutException:
            return self._limit_error("timeout", script)
        except JSOOMException:
            self.reset()
            return self._limit_error("memory", script)
        except JSParseException as exc:  # nothing ran: begin() alone, so finish() reports this script
            mr.call("__pmHost.begin", payload, timeout_sec=self._timeout)
            return _syntax_error(str(exc), script)
        except JSEvalException as exc:
            return _syntax_error(str(exc), script, kind="runtime")
        if failed:  # begin() itself threw: a fault of the host, not of the script
            raise JSEvalException(failed)
        return None

    def _drain(self, mr: MiniRacer, script: ScriptInput,
               send_request: SendRequest | None) -> tuple[ScriptError | None, dict | None]:
        """Complete pending requests and timers; the host's ``finish()`` result once nothing is left."""
        from py_mini_racer import JSEvalException, JSOOMException, JSTimeoutException

        waited = 0.0
        budget = self._timeout or 3600.0
        for _ in range(_MAX_DRAIN_STEPS):
            try:
                # pending() while something is outstanding, else finish() in the same round trip
                pending = mr.execute("__pmHost.settle()", timeout_sec=self._timeout)
                if "finished" in pending:
                    return None, pending["finished"]
                if pending["requests"]:
                    entry = pending["requests"][0]
                    if send_request is None:
                        err, response = {"name": "Error", "message": "pm.sendRequest is not available here"}, None
                    else:
                        err, response = send_request(entry["request"])
                    # timers that fell due while the request was out fire before its callback, as in Node
                    self._fire_due_timers(mr)
                    mr.call("__pmHost.deliver", entry["id"], err, response, timeout_sec=self._timeout)
                    continue
                if pending["timers"]:
                    timer = pending["timers"][0]
                    wait = timer["wait"] / 1000
                    if waited + wait > budget:
                        return ScriptError("timeout", script.event, script.location, "Error",
                                           f"timers were still pending after {int(budget * 1000)} ms"), None
                    if wait > 0:
                        time.sleep(wait)
                        waited += wait
                    mr.call("__pmHost.fireTimer", timer["id"], timeout_sec=self._timeout)
                    continue
            except JSTimeoutException:
                return self._limit_error("timeout", script), None
            except JSOOMException:
                self.reset()
                return self._limit_error("memory", script), None
            except JSEvalException as exc:  # finish() failed: the host itself is broken, start over next time
                self.reset()
                return self._host_failure(script, exc), None
        return ScriptError("timeout", script.event, script.location, "Error",
                           f"the script kept scheduling work ({_MAX_DRAIN_STEPS} callbacks); stopped"), None

    def _fire_due_timers(self, mr: MiniRacer) -> None:
        for _ in range(_MAX_DRAIN_STEPS):
            due = [t for t in mr.execute("__pmHost.pending()", timeout_sec=self._timeout)["timers"] if t["wait"] <= 0]
            if not due:
                return
            mr.call("__pmHost.fireTimer", due[0]["id"], timeout_sec=self._timeout)

    @staticmethod
    def _host_failure(script: ScriptInput, exc: Exception) -> ScriptError:
        return ScriptError("runtime", script.event, script.location, "Error", f"the sandbox failed: {exc}")

    def _limit_error(self, kind: str, script: ScriptInput) -> ScriptError:
        if kind == "timeout":
            message = f"the script ran longer than {self.timeout_ms} ms and was stopped (endless loop?)"
        else:
            message = f"the script used more than {self.max_memory // (1024 * 1024)} MB of memory and was stopped"
        return ScriptError(kind, script.event, script.location, "Error", message)


def _map_v8_library() -> None:
    """Load mini-racer's V8 library with the GIL released (Linux; elsewhere mini-racer loads it as usual).

    ``ctypes.CDLL`` holds the GIL while ``dlopen`` binds the 74 MB library's ~110k relocations (~45 ms),
    stalling the thread that does the start-up work meanwhile. ``dlopen`` called as a foreign function
    releases the GIL; mini-racer's own ``CDLL`` of the same file then finds it loaded. The handle is
    never closed: the library stays for the process, as mini-racer keeps it anyway.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # here: on the background thread, like the rest of V8's start
    import importlib.util

    spec = importlib.util.find_spec("py_mini_racer")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    library = Path(locations[0]) / "libmini_racer.so" if locations else None
    if library is None or not library.is_file():
        return
    try:
        dlopen = ctypes.CDLL(None).dlopen
    except (OSError, AttributeError):
        return
    dlopen.argtypes = [ctypes.c_char_p, ctypes.c_int]
    dlopen.restype = ctypes.c_void_p
    dlopen(os.fsencode(library), os.RTLD_NOW | os.RTLD_LOCAL)  # a failure leaves it to mini-racer's own load


def _bundle(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SandboxNotBuilt(path) from None


class SandboxNotBuilt(HarnessError):
    """The npm-bundled sandbox libraries are missing: say the one command that builds them."""

    def __init__(self, path: Path):
        super().__init__(
            f"the Postman sandbox libraries are not installed ({path} is missing): run "
            f"`npm ci --no-audit --no-fund` in {_PROJECT_ROOT} (it installs them from package.json and bundles "
            f"them with esbuild; `node harness/postman/sandbox/bundle/build.mjs` rebuilds the bundle alone)")
        self.path = path


def _syntax_error(text: str, script: ScriptInput, kind: str = "syntax") -> ScriptError:
    match = _PARSE_ERROR.match(text.strip())
    if match:
        line, message = int(match.group("line")), match.group("message")
        last_line = script.code.count("\n") + 1
        if line > last_line:  # the parser ran into the wrapper's closing "})": the script ended early
            line, message = last_line, "Unexpected end of input"
        return ScriptError(kind, script.event, script.location, match.group("name"), message, line)
    first = text.strip().splitlines()[0] if text.strip() else "unknown error"
    return ScriptError(kind, script.event, script.location, "Error", first)


def _script_error(data: dict, script: ScriptInput) -> ScriptError:
    return ScriptError("runtime", script.event, script.location, str(data.get("name") or "Error"),
                       str(data.get("message") or ""), data.get("line"))


def _outcome(raw: dict, script: ScriptInput) -> ScriptOutcome:
    assertions = []
    for entry in raw.get("assertions") or []:
        error = entry.get("error") or {}
        assertions.append(AssertionResult(
            name=str(entry.get("name")), passed=bool(entry.get("passed")), skipped=bool(entry.get("skipped")),
            error_name=error.get("name") if error else None, error_message=error.get("message") if error else None,
            legacy=bool(entry.get("legacy")), event=script.event))
    logs = [(str(log.get("level")), str(log.get("message"))) for log in raw.get("logs") or []]
    return ScriptOutcome(
        assertions=assertions, scopes=raw.get("scopes") or {}, request=raw.get("request"),
        next_request_set=bool(raw.get("nextRequestSet")), next_request=raw.get("nextRequest"),
        skip_request=bool(raw.get("skipRequest")), logs=logs,
        dynamic_used={k: int(v) for k, v in (raw.get("dynamicUsed") or {}).items()},
        dynamic_extra={k: [str(x) for x in v] for k, v in (raw.get("dynamicExtra") or {}).items()},
        determinism=raw.get("determinism") or None)

