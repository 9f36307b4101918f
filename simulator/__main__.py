"""``python -m simulator``: run the simulated Dynamics estate as a standalone server."""

from __future__ import annotations

import argparse
import sys

from simulator.config import SimConfig
from simulator.server import SERVICES, SimulatorServer
from simulator.tls import trust_instructions
from simulator.twin.csdl import TwinError


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Serve a simulated Entra ID, Dataverse, Finance and Operations and Business Central "
                    "on loopback ports (one port per simulated host).")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8400,
                        help="first port; the services take PORT (login), PORT+1 (crm), PORT+2 (fno), "
                             "PORT+3 (bc). 0 = any free ports (default 8400)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the sample data (default 1)")
    parser.add_argument("--tenant-id", default=None, help="tenant GUID of the simulated directory")
    parser.add_argument("--database", default="sqlite://",
                        help="SQLAlchemy URL of the store; default in-memory, e.g. sqlite:///sim.db for a file")
    parser.add_argument("--token-lifetime", type=int, default=3599, help="access-token lifetime in seconds")
    parser.add_argument("--crm-metadata", default=None, metavar="FILE",
                        help="serve a twin of your own org: the entity sets of this Dataverse $metadata file, "
                             "with empty tables (instead of the built-in sample org)")
    parser.add_argument("--tls", action="store_true",
                        help="serve https on every host, with a certificate from a local CA (the CA bundle's "
                             "path and how to trust it are printed at start)")
    parser.add_argument("--tls-dir", default=None, metavar="DIR",
                        help="where the local CA is kept and reused (default $SIMULATOR_TLS_DIR or "
                             "~/.cache/dynamics-simulator/tls)")
    return parser.parse_args(argv)


def banner(server: SimulatorServer) -> str:
    """The start-up text: where each host is, and (with TLS) how clients trust the local CA."""
    config = server.config
    lines = [f"Simulator ready (tenant {config.tenant_id})",
             f"  login (Entra ID):     {config.login_url}  (authority {config.login_url}/{config.tenant_id})",
             f"  Dataverse / CRM:      {config.crm_url}/api/data/v9.2",
             f"  Finance & Operations: {config.fno_url}/data",
             f"  Business Central:     {config.bc_url}/v2.0/{config.tenant_id}/production/api/v2.0"]
    if server.ca_bundle is not None:
        lines.append(trust_instructions(server.ca_bundle))
    lines.append("Press Ctrl+C to stop.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config = SimConfig(seed=args.seed, database_url=args.database, token_lifetime=args.token_lifetime,
                       crm_metadata_path=args.crm_metadata)
    if args.tenant_id:
        config.tenant_id = args.tenant_id
    ports = {name: (args.port + i if args.port else 0) for i, name in enumerate(SERVICES)}
    server = SimulatorServer(config, host=args.host, ports=ports, log_level="warning", tls=args.tls,
                             tls_dir=args.tls_dir)
    server.on_ready = lambda: print(banner(server), flush=True)  # noqa: T201 - the banner is the output
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    except TwinError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
