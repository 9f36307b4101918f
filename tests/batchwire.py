"""Build and read multipart ``$batch`` bodies in tests, with the standard library only (independent of the
simulator's own parser and of the harness client)."""

from __future__ import annotations

import email
import email.policy
import json
from dataclasses import dataclass


@dataclass
class Part:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    content_id: str | None
    in_changeset: bool

    def json(self):
        return json.loads(self.body)


def request(method: str, url: str, body=None, headers: dict | None = None, content_id: str | None = None,
            eol: str = "\r\n") -> str:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id is not None:
        lines.append(f"Content-ID: {content_id}")
    lines += ["", f"{method} {url} HTTP/1.1"]
    if body is not None:
        lines.append("Content-Type: application/json; type=entry")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines.append("")
    text = eol.join(lines) + eol
    if body is not None:
        text += body if isinstance(body, str) else json.dumps(body)
    return text


def multipart(parts: list[str], boundary: str, eol: str = "\r\n") -> str:
    return "".join(f"--{boundary}{eol}{part}{eol}" for part in parts) + f"--{boundary}--{eol}"


def changeset(parts: list[str], boundary: str = "changeset_t1", eol: str = "\r\n") -> str:
    return f"Content-Type: multipart/mixed; boundary={boundary}{eol}{eol}" + multipart(parts, boundary, eol)


def batch(parts: list[str], boundary: str = "batch_t1", eol: str = "\r\n") -> tuple[str, bytes]:
    """(Content-Type, body) of a batch request."""
    return f"multipart/mixed; boundary={boundary}", multipart(parts, boundary, eol).encode()


def read(content_type: str, body: bytes) -> list[Part]:
    """The inner responses of a multipart batch response, change sets flattened, in order."""
    message = email.message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body,
                                       policy=email.policy.HTTP)
    assert message.is_multipart(), body[:200]
    out: list[Part] = []

    def walk(container, in_changeset: bool) -> None:
        for part in container.iter_parts():
            if part.get_content_type() == "multipart/mixed":
                walk(part, True)
                continue
            assert part.get_content_type() == "application/http", part.get_content_type()
            raw = part.get_payload(decode=True)
            head, _, content = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
            lines = head.decode().split("\n")
            status = int(lines[0].split(" ")[1])
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
            out.append(Part(status, headers, content.rstrip(b"\n"), part.get("Content-ID"), in_changeset))

    walk(message, False)
    return out
