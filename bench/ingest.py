"""Ingest rate: articles per second into SQLite and PostgreSQL, one transaction per article.

    .venv/bin/python bench/ingest.py [--count 2000] [--postgres ADMIN_URL]

Realistic Chinese notices of ~2,000 characters. Measured: new articles (each raises a `new`
event) and the unchanged re-check of the same articles (the common case of a crawl). PostgreSQL
runs in a fresh temporary database, dropped afterwards. Figures, never pass/fail.
"""

from __future__ import annotations

import argparse
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.normalize import Article, Attachment
from monitor.ingest import SiteRef, finish_run, ingest_article, record_listing, start_run
from monitor.store import Store, open_store

SITE = SiteRef(id="bench-jyt", name="某省教育厅", authority="某省", rules_hash="bench")
T0 = datetime(2024, 6, 18, 2, 0, tzinfo=UTC)
DEFAULT_ADMIN = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
CLAUSES = (
    "各地各校要高度重视，切实加强组织领导，压实工作责任",
    "严格执行招生政策，规范招生行为，确保招生工作公平公正",
    "进一步完善学生资助体系，做到应助尽助",
    "加强校园安全管理，健全突发事件应急处置机制",
    "深入推进义务教育优质均衡发展，扩大优质教育资源覆盖面",
    "落实“双减”工作要求，切实减轻学生过重作业负担和校外培训负担",
    "统筹做好疫情防控和教育教学工作，保障正常教育教学秩序",
    "加强教师队伍建设，完善教师培训体系，提升教师专业素养",
    "各市教育局要于2024年6月30日前将工作总结报送省教育厅",
    "联系人及电话：0351－1234567，电子邮箱：jyt@example.gov.cn",
)


def article(number: int, rng: random.Random) -> Article:
    paragraphs: list[str] = []
    while sum(len(p) for p in paragraphs) < 2000:
        clauses = rng.sample(CLAUSES, 4)
        paragraphs.append(f"（{len(paragraphs) + 1}）" + "，".join(clauses) + "。")
    return Article(
        url=f"http://jyt.example.gov.cn/tzgg/202406/t20240618_{number}.shtml",
        title=f"关于做好2024年第{number}批普通高校招生工作的通知",
        paragraphs=tuple(paragraphs),
        published_at="2024-06-18T09:30:00+08:00",
        source="某省教育厅",
        document_number=f"某教办〔2024〕{number}号",
        attachments=(
            Attachment("附件：招生计划表.xlsx", f"http://jyt.example.gov.cn/f/{number}.xlsx"),
        ),
    )


def measure(store: Store, articles: list[Article]) -> tuple[float, float]:
    """(new articles per second, unchanged re-checks per second)."""
    baseline = start_run(store, SITE, now=T0)
    ingest_article(store, SITE, "通知公告", "notice", articles[0], T0, baseline)
    record_listing(store, baseline, "通知公告", [articles[0].url])
    finish_run(store, baseline, "ok", now=T0)
    rates = []
    for day in (1, 2):
        now = T0 + timedelta(days=day)
        run = start_run(store, SITE, now=now)
        started = time.perf_counter()
        for item in articles[1:]:
            ingest_article(store, SITE, "通知公告", "notice", item, now, run)
        rates.append((len(articles) - 1) / (time.perf_counter() - started))
        finish_run(store, run, "partial", now=now)
    return rates[0], rates[1]


def measure_at(url: str, articles: list[Article]) -> tuple[float, float]:
    store = open_store(url)
    try:
        return measure(store, articles)
    finally:
        store.close()


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'bench.sqlite'}"


@contextmanager
def postgres_url(admin: str) -> Iterator[str]:
    name = f"eduwatch_bench_{secrets.token_hex(4)}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--postgres", default=DEFAULT_ADMIN, help="admin URL of the server")
    args = parser.parse_args()
    rng = random.Random(20240618)
    articles = [article(n, rng) for n in range(args.count + 1)]
    mean = sum(len("".join(a.paragraphs)) for a in articles) / len(articles)
    print(f"{args.count} articles, {mean:.0f} characters each on average, one transaction each")
    with sqlite_url() as url:
        lite = measure_at(url, articles)
    with postgres_url(args.postgres) as url:
        pg = measure_at(url, articles)
    print(f"{'articles/second':<28}{'SQLite (WAL)':>14}{'PostgreSQL':>14}")
    print(f"{'new (stored + event)':<28}{lite[0]:>14.0f}{pg[0]:>14.0f}")
    print(f"{'unchanged re-check':<28}{lite[1]:>14.0f}{pg[1]:>14.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
