"""The ``job-gateway`` command: serve, simulate, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn

from adapters.settings import ConfigError

if TYPE_CHECKING:
    from gateway.embedded import RunningSimulators, SimulatorProvider

CONFIG_ENV = "JOB_GATEWAY_CONFIG"
ONE_WORKER = (
    "--workers must be 1 for now: subscriptions, their event ids (since) and job polling still live in each "
    "process, so several workers would poll twice and disagree on event ids; run one worker per process "
    "(idempotency keys, reruns, callback tokens, status history and cursors are shared through state_url)"
)
NO_UPSTREAMS = f"serve needs --config FILE (or the environment variable {CONFIG_ENV}), or --simulate for the simulators"
BOTH_GIVEN = (
    f"--config (or {CONFIG_ENV}) and --simulate exclude each other: --simulate runs on the simulators, "
    f"not on a configuration; drop one (unset {CONFIG_ENV} to use --simulate)"
)

SIMULATE_ONLY = "--faults and --rate apply to the simulators: use them with --simulate (or job-gateway simulate)"
RATE_HELP = "how fast new jobs arrive at one simulated source, e.g. scale=2/min or leia=30/h (repeatable)"


DEFAULT_STATE_URL = "sqlite:///.job-gateway/state.db"
"""Where ``serve`` keeps its state unless ``[gateway] state_url`` says otherwise (relative to the working directory)."""


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _parsers() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The command's parser, and its ``serve`` parser (whose usage the serve refusals print)."""
    parser = argparse.ArgumentParser(prog="job-gateway", description="One GraphQL graph over five job APIs.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the gateway on the upstreams of --config, or on the simulators")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--config", help=f"gateway configuration (TOML); default: the environment variable {CONFIG_ENV}")
    serve.add_argument(
        "--simulate", action="store_true", help="serve the upstream simulators in-process and use them (demo, dev)"
    )
    serve.add_argument("--seed", type=int, default=0, help="with --simulate: data seed")
    serve.add_argument("--sim-speed", type=float, default=1.0, help="with --simulate: clock speed, 0 = frozen")
    serve.add_argument("--sim-port", type=int, default=0, help="with --simulate: port (0 = any free port)")
    serve.add_argument("--faults", metavar="FILE", help="with --simulate: a timeline of simulator faults (TOML)")
    serve.add_argument("--rate", action="append", default=[], metavar="SOURCE=RATE", help=RATE_HELP)
    serve.add_argument(
        "--workers", type=int, default=1, help="processes on one port; only 1 for now (see README: State)"
    )
    serve.add_argument("--log-level", default="info")

    simulate = sub.add_parser("simulate", help="serve the five upstream simulators and write a gateway config")
    simulate.add_argument("--host", default="127.0.0.1")
    simulate.add_argument("--port", type=int, default=8100)
    simulate.add_argument("--seed", type=int, default=0)
    simulate.add_argument("--sim-speed", type=float, default=1.0)
    simulate.add_argument("--faults", metavar="FILE", help="a timeline of simulator faults (TOML, see README)")
    simulate.add_argument("--rate", action="append", default=[], metavar="SOURCE=RATE", help=RATE_HELP)
    simulate.add_argument("--config-out", required=True, help="where to write the gateway configuration")
    simulate.add_argument("--log-level", default="warning")

    sub.add_parser("export-schema", help="print the GraphQL SDL of this code")
    return parser, serve


def main(argv: list[str] | None = None) -> int:
    parser, serve_parser = _parsers()
    args = parser.parse_args(argv)
    if args.command == "export-schema":
        from strawberry.printer import print_schema

        from gateway.schema.build import build_schema

        sys.stdout.write(print_schema(build_schema()) + "\n")
        return 0
    if args.command == "serve":
        args.config = args.config or os.environ.get(CONFIG_ENV) or None
        if args.simulate and args.config:
            serve_parser.error(BOTH_GIVEN)
        if not args.simulate and not args.config:
            serve_parser.error(NO_UPSTREAMS)
        if (args.faults or args.rate) and not args.simulate:
            serve_parser.error(SIMULATE_ONLY)
        if args.workers != 1:
            serve_parser.error(ONE_WORKER)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from gateway.embedded import SimulatorsNotInstalled

    try:
        if args.command == "simulate":
            return asyncio.run(_simulate(args))
        return asyncio.run(_serve(args))
    except ConfigError as exc:
        print(f"job-gateway: configuration error: {exc}", file=sys.stderr)
        return 2
    except SimulatorsNotInstalled as exc:
        print(f"job-gateway {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _build_simulators(provider: SimulatorProvider, args: argparse.Namespace) -> RunningSimulators:
    """The simulators of ``simulate`` and ``serve --simulate``; a bad ``--faults`` or ``--rate`` is a configuration error."""
    try:
        return provider.build(seed=args.seed, speed=args.sim_speed, faults=args.faults, rates=args.rate)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


async def _simulate(args: argparse.Namespace) -> int:
    from gateway.embedded import load_simulators

    provider = load_simulators()
    sims = _build_simulators(provider, args)
    origin = f"http://{args.host}:{args.port}"
    for name, url in sims.base_urls(origin).items():
        print(f"{name:9} {url}")
    header = f"Gateway configuration for the simulators at {origin} (seed {args.seed})."
    text = provider.render_config(sims.gateway_tables(origin), header)
    await asyncio.to_thread(Path(args.config_out).write_text, text)
    print(f"config written to {args.config_out}; run: job-gateway serve --config {args.config_out}", flush=True)
    # The simulators stamp their own Date (their simulated clock): uvicorn must not add a second one.
    served = uvicorn.Config(sims.app, host=args.host, port=args.port, log_level=args.log_level, date_header=False)
    server = uvicorn.Server(served)
    await server.serve()
    return 0


async def _serve(args: argparse.Namespace) -> int:
    from gateway.app import create_app
    from gateway.config import config_from_mapping, load_config, with_state_default

    servers: list[uvicorn.Server] = []
    if not args.simulate:
        config = with_state_default(load_config(args.config), DEFAULT_STATE_URL)
    else:
        from gateway.embedded import load_simulators

        sims = _build_simulators(load_simulators(), args)
        sim_port = args.sim_port or _free_port("127.0.0.1")
        origin = f"http://127.0.0.1:{sim_port}"
        config = config_from_mapping({"sources": sims.gateway_tables(origin)}, dict(os.environ))
        # Simulated upstreams forget their jobs on exit: so does the state of a --simulate run.
        scratch = tempfile.mkdtemp(prefix="job-gateway-state-")
        config = with_state_default(config, f"sqlite:///{Path(scratch) / 'state.db'}")
        print(f"simulators (seed {args.seed}, speed {args.sim_speed}):", flush=True)
        for name, url in sims.base_urls(origin).items():
            print(f"  {name:9} {url}", flush=True)
        # The simulators stamp their own Date (their simulated clock): uvicorn must not add a second one.
        sim_config = uvicorn.Config(sims.app, host="127.0.0.1", port=sim_port, log_level="warning", date_header=False)
        servers.append(uvicorn.Server(sim_config))
    app = create_app(config)
    print(f"GraphiQL: http://{args.host}:{args.port}/graphql", flush=True)
    # A WebSocket message is bounded like a request body (uvicorn's default is 16 MiB).
    ws_max = config.gateway.max_body_bytes
    served = uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level, ws_max_size=ws_max)
    servers.append(uvicorn.Server(served))
    await asyncio.gather(*(s.serve() for s in servers))
    return 0
