"""Serving the application with uvicorn: in the foreground (`eduwatch web`) or beside the
service in its event loop (`eduwatch run` with `web.listen`), where the service keeps its own
signal handlers."""

from __future__ import annotations

import asyncio
import signal
import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import uvicorn
from loguru import logger

from crawler.sites import SiteConfig
from monitor.config import ServiceConfig
from monitor.errors import EduwatchError
from monitor.store import Store
from monitor.web.address import DEFAULT_LISTEN, Listen, parse_listen
from monitor.web.app import create_app
from monitor.web.context import WebContext


class WebRefused(EduwatchError):
    """The dashboard cannot be served as asked (a public address without a token)."""


def web_context(
    store: Store,
    config: ServiceConfig,
    sites: Callable[[], Sequence[SiteConfig]],
    listen: Listen,
) -> WebContext:
    """The context for ``listen``; a non-loopback address without a token set is refused."""
    token = operator_token(config, listen)
    return WebContext(store, sites, token=token, protect=not listen.loopback)


def operator_token(config: ServiceConfig, listen: Listen) -> str | None:
    """The operator token; WebRefused for a non-loopback address when none is set."""
    token = config.web.token_value()
    if not listen.loopback and not token:
        reference = config.web.token or "web.token: ${NAME}"
        raise WebRefused(
            f"listening on the non-loopback address {listen} needs the operator token: "
            f"set web.token in eduwatch.yaml ({reference}) and that environment variable"
        )
    return token


def listen_address(given: str | None, config: ServiceConfig) -> Listen:
    return parse_listen(given or config.web.listen or DEFAULT_LISTEN)


def uvicorn_config(context: WebContext, listen: Listen) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(context),
        host=listen.host,
        port=listen.port,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )


class EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves the signals to the service it runs in."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def serve_until(self, stop: asyncio.Event, sock: socket.socket) -> None:
        task = asyncio.create_task(self.serve(sockets=[sock]))
        await stop.wait()
        self.should_exit = True
        await task


def serve_forever(context: WebContext, listen: Listen) -> None:
    """Serve in the foreground until SIGTERM or SIGINT, then stop cleanly (exit status 0).
    OSError when the address cannot be bound."""
    sock = bind(listen)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await EmbeddedServer(uvicorn_config(context, listen)).serve_until(stop, sock)

    with sock:
        asyncio.run(run())


async def serve_beside(
    store: Store,
    config: ServiceConfig,
    sites: Callable[[], Sequence[SiteConfig]],
    stop: asyncio.Event,
) -> None:
    """Serve on `web.listen` until ``stop`` is set; ``sites`` gives the service's current ones."""
    listen = listen_address(None, config)
    try:
        context = web_context(store, config, sites, listen)
    except WebRefused as error:
        logger.error("the web dashboard is not served: {}", error)
        return
    try:
        sock = bind(listen)
    except OSError as error:
        logger.error("the web dashboard is not served: {} cannot be bound: {}", listen, error)
        return
    logger.info("web dashboard on http://{}/", listen)
    with sock:
        await EmbeddedServer(uvicorn_config(context, listen)).serve_until(stop, sock)


def bind(listen: Listen) -> socket.socket:
    """A listening socket on the address (bound here, so a taken port is an error we report).

    Made as an IPPROTO_TCP socket with TCP_NODELAY, which its connections inherit: asyncio turns
    Nagle off only on sockets that say IPPROTO_TCP (``socket.create_server`` says 0), and with
    Nagle on, every answer (head and body: two writes) waited 40 ms for the client's delayed ACK.
    """
    family = socket.AF_INET6 if ":" in listen.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((listen.host, listen.port))
        sock.listen()
    except OSError:
        sock.close()
        raise
    return sock
