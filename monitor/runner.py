"""Run one crawl as a ``scrapy crawl listing`` subprocess with a hard timeout.

    result = run_crawl(CrawlJob("shanxi", Path("config")), on_event=print)
    result.status, result.stats, result.exit_code, result.max_rss_kb

The child runs in its own process group (cwd: the project root, where scrapy.cfg is). Its
progress events come on its stdout (crawler.spiders.progress), its log goes to a file, and its
stats to a JSON file it writes at close. At the deadline the group gets SIGTERM (Scrapy closes
the spider and records the run as failed), then SIGKILL after a grace period. A crawl that dies
without recording its run (killed, crashed) has the run finished as `failed` here, so the store
never keeps a run that looks as if it were still going.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy.exc import SQLAlchemyError

from crawler.spiders.progress import parse_event
from monitor.config import load_config
from monitor.errors import EduwatchError
from monitor.ingest import finish_run
from monitor.store import open_configured

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SETTINGS_MODULE = "monitor.scrapy_settings"
DEFAULT_TIMEOUT = 3600.0
TERM_GRACE = 10.0
LOG_TAIL_LINES = 20

EventHandler = Callable[[dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class CrawlJob:
    """One crawl to run: the site, what to limit, where to write, how long at most."""

    site_id: str
    config_dir: Path
    column: str | None = None
    max_pages: int | None = None
    output: Path | None = None
    database_url: str | None = None  # default: the configured store ($EDUWATCH_DATABASE_URL)
    known_urls: Path | None = None
    state_dir: Path | None = None
    settings: Mapping[str, str] = field(default_factory=dict)  # `-s NAME=VALUE` for Scrapy
    timeout: float = DEFAULT_TIMEOUT
    log_file: Path | None = None  # keep the crawl's log here (default: discarded)


@dataclass(slots=True)
class CrawlResult:
    """How a crawl ended: the spider's stats when it recorded them, else what the runner saw."""

    site_id: str
    status: str  # ok, partial, failed
    error: str | None
    stats: dict[str, Any]
    exit_code: int | None
    timed_out: bool
    elapsed: float
    max_rss_kb: int | None  # the child's peak resident memory
    log_tail: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "failed"


def crawl_command(job: CrawlJob, stats_path: Path) -> list[str]:
    """The child's command line (absolute paths: it runs in the project root)."""
    arguments = {
        "site": job.site_id,
        "config": str(job.config_dir.resolve()),
        "stats": str(stats_path.resolve()),
        "progress": "1",
        "column": job.column,
        "max_pages": str(job.max_pages) if job.max_pages else None,
        "output": str(job.output.resolve()) if job.output else None,
        "database": job.database_url,
        "known_urls": str(job.known_urls.resolve()) if job.known_urls else None,
        "state": str(job.state_dir.resolve()) if job.state_dir else None,
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "listing"]
    for name, value in arguments.items():
        if value is not None:
            command += ["-a", f"{name}={value}"]
    for name, setting in job.settings.items():
        command += ["-s", f"{name}={setting}"]
    return command


def run_crawl(job: CrawlJob, on_event: EventHandler | None = None) -> CrawlResult:
    """Run the crawl to its end or its deadline; never raises for what the child does."""
    with tempfile.TemporaryDirectory(prefix="eduwatch-crawl-") as folder:
        stats_path = Path(folder) / "stats.json"
        log_path = job.log_file or Path(folder) / "crawl.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with log_path.open("wb") as log:
            child = subprocess.Popen(
                crawl_command(job, stats_path),
                cwd=PROJECT_ROOT,
                # Also where no scrapy.cfg is beside the code (a non-editable install):
                env={**os.environ, "SCRAPY_SETTINGS_MODULE": SETTINGS_MODULE},
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
            )
            watcher = _Watcher(on_event)
            try:
                timed_out = not watcher.follow(child, started + job.timeout)
            except BaseException:  # Ctrl-C, a failing handler: never leave the crawl behind
                _reap(child, True, started)
                raise
            exit_code, rss = _reap(child, timed_out, started + job.timeout)
        elapsed = time.monotonic() - started
        tail = _tail(log_path)
        record = _read_json(stats_path)
    if record is not None:
        status, error = str(record.get("status", "failed")), record.get("error")
        if timed_out:
            error = f"timed out after {job.timeout:g} s" + (f"; {error}" if error else "")
    else:
        status = "failed"
        error = _death(exit_code, timed_out, job.timeout)
        _fail_run(job, watcher.run_id, error, elapsed)
        record = {"site": job.site_id, "run_id": watcher.run_id, "status": status, "error": error}
    return CrawlResult(job.site_id, status, error, record, exit_code, timed_out, elapsed, rss, tail)


class _Watcher:
    """Reads the child's progress lines until it closes its stdout or the deadline passes."""

    def __init__(self, on_event: EventHandler | None) -> None:
        self.on_event = on_event
        self.run_id: int | None = None
        self.buffer = b""

    def follow(self, child: subprocess.Popen[bytes], deadline: float) -> bool:
        """True when the child closed its stdout in time, False at the deadline."""
        stream: IO[bytes] | None = child.stdout
        if stream is None:
            return True
        with selectors.DefaultSelector() as selector:
            selector.register(stream, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                if not selector.select(timeout=min(left, 1.0)):
                    continue
                chunk = os.read(stream.fileno(), 65536)
                if not chunk:
                    self._lines(final=True)
                    return True
                self.buffer += chunk
                self._lines()

    def _lines(self, final: bool = False) -> None:
        *lines, self.buffer = self.buffer.split(b"\n")
        if final and self.buffer:
            lines, self.buffer = [*lines, self.buffer], b""
        for line in lines:
            event = parse_event(line.decode("utf-8", "replace"))
            if event is None:
                continue
            if event.get("eduwatch") == "start" and isinstance(event.get("run_id"), int):
                self.run_id = event["run_id"]
            if self.on_event is not None:
                self.on_event(event)


def _reap(
    child: subprocess.Popen[bytes], timed_out: bool, deadline: float
) -> tuple[int | None, int | None]:
    """Wait for the child (SIGTERM then SIGKILL to its group when late); its exit code and
    peak RSS in KiB. Whatever is left of the group is killed."""
    if timed_out:
        _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + TERM_GRACE
    else:
        deadline = max(deadline, time.monotonic() + TERM_GRACE)
    waited = _wait(child, deadline)
    if waited is None:
        _signal_group(child, signal.SIGKILL)
        waited = _wait(child, None)
    _signal_group(child, signal.SIGKILL)
    if child.stdout is not None:
        child.stdout.close()
    if waited is None:
        return None, None
    status, rss = waited
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, rss


def _wait(child: subprocess.Popen[bytes], deadline: float | None) -> tuple[int, int] | None:
    """``(wait status, max RSS in KiB)`` of the child, None if it is still running at the
    deadline (None: wait as long as it takes)."""
    while True:
        try:
            pid, status, usage = os.wait4(child.pid, 0 if deadline is None else os.WNOHANG)
        except ChildProcessError:  # reaped already: nothing more to learn
            return None
        if pid:
            return status, int(usage.ru_maxrss)
        if deadline is not None and time.monotonic() >= deadline:
            return None
        time.sleep(0.05)


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signum)


def _death(exit_code: int | None, timed_out: bool, timeout: float) -> str:
    if timed_out:
        return f"timed out after {timeout:g} s and killed"
    if exit_code is not None and exit_code < 0:
        return f"the crawl process was killed by signal {-exit_code}"
    return f"the crawl process ended (exit {exit_code}) without recording its run"


def _fail_run(job: CrawlJob, run_id: int | None, error: str, elapsed: float) -> None:
    """Finish a run the child started but could not finish (finish_run is idempotent)."""
    if run_id is None:
        return
    try:
        store = open_configured(load_config(job.config_dir), job.database_url)
    except (EduwatchError, SQLAlchemyError):
        return
    try:
        finish_run(store, run_id, "failed", {"elapsed": round(elapsed, 3)}, error)
    except (EduwatchError, SQLAlchemyError):
        pass
    finally:
        store.close()


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _tail(path: Path) -> str:
    try:
        lines = path.read_text("utf-8", "replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-LOG_TAIL_LINES:])
