"""Ready-made token-request hooks that make the identity provider misbehave on purpose.

Install with ``provider.add_hook(...)`` (``provider`` is ``app.state.identity``); a hook returning
a response answers the token request instead of the provider. Example::

    provider.add_hook(FailNext(2, lambda: throttled(retry_after=7)))
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response

from simulator.identity.provider import TokenCall


class FailNext:
    """Answer the next ``count`` matching token requests with ``respond()``, then step aside.

    ``grant_type`` / ``client_id`` narrow which requests count; ``count=None`` fails forever.
    """

    def __init__(self, count: int | None, respond: Callable[[], Response], *, grant_type: str | None = None,
                 client_id: str | None = None):
        self.remaining = count
        self.respond = respond
        self.grant_type = grant_type
        self.client_id = client_id
        self.failed = 0

    def matches(self, call: TokenCall) -> bool:
        if self.grant_type and call.grant_type != self.grant_type:
            return False
        return not (self.client_id and call.client_id.lower() != self.client_id.lower())

    def __call__(self, call: TokenCall) -> Response | None:
        if not self.matches(call) or self.remaining == 0:
            return None
        if self.remaining is not None:
            self.remaining -= 1
        self.failed += 1
        return self.respond()
