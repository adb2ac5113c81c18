"""A store filled through the real ingest path for the web tests: two sites, new, revised and
withdrawn articles, a hostile title and body, a failed crawl, deliveries of every status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, select, update

from crawler.normalize import Attachment
from crawler.sites import SiteConfig
from monitor.ingest import SiteRef, finish_run
from monitor.store import Store
from monitor.store.delivery_models import Delivery
from monitor.store.models import Event, StoredArticle
from tests.db import SITE, T0, Crawl, crawl, notice

DAY = timedelta(days=1)
NOTICE = "关于做好2024年普通高校招生工作的通知（第{}号）"
HEBEI = SiteRef(id="jyt-hebei", name="河北省教育厅", authority="河北", rules_hash="rules-h1")
HOSTILE_TITLE = '<script>alert("t")</script><img src=x onerror=alert(1)>关于“双减”的通知&amp;'
HOSTILE_BODY = "<b>加粗</b><script>document.title='pwned'</script>各校要认真落实。"
HOSTILE_ERROR = "<img src=x onerror=alert(3)> 连接被拒绝"
FAILED_STATS = {
    "pages": 2,
    "article_pages": 5,
    "failures": {"no_body": 2, "render_timeout": 1, "timeout": 3},
}
REVISED_PARAGRAPHS = (
    "各市教育局：为做好2024年第1批普通高校招生工作，现将有关事项通知如下。",
    "一、高度重视，加强组织领导。各地要把招生工作摆在首要位置。",
    "二、严格规范，确保公平公正。严禁任何形式的违规招生行为。",
    "三、本通知自发布之日起施行。",
)


@dataclass(frozen=True)
class Filled:
    revised_article: int
    hostile_article: int
    withdrawn_article: int
    dead_delivery: int
    sent_delivery: int


def site_configs() -> list[SiteConfig]:
    return [
        _config(HEBEI, "policy", "政策文件"),
        _config(SITE, "notice", "通知公告"),
    ]


def _config(site: SiteRef, category: str, column: str) -> SiteConfig:
    return SiteConfig.model_validate(
        {
            "id": site.id,
            "name": site.name,
            "authority": site.authority,
            "adapter": "css",
            "schedule": "30m",
            "list": {"item": "ul li"},
            "columns": [
                {"name": column, "url": f"http://127.0.0.1:9/{site.id}/", "category": category}
            ],
        }
    )


def fill(store: Store) -> Filled:
    n2 = notice(2)
    crawl(store, [notice(1), n2, notice(4)], T0)  # the silent baseline
    revised = notice(
        1,
        REVISED_PARAGRAPHS,
        attachments=(Attachment("附件1.docx", "http://jyt.shanxi.gov.cn/a1.docx"),),
    )
    crawl(store, [revised, notice(3), n2, notice(4)], T0 + DAY)
    hostile = notice(5, (HOSTILE_BODY, "二、其他事项另行通知。"), title=HOSTILE_TITLE)
    gone = {n2.url: 404}
    listed = [revised.url, notice(3).url, notice(4).url, hostile.url]
    crawl(store, [hostile], T0 + 2 * DAY, listed=listed, gone=gone)
    crawl(store, [], T0 + 3 * DAY, listed=listed, gone=gone)
    hebei = [
        notice(
            10 + i,
            url=f"http://jyt.hebei.gov.cn/zcwj/t{i}.html",
            title=f"河北省教育厅关于第{i}项政策的通知",
        )
        for i in range(3)
    ]
    crawl(store, hebei[:1], T0, site=HEBEI)
    crawl(store, hebei, T0 + DAY, site=HEBEI)
    failing = Crawl(store, HEBEI, T0 + 4 * DAY)
    finish_run(store, failing.run_id, "failed", FAILED_STATS, HOSTILE_ERROR, now=T0 + 4 * DAY)
    with store.transaction() as session:  # tests.db's crawls file everything as a notice
        session.execute(
            update(StoredArticle).where(StoredArticle.site_id == HEBEI.id).values(category="policy")
        )
        rows = session.execute(select(Event.id, Event.kind, Event.article_id)).all()
        by_kind = {kind: (event_id, article_id) for event_id, kind, article_id in rows}
        event_id = by_kind["revised"][0]
        ids = []
        for number, (status, error) in enumerate(
            [("dead", HOSTILE_ERROR), ("sent", None), ("failed", "HTTP 502"), ("pending", None)]
        ):
            ids.append(
                session.execute(
                    insert(Delivery).returning(Delivery.id),
                    {
                        "event_id": event_id, "kind": "revised", "subscriber": "教育处",
                        "channel": f"mail{number}", "mode": "immediate", "status": status,
                        "attempts": 8 if status == "dead" else 1, "last_error": error,
                        "idempotency_key": f"web-test-{number}",
                        "created_at": T0 + DAY, "next_attempt_at": None,
                        "sent_at": T0 + DAY + timedelta(seconds=42) if status == "sent" else None,
                    },
                ).scalar_one()
            )  # fmt: skip
    with store.transaction() as session:
        hostile_id = session.execute(
            select(StoredArticle.id).where(StoredArticle.url == hostile.url)
        ).scalar_one()
    return Filled(
        revised_article=by_kind["revised"][1],
        hostile_article=hostile_id,
        withdrawn_article=by_kind["withdrawn"][1],
        dead_delivery=ids[0],
        sent_delivery=ids[1],
    )
