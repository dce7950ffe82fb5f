"""The ``job-gateway`` command: serve, simulate, export-schema."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn

from adapters.settings import ConfigError
from gateway.logs import FORMATS
from gateway.logs import configure as configure_logging

if TYPE_CHECKING:
    from fastapi import FastAPI

if TYPE_CHECKING:
    from gateway.embedded import RunningSimulators, SimulatorProvider

CONFIG_ENV = "JOB_GATEWAY_CONFIG"
WORKERS_NEED_CONFIG = (
    "--workers above 1 needs --config (or JOB_GATEWAY_CONFIG): --simulate runs the simulators inside the one "
    "process; run `job-gateway simulate --config-out sim.toml`, then `serve --config sim.toml --workers N`"
)
WORKERS_NEED_SHARED_STATE = (
    "--workers above 1 needs a state store the processes share: state_url {url} keeps state in each process; "
    "use sqlite:///PATH (one machine) or redis://host:port/db"
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
        "--workers",
        type=int,
        default=1,
        help="processes on one port, sharing the state store (needs --config; see README: State)",
    )
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--log-format", choices=FORMATS, default="text", help="text, or json: one object per line (the image's choice)"
    )

    simulate = sub.add_parser("simulate", help="serve the five upstream simulators and write a gateway config")
    simulate.add_argument("--host", default="127.0.0.1")
    simulate.add_argument("--port", type=int, default=8100)
    simulate.add_argument("--seed", type=int, default=0)
    simulate.add_argument("--sim-speed", type=float, default=1.0)
    simulate.add_argument("--faults", metavar="FILE", help="a timeline of simulator faults (TOML, see README)")
    simulate.add_argument("--rate", action="append", default=[], metavar="SOURCE=RATE", help=RATE_HELP)
    simulate.add_argument("--config-out", required=True, help="where to write the gateway configuration")
    simulate.add_argument(
        "--public-url",
        help="the simulators' address as gateways reach it, written into the config "
        "(default http://HOST:PORT; e.g. http://simulators:8100 in compose.yaml)",
    )
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
        if args.workers < 1:
            serve_parser.error("--workers must be at least 1")
        if args.workers > 1 and args.simulate:
            serve_parser.error(WORKERS_NEED_CONFIG)
    configure_logging(getattr(args, "log_format", "text"), args.log_level)
    from gateway.embedded import SimulatorsNotInstalled

    try:
        if args.command == "simulate":
            return asyncio.run(_simulate(args))
        if args.workers > 1:
            return _serve_workers(args, serve_parser)
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
    origin = (args.public_url or f"http://{args.host}:{args.port}").rstrip("/")
    for name, url in sims.base_urls(origin).items():
        print(f"{name:9} {url}")
    header = f"Gateway configuration for the simulators at {origin} (seed {args.seed})."
    text = provider.render_config(sims.gateway_tables(origin), header)
    await asyncio.to_thread(Path(args.config_out).write_text, text)
    print(f"config written to {args.config_out}; run: job-gateway serve --config {args.config_out}", flush=True)
    # The simulators stamp their own Date (their simulated clock): uvicorn must not add a second one.
    served = uvicorn.Config(
        sims.app, host=args.host, port=args.port, log_level=args.log_level, log_config=None, date_header=False
    )
    server = uvicorn.Server(served)
    await server.serve()
    return 0


GC_THRESHOLDS = (50_000, 20, 100)
"""The collector's thresholds once started (Python's: 700, 10, 10). Held subscriptions are long-lived
objects (about 165 each); with Python's thresholds every burst of events promoted enough short-lived
ones for a full collection to walk them all again and again, each a pause of its own: with 5,000
held, 35 to 485 ms, and events delivered p99 0.84 s instead of 0.28 s (``benchmarks.subscriptions``).
Young cycles are still collected (every 50,000 allocations); full collections become rare."""


def settle_heap() -> None:
    """Move what start-up allocated (modules, the schema, clients) out of the collector's way.

    Those objects live as long as the process; a full collection walking them again and again
    under load is the long tail of the gateway's latency. Then collect less often (``GC_THRESHOLDS``).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


WS_DEFLATE = False
"""No permessage-deflate on WebSockets: its zlib state made each held subscription cost the gateway
102 KiB instead of 57 (``python -m benchmarks.held``, 300 held), for small JSON events that hardly compress."""

WORKER_LOGGING_ENV = "JOB_GATEWAY_WORKER_LOGGING"
"""``format:level`` of ``serve --workers``, for each worker (a fresh interpreter) to log as the parent does."""


def worker_app() -> FastAPI:
    """The app of one ``serve --workers N`` process: the configuration named by the environment."""
    from gateway.app import create_app
    from gateway.config import load_config, with_state_default

    log_format, _, log_level = os.environ.get(WORKER_LOGGING_ENV, "text:info").partition(":")
    configure_logging(log_format, log_level)
    app = create_app(with_state_default(load_config(os.environ[CONFIG_ENV]), DEFAULT_STATE_URL))
    settle_heap()
    return app


def _serve_workers(args: argparse.Namespace, serve_parser: argparse.ArgumentParser) -> int:
    """N processes on one socket (uvicorn's supervisor); they share events, polling and state through the store."""
    from gateway.config import load_config, with_state_default
    from gateway.ws_protocol import LeanWebSocketProtocol

    config = with_state_default(load_config(args.config), DEFAULT_STATE_URL)
    url = config.gateway.state_url or DEFAULT_STATE_URL
    if url.startswith("memory:"):
        serve_parser.error(WORKERS_NEED_SHARED_STATE.format(url=url))
    # Every worker builds its app from the environment: the same file, whatever its working directory.
    os.environ[CONFIG_ENV] = str(Path(args.config).resolve())
    os.environ[WORKER_LOGGING_ENV] = f"{args.log_format}:{args.log_level}"
    print(f"GraphiQL: http://{args.host}:{args.port}/graphql ({args.workers} workers, state {url})", flush=True)
    print(f"Dashboard: http://{args.host}:{args.port}/ui/", flush=True)
    # uvicorn's supervisor stops its workers with uvicorn's own shutdown (not serve's drain, which
    # needs the server object uvicorn keeps inside each worker): in-flight requests get
    # shutdown_timeout_s, and subscriptions still open then are cut rather than completed.
    uvicorn.run(
        "gateway.cli:worker_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        log_config=None,
        access_log=False,
        ws_max_size=config.gateway.max_body_bytes,
        ws=LeanWebSocketProtocol,
        ws_per_message_deflate=WS_DEFLATE,
        timeout_graceful_shutdown=int(config.gateway.shutdown_timeout_s),
    )
    return 0


async def _serve(args: argparse.Namespace) -> int:
    from gateway.app import create_app
    from gateway.config import config_from_mapping, load_config, with_state_default
    from gateway.serving import Companion, GracefulServer
    from gateway.serving import serve as serve_gracefully
    from gateway.ws_protocol import LeanWebSocketProtocol

    servers: list[Companion] = []
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
        sim_config = uvicorn.Config(
            sims.app, host="127.0.0.1", port=sim_port, log_level="warning", log_config=None, date_header=False
        )
        servers.append(Companion(sim_config))
    app = create_app(config)
    if args.log_format == "json":
        logging.getLogger("job_gateway").info("GraphiQL: http://%s:%s/graphql", args.host, args.port)
        logging.getLogger("job_gateway").info("Dashboard: http://%s:%s/ui/", args.host, args.port)
    else:
        print(f"GraphiQL: http://{args.host}:{args.port}/graphql", flush=True)
        print(f"Dashboard: http://{args.host}:{args.port}/ui/", flush=True)
    # A WebSocket message is bounded like a request body (uvicorn's default is 16 MiB).
    ws_max = config.gateway.max_body_bytes
    # log_config=None: uvicorn writes through our one root handler; its access log is replaced by ours.
    served = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        ws=LeanWebSocketProtocol,
        ws_max_size=ws_max,
        ws_per_message_deflate=WS_DEFLATE,
        log_config=None,
        access_log=False,
    )
    settle_heap()
    return await serve_gracefully(GracefulServer(served, app.state.shutdown), *servers)
