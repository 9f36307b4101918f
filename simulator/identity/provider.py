"""The identity provider's live state, reachable from tests as ``app.state.identity``.

Holds the outstanding authorization codes and refresh tokens, the clock they age by, and the
per-request hooks that run before every token request (the fault-injection point: a hook that
returns a response short-circuits the request, e.g. with :func:`errors.temporarily_unavailable`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.responses import Response

from simulator.config import SimConfig
from simulator.identity.devicecode import DeviceCodes
from simulator.identity.state import AuthorizationCode, Clock, GrantStore, RefreshGrant, new_opaque
from simulator.identity.tokens import TokenIssuer
from simulator.keys import SigningKey

AUTHORIZATION_CODE_LIFETIME = 600  # Entra: "about 10 minutes"


@dataclass
class TokenCall:
    """One token request as hooks see it. Body values may be secrets, so they stay out of the repr."""

    tenant: str
    version: int  # 1 for /oauth2/token, 2 for /oauth2/v2.0/token
    form: dict[str, str] = field(repr=False)
    authorization: str | None = field(default=None, repr=False)
    client_ip: str = "127.0.0.1"
    correlation_id: str = ""
    correlation_from_client: bool = False
    base_url: str = ""  # scheme://host:port the request came to (used when config.login_url is unset)

    @property
    def grant_type(self) -> str:
        return self.form.get("grant_type", "")

    @property
    def client_id(self) -> str:
        return self.form.get("client_id", "")


@dataclass(frozen=True)
class TokenCallRecord:
    """What a test may assert about past token requests (no secrets)."""

    tenant: str
    version: int
    grant_type: str
    client_id: str
    status: int


TokenHook = Callable[[TokenCall], Response | None]


class IdentityProvider:
    """State and test controls of the simulated Entra ID."""

    def __init__(self, config: SimConfig, key: SigningKey):
        self.config = config
        self.key = key
        self.clock = Clock()
        self.issuer = TokenIssuer(config, key)
        self.codes = GrantStore()
        self.refresh_tokens = GrantStore()
        self.device_codes = DeviceCodes()
        self.hooks: list[TokenHook] = []
        self.calls: deque[TokenCallRecord] = deque(maxlen=1000)
        self.code_lifetime = AUTHORIZATION_CODE_LIFETIME

    # ----------------------------------------------------------------- clock
    def now(self) -> float:
        return self.clock.now()

    def advance_clock(self, seconds: float) -> None:
        """Move the provider's time forward: codes and refresh tokens age, new tokens are dated later."""
        self.clock.advance(seconds)

    # ----------------------------------------------------------------- hooks
    def add_hook(self, hook: TokenHook) -> TokenHook:
        self.hooks.append(hook)
        return hook

    def remove_hook(self, hook: TokenHook) -> None:
        if hook in self.hooks:
            self.hooks.remove(hook)

    def run_hooks(self, call: TokenCall) -> Response | None:
        for hook in list(self.hooks):
            response = hook(call)
            if response is not None:
                return response
        return None

    def record(self, call: TokenCall, status: int) -> None:
        self.calls.append(TokenCallRecord(call.tenant, call.version, call.grant_type, call.client_id, status))

    # ----------------------------------------------------------------- codes
    def issue_code(self, record: AuthorizationCode) -> str:
        code = new_opaque("1.A")
        self.codes.add(code, record)
        return code

    # ----------------------------------------------------------------- refresh tokens
    def issue_refresh_token(self, grant: RefreshGrant, version: int) -> str:
        token = new_opaque("0.A" if version == 1 else "1.A")
        self.refresh_tokens.add(token, grant)
        return token

    def revoke_refresh_tokens(self, upn: str) -> int:
        """Revoke every refresh token of ``upn`` (like a password reset); returns how many."""
        now = self.now()
        count = 0
        for grant in self.refresh_tokens.records():
            if grant.upn.lower() == upn.lower() and grant.revoked_at is None:
                grant.revoked_at = now
                count += 1
        return count

    def revoke_refresh_token(self, token: str) -> bool:
        grant = self.refresh_tokens.get(token)
        if grant is None:
            return False
        grant.revoked_at = self.now()
        return True

    def expire_refresh_token(self, token: str) -> bool:
        """Make ``token`` look unused for longer than the inactivity limit (next use: AADSTS700082)."""
        grant = self.refresh_tokens.get(token)
        if grant is None:
            return False
        grant.last_used = self.now() - self.config.refresh_token_lifetime - 1
        return True

    # ----------------------------------------------------------------- housekeeping
    def reset(self) -> None:
        """Forget all grants, hooks, recorded calls and clock offsets."""
        self.codes.clear()
        self.refresh_tokens.clear()
        self.device_codes.clear()
        self.hooks.clear()
        self.calls.clear()
        self.clock.offset = 0.0
