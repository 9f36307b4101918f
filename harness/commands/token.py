"""``harness token``: get a token the way the suites would and show what is in it, never the token."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from harness.commands.options import target_options
from harness.errors import HarnessError

SHOWN_CLAIMS = ("aud", "iss", "tid", "oid", "upn", "unique_name", "appid", "scp", "roles", "idtyp", "ver",
                "iat", "nbf", "exp")


def mask(token: str) -> str:
    """Enough to tell two tokens apart, never enough to use one."""
    return f"{token[:6]}…({len(token)} chars)" if len(token) > 12 else "***"


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``token`` to the ``harness`` CLI."""
    token = commands.add_parser("token", help="obtain a token for a target and show its claims (token masked)")
    token.add_argument("name", choices=("crm", "fno", "bc"), help="which service the token is for")
    target_options(token)
    token.add_argument("--json", action="store_true", help="print JSON")
    token.set_defaults(handler=lambda args: token_command(args.name, args.target, args.env_file, args.json))


def token_command(name: str, target: str, env_file: str | None, as_json: bool = False) -> int:
    from harness.auth.token import safe_claims
    from harness.targets import open_targets

    with open_targets(target, env_file) as (targets, broker):
        settings = targets.get(name)
        if settings is None:
            raise HarnessError(f"no settings for target '{name}': set {name.upper()}_URL and its sign-in keys "
                               "in .env (see .env.example)")
        token = broker.token(settings)
        value = token.value.reveal()
        claims = {k: v for k, v in safe_claims(value).items() if k in SHOWN_CLAIMS}
        expires = dt.datetime.fromtimestamp(token.expires_at, dt.UTC).isoformat(timespec="seconds")
        if as_json:
            print(json.dumps({"target": name, "grant_type": settings.grant_type, "token": mask(value),
                              "expires_at": expires, "claims": claims}, indent=2))
            return 0
        print(f"target      {name} ({settings.grant_type}, token endpoint {settings.token_version})")
        print(f"token       {mask(value)}")
        print(f"expires at  {expires}")
        for key, claim in claims.items():
            print(f"  {key:<11} {claim}")
    return 0
