"""Run a collection like Newman: items in order, per iteration, with scripts and shared variables.

Per item (postman-runtime's order): every pre-request script root-first (collection → folders →
request), then variables are substituted and auth is applied, the request is sent through the
given ``requests.Session``, then every test script root-first. Variable scopes are shared across
items; the local scope (``pm.variables.set``) lives for one item. ``postman.setNextRequest``
jumps by name or id after the item, ``null`` ends the iteration. A request or script error does
not stop the run unless ``bail`` is set (as with ``newman run --bail``).
"""

from __future__ import annotations

import re
import time
import uuid
from email.message import Message
from http import HTTPStatus
from pathlib import Path
from typing import Any

import requests

from harness.errors import HarnessError
from harness.http import new_session
from harness.postman.auth import TokenProvider, apply_auth
from harness.postman.determinism import ScriptDeterminism
from harness.postman.dynamic import KNOWN_DYNAMIC, DynamicValues
from harness.postman.errors import CollectionError, UnresolvedVariableError
from harness.postman.flow import find_position, next_position
from harness.postman.loader import load_collection, load_data_file, load_environment
from harness.postman.model import Collection, Node, RequestItem
from harness.postman.redaction import (
    dotenv_secret_keys,
    hidden_values,
    hide_in,
    is_secret_name,
    redact,
    redact_body,
    redact_headers,
    register_response_tokens,
    register_variables,
    script_opt_in,
    script_visible,
    url_host,
)
from harness.postman.report import WARNING, ImportReport
from harness.postman.request_builder import BuiltRequest, build_request, resolve_request
from harness.postman.results import ItemExecution, ReceivedResponse, RunResult, SentRequest
from harness.postman.sandbox.engine import ScriptEngine, ScriptInput, ScriptOutcome
from harness.postman.variables import VariableResolver, VariableScope

MAX_EXECUTIONS_PER_ITERATION = 10_000
_DYNAMIC_IN_SCRIPT = re.compile(r"\$([A-Za-z]\w*)")

EnvironmentLike = VariableScope | dict | str | Path | None


def _scope(value: EnvironmentLike, scope_name: str) -> VariableScope:
    if value is None:
        return VariableScope(scope_name)
    if isinstance(value, VariableScope):
        copy = value.copy()
        copy.scope = scope_name
        return copy
    if isinstance(value, dict) and "values" in value and isinstance(value["values"], list):
        return load_environment(value, scope_name=scope_name)
    if isinstance(value, dict):
        return VariableScope.from_mapping(scope_name, value)
    return load_environment(value, scope_name=scope_name)


def _location(node: Node, collection: Collection) -> tuple[str, str]:
    """Human-readable owner of a script, and its name for ``pm.execution.location.current``."""
    if node is collection:
        return f"collection '{collection.name}'", collection.name
    if isinstance(node, RequestItem):
        return f"request '{node.path}'", node.name
    path = "/".join(getattr(node, "folder_path", ()) or (node.name,))
    return f"folder '{path}'", node.name


def _charset(content_type: str | None) -> str:
    if not content_type:
        return "utf-8"
    message = Message()
    message["content-type"] = content_type
    return message.get_param("charset") or "utf-8"


def response_to_json(response: requests.Response) -> dict[str, Any]:
    """A ``requests`` response in the shape the sandbox's ``Response`` is built from."""
    raw_headers = getattr(getattr(response, "raw", None), "headers", None)
    try:
        pairs = list(raw_headers.items()) if raw_headers is not None else list(response.headers.items())
    except Exception:  # noqa: BLE001 - replayed responses may carry a plain dict
        pairs = list(response.headers.items())
    content = response.content or b""
    try:
        text = content.decode(_charset(response.headers.get("Content-Type")), errors="replace")
    except LookupError:
        text = content.decode("utf-8", errors="replace")
    reason = response.reason or ""
    if not reason:
        try:
            reason = HTTPStatus(response.status_code).phrase
        except ValueError:
            reason = ""
    elapsed = getattr(response, "elapsed", None)
    return {
        "code": response.status_code,
        "status": reason,
        "header": [{"key": k, "value": v} for k, v in pairs],
        "body": text,
        "responseTime": int(round(elapsed.total_seconds() * 1000)) if elapsed is not None else 0,
        "responseSize": len(content),
    }


class CollectionRunner:
    """Newman-like runner; ``run()`` for a whole run, ``run_item()`` for one item (pytest mode)."""

    def __init__(self, collection: Collection | str | Path, environment: EnvironmentLike = None,
                 globals: EnvironmentLike = None, iteration_data: list[dict] | str | Path | None = None,  # noqa: A002
                 session: requests.Session | None = None, token_provider: TokenProvider | None = None,
                 dotenv_values: dict[str, str] | None = None, timeout_request_ms: int | None = None,
                 delay_request_ms: int = 0, bail: bool = False, folder: str | None = None,
                 dynamic_values: DynamicValues | None = None, iterations: int | None = None,
                 harness_variables: dict[str, Any] | None = None, strict_variables: bool = False,
                 timeout_script_ms: int = 10_000, max_script_memory_mb: int = 256,
                 env_vars: dict[str, Any] | None = None, global_vars: dict[str, Any] | None = None,
                 engine: ScriptEngine | None = None):
        self.collection = collection if isinstance(collection, Collection) else load_collection(collection)
        self.environment = _scope(environment, "environment")
        self.globals = _scope(globals, "globals")
        for key, value in (env_vars or {}).items():  # newman --env-var
            self.environment.set(key, value)
        for key, value in (global_vars or {}).items():  # newman --global-var
            self.globals.set(key, value)
        self.collection_variables = VariableScope(
            "collectionVariables", {v.key: v.value for v in self.collection.variables if not v.disabled})
        self.harness = VariableScope.from_mapping("harness", harness_variables)
        self.dotenv = VariableScope.from_mapping("dotenv", dotenv_values)
        self.dotenv.secret_keys |= dotenv_secret_keys(self.dotenv.values)
        # The harness's own {{password}} / {{client_secret}} resolve in requests but, like the
        # secret .env keys, are hidden from scripts unless HARNESS_SCRIPT_SECRETS names them.
        self.harness.secret_keys |= {key for key in self.harness.values if is_secret_name(key)}
        self.script_secrets_allowed = script_opt_in(self.dotenv.values)
        self.script_hidden_names = sorted(((self.harness.secret_keys & set(self.harness.values))
                                           | (self.dotenv.secret_keys & set(self.dotenv.values)))
                                          - self.script_secrets_allowed)
        self.script_hidden = hidden_values([(self.harness.values, self.harness.secret_keys),
                                            (self.dotenv.values, self.dotenv.secret_keys)],
                                           self.script_secrets_allowed)
        self.sent_hosts: set[str] = set()  # hosts of the collection's own requests (for pm.sendRequest)
        if isinstance(iteration_data, str | Path):
            iteration_data = load_data_file(iteration_data)
        self.iteration_data: list[dict] = list(iteration_data or [])
        if iterations is not None and iterations < 1:
            raise HarnessError("the iteration count must be at least 1")
        self.iterations = iterations or (len(self.iteration_data) or 1)
        self.session = session or new_session()
        self.token_provider = token_provider
        self.timeout_request_ms = timeout_request_ms
        self.delay_request_ms = delay_request_ms
        self.bail = bail
        self.strict_variables = strict_variables
        self.dynamic = dynamic_values or DynamicValues()
        # a caller may hand over an engine it started preparing (``harness run``); the runner closes it
        self.engine = engine or ScriptEngine(timeout_ms=timeout_script_ms, max_memory_mb=max_script_memory_mb)
        self.report = ImportReport(source=self.collection.source)
        self.items = list(self.collection.requests())
        if folder is not None:
            self.items = self.collection.select(folder)
            if not self.items:
                raise CollectionError(f"no folder or request named '{folder}'", file=self.collection.source)
        self.register_secrets()

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> CollectionRunner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def register_secrets(self) -> None:
        """Register the secret-looking (and declared secret) variable values for redaction."""
        for scope in (self.environment, self.globals, self.collection_variables, self.harness, self.dotenv):
            register_variables(scope.values, scope.secret_keys)

    def target_hosts(self) -> set[str]:
        """Hosts the collection talks to: its requests so far and every URL in its variables."""
        hosts = set(self.sent_hosts)
        for scope in (self.environment, self.collection_variables, self.globals, self.harness, self.dotenv):
            hosts.update(h for value in scope.values.values() if (h := url_host(value)))
        return hosts

    def data_row(self, iteration: int) -> dict[str, Any]:
        """Newman reuses the last data row when there are more iterations than rows."""
        if not self.iteration_data:
            return {}
        return dict(self.iteration_data[min(iteration, len(self.iteration_data) - 1)])

    def find_position(self, name_or_id: str) -> int | None:
        """The item ``setNextRequest(name_or_id)`` means (:func:`harness.postman.flow.find_position`)."""
        return find_position(self.items, name_or_id)

    # ------------------------------------------------------------------ whole run
    def run(self) -> RunResult:
        result = RunResult(report=self.report, iterations=self.iterations)
        for iteration in range(self.iterations):
            position = 0
            executed = 0
            while position < len(self.items):
                if executed >= MAX_EXECUTIONS_PER_ITERATION:
                    result.stopped = (f"iteration {iteration + 1} ran {executed} requests; stopped (setNextRequest "
                                      "loop?)")
                    return result
                if executed and self.delay_request_ms:
                    time.sleep(self.delay_request_ms / 1000)
                execution = self.run_item(self.items[position], iteration)
                executed += 1
                result.executions.append(execution)
                if self.bail and not execution.passed:
                    result.stopped = f"--bail: '{execution.path}' failed"
                    return result
                following = next_position(self.items, execution, position, self.report)
                if following is None:  # setNextRequest(null) or an unknown name
                    break
                position = following
        return result

    # ------------------------------------------------------------------ one item
    def run_item(self, item: RequestItem, iteration: int, *, session: requests.Session | None = None,
                 dynamic_values: DynamicValues | None = None,
                 determinism: ScriptDeterminism | None = None) -> ItemExecution:
        """Run one request with its scripts against the shared scopes (one Newman "execution").

        ``dynamic_values`` and ``determinism`` (the scripts' clock and random seeds) are given by
        the cassette layer, so a replayed item sends exactly what it sent when it was recorded.
        """
        session = session or self.session
        dynamic = dynamic_values if dynamic_values is not None else self.dynamic
        execution = ItemExecution(item=item, iteration=iteration)
        local = VariableScope("local")
        data = VariableScope.from_mapping("iterationData", self.data_row(iteration))
        info = {"iteration": iteration, "iterationCount": self.iterations, "requestName": item.name,
                "requestId": item.id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.collection.source}#{item.path}"))}
        context = _ItemContext(self, item, execution, local, data, info, session, dynamic, determinism)

        request_json = item.request_copy()
        for node in item.chain():
            if execution.skipped:
                break
            for script in node.scripts("prerequest"):
                execution.prerequest_scripts += 1
                outcome = context.run_script(node, "prerequest", script.code, request_json, None)
                if outcome.request:
                    request_json = _apply_mutations(request_json, outcome.request)
                if outcome.skip_request:
                    execution.skipped = True
                    break
        if execution.skipped:
            return execution

        try:
            built = self._prepare(item, request_json, context)
        except (UnresolvedVariableError, HarnessError) as exc:
            execution.request_error = redact(str(exc))
            return execution
        response_json = self._send(built, session, execution, item)

        sent_json = built.sent_json if built is not None else request_json
        for node in item.chain():
            for script in node.scripts("test"):
                execution.test_scripts += 1
                context.run_script(node, "test", script.code, sent_json, response_json)
        return execution

    def _prepare(self, item: RequestItem, request_json: dict, context: _ItemContext) -> BuiltRequest:
        resolver = context.resolver()
        resolved = resolve_request(request_json, resolver, item.path)
        auth, _owner = item.effective_auth()
        warnings = apply_auth(auth, resolved, resolver, item_path=item.path, token_provider=self.token_provider)
        for warning in warnings:
            context.execution.warnings.append(warning)
            self.report.add(WARNING, item.path, f"auth:{auth.type if auth else 'none'}", warning)
        unresolved = resolver.take_unresolved()
        for entry in unresolved:
            message = f"unresolved variable {{{{{entry.name}}}}} in {entry.field} (sent literally, as Newman does)"
            context.execution.warnings.append(message)
            self.report.add(WARNING, item.path, f"variable:{entry.name}", message)
        if unresolved and self.strict_variables:
            first = unresolved[0]
            names = sorted({u.name for u in unresolved if u.field == first.field})
            raise UnresolvedVariableError(names, item_path=item.path, field=first.field)
        profile = item.effective_protocol_profile()
        return build_request(resolved, prune_body=not profile.get("disableBodyPruning", False))

    def _send(self, built: BuiltRequest, session: requests.Session, execution: ItemExecution,
              item: RequestItem | None) -> dict | None:
        profile = item.effective_protocol_profile() if item is not None else {}
        secret_headers = []
        auth, _ = item.effective_auth() if item is not None else (None, None)
        if auth is not None and auth.type == "apikey" and auth.params.get("key"):
            secret_headers.append(str(auth.params["key"]))
        execution.request = SentRequest(method=built.method, url=redact(built.url),
                                        headers=redact_headers(built.headers, secret_headers),
                                        body=redact_body(built.body))
        if (host := url_host(built.url)) is not None:
            self.sent_hosts.add(host)
        error, response_json, response = self.send_built(built, session, profile)
        if error is not None:
            execution.request_error = redact(error["message"])
            return None
        assert response is not None and response_json is not None
        execution.response = ReceivedResponse(status=response_json["code"], reason=response_json["status"],
                                              time_ms=response_json["responseTime"],
                                              size=response_json["responseSize"],
                                              headers=redact_headers((h["key"], h["value"])
                                                                     for h in response_json["header"]),
                                              body=redact_body(response_json["body"]))
        return response_json

    def send_built(self, built: BuiltRequest, session: requests.Session, profile: dict | None = None
                   ) -> tuple[dict | None, dict | None, requests.Response | None]:
        """Send a built request; returns ``(error, response_json, response)``."""
        profile = profile or {}
        timeout = self.timeout_request_ms / 1000 if self.timeout_request_ms else None
        try:
            response = session.request(
                built.method, built.url, headers=dict(_merge_duplicate_headers(built.headers)),
                data=built.body if built.multipart is None else None,
                files=built.multipart if built.multipart else None,
                timeout=timeout, allow_redirects=bool(profile.get("followRedirects", True)),
                verify=bool(profile.get("strictSSL", True)) if "strictSSL" in profile else None)
        except requests.Timeout:
            return {"name": "Error", "message": f"request timed out after {self.timeout_request_ms} ms",
                    "code": "ETIMEDOUT"}, None, None
        except requests.ConnectionError as exc:
            return {"name": "Error", "message": f"could not connect: {exc}", "code": "ECONNREFUSED"}, None, None
        except (requests.RequestException, ValueError) as exc:
            return {"name": "Error", "message": f"{type(exc).__name__}: {exc}"}, None, None
        response_json = response_to_json(response)
        register_response_tokens(response_json["body"])
        return None, response_json, response


def _merge_duplicate_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``requests`` takes a dict; repeated headers are joined with ``, `` as HTTP allows."""
    merged: dict[str, tuple[str, str]] = {}
    for key, value in headers:
        lowered = key.lower()
        if lowered in merged:
            merged[lowered] = (merged[lowered][0], f"{merged[lowered][1]}, {value}")
        else:
            merged[lowered] = (key, value)
    return list(merged.values())


def _apply_mutations(original: dict, mutated: dict) -> dict:
    """Take ``url``, ``method``, ``header`` and ``body`` from the sandbox's ``pm.request``."""
    result = dict(original)
    for key in ("url", "method", "header", "body"):
        if key in mutated:
            result[key] = mutated[key]
    return result


class _ItemContext:
    """Per-item state shared by the item's scripts: local scope, data row, info, session."""

    def __init__(self, runner: CollectionRunner, item: RequestItem, execution: ItemExecution, local: VariableScope,
                 data: VariableScope, info: dict, session: requests.Session, dynamic: DynamicValues,
                 determinism: ScriptDeterminism | None = None):
        self.runner = runner
        self.item = item
        self.execution = execution
        self.local = local
        self.data = data
        self.info = info
        self.session = session
        self.dynamic = dynamic
        self.determinism = determinism

    def resolver(self) -> VariableResolver:
        r = self.runner
        return VariableResolver([self.local, self.data, r.environment, r.collection_variables, r.globals, r.harness,
                                 r.dotenv], dynamic=self.dynamic.next)

    def _cookies(self) -> list[dict[str, Any]]:
        return [{"key": c.name, "name": c.name, "value": c.value, "domain": c.domain, "path": c.path}
                for c in self.session.cookies]

    def _pool(self, code: str) -> dict[str, list[str]]:
        counts: dict[str, int] = {}
        for match in _DYNAMIC_IN_SCRIPT.finditer(code):
            name = "$" + match.group(1)
            if name in KNOWN_DYNAMIC:
                counts[name] = counts.get(name, 0) + 1
        return {name: self.dynamic.peek(name, min(2 * count + 2, 50)) for name, count in counts.items()}

    def _send_from_script(self, request_json: dict) -> tuple[dict | None, dict | None]:
        """pm.sendRequest: no variable substitution (Postman does none), body never pruned."""
        try:
            resolved = dict(request_json)
            resolved.setdefault("header", [])
            built = build_request(resolved, prune_body=False)
        except (TypeError, ValueError) as exc:
            return {"name": "Error", "message": f"invalid request: {exc}"}, None
        host = url_host(built.url)
        if host is not None and host not in self.runner.target_hosts():
            message = (f"pm.sendRequest to {host}, a host outside the collection's targets "
                       f"({', '.join(sorted(self.runner.target_hosts())) or 'none'}): check what the script sends")
            if message not in self.execution.warnings:
                self.execution.warnings.append(message)
                self.runner.report.add(WARNING, self.item.path, "pm.sendRequest", message)
        error, response_json, _ = self.runner.send_built(built, self.session)
        if error is not None:
            error["message"] = redact(error["message"])
        return error, response_json

    def _warn_hidden_reads(self, code: str) -> None:
        """Say why a script that reads a hidden secret gets ``undefined`` (once per item and name)."""
        r = self.runner
        for name in r.script_hidden_names:
            if f"'{name}'" in code or f'"{name}"' in code or f"{{{{{name}}}}}" in code:
                message = (f"the script reads '{name}', a secret scripts cannot see (it resolves only in "
                           f"requests as {{{{{name}}}}}); to let scripts read it, list '{name}' in HARNESS_SCRIPT_SECRETS")
                if message not in self.execution.warnings:
                    self.execution.warnings.append(message)
                    r.report.add(WARNING, self.item.path, f"variable:{name}", message)

    def run_script(self, node: Node, event: str, code: str, request_json: dict,
                   response_json: dict | None) -> ScriptOutcome:
        r = self.runner
        location, current = _location(node, r.collection)
        scopes = {
            "environment": r.environment.values, "globals": r.globals.values,
            "collectionVariables": r.collection_variables.values, "iterationData": self.data.values,
            "local": self.local.values,
            "harness": script_visible(r.harness.values, r.harness.secret_keys, allowed=r.script_secrets_allowed),
            "dotenv": script_visible(r.dotenv.values, r.dotenv.secret_keys, allowed=r.script_secrets_allowed),
        }
        self._warn_hidden_reads(code)
        if event == "test":  # the request as sent: resolved {{secrets}} are in it (pre-request sees templates)
            request_json = hide_in(request_json, r.script_hidden)
        script = ScriptInput(
            event=event, code=code, location=location, scopes=scopes, request=request_json, response=response_json,
            info={**self.info, "eventName": event}, environment_name=r.environment.name,
            item_location=[*self.item.folder_path, self.item.name], current=current, cookies=self._cookies(),
            dynamic_pool=self._pool(code),
            determinism=self.determinism.script_options() if self.determinism is not None else None)
        outcome = r.engine.run(script, send_request=self._send_from_script)
        if self.determinism is not None:
            self.determinism.absorb(outcome.determinism)
        if outcome.scopes:
            r.environment.replace_all(outcome.scopes.get("environment", r.environment.values))
            r.globals.replace_all(outcome.scopes.get("globals", r.globals.values))
            r.collection_variables.replace_all(outcome.scopes.get("collectionVariables",
                                                                   r.collection_variables.values))
            self.local.replace_all(outcome.scopes.get("local", self.local.values))
            for scope in (r.environment, r.globals, r.collection_variables, self.local):
                register_variables(scope.values, scope.secret_keys)
        for name, count in outcome.dynamic_used.items():
            self.dynamic.take(name, count)
        for name, values in outcome.dynamic_extra.items():
            for value in values:
                self.dynamic.record(name, value)
        self.execution.assertions.extend(outcome.assertions)
        for assertion in outcome.assertions:
            if assertion.error_message:
                assertion.error_message = redact(assertion.error_message)
        self.execution.logs.extend((level, redact(message)) for level, message in outcome.logs)
        if outcome.error is not None:
            outcome.error.message = redact(outcome.error.message)
            self.execution.script_errors.append(outcome.error)
        if outcome.next_request_set:
            self.execution.next_request_set = True
            self.execution.next_request = outcome.next_request
        return outcome


