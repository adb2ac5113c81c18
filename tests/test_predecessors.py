"""Predecessor linking in the store, on SQLite and PostgreSQL: the yearly 招生工作通知 finds last
year's among unrelated notices, never across authorities nor a later one; events carry diffs;
baseline crawls index silently; stale index rows (other scheme, no hooks) are rebuilt."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, func, select, update

from crawler.normalize import Article, Attachment
from monitor.ingest import NO_HOOKS, SiteRef
from monitor.linking import find_predecessor
from monitor.similarity import SCHEME
from monitor.store import Store, open_store
from monitor.store.models import ArticleBandKey, ArticleSketch, ArticleVersion, StoredArticle
from tests.db import (
    Crawl,
    count,
    crawl,
    events,
)

SHANXI = SiteRef(id="jyt-shanxi", name="山西省教育厅", authority="山西", rules_hash="rules-v1")
ZHEJIANG = SiteRef(id="jyt-zhejiang", name="浙江省教育厅", authority="浙江", rules_hash="rules-v1")
BASELINE_AT = datetime(2025, 4, 1, 1, 0, tzinfo=UTC)
LATER = BASELINE_AT + timedelta(days=1)
ADDED_CLAUSE = (
    "八、加强考生服务。各地要为残疾考生参加考试提供合理便利，做好政策咨询和志愿填报指导服务。"
)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def admissions_body(year: int, signup_end: str, report_by: str, added: bool) -> tuple[str, ...]:
    """山西's yearly admissions notice; from 2024 on with clause 八 (ADDED_CLAUSE)."""
    paragraphs = [
        "各市教育局，各普通高等学校：",
        f"　　为做好{year}年我省普通高校招生工作，根据教育部有关文件精神，结合我省实际，"
        "现将有关事项通知如下。",
        "　　一、高度重视招生工作。各地各校要深入贯彻党的二十大精神，把招生工作作为重大政治任务，"
        "切实加强组织领导，层层压实责任。",
        f"　　二、做好考试报名。{year}年普通高考报名时间为{year - 1}年11月1日至{signup_end}，"
        "考生须通过省招生考试管理中心网站进行网上报名。报名时须如实填写个人信息。",
        f"　　三、统一考试时间。{year}年全国统一高考于6月7日开始举行，6月7日上午语文，下午数学；"
        "6月8日上午文科综合或理科综合，下午外语。",
        "　　四、严格资格审查。各市招生考试机构要会同公安、教育等部门，严格审核考生报名资格；"
        "对不符合条件的，一律取消报名资格。",
        "　　五、加强考试安全管理。各地要落实考试安全责任制，严厉打击组织考试作弊等违法犯罪行为；"
        "要做好试卷的印制、运送、保管等环节的安全保密工作。",
        "　　六、规范招生录取。各高校要严格执行招生计划，不得擅自调整；录取结果须及时向社会公布，"
        "接受社会监督。",
        "　　七、做好宣传引导。各地各校要通过多种渠道宣传招生政策，及时回应社会关切，"
        "营造良好氛围。",
    ]
    if added:
        paragraphs.append("　　" + ADDED_CLAUSE)
    paragraphs.append(
        f"　　请各地各校于{report_by}前将工作方案报送省教育厅高校学生处。联系电话：0351－3046633。"
    )
    return tuple(nfkc(p).strip() for p in paragraphs)


def directive(
    key: str,
    title: str,
    paragraphs: tuple[str, ...],
    published_at: str,
    host: str = "jyt.shanxi.gov.cn",
    attachments: tuple[Attachment, ...] = (),
) -> Article:
    return Article(
        url=f"http://{host}/tzgg/{key}.shtml",
        title=nfkc(title),
        paragraphs=paragraphs,
        published_at=published_at,
        source="省教育厅",
        document_number=None,
        attachments=attachments,
        method="site",
    )


def admissions(year: int, report_by: str | None = None) -> Article:
    """The notice of ``year``: from 2024 on registration closes on 11月12日 and clause 八 is new."""
    signup_end = f"{year - 1}年11月10日" if year < 2024 else "11月12日"
    body = admissions_body(year, signup_end, report_by or f"{year}年3月31日", added=year >= 2024)
    return directive(
        f"zs{year}", f"关于做好{year}年普通高校招生工作的通知", body, f"{year}-03-1{year % 10}"
    )


def unrelated(key: str, title: str, body: str, published_at: str) -> Article:
    paragraphs = ("各市教育局，各普通高等学校：", *nfkc(body).split("\n"), "特此通知。")
    return directive(key, title, paragraphs, published_at)


SAFETY = unrelated(
    "aq2024",
    "关于开展2024年全省中小学安全教育日活动的通知",
    "今年3月25日是第29个全国中小学生安全教育日，主题为“强化安全意识，提升安全素养”。\n"
    "各地要围绕防溺水、防欺凌、防电信诈骗等重点内容，组织开展形式多样的安全教育活动。\n"
    "要开展应急疏散演练，提高师生避险自救能力，并于4月10日前报送活动总结。",
    "2024-03-18",
)
SKILLS = unrelated(
    "js2023",
    "关于公布2023年山西省职业院校技能大赛获奖名单的通知",
    "经各赛项执委会评审、大赛组委会审定，现将2023年山西省职业院校技能大赛获奖名单予以公布。\n"
    "希望获奖单位和个人珍惜荣誉，再接再厉；各职业院校要以赛促教、以赛促学，"
    "不断提升技术技能人才培养质量。",
    "2023-06-20",
)
EMPLOYMENT = unrelated(
    "jy2024",
    "关于做好2024年普通高校毕业生就业创业工作的通知",
    "各高校要把毕业生就业工作作为“一把手”工程，书记校长要带头走访用人单位，拓展就业岗位。\n"
    "要加强就业指导课程建设，开展“宏志助航计划”培训，重点帮扶家庭经济困难毕业生。\n"
    "要严格落实就业统计“四不准”要求，确保就业数据真实准确。",
    "2024-02-26",
)
NEW_UNRELATED = unrelated(
    "js2025",
    "关于举办2025年全省中小学教师教学能力大赛的通知",
    "为提升中小学教师课堂教学能力，省教育厅决定举办2025年全省中小学教师教学能力大赛。\n"
    "比赛分小学、初中、高中三个组别，设语文、数学、英语等学科，采取现场说课与课堂展示相结合的方式。\n"
    "请各市于5月15日前完成初赛选拔，并将推荐名单报送省教师发展中心。",
    "2025-03-25",
)
# 浙江's 2023 notice has the text of 山西's 2024 one: it would win, were authorities mixed.
ZHEJIANG_2023 = directive(
    "zs2023",
    "关于做好2023年普通高校招生工作的通知",
    tuple(p.replace("2024", "2023") for p in admissions(2024).paragraphs),
    "2023-03-14",
    host="jyt.zj.gov.cn",
)


def baseline(store: Store) -> None:
    """Both sites' first crawls: 山西 with the 2022, 2023 and (already) 2025 notices and three
    unrelated ones, 浙江 with its 2023 notice; silent."""
    shanxi = [admissions(2022), admissions(2023), admissions(2025), SAFETY, SKILLS, EMPLOYMENT]
    results, _ = crawl(store, shanxi, BASELINE_AT, site=SHANXI)
    results += crawl(store, [ZHEJIANG_2023], BASELINE_AT, site=ZHEJIANG)[0]
    assert {r.kind for r in results} == {"baseline"}


def article_id(store: Store, article: Article) -> int:
    with store.transaction() as session:
        query = select(StoredArticle.id).where(StoredArticle.url == article.url)
        return session.scalars(query).one()


def test_baseline_crawls_index_every_article_silently(store: Store) -> None:
    baseline(store)
    assert events(store) == []
    assert count(store, ArticleSketch) == count(store, StoredArticle) == 7
    assert count(store, ArticleBandKey) == 7 * 40
    with store.transaction() as session:
        rows = session.execute(
            select(ArticleSketch.scheme, ArticleSketch.authority, func.count()).group_by(
                ArticleSketch.scheme, ArticleSketch.authority
            )
        ).all()
        current = set(session.scalars(select(StoredArticle.current_version_id)))
        indexed = set(session.scalars(select(ArticleSketch.version_id)))
    assert sorted(rows) == [(SCHEME, "山西", 6), (SCHEME, "浙江", 1)]
    assert indexed == current


def test_the_2024_notice_gets_the_2023_one_with_its_diff(store: Store) -> None:
    baseline(store)
    results, _ = crawl(store, [admissions(2024), NEW_UNRELATED], LATER, site=SHANXI)
    assert [r.kind for r in results] == ["new", "new"]
    linked, alone = events(store)
    expected = article_id(store, admissions(2023))
    with store.transaction() as session:
        earlier = session.get(ArticleVersion, linked.old_version_id)
        assert earlier is not None and earlier.article_id == expected
    predecessor = linked.payload["predecessor"]
    assert predecessor["url"] == admissions(2023).url
    assert predecessor["title"] == "关于做好2023年普通高校招生工作的通知"
    assert predecessor["reason"].startswith("same folded title, content similarity")
    assert 0.5 < predecessor["score"] < 1
    diff = linked.payload["diff"]
    assert diff["title"] == {"old": admissions(2023).title, "new": admissions(2024).title}
    assert {k: diff["counts"][k] for k in ("added", "removed", "changed")} == {
        "added": 2,  # clause 八, split at its 。
        "removed": 0,
        "changed": 4,  # the year in three clauses, the registration dates, the report date
    }
    added = [op["new"] for op in diff["ops"] if op["kind"] == "added"]
    assert "".join(added) == nfkc(ADDED_CLAUSE)
    spans = {(s["removed"], s["added"]) for op in diff["ops"] for s in op.get("spans", [])}
    assert spans == {("2023", "2024"), ("2022", "2023"), ("2022年", ""), ("10", "12")}
    [dates] = [op for op in diff["ops"] if len(op.get("spans", [])) == 4]
    assert "至2022年11月10日" in dates["old"] and "至11月12日" in dates["new"]
    assert alone.old_version_id is None
    assert "predecessor" not in alone.payload and "diff" not in alone.payload


def test_never_across_authorities(store: Store) -> None:
    baseline(store)
    repost = directive(
        "zs2024", admissions(2024).title, admissions(2024).paragraphs, "2024-03-14", "jyt.zj.gov.cn"
    )
    [result], _ = crawl(store, [repost], LATER, site=ZHEJIANG)
    [event] = events(store)
    assert result.kind == "new" and event.old_version_id is not None
    assert event.payload["predecessor"]["url"] == ZHEJIANG_2023.url  # not 山西's notices
    crawl(store, [admissions(2024)], LATER, site=SHANXI)
    linked = events(store)[-1]
    assert linked.payload["predecessor"]["url"] == admissions(2023).url  # not 浙江's twin


def test_a_later_article_is_never_a_predecessor(store: Store) -> None:
    """The 2025 notice (stored first, nearly the 2024 text) cannot precede the 2024 one found
    late; nor can the 2024 one precede the 2022 notice of a site first crawled after it."""
    baseline(store)
    crawl(store, [admissions(2024)], LATER, site=SHANXI)
    assert events(store)[-1].payload["predecessor"]["url"] == admissions(2023).url
    site = SiteRef(id="jyt-shanxi-old", name="山西省教育厅", authority="山西", rules_hash="r")
    crawl(store, [admissions(2023)], LATER, site=site)
    early = directive("zs2021", "关于做好2021年普通高校招生工作的通知",
                      admissions(2022).paragraphs, "2021-03-12")  # fmt: skip
    crawl(store, [early], LATER + timedelta(days=1), site=site)
    assert "predecessor" not in events(store)[-1].payload


def test_a_revised_article_carries_its_diff(store: Store) -> None:
    baseline(store)
    crawl(store, [admissions(2024)], LATER, site=SHANXI)
    revised = admissions(2024, report_by="2024年4月15日")
    [result], _ = crawl(store, [revised], LATER + timedelta(days=1), site=SHANXI)
    assert result.kind == "revised"
    event = events(store)[-1]
    assert "predecessor" not in event.payload
    [op] = event.payload["diff"]["ops"]
    assert op["kind"] == "changed"
    assert [(s["removed"], s["added"]) for s in op["spans"]] == [("3", "4"), ("31", "15")]
    with store.transaction() as session:
        sketch = session.get(ArticleSketch, result.article_id)
        assert sketch is not None and sketch.version_id == result.version_id


def test_stale_index_rows_are_never_compared_and_rebuilt_at_the_next_run(store: Store) -> None:
    """Rows of another SCHEME are ignored; articles stored without the hooks, or under an
    older scheme, are re-indexed when their site's next crawl starts."""
    first = Crawl(store, SHANXI, BASELINE_AT)
    for article in (admissions(2022), admissions(2023), SAFETY):
        first.ingest(article, hooks=NO_HOOKS)
    first.listing([SAFETY.url])
    first.finish()
    assert count(store, ArticleSketch) == 0
    crawl(store, [], LATER, site=SHANXI, listed=[SAFETY.url])  # its start refreshes the index
    assert count(store, ArticleSketch) == 3 and count(store, ArticleBandKey) == 3 * 40
    older = article_id(store, admissions(2023))
    later = LATER + timedelta(days=1)
    run = Crawl(store, SHANXI, later)
    with store.transaction() as session:  # as if indexed by an older release
        session.execute(
            update(ArticleSketch).where(ArticleSketch.article_id == older).values(scheme="v0")
        )
    run.ingest(admissions(2024))
    assert events(store)[-1].payload["predecessor"]["url"] == admissions(2022).url
    Crawl(store, SHANXI, later + timedelta(days=1))
    with store.transaction() as session:
        assert session.get(ArticleSketch, older).scheme == SCHEME  # type: ignore[union-attr]


def test_the_search_is_an_index_lookup(tmp_path: Path) -> None:
    """The statements of a search, explained by SQLite itself: index searches, no table scan.
    (PostgreSQL plans tables of a few rows as it likes; bench/predecessor.py explains its plan
    with 100,000 articles.)"""
    store = open_store(f"sqlite:///{tmp_path / 'plans.sqlite'}")
    baseline(store)
    crawl(store, [admissions(2024)], LATER, site=SHANXI)
    new_id = article_id(store, admissions(2024))
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "article_band_keys" in statement or "title_key =" in statement:
            statements.append((statement, parameters))

    with store.transaction() as session:
        article = session.get(StoredArticle, new_id)
        assert article is not None and article.current_version_id is not None
        version = session.get(ArticleVersion, article.current_version_id)
        assert version is not None
        event.listen(store.engine, "before_cursor_execute", capture)
        try:
            assert find_predecessor(session, article, version) is not None
        finally:
            event.remove(store.engine, "before_cursor_execute", capture)
        run = session.connection().exec_driver_sql
        explained = [run(f"EXPLAIN QUERY PLAN {sql}", args) for sql, args in statements]
        plans = [" | ".join(row[-1] for row in rows) for rows in explained]
    store.close()
    band, title = plans
    assert band.startswith("SEARCH article_band_keys USING PRIMARY KEY (band_key=?)"), band
    assert "SEARCH article_sketches USING INTEGER PRIMARY KEY" in band, band
    assert title.startswith("SEARCH article_sketches USING INDEX ix_article_sketches_title_key")
    assert "SCAN" not in band + title


def test_deleting_an_article_takes_its_index_rows(store: Store) -> None:
    baseline(store)
    doomed = article_id(store, SAFETY)
    with store.transaction() as session:
        session.execute(delete(StoredArticle).where(StoredArticle.id == doomed))
    assert count(store, ArticleSketch) == 6 and count(store, ArticleBandKey) == 6 * 40
