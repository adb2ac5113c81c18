"""The store writer: ``monitor.ingest`` in a process of its own beside the crawl.

The crawl process downloads and extracts; the writer stores, one article at a time, each in its
own transaction, in the order the articles came. The reactor never waits on the database (a
remote PostgreSQL costs it nothing), and the store's work runs on another core. A writer that
dies takes only the articles it had not stored yet (the next crawl fetches them again: they are
still unknown); the crawl goes on and counts them as failures (reason ``store``).

    writer = StoreWriter(WriterSetup(url, config_dir, site, run_id)); writer.start()
    change = await writer.ingest(item)    # "new", "revised", "unchanged", "baseline"
    writer.close()
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.context import SpawnProcess
from pathlib import Path
from typing import Any

START_TIMEOUT = 120.0
CLOSE_TIMEOUT = 60.0


class IngestFailed(Exception):
    """An article could not be stored (the reason is the store's error)."""


@dataclass(frozen=True, slots=True)
class WriterSetup:
    """What the writer process needs to open the store and write into the run."""

    database_url: str
    config_dir: Path
    site: Any  # monitor.ingest.SiteRef (picklable)
    run_id: int | None


class StoreWriter:
    """A writer process and the futures of the articles handed to it."""

    def __init__(self, setup: WriterSetup) -> None:
        context = multiprocessing.get_context("spawn")
        self.requests: Any = context.Queue()
        self.results: Any = context.Queue()
        self.process: SpawnProcess = context.Process(
            target=serve, args=(setup, self.requests, self.results), daemon=True
        )
        self.pending: dict[int, Future[str | None]] = {}
        self.numbers = itertools.count()
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, name="store-writer-results", daemon=True)

    def start(self) -> None:
        self.process.start()
        self.reader.start()

    async def ingest(self, item: Any) -> str | None:
        """Store one article; its change kind. IngestFailed when the writer could not."""
        future: Future[str | None] = Future()
        with self.lock:
            number = next(self.numbers)
            if not self.process.is_alive() and self.process.exitcode is not None:
                raise IngestFailed(f"the store writer is gone (exit {self.process.exitcode})")
            self.pending[number] = future
        self.requests.put((number, item))
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        """Let the writer finish what it was given, then stop it."""
        if self.process.is_alive():
            self.requests.put(None)
            self.process.join(CLOSE_TIMEOUT)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        self.reader.join(5)
        self._fail_pending("the store writer stopped before storing it")

    def _read(self) -> None:
        """Resolve the futures as the writer answers; fail them all when it dies."""
        while True:
            try:
                message = self.results.get(timeout=0.5)
            except queue.Empty:
                if not self.process.is_alive():
                    self._fail_pending(f"the store writer died (exit {self.process.exitcode})")
                    return
                continue
            if message is None:  # the writer stopped: nothing more will be stored
                self._fail_pending("the store writer stopped before storing it")
                return
            number, change, error = message
            with self.lock:
                future = self.pending.pop(number, None)
            if future is None:
                continue
            if error is None:
                future.set_result(change)
            else:
                future.set_exception(IngestFailed(error))

    def _fail_pending(self, reason: str) -> None:
        with self.lock:
            pending, self.pending = self.pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(IngestFailed(reason))


def serve(setup: WriterSetup, requests: Any, results: Any) -> None:
    """The writer process: open the store, ingest each article handed over, until None (or
    until its crawl process is gone). SIGTERM/SIGINT are the crawl's to handle: the writer
    drains what it was given and stops when the crawl says so."""
    import os
    import signal

    from sqlalchemy.exc import SQLAlchemyError

    from monitor.config import load_config
    from monitor.errors import EduwatchError
    from monitor.ingest import ingest_article
    from monitor.store import open_store

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    store = open_store(setup.database_url, load_config(setup.config_dir), upgrade=False)
    try:
        while True:
            try:
                message = requests.get(timeout=1.0)
            except queue.Empty:
                if os.getppid() != parent:  # the crawl process died: nobody to write for
                    return
                continue
            if message is None:
                return
            number, item = message
            try:
                result = ingest_article(
                    store,
                    setup.site,
                    item.column,
                    item.category,
                    item.article,
                    item.fetched_at,
                    setup.run_id,
                )
            except (EduwatchError, SQLAlchemyError) as error:
                results.put((number, None, f"{type(error).__name__}: {error}"))
            else:
                results.put((number, result.kind, None))
    finally:
        store.close()
        results.put(None)
