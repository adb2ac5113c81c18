"""One real Chromium for a whole test module: started with a DevTools port on 127.0.0.1, the
crawls of the module's tests connect to it (``EDUWATCH_BROWSER_CDP_URL``) instead of each
launching its own. Load with ``pytest_plugins = ["tests.browser"]`` in the module.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator

import pytest

from crawler.render.chromium import CHROMIUM_ARGS, chromium_available, chromium_path

_LISTENING = re.compile(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/")
START_TIMEOUT = 30.0


def start_chromium(profile: str) -> tuple[subprocess.Popen[str], str]:
    """A headless Chromium listening for DevTools; (process, CDP URL)."""
    command = [
        chromium_path(),
        *CHROMIUM_ARGS,
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
        "about:blank",
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            break
        match = _LISTENING.search(line)
        if match:  # keep reading its chatter, or a full pipe would stall it
            threading.Thread(target=process.stderr.read, daemon=True).start()
            return process, f"http://127.0.0.1:{match.group(1)}"
    stop_chromium(process)
    raise RuntimeError("Chromium did not open its DevTools port")


def stop_chromium(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def chromium_cdp() -> Iterator[str]:
    """The CDP URL of the module's Chromium."""
    if not chromium_available():
        pytest.fail(f"Chromium is missing at {chromium_path()}: run scripts/services chromium")
    with tempfile.TemporaryDirectory(prefix="eduwatch-chromium-") as profile:
        process, url = start_chromium(profile)
        try:
            yield url
        finally:
            stop_chromium(process)
