"""Predecessor search in the database with N stored articles (goal: under 50 ms a new article).

    .venv/bin/python bench/predecessor.py [--articles 100000] [--searches 300]
                                          [--boilerplate 0.3] [--postgres ADMIN_URL | --no-postgres]

Figures, never pass/fail. The store is filled directly (articles, versions, sketches with
executemany; band keys with executemany on SQLite and COPY on PostgreSQL), not by ingesting
article by article. The sketches are synthetic MinHash signatures, so that 100,000 of them take
seconds rather than the two minutes real sketching would:

- 32 authorities; every article's signature shares a random `--boilerplate` share of its values
  with its authority's template (unrelated notices of one authority share salutations, closings
  and signatures: a similarity of about boilerplate**2, so some band keys collide);
- yearly series (2019-2024, one year's sketch 15 % redrawn from the year before, the same
  folded title), and a common folded title per authority (`工作动态`-like) on 5 % of articles.

Searches, timed one by one through `monitor.store.predecessors.find` (what the ingest hook
runs, after sketching the new article): the 2025 successor of a series (must find the 2024
one), an unrelated new article (must find none), and an article under its authority's common
title (the most title candidates). The time to sketch a real new article is printed apart.
Finally the database explains the statements of one search: index lookups, or not.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import random
import secrets
import statistics
import struct
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, insert, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.similarity import NUM_PERM, SCHEME, Sketch, band_keys, sketch, title_key
from monitor.store import Store, open_store
from monitor.store.models import ArticleSketch, ArticleVersion, Site, StoredArticle
from monitor.store.predecessors import Lookup, band_query, find, title_query

DEFAULT_ADMIN = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
PROVINCES = "北京 天津 河北 山西 内蒙古 辽宁 吉林 黑龙江 上海 江苏 浙江 安徽 福建 江西 山东 河南 "
PROVINCES += "湖北 湖南 广东 广西 海南 重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 教育部"
AUTHORITIES = PROVINCES.split()
START = datetime(2019, 1, 1, tzinfo=UTC)
YEARS = range(2019, 2025)
SERIES_SHARE = 0.3  # of the articles, in yearly series
COMMON_TITLE_SHARE = 0.05
YEARLY_CHANGE = 0.15
MASK32 = (1 << 32) - 1


@dataclass(frozen=True, slots=True)
class Stored:
    article_id: int
    authority: str
    appeared_at: datetime
    sketch: Sketch


@dataclass(frozen=True, slots=True)
class Search:
    kind: str
    lookup: Lookup
    expected: int | None


@dataclass
class Corpus:
    """Synthetic sketches: authority templates, yearly series, common titles."""

    boilerplate: float
    rng: random.Random = field(default_factory=lambda: random.Random(20250101))
    templates: dict[str, tuple[int, ...]] = field(default_factory=dict)
    articles: list[Stored] = field(default_factory=list)
    series_heads: list[Stored] = field(default_factory=list)

    def signature(self, authority: str) -> tuple[int, ...]:
        values = list(struct.unpack(f">{NUM_PERM}I", self.rng.randbytes(4 * NUM_PERM)))
        if authority not in self.templates:
            self.templates[authority] = self._random()
        template = self.templates[authority]
        for position in self.rng.sample(range(NUM_PERM), round(self.boilerplate * NUM_PERM)):
            values[position] = template[position]
        return tuple(values)

    def _random(self) -> tuple[int, ...]:
        return struct.unpack(f">{NUM_PERM}I", self.rng.randbytes(4 * NUM_PERM))

    def evolve(self, signature: tuple[int, ...]) -> tuple[int, ...]:
        values = list(signature)
        for position in self.rng.sample(range(NUM_PERM), round(YEARLY_CHANGE * NUM_PERM)):
            values[position] = self.rng.getrandbits(32)
        return tuple(values)

    def add(self, authority: str, when: datetime, title_fold: str, sig: tuple[int, ...]) -> Stored:
        item = Stored(len(self.articles) + 1, authority, when, Sketch(title_fold, sig, 900))
        self.articles.append(item)
        return item

    def build(self, count: int) -> None:
        span = (datetime(2025, 1, 1, tzinfo=UTC) - START).total_seconds()
        while len(self.articles) < count:
            authority = self.rng.choice(AUTHORITIES)
            if self.rng.random() < SERIES_SHARE:
                self._series(authority, count)
                continue
            when = START + timedelta(seconds=self.rng.random() * span)
            common = self.rng.random() < COMMON_TITLE_SHARE
            fold = (
                f"{authority}#月#日工作动态" if common else f"关于{len(self.articles)}号事项的通知"
            )
            self.add(authority, when, fold, self.signature(authority))

    def _series(self, authority: str, count: int) -> None:
        fold = f"关于做好#年第{len(self.articles)}项工作的通知"
        sig = self.signature(authority)
        day = self.rng.randrange(300)
        item = None
        for year in YEARS:
            if len(self.articles) >= count:
                break
            when = datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=day + self.rng.randrange(9))
            item = self.add(authority, when, fold, sig)
            sig = self.evolve(sig)
        if item is not None and item.appeared_at.year == YEARS[-1]:
            self.series_heads.append(item)

    def searches(self, count: int) -> list[Search]:
        when = datetime(2025, 3, 1, tzinfo=UTC)
        out: list[Search] = []
        for number in range(count):
            kind = ("successor", "unrelated", "common title")[number % 3]
            if kind == "successor":
                head = self.rng.choice(self.series_heads)
                item = Sketch(head.sketch.title_fold, self.evolve(head.sketch.signature), 900)
                out.append(Search(kind, Lookup(head.authority, item, when), head.article_id))
                continue
            authority = self.rng.choice(AUTHORITIES)
            fold = f"{authority}#月#日工作动态" if kind == "common title" else f"新通知{number}"
            item = Sketch(fold, self.signature(authority), 900)
            out.append(Search(kind, Lookup(authority, item, when), None))
        return out


# --- loading -------------------------------------------------------------------------------


def load(store: Store, corpus: Corpus) -> float:
    """Fill the store; returns the seconds taken."""
    started = time.perf_counter()
    fetched = datetime(2025, 2, 1, tzinfo=UTC)
    with store.engine.begin() as connection:
        site_of = {a: f"bench-{n}" for n, a in enumerate(AUTHORITIES)}
        sites = [
            {"id": site, "name": name, "authority": name, "consecutive_failures": 0}
            for name, site in site_of.items()
        ]
        connection.execute(insert(Site), [{**site, "created_at": fetched} for site in sites])
        for chunk in _chunks(corpus.articles, 20_000):
            connection.execute(
                insert(StoredArticle), [_article(i, site_of, fetched) for i in chunk]
            )
            connection.execute(insert(ArticleVersion), [_version(i, fetched) for i in chunk])
        connection.execute(text("UPDATE articles SET current_version_id = id"))
        for chunk in _chunks(corpus.articles, 20_000):
            connection.execute(insert(ArticleSketch), [_sketch_row(i) for i in chunk])
    if store.dialect == "postgresql":
        _copy_band_keys(store, corpus)
    else:
        _insert_band_keys(store, corpus)
    return time.perf_counter() - started


def _chunks(items: list[Stored], size: int) -> Iterator[list[Stored]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _article(item: Stored, site_of: dict[str, str], fetched: datetime) -> dict[str, Any]:
    url = f"http://bench.example.gov.cn/{item.article_id}.shtml"
    return {
        "id": item.article_id, "site_id": site_of[item.authority], "url": url,
        "url_key": hashlib.sha256(url.encode()).hexdigest(), "first_seen": fetched,
        "last_seen": fetched, "last_checked": fetched, "appeared_at": item.appeared_at,
        "gone_count": 0, "status": "active",
    }  # fmt: skip


def _version(item: Stored, fetched: datetime) -> dict[str, Any]:
    return {
        "id": item.article_id, "article_id": item.article_id, "title": item.sketch.title_fold,
        "text": "", "paragraphs": [], "attachments": [], "images": [], "method": "bench",
        "fingerprint": "0" * 64, "normalizer_version": "bench", "fetched_at": fetched,
    }  # fmt: skip


def _sketch_row(item: Stored) -> dict[str, Any]:
    return {
        "article_id": item.article_id, "version_id": item.article_id, "scheme": SCHEME,
        "authority": item.authority, "appeared_at": item.appeared_at,
        "title_key": title_key(item.authority, item.sketch.title_fold),
        "shingle_count": item.sketch.shingle_count,
        "signature": struct.pack(f">{NUM_PERM}I", *item.sketch.signature),
    }  # fmt: skip


def _band_rows(corpus: Corpus) -> Iterator[list[tuple[int, int]]]:
    for chunk in _chunks(corpus.articles, 10_000):
        yield [(k, i.article_id) for i in chunk for k in band_keys(i.authority, i.sketch)]


def _insert_band_keys(store: Store, corpus: Corpus) -> None:
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB while loading
        cursor.execute("BEGIN")
        for rows in _band_rows(corpus):
            cursor.executemany("INSERT INTO article_band_keys VALUES (?, ?)", rows)
        cursor.execute("COMMIT")
        cursor.execute("PRAGMA cache_size = -2000")
    finally:
        raw.close()


PG_BAND_CONSTRAINTS = (
    "ALTER TABLE article_band_keys ADD CONSTRAINT pk_article_band_keys"
    " PRIMARY KEY (band_key, article_id)",
    "CREATE INDEX ix_article_band_keys_article_id ON article_band_keys (article_id)",
    "ALTER TABLE article_band_keys ADD CONSTRAINT fk_article_band_keys_article_id_article_sketches"
    " FOREIGN KEY (article_id) REFERENCES article_sketches (article_id) ON DELETE CASCADE",
)


def _copy_band_keys(store: Store, corpus: Corpus) -> None:
    """COPY into the bare table, then build its keys (faster than keeping them up to date)."""
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(
            "ALTER TABLE article_band_keys DROP CONSTRAINT"
            " fk_article_band_keys_article_id_article_sketches;"
            " ALTER TABLE article_band_keys DROP CONSTRAINT pk_article_band_keys;"
            " DROP INDEX ix_article_band_keys_article_id"
        )
        for rows in _band_rows(corpus):
            buffer = io.StringIO("".join(f"{key}\t{ident}\n" for key, ident in rows))
            cursor.copy_expert("COPY article_band_keys (band_key, article_id) FROM STDIN", buffer)
        for statement in PG_BAND_CONSTRAINTS:
            cursor.execute(statement)
        raw.commit()
        cursor.execute("ANALYZE")  # what autovacuum would have done by then
        raw.commit()
    finally:
        raw.close()


# --- measuring -----------------------------------------------------------------------------


def measure(store: Store, searches: list[Search]) -> dict[str, list[float]]:
    """Milliseconds per search, by kind; prints the answers' quality and candidate counts."""
    times: dict[str, list[float]] = {}
    right = {kind: 0 for kind in ("successor", "unrelated", "common title")}
    candidates: list[int] = []
    for item in searches:
        with store.transaction() as session:
            started = time.perf_counter()
            found = find(session, item.lookup)
            times.setdefault(item.kind, []).append((time.perf_counter() - started) * 1000)
            band = len(session.scalars(band_query(item.lookup)).all())
            tkey = title_key(item.lookup.authority, item.lookup.sketch.title_fold)
            titled = len(session.scalars(title_query(item.lookup, tkey)).all()) if tkey else 0
        candidates.append(band + titled)
        got = found.article_id if found is not None else None
        right[item.kind] += got == item.expected
    per_kind = sum(1 for s in searches if s.kind == "successor")
    print(f"    successors linked to last year's article: {right['successor']}/{per_kind}")
    print(f"    unrelated new articles left alone: {right['unrelated']}/{per_kind}")
    print(
        f"    candidates compared per search: median {statistics.median(candidates):.0f}, "
        f"max {max(candidates)}"
    )
    return times


def explain(store: Store, lookup: Lookup) -> bool:
    """Print the plans of one search's statements; True when every one is index-driven."""
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "article_band_keys" in statement or "title_key =" in statement:
            statements.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", capture)
    with store.transaction() as session:
        find(session, lookup)
    event.remove(store.engine, "before_cursor_execute", capture)
    sqlite = store.dialect == "sqlite"
    indexed = True
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, parameters in statements:
            cursor.execute(
                ("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + statement, parameters
            )
            plan = [str(row[-1]) for row in cursor.fetchall()]
            print("\n".join(_shorten("      " + line) for line in plan))
            joined = "\n".join(plan)
            if sqlite:
                indexed &= "SEARCH" in joined and "SCAN article" not in joined
            else:
                indexed &= "Index" in joined and "Seq Scan" not in joined
    finally:
        raw.close()
    return indexed


def _shorten(line: str, width: int = 150) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def figures(label: str, store: Store, corpus: Corpus, searches: list[Search]) -> None:
    print(f"  {label}: loading {len(corpus.articles):,} articles ...", flush=True)
    seconds = load(store, corpus)
    print(f"    loaded in {seconds:.0f} s ({len(corpus.articles) * 40:,} band keys)")
    with store.transaction() as session:
        find(session, searches[0].lookup)  # warm up once
    times = measure(store, searches)
    everything = [t for kind in times.values() for t in kind]
    for kind, values in [*times.items(), ("all", everything)]:
        quantiles = statistics.quantiles(values, n=20)
        print(
            f"    search ms, {kind:<13} median {statistics.median(values):6.2f}  "
            f"p95 {quantiles[-1]:6.2f}  max {max(values):6.2f}  (n={len(values)})"
        )
    print("    plans of one search (band keys, then title key):")
    print(f"    index lookups only: {'yes' if explain(store, searches[2].lookup) else 'NO'}")


def sketch_times() -> None:
    """The hook also sketches the new article: real sketch() times for two body sizes."""
    rng = random.Random(7)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    for size in (2_000, 50_000):
        body = "".join(rng.choices(chars, k=size))
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            sketch("关于做好2025年普通高校招生工作的通知", body)
            runs.append((time.perf_counter() - started) * 1000)
        print(f"  sketching a new {size:,}-character article: {statistics.median(runs):.1f} ms")


@contextmanager
def sqlite_store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        try:
            yield store
        finally:
            store.close()


@contextmanager
def postgres_store(admin: str) -> Iterator[Store]:
    name = f"eduwatch_bench_{secrets.token_hex(4)}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    store = open_store(make_url(admin).set(database=name).render_as_string(hide_password=False))
    try:
        yield store
    finally:
        store.close()
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--boilerplate", type=float, default=0.3)
    parser.add_argument("--postgres", default=DEFAULT_ADMIN, help="admin URL of the server")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    corpus = Corpus(args.boilerplate)
    corpus.build(args.articles)
    searches = corpus.searches(args.searches)
    print(
        f"{len(corpus.articles):,} articles of {len(AUTHORITIES)} authorities "
        f"({len(corpus.series_heads):,} yearly series reaching 2024), boilerplate share "
        f"{args.boilerplate} (unrelated similarity ~{args.boilerplate**2:.2f}); "
        f"built in {time.perf_counter() - started:.0f} s"
    )
    sketch_times()
    with sqlite_store() as store:
        figures("SQLite (WAL)", store, corpus, searches)
    if not args.no_postgres:
        with postgres_store(args.postgres) as store:
            figures("PostgreSQL", store, corpus, searches)
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
