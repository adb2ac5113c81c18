"""`eduwatch web [--listen HOST:PORT]`: the dashboard, API, feeds and metrics (monitor.web)."""

from __future__ import annotations

import argparse
import sys

from monitor.cli import add_command


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(subparsers, "web", "serve the web dashboard, JSON API, feeds and metrics")
    parser.add_argument(
        "--listen",
        metavar="HOST:PORT",
        help="address to listen on (default: web.listen of eduwatch.yaml, else 127.0.0.1:8080); "
        "a non-loopback address needs web.token",
    )
    parser.set_defaults(func=run_web)


def run_web(args: argparse.Namespace) -> int:
    # Imported here: the web stack (FastAPI, uvicorn) loads only for this command.
    from crawler.sites import load_sites
    from monitor.commands.check_config import display_path
    from monitor.commands.db import open_from_args
    from monitor.config import load_config
    from monitor.errors import ConfigError
    from monitor.web.server import (
        WebRefused,
        listen_address,
        operator_token,
        serve_forever,
        web_context,
    )

    try:
        config = load_config(args.config)
        listen = listen_address(args.listen, config)
        operator_token(config, listen)  # refused before anything is opened
    except (ConfigError, ValueError, WebRefused) as error:
        print(f"eduwatch web: {error}", file=sys.stderr)
        return 2
    loaded = load_sites(args.config)
    for problem in loaded.errors:
        print(f"warning: {problem.render(display_path(problem.file))}", file=sys.stderr)
    store = open_from_args(args, "web")
    if store is None:
        return 2
    try:
        context = web_context(store, config, lambda: loaded.sites, listen)
        print(f"eduwatch web: serving http://{listen}/", file=sys.stderr)
        serve_forever(context, listen)
    except WebRefused as error:
        print(f"eduwatch web: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"eduwatch web: cannot listen on {listen}: {error}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0
