"""Builders shared by the recording tests: document interactions, vcrpy requests, simulator targets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vcr.request import Request

from harness.auth import MemoryTokenCache, TokenBroker
from harness.recording.bodies import structure
from harness.targets import client_for, simulator_targets
from simulator import config as simcfg

REPO = Path(__file__).resolve().parents[2]


def exchange(method: str = "GET", uri: str = "https://org.example/api/data/v9.2/accounts", *,
             request_headers: dict[str, str] | None = None, request_body: Any = None,
             request_type: str = "application/json", status: int = 200,
             response_headers: dict[str, str] | None = None, response_body: Any = None,
             response_type: str = "application/json") -> dict[str, Any]:
    """A cassette-document interaction; dict/list bodies become JSON, str bodies are sent as given."""
    def body(value: Any, content_type: str) -> Any:
        if value is None:
            return None
        raw = json.dumps(value) if isinstance(value, dict | list) else value
        return structure(raw, content_type)

    req_headers = {k: [v] for k, v in (request_headers or {}).items()}
    if request_body is not None:
        req_headers.setdefault("Content-Type", [request_type])
    resp_headers = {k: [v] for k, v in (response_headers or {}).items()}
    if response_body is not None:
        resp_headers.setdefault("Content-Type", [response_type])
    return {"request": {"method": method, "uri": uri, "headers": req_headers,
                        "body": body(request_body, request_type)},
            "response": {"status": {"code": status, "message": "OK"}, "headers": resp_headers,
                         "body": body(response_body, response_type) or {"string": ""}}}


def vcr_request(method: str, uri: str, body: Any = None, headers: dict[str, str] | None = None) -> Request:
    if isinstance(body, dict | list):
        body = json.dumps(body)
        headers = {"Content-Type": "application/json", **(headers or {})}
    return Request(method, uri, body, headers or {})


def targets_of(server, *, password: str = simcfg.DEFAULT_PASSWORD, secret: str = simcfg.DEFAULT_CLIENT_SECRET,
               username: str | None = None):
    """The harness's simulator targets (CRM: ROPC v1; F&O/BC: client credentials v2) for ``server``."""
    c = server.config
    return simulator_targets(c.login_url, c.tenant_id, c.crm_url, c.fno_url, c.bc_url,
                             simcfg.PUBLIC_CLIENT_ID, simcfg.CONFIDENTIAL_CLIENT_ID,
                             username or c.users[0].upn, password, secret)


def client(targets, name: str = "crm"):
    """A fresh OData client with its own broker and session (no token shared between calls)."""
    return client_for(targets[name], TokenBroker(MemoryTokenCache()))


def all_text_under(*folders: Path) -> str:
    """Every file under ``folders`` as text (binary read leniently), to search for leaks."""
    chunks = []
    for folder in folders:
        for path in Path(folder).rglob("*"):
            if path.is_file():
                chunks.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(chunks)
