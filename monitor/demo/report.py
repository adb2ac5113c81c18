"""What `eduwatch demo` prints: each step, the events, a diff, the messages as received."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import func, select

from monitor.commands.articles import event_line
from monitor.commands.diff import compare, render
from monitor.demo.content import COLUMNS, SITE_ID, SITE_NAME
from monitor.demo.receivers import Mail, Post, SmtpSink, WebhookReceiver
from monitor.demo.site import DemoSite
from monitor.store import Store
from monitor.store.delivery_models import DELIVERY_STATUSES
from monitor.store.models import CrawlRun, Event
from monitor.store.outbox_queue import backlog
from monitor.store.queries import list_events

MAIL_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "X-Eduwatch-Delivery")
HOOK_HEADERS = ("Content-Type", "X-Eduwatch-Event", "Idempotency-Key", "X-Eduwatch-Signature")
TEXT_SHOWN = 160  # characters of the article text shown in the webhook body


class Report:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def line(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def step(self, title: str) -> None:
        self.line(f"\n== {title} ==")

    def setup(
        self, site: DemoSite, mail: SmtpSink, hooks: WebhookReceiver, config: Path, database: str
    ) -> None:
        self.line("eduwatch demo: the whole product on this machine, everything on 127.0.0.1")
        self.step("0. A bundled site, a mail server, a webhook receiver")
        charsets = ", ".join(
            f"{name} {charset.upper()}" for name, (_, _, charset) in COLUMNS.items()
        )
        self.line(f"  site        {SITE_NAME} (TRS pages; {charsets}; PDFs) {site.origin}/")
        self.line(f"  mail        an SMTP server on 127.0.0.1:{mail.port}")
        self.line(f"  webhook     {hooks.url()} (HMAC-signed with a secret)")
        self.line(f"  config      {config} (site {SITE_ID}; a subscriber with email + webhook)")
        self.line(f"  database    {database}")

    def crawl(self, text: str) -> None:
        self.line(f"$ eduwatch crawl {SITE_ID}")
        self.out.write(text)

    def changes(self, rows: Sequence[tuple[str, str, str]]) -> None:
        for what, title, how in rows:
            self.line(f"  {what:<10}{title}  ({how})")

    def run_events(self, store: Store) -> dict[str, int]:
        """The events of the newest crawl run, counted by kind (printed)."""
        with store.transaction() as session:
            run_id = session.scalar(select(func.max(CrawlRun.id)))
            kinds = session.scalars(select(Event.kind).where(Event.crawl_run_id == run_id))
            found = dict(Counter(kinds))
        listed = ", ".join(f"{kind} {count}" for kind, count in sorted(found.items()))
        self.line(f"  events: {listed or 'none'}")
        return found

    def events(self, store: Store) -> dict[str, int]:
        """`eduwatch events`; returns the article id of each event kind."""
        self.step("5. The events ($ eduwatch events)")
        with store.transaction() as session:
            records = list_events(session, None, SITE_ID)
        for record in records:
            self.line(event_line(record))
        return {str(r["kind"]): int(r["article_id"]) for r in records if r["article_id"]}

    def diff(self, store: Store, article_id: int) -> None:
        self.step(
            f"6. Next year's notice against last year's "
            f"($ eduwatch diff {article_id} --against predecessor)"
        )
        with store.transaction() as session:
            self.out.write(render(compare(session, str(article_id), "predecessor"), "text", 1))

    def deliveries(self, store: Store) -> dict[str, int]:
        """`eduwatch status`'s delivery counts (printed)."""
        self.step("7. The alerts, sent by the outbox")
        with store.transaction() as session:
            counts = backlog(session)
        self.line("  deliveries: " + ", ".join(f"{counts[s]} {s}" for s in DELIVERY_STATUSES))
        return counts

    def mail(self, mails: Sequence[Mail], url: str) -> None:
        chosen = next((m for m in mails if url in m.text()), None)
        self.line(
            f"\n-- the email about the new notice, as the SMTP server received it "
            f"({len(mails)} emails in all) --"
        )
        if chosen is None:
            self.line("  (none mentions the new notice)")
            return
        message = chosen.message()
        self.line(f"envelope: {chosen.sender} -> {', '.join(chosen.recipients)}")
        for name in MAIL_HEADERS:
            self.line(f"{name}: {message[name]}")
        self.line("")
        self.out.write(chosen.text().rstrip("\n") + "\n")

    def webhook(self, posts: Sequence[Post], secret: str) -> None:
        verified = sum(post.signature_ok(secret) for post in posts)
        self.line(
            f"\n-- the webhook POST about the new notice ({len(posts)} POSTs in all, "
            f"{verified} with a verified signature) --"
        )
        chosen = next((p for p in posts if p.headers.get("X-Eduwatch-Event") == "new"), None)
        if chosen is None:
            self.line("  (none announces a new article)")
            return
        self.line(f"POST {chosen.path}")
        for name in HOOK_HEADERS:
            self.line(f"{name}: {chosen.headers.get(name, '-')}")
        state = "verified" if chosen.signature_ok(secret) else "WRONG"
        self.line(f"signature: {state} (HMAC-SHA256 of the raw body with the subscriber's secret)")
        self.line("body (shortened here: article.text and diff.ops):")
        self.line(json.dumps(_shortened(chosen.json()), ensure_ascii=False, indent=1))

    def try_it(self, config: Path, highlights: dict[str, int]) -> None:
        self.step(f"Kept in {config.parent}: try the commands on it")
        base = f"eduwatch --config {config}"
        new, revised = highlights.get("new"), highlights.get("revised")
        for command in (
            "events",
            f"show {new}",
            f"diff {new} --against predecessor",
            f"diff {revised}",
            "status",
            "deliveries",
        ):
            self.line(f"  {base} {command}")
        self.line(f"  (the messages as received: {config.parent / 'received'})")


def _shortened(payload: Any) -> Any:
    """The body for the screen: the article's text and the diff's clause list cut (the whole
    body went over the wire; `--keep` keeps it in received/)."""
    if not isinstance(payload, dict):
        return payload
    out = dict(payload)
    article = out.get("article")
    if isinstance(article, dict) and isinstance(article.get("text"), str):
        text = article["text"]
        if len(text) > TEXT_SHOWN:
            more = f"… ({len(text) - TEXT_SHOWN} more characters)"
            out["article"] = {**article, "text": text[:TEXT_SHOWN] + more}
    diff = out.get("diff")
    if isinstance(diff, dict) and isinstance(diff.get("ops"), list) and diff["ops"]:
        ops = diff["ops"]
        out["diff"] = {**diff, "ops": [f"… ({len(ops)} clause changes, as in the diff above)"]}
    return out
