"""`eduwatch demo`: the whole product on loopback, start to end, in under two minutes.

A bundled 教育厅 site (monitor.demo.site), an SMTP sink and a webhook receiver start on
127.0.0.1; a configuration folder and a SQLite store are written to a temporary folder (or to
``--keep DIR``). The site is crawled with the crawl command's own machinery (monitor.runner, one
``scrapy crawl listing`` subprocess per crawl): once as the silent baseline; then it publishes
next year's edition of a notice, revises an article in place and withdraws one, and is crawled
twice more (a withdrawal needs two successful crawls in a row that find the page gone). The
outbox sends the alerts, and what a user should look at is printed as it comes.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import TextIO

import yaml
from loguru import logger

from crawler.sites import load_site
from monitor.commands.crawl import summary
from monitor.config import DATABASE_URL_ENV
from monitor.demo import content
from monitor.demo.content import NEWS, NOTICE, SHANGHAI, SITE_ID
from monitor.demo.receivers import SmtpSink, WebhookReceiver
from monitor.demo.report import Report
from monitor.demo.site import DemoSite
from monitor.outbox import ChannelBook, Outbox
from monitor.runner import CrawlJob, CrawlResult, run_crawl
from monitor.service import load_setup
from monitor.store import Store, open_store
from monitor.store.deliveries import publish_routes
from monitor.store.types import utcnow

SECRET_ENV = "EDUWATCH_DEMO_HOOK_SECRET"
SUBSCRIBER = "招生办"
CRAWL_TIMEOUT = 90.0
# A loopback site: no politeness delay, no AutoThrottle (the YAML says delay: 0 too).
CRAWL_SETTINGS = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0", "LOG_LEVEL": "INFO"}


class DemoError(Exception):
    """The demo could not show what it should (the message says what went wrong)."""


def run_demo(keep: Path | None, out: TextIO) -> int:
    """Run the demo; 0 when every step did what it should."""
    started = time.monotonic()
    report = Report(out)
    with ExitStack() as stack:
        folder = keep if keep is not None else Path(stack.enter_context(_temporary()))
        site = stack.enter_context(DemoSite(datetime.now(SHANGHAI)))
        mail = stack.enter_context(SmtpSink())
        hooks = stack.enter_context(WebhookReceiver())
        stack.enter_context(_quiet_logs())
        secret = os.environ.get(SECRET_ENV) or secrets.token_hex(16)
        stack.enter_context(_own_environment(secret))
        demo = Demo(folder, site, mail, hooks, report)
        try:
            demo.run()
        except DemoError as error:
            report.line(f"\neduwatch demo: FAILED: {error}")
            return 1
        finally:
            demo.close()
        if keep is not None:
            demo.save_received()
            report.try_it(folder / "config", demo.highlights)
    report.line(f"\ndone in {time.monotonic() - started:.1f} s; nothing left the machine")
    return 0


class Demo:
    def __init__(
        self,
        folder: Path,
        site: DemoSite,
        mail: SmtpSink,
        hooks: WebhookReceiver,
        report: Report,
    ) -> None:
        self.folder = folder
        self.config = folder / "config"
        self.site = site
        self.mail = mail
        self.hooks = hooks
        self.report = report
        self.crawls = 0
        self.highlights: dict[str, int] = {}  # what `show`/`diff` are worth trying on
        self.edition_url = ""
        self.store: Store | None = None

    def run(self) -> None:
        self.write_config()
        setup = load_setup(self.config)
        self.store = open_store(config=setup.config)
        with self.store.transaction() as session:  # what `eduwatch run` does at start
            publish_routes(session, setup.routes, utcnow())
        self.outbox = Outbox(
            self.store, ChannelBook(setup.subscribers, setup.config.operator), setup.config.outbox
        )
        self.report.setup(self.site, self.mail, self.hooks, self.config, setup.config.database.url)
        self.report.step("1. First crawl: the silent baseline")
        self.crawl()
        self.expect_events({}, "a site's first crawl stores everything and alerts no one")
        self.change_site()
        self.report.step("3. Second crawl: what changed")
        second = self.crawl()
        if not second.stats.get("gone"):
            raise DemoError("the second crawl did not find the withdrawn page gone (404)")
        self.expect_events({"new": 1, "revised": 1}, "the withdrawn page answered 404: once")
        self.report.step("4. Third crawl: a withdrawal takes two crawls in a row that find it gone")
        self.crawl()
        self.expect_events({"withdrawn": 1}, None)
        self.show_results()

    def write_config(self) -> None:
        (self.config / "sites").mkdir(parents=True, exist_ok=True)
        columns = [
            {"name": name, "url": self.site.list_url(name), "category": category}
            for name, (_, category, _) in content.COLUMNS.items()
        ]
        site = {
            "id": SITE_ID,
            "name": content.SITE_NAME,
            "authority": content.AUTHORITY,
            "adapter": "trs",
            "schedule": "30m",
            "delay": 0,
            "columns": columns,
        }
        subscribers = {
            "subscribers": [
                {
                    "name": SUBSCRIBER,
                    "mode": "immediate",
                    "channels": [
                        {
                            "kind": "email",
                            "options": {
                                "host": "127.0.0.1",
                                "port": self.mail.port,
                                "security": "none",
                                "from": "eduwatch <eduwatch@demo.invalid>",
                                "to": ["zhaoshengban@demo.invalid"],
                            },
                        },
                        {
                            "kind": "webhook",
                            "options": {"url": self.hooks.url(), "secret": f"${{{SECRET_ENV}}}"},
                        },
                    ],
                }
            ]
        }
        service = {"database": {"url": "sqlite:///data/eduwatch.sqlite"}}
        header = "# Written by `eduwatch demo`: a site on 127.0.0.1 that ran while the demo ran.\n"
        for name, document in (
            ("sites/jiangnan.yaml", site),
            ("subscribers.yaml", subscribers),
            ("eduwatch.yaml", service),
        ):
            text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
            (self.config / name).write_text(header + text, "utf-8")

    def crawl(self) -> CrawlResult:
        """One crawl, exactly as `eduwatch crawl` runs it, then the outbox sends what is due."""
        self.crawls += 1
        log = self.folder / "logs" / f"crawl-{self.crawls}.log"
        job = CrawlJob(
            SITE_ID, self.config, settings=CRAWL_SETTINGS, timeout=CRAWL_TIMEOUT, log_file=log
        )
        result = run_crawl(job)
        self.report.crawl(summary(load_site(self.config, SITE_ID), result, None))
        if not result.ok:
            raise DemoError(f"crawl {self.crawls} {result.status}: {result.error} (log: {log})")
        asyncio.run(self.outbox.drain())
        return result

    def change_site(self) -> None:
        edition = content.next_edition(datetime.now(SHANGHAI))
        revised = self.site.articles[content.REVISED_SERIAL]
        withdrawn = self.site.articles[content.WITHDRAWN_SERIAL]
        self.site.publish(edition)
        self.edition_url = self.site.url_of(edition)
        self.site.revise(content.REVISED_SERIAL, content.revised)
        self.site.withdraw(content.WITHDRAWN_SERIAL)
        self.report.step("2. The site changes")
        self.report.changes(
            [
                ("published", edition.title, f"{NOTICE}: next year's edition of a notice"),
                ("revised", revised.title, f"{NEWS}: corrected in place, same URL"),
                ("withdrawn", withdrawn.title, f"{NEWS}: off its list, its page answers 404"),
            ]
        )

    def expect_events(self, kinds: dict[str, int], note: str | None) -> None:
        """The events of the last crawl run are these, or DemoError."""
        found = self.report.run_events(self.require_store())
        if found != kinds:
            raise DemoError(f"crawl {self.crawls} raised {found or 'no events'}, expected {kinds}")
        if note:
            self.report.line(f"  ({note})")

    def show_results(self) -> None:
        store = self.require_store()
        self.highlights = self.report.events(store)
        self.report.diff(store, self.highlights["new"])
        counts = self.report.deliveries(store)
        if counts["sent"] != sum(counts.values()):
            raise DemoError(f"not every alert was sent: {counts} (see `eduwatch deliveries`)")
        secret = os.environ[SECRET_ENV]
        self.report.mail(self.mail.mails, self.edition_url)
        self.report.webhook(self.hooks.posts, secret)

    def save_received(self) -> None:
        """Keep the messages as they came (``received/``), for a look or a receiver's test."""
        folder = self.folder / "received"
        folder.mkdir(exist_ok=True)
        for number, mail in enumerate(self.mail.mails, start=1):
            (folder / f"mail-{number}.eml").write_bytes(mail.data)
        for number, post in enumerate(self.hooks.posts, start=1):
            (folder / f"webhook-{number}.json").write_bytes(post.body)
            lines = "".join(f"{name}: {value}\n" for name, value in post.headers.items())
            (folder / f"webhook-{number}.headers").write_text(lines, "utf-8")

    def require_store(self) -> Store:
        if self.store is None:
            raise DemoError("the store is not open")
        return self.store

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None


@contextmanager
def _temporary() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="eduwatch-demo-") as folder:
        yield folder


@contextmanager
def _quiet_logs() -> Iterator[None]:
    """The outbox's log lines stay out of the demo's output (the demo reports what it sent)."""
    logger.disable("monitor")
    try:
        yield
    finally:
        logger.enable("monitor")


@contextmanager
def _own_environment(secret: str) -> Iterator[None]:
    """The webhook secret set ($EDUWATCH_DEMO_HOOK_SECRET when given, else a random one), and no
    $EDUWATCH_DATABASE_URL: the demo never writes to another database."""
    saved = {name: os.environ.get(name) for name in (SECRET_ENV, DATABASE_URL_ENV)}
    os.environ[SECRET_ENV] = secret
    os.environ.pop(DATABASE_URL_ENV, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
