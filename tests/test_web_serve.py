"""Serving the dashboard: `web:` in eduwatch.yaml is checked (file:line: key), `eduwatch web`
serves over real HTTP and refuses a public address without a token, and `eduwatch run` serves
it beside the service when `web.listen` is set."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import read_config_file
from monitor.web.address import Listen
from monitor.web.server import bind
from tests.paths import ROOT
from tests.test_service import Service, write_config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str, timeout: float = 30.0) -> tuple[int, str]:
    """The status and body of ``url``, waiting for the server to come up."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return int(response.status), response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return int(error.code), error.read().decode("utf-8")
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.parametrize(
    ("section", "line", "key", "words"),
    [
        ("web:\n  listen: 0.0.0.0:8080\n", 1, "web.token", "non-loopback"),
        ("web:\n  listen: localhost\n", 2, "web.listen", "HOST:PORT"),
        ("web:\n  listen: 127.0.0.1:8080\n  token: plain-secret\n", 3, "web.token", "${"),
    ],
)
def test_the_web_section_is_checked(
    tmp_path: Path, section: str, line: int, key: str, words: str
) -> None:
    path = tmp_path / "eduwatch.yaml"
    path.write_text(section, "utf-8")
    config, [problem] = read_config_file(path)
    assert config is None
    assert (problem.line, problem.key) == (line, key) and words in problem.message
    assert "plain-secret" not in problem.message


def test_a_public_address_without_a_token_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    assert main(["web", "--config", str(config), "--listen", "0.0.0.0:8089"]) == 2
    assert "web.token" in capsys.readouterr().err


def test_eduwatch_web_serves_the_pages_and_the_api(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    assert main(["db", "upgrade", "--config", str(config)]) == 0  # the web only reads a store
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "web", "--config", str(config), "--listen",
         f"127.0.0.1:{port}"],
        cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert get(f"http://127.0.0.1:{port}/healthz") == (200, '{"status":"ok"}')
        status, page = get(f"http://127.0.0.1:{port}/sites")
        assert status == 200 and "quiet" in page
        status, body = get(f"http://127.0.0.1:{port}/api/changes")
        assert status == 200 and json.loads(body)["total"] == 0
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0


def test_eduwatch_run_serves_the_dashboard_when_web_listen_is_set(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    port = free_port()
    with (config / "eduwatch.yaml").open("a", encoding="utf-8") as file:
        file.write(f"web:\n  listen: 127.0.0.1:{port}\n")
    service = Service(config)
    try:
        service.wait_for_log("web dashboard on")
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 200
        status, page = get(f"http://127.0.0.1:{port}/sites")
        assert status == 200 and "quiet" in page
        service.signal(signal.SIGTERM)
        assert service.wait() == 0
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
    finally:
        service.stop()


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_the_served_connections_send_at_once(host: str) -> None:
    """Nagle off on every connection the server accepts (else each answer, head and body in two
    writes, waits for the client's delayed ACK: 40 ms)."""
    if host == "::1" and not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    sock = bind(Listen(host, 0))
    port = sock.getsockname()[1]

    async def accepted_nodelay() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            connection = writer.get_extra_info("socket")
            seen.set_result(connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(handle, sock=sock)
        async with server:
            _, writer = await asyncio.open_connection(host, port)
            value = await asyncio.wait_for(seen, 10)
            writer.close()
            return value

    assert asyncio.run(accepted_nodelay()) != 0
