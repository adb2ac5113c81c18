"""Storing time per article, one transaction per article (`ingest_article`) against batches
(`ingest_batch`, the distributed worker's group commit), side by side:

    .venv/bin/python bench/ingest.py [--count 500] [--batch 32] [--rounds 3]
                                     [--postgres ADMIN_URL] [--sqlite]

Realistic Chinese notices of ~2,000 characters (`notice`): a site's first crawl of ``count`` of
last year's (a silent baseline), then this year's reissues of them (each a `new` event naming
its predecessor, with the diff), then their unchanged re-check. Each path runs ``rounds`` times,
in turn, on a fresh temporary PostgreSQL database dropped afterwards (and a SQLite file with
``--sqlite``); the best figures are shown. Wall time, and the CPU time of this process (the
worker's share; the database server's is not in it). Figures, never pass/fail; the two paths'
results (kinds, events, versions) are compared: they must be the same.
"""

from __future__ import annotations

import argparse
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.normalize import Article, Attachment
from monitor.ingest import (
    IngestRequest,
    SiteRef,
    finish_run,
    ingest_article,
    ingest_batch,
    record_listing,
    start_run,
)
from monitor.store import Store, open_store
from monitor.store.models import ArticleVersion, Event

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


COLUMN = "通知公告"
DAY = timedelta(days=1)
SCENARIOS = {
    "baseline": "baseline (first crawl, silent)",
    "new": "new (event, predecessor search)",
    "unchanged": "unchanged re-check",
}
StoreAll = Callable[[Store, list[IngestRequest]], list[str]]


@dataclass(frozen=True, slots=True)
class Figures:
    """Milliseconds per article of each scenario (wall, CPU), and what was stored."""

    wall: dict[str, float]
    cpu: dict[str, float]
    results: tuple[object, ...]


SUBJECTS = (
    "各市教育局",
    "各高等学校",
    "各中小学校",
    "省属各单位",
    "各县区教育行政部门",
    "各职业院校",
)
ACTIONS = ("要进一步加强", "要切实做好", "应当严格落实", "须认真组织", "要统筹推进", "要持续规范")
MATTERS = (
    "招生考试管理", "学生资助政策宣传", "校园安全隐患排查", "教师培训计划实施", "义务教育均衡发展",
    "课后服务质量提升", "学位授予审核", "职业教育产教融合", "教育信息化建设", "学生体质健康监测",
    "食堂食品安全管理", "家庭经济困难学生认定", "实验室安全检查", "教材选用审核", "心理健康教育",
    "校外培训监管", "控辍保学", "语言文字规范化", "学前教育普及", "特殊教育融合", "研学实践活动",
    "教育督导评估", "毕业生就业指导", "民办学校年检",
)  # fmt: skip
ENDS = ("确保各项工作落到实处", "切实保障学生合法权益", "健全长效工作机制", "营造良好教育生态")


def notice(number: int, year: int) -> Article:
    """Notice ``number`` of ``year``, on topics of its own. The same number a year later is its
    reissue: the same title but the year, one paragraph rewritten, the others the same."""
    rng = random.Random(number)
    topics = rng.sample(MATTERS, 3)
    paragraphs = [paragraph(rng, topics, index) for index in range(12)]
    rewritten = number % len(paragraphs)
    paragraphs[rewritten] = paragraph(random.Random(f"{number}-{year}"), topics, rewritten)
    paragraphs.append(f"请于{year}年6月30日前将工作总结报送省教育厅。")
    return Article(
        url=f"http://jyt.example.gov.cn/tzgg/{year}06/t{year}0618_{number}.shtml",
        title=f"关于做好{year}年{topics[0]}工作的通知（{number}）",
        paragraphs=tuple(paragraphs),
        published_at=f"{year}-06-18T09:30:00+08:00",
        source="某省教育厅",
        document_number=f"某教办〔{year}〕{number}号",
    )


def paragraph(rng: random.Random, topics: list[str], index: int) -> str:
    sentences = (
        f"{rng.choice(SUBJECTS)}{rng.choice(ACTIONS)}{rng.choice(topics)}工作，{rng.choice(ENDS)}。"
        for _ in range(5)
    )
    return f"（{index + 1}）" + "".join(sentences)


def one_each(store: Store, requests: list[IngestRequest]) -> list[str]:
    """Today's path: `ingest_article`, one transaction per article."""
    return [
        ingest_article(
            store, r.site, r.column_name, r.category, r.article, r.fetched_at, r.crawl_run_id
        ).kind
        for r in requests
    ]


def batched(size: int) -> StoreAll:
    """`ingest_batch` on consecutive groups of ``size`` articles."""

    def store_all(store: Store, requests: list[IngestRequest]) -> list[str]:
        kinds = []
        for start in range(0, len(requests), size):
            for outcome in ingest_batch(store, requests[start : start + size]):
                if isinstance(outcome, Exception):
                    raise outcome
                kinds.append(outcome.kind)
        return kinds

    return store_all


def measure(store: Store, store_all: StoreAll, count: int) -> Figures:
    """A silent first crawl of ``count`` notices of last year, then their reissues twice: new
    (each finds its predecessor), unchanged."""
    older = [notice(number, 2023) for number in range(count)]
    newer = [notice(number, 2024) for number in range(count)]
    plan = (
        ("baseline", T0, older, "ok"),
        ("new", T0 + DAY, newer, "partial"),
        ("unchanged", T0 + 2 * DAY, newer, "partial"),
    )
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    kinds: list[str] = []
    for scenario, now, items, status in plan:
        run = start_run(store, SITE, now=now)
        requests = [IngestRequest(SITE, COLUMN, "notice", item, now, run) for item in items]
        started, used = time.perf_counter(), time.process_time()
        kinds += store_all(store, requests)
        wall[scenario] = (time.perf_counter() - started) * 1000 / len(items)
        cpu[scenario] = (time.process_time() - used) * 1000 / len(items)
        record_listing(store, run, COLUMN, [item.url for item in items])
        finish_run(store, run, status, now=now)  # type: ignore[arg-type]
    return Figures(wall, cpu, (tuple(kinds), *stored(store)))


def stored(store: Store) -> tuple[object, ...]:
    """What the two paths must agree on: the events (kind, article, predecessor) and versions."""
    with store.transaction() as session:
        events = session.execute(
            select(Event.kind, Event.article_id, Event.old_version_id, Event.dedupe_key).order_by(
                Event.id
            )
        ).all()
        versions = session.scalar(select(func.count()).select_from(ArticleVersion))
    return tuple(map(tuple, events)), versions


def measure_at(url: str, store_all: StoreAll, count: int) -> Figures:
    store = open_store(url)
    try:
        return measure(store, store_all, count)
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


def compare(
    backend: str,
    database: Callable[[], AbstractContextManager[str]],
    batch: int,
    count: int,
    rounds: int,
) -> None:
    """Both paths in turn, ``rounds`` times, each on a fresh database of ``backend``; prints the
    best figures of each path side by side (a busy machine only ever adds time)."""
    paths = {"one per transaction": one_each, f"batches of {batch}": batched(batch)}
    runs: dict[str, list[Figures]] = {name: [] for name in paths}
    for _ in range(rounds):
        for name, store_all in paths.items():
            with database() as url:
                runs[name].append(measure_at(url, store_all, count))
    same = len({figures.results for each in runs.values() for figures in each}) == 1
    print(f"\n{backend}: ms per article, wall / CPU of this process, best of {rounds}")
    print(f"{'':<34}" + "".join(f"{name:>22}" for name in paths))
    for scenario, label in SCENARIOS.items():
        cells = [
            f"{min(f.wall[scenario] for f in each):.2f} / {min(f.cpu[scenario] for f in each):.2f}"
            for each in runs.values()
        ]
        print(f"{label:<34}" + "".join(f"{cell:>22}" for cell in cells))
    print("the same results on both paths" if same else "DIFFERENT RESULTS on the two paths")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500, help="articles per scenario")
    parser.add_argument("--batch", type=int, default=32, help="articles per batch")
    parser.add_argument("--postgres", default=DEFAULT_ADMIN, help="admin URL of the server")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each path, best kept")
    parser.add_argument("--sqlite", action="store_true", help="SQLite (WAL) too")
    args = parser.parse_args()
    mean = sum(len("".join(notice(n, 2024).paragraphs)) for n in range(100)) / 100
    print(f"{args.count} articles a scenario, {mean:.0f} characters each on average")
    sizes = (args.batch, args.count, args.rounds)
    compare("PostgreSQL", lambda: postgres_url(args.postgres), *sizes)
    if args.sqlite:
        compare("SQLite (WAL)", sqlite_url, *sizes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
