"""Shared helpers for the Postman tests: a tiny real HTTP app on 127.0.0.1 (no mocks), builders."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from pathlib import Path
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = REPO_ROOT.parent / "shared" / "corpus"
COLLECTIONS = REPO_ROOT / "collections"
TEST_TOKEN = "tok-0123456789abcdef"


async def echo(request: Request) -> Response:
    body = (await request.body()).decode("utf-8", errors="replace")
    return JSONResponse({
        "method": request.method,
        "path": request.url.path,
        "raw_query": request.url.query,
        "query": [[k, v] for k, v in request.query_params.multi_items()],
        "headers": {k.lower(): v for k, v in request.headers.items()},
        "body": body,
    })


async def status(request: Request) -> Response:
    code = int(request.path_params["code"])
    if code in (204, 304):
        return Response(status_code=code)
    return JSONResponse({"code": code}, status_code=code)


async def token(request: Request) -> Response:
    form = dict(parse_qsl((await request.body()).decode("utf-8")))
    if form.get("grant_type") == "password" and form.get("username") == "ada" and form.get("password") == "s3cret!":
        return JSONResponse({"token_type": "Bearer", "access_token": TEST_TOKEN, "expires_in": "3599"})
    if form.get("grant_type") == "client_credentials" and form.get("client_secret") == "app-secret":
        return JSONResponse({"token_type": "Bearer", "access_token": TEST_TOKEN, "expires_in": 3599})
    return JSONResponse({"error": "invalid_grant", "error_description": "AADSTS50126: bad credentials"},
                        status_code=400)


async def secure(request: Request) -> Response:
    if request.headers.get("authorization") != f"Bearer {TEST_TOKEN}":
        return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return JSONResponse({"ok": True, "user": "ada"})


async def pages(request: Request) -> Response:
    page = int(request.query_params.get("page", "1"))
    size = 2
    rows = [{"id": i, "name": f"row {i}"} for i in range(1, 6)]
    chunk = rows[(page - 1) * size: page * size]
    body: dict = {"value": chunk}
    if page * size < len(rows):
        body["@odata.nextLink"] = str(request.url.replace(query=f"page={page + 1}"))
    return JSONResponse(body)


async def text(request: Request) -> Response:
    response = PlainTextResponse("hello world")
    response.headers.append("X-Dup", "one")
    response.headers.append("X-Dup", "two")
    response.set_cookie("session", "abc123")
    return response


async def slow(request: Request) -> Response:
    await asyncio.sleep(float(request.query_params.get("s", "1")))
    return JSONResponse({"slow": True})


async def bad_json(request: Request) -> Response:
    return Response("<html>oops</html>", media_type="application/json")


def build_app() -> Starlette:
    return Starlette(routes=[
        Route("/echo/{path:path}", echo, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
        Route("/echo", echo, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        Route("/status/{code}", status, methods=["GET", "POST", "DELETE", "PATCH"]),
        Route("/token", token, methods=["POST", "GET"]),
        Route("/secure", secure),
        Route("/pages", pages),
        Route("/text", text),
        Route("/slow", slow),
        Route("/badjson", bad_json),
    ])


class LocalServer:
    """uvicorn in a thread on an ephemeral loopback port."""

    def __init__(self, app):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve(sockets=[self.sock])),
                                       daemon=True)

    def start(self) -> LocalServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
        self.sock.close()


def collection(items: list, **extra) -> dict:
    """A minimal v2.1 collection dict around ``items``."""
    return {"info": {"name": extra.pop("name", "Test"),
                     "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
            "item": items, **extra}


def request_item(name: str, url, method: str = "GET", *, tests: str | None = None, pre: str | None = None,
                 **request_extra) -> dict:
    item: dict = {"name": name, "request": {"method": method, "url": url, **request_extra}}
    events = []
    if pre is not None:
        events.append({"listen": "prerequest", "script": {"type": "text/javascript", "exec": pre.split("\n")}})
    if tests is not None:
        events.append({"listen": "test", "script": {"type": "text/javascript", "exec": tests.split("\n")}})
    if events:
        item["event"] = events
    return item


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path
