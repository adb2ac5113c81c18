"""One service per store: a second `eduwatch run` on the same database refuses to start and
names the first (host, pid, since when); once the first is SIGKILLed, a new one starts. Real
processes, on SQLite (a lock file beside the database) and PostgreSQL (an advisory lock)."""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.db import BACKENDS, postgres_url
from tests.test_service import Service, services, write_config

__all__ = ["services"]  # the fixture, shared with test_service


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_second_service_on_one_store_refuses_naming_the_first_until_it_dies(
    backend: str,
    tmp_path: Path,
    services: Callable[[Path], Service],
    request: pytest.FixtureRequest,
) -> None:
    config = write_config(tmp_path)
    if backend == "postgresql":
        settings = config / "eduwatch.yaml"
        text = settings.read_text("utf-8")
        url = postgres_url(request.config)
        settings.write_text(text.replace(f"sqlite:///{tmp_path / 'ew.sqlite'}", url), "utf-8")
    first = services(config)
    first.wait_for_log("eduwatch running")

    second = services(config)
    assert second.wait() == 1
    refusal = second.wait_for_log("not started")["message"]
    assert f"host {socket.gethostname()}, pid {first.process.pid}, since 20" in refusal
    assert "+08:00" in refusal
    assert first.process.poll() is None  # the first one runs on, untouched

    first.process.kill()  # SIGKILL: nothing is released by the service itself
    first.wait()
    third = services(config)
    third.wait_for_log("eduwatch running")
    third.signal(signal.SIGTERM)
    assert third.wait() == 0
