"""render_alert: subject, text, inline-styled HTML, webhook JSON (checked against the JSON Schema
file) and chat card, for each kind of event; page text escaped everywhere."""

from __future__ import annotations

import json
from dataclasses import replace
from html.parser import HTMLParser
from typing import Any

import jsonschema
import pytest

from monitor.alerts.contract import Alert, AlertAttachment, AlertContent
from monitor.alerts.render import diff_from_json, render_alert, text_blocks
from monitor.diff import diff_paragraphs, render_text
from tests.paths import ROOT, SAMPLE

SCHEMA = json.loads((ROOT / "monitor" / "alerts" / "webhook.schema.json").read_text("utf-8"))
HOSTILE = "<script>alert(1)</script> & 附件"
OLD = [
    "各市教育局:",
    "现将2023年普通高校招生工作有关事项通知如下。",
    "一、报名时间为2023年3月1日至3月10日。",
    "二、体育类专业考试安排另行通知。",
]
NEW = [
    "各市教育局:",
    "现将2024年普通高校招生工作有关事项通知如下。",
    "一、报名时间为2024年3月1日至3月15日。",
    f"三、{HOSTILE}请考生登录“山西招生考试网”查询。",
]
TITLE = "关于做好2024年普通高校招生工作的通知"
URL = "https://jyt.shanxi.gov.cn/wzlm/tzgg/202403/t20240301_9.shtml"


def sample_text(paragraphs: list[str]) -> str:
    body = "".join(paragraphs)
    return f"摘要\n\n{body}\n" + "".join(f"\n  {p}\n" for p in paragraphs)


def article(kind: str = "new", **changes: Any) -> AlertContent:
    content = AlertContent(
        kind=kind,
        site_id="shanxi",
        site_name="山西省教育厅",
        authority="山西",
        created_at="2024-03-02T08:15:00+08:00",
        column="通知公告",
        category="notice",
        url=URL,
        title=TITLE,
        published_at="2024-03-01T09:30:00+08:00",
        source="山西省教育厅",
        document_number="晋教办〔2024〕12号",
        summary="".join(NEW)[:200],
        text=sample_text(NEW),
        attachments=(
            AlertAttachment("附件1.报名安排.docx", "https://jyt.shanxi.gov.cn/a/1.docx"),
            AlertAttachment("恶意附件", "javascript:alert(1)"),
        ),
    )
    return replace(content, **changes)


def with_predecessor() -> AlertContent:
    diff = diff_paragraphs(OLD, NEW).to_json()
    predecessor = {
        "url": URL.replace("2024", "2023"),
        "title": "关于做好2023年普通高校招生工作的通知",
    }
    return article("new", diff=diff, predecessor=predecessor)


def revised() -> AlertContent:
    diff = diff_paragraphs(OLD, NEW).to_json()
    diff["title"] = {"old": "关于做好2023年招生工作的通知", "new": TITLE}
    diff["attachments"] = {
        "added": [{"name": "附件2.日程&表.xlsx", "url": "https://jyt.shanxi.gov.cn/a/2.xlsx"}],
        "removed": [],
    }
    return article("revised", diff=diff)


def site_failing() -> AlertContent:
    error = "HTTP 412 <challenge> & $_ts"
    return AlertContent(
        kind="site_failing",
        site_id="shanxi",
        site_name="山西省教育厅",
        authority="山西",
        created_at="2024-03-02T08:15:00+08:00",
        details={"failures": 3, "error": error, "name": "山西省教育厅"},
    )


def validate(payload: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(json.loads(json.dumps(payload)))


class Tags(HTMLParser):
    """Every start tag and its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(page)
    return parser.tags


# --- subjects ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "subject"),
    [
        (article("new"), f"[eduwatch] 山西省教育厅·通知公告: {TITLE}"),
        (article("revised"), f"[eduwatch] 修订 山西省教育厅·通知公告: {TITLE}"),
        (article("withdrawn"), f"[eduwatch] 撤回 山西省教育厅·通知公告: {TITLE}"),
        (article("new", column=None), f"[eduwatch] 山西省教育厅: {TITLE}"),
        (site_failing(), "[eduwatch] 站点异常 山西省教育厅（shanxi）: 连续 3 次抓取失败"),
    ],
)
def test_subject_names_the_place_the_kind_and_the_title(
    content: AlertContent, subject: str
) -> None:
    assert render_alert(content, "k1").subject == subject


def test_subject_is_one_line_even_when_the_title_is_not() -> None:
    alert = render_alert(article(title="关于做好\r\n2024年\n招生工作的通知"), "k1")
    assert alert.subject == "[eduwatch] 山西省教育厅·通知公告: 关于做好 2024年 招生工作的通知"


def test_site_recovered_and_stale_subjects_tell_what_happened() -> None:
    recovered = replace(site_failing(), kind="site_recovered", details={"failures": 4})
    stale = replace(site_failing(), kind="site_stale", details={"quiet_days": 12.5})
    assert render_alert(recovered, "k").subject.startswith("[eduwatch] 站点恢复 山西省教育厅")
    assert render_alert(stale, "k").subject.endswith(": 12.5 天无新文章")


# --- bodies ------------------------------------------------------------------------------------


def test_new_directive_shows_metadata_text_attachments_and_the_diff_against_its_predecessor() -> (
    None
):
    content = with_predecessor()
    alert = render_alert(content, "new:7:zhaosheng:email")
    text = alert.text
    for line in (
        f"标题：{TITLE}",
        "发布日期：2024-03-01 09:30",
        "来源：山西省教育厅",
        "文号：晋教办〔2024〕12号",
        f"链接：{URL}",
        "- 附件1.报名安排.docx <https://jyt.shanxi.gov.cn/a/1.docx>",
    ):
        assert line + "\n" in text
    assert content.text is not None and content.text.rstrip("\n") in text  # the sample format
    assert "与前一份文件《关于做好2023年普通高校招生工作的通知》相比" in text
    # monitor.diff's own rendering, line for line (the JSON form omits unchanged clauses, so
    # there are no "…" gaps between changes).
    lines = [ln for ln in render_text(diff_paragraphs(OLD, NEW), 0).splitlines() if ln != "  …"]
    assert "\n".join(lines) + "\n" in text
    assert text.index("摘要") < text.index("===== 变化")  # a new article: the text comes first
    assert "新增 1 句，删除 1 句，修改 2 句（未变 1 句）" in text
    assert alert.link == URL
    assert "与前一份文件" in alert.html and "关于做好2023年普通高校招生工作的通知" in alert.card


def test_revised_article_leads_with_the_diff_title_and_attachment_changes() -> None:
    alert = render_alert(revised(), "revised:7:zhaosheng:email")
    text = alert.text
    assert text.index("===== 变化（与上一版本相比）") < text.index("摘要")
    assert "标题：关于做好[-2023-]{+2024+}年" in text
    assert "新增附件：附件2.日程&表.xlsx <https://jyt.shanxi.gov.cn/a/2.xlsx>" in text
    assert "~ 现将[-2023-]{+2024+}年普通高校招生工作有关事项通知如下。" in text
    assert "- 二、体育类专业考试安排另行通知。" in text
    # The HTML diff is monitor.diff's, inserted as markup (not escaped a second time).
    assert '<del style="' in alert.html and "&lt;del" not in alert.html
    assert "附件2.日程&amp;表.xlsx" in alert.html
    assert "～ 现将［-2023-］{+2024+}年" in alert.card


def test_withdrawn_article_says_so_with_its_evidence() -> None:
    content = article(
        "withdrawn", text=None, details={"url": URL, "http_status": 404, "gone_runs": 2}
    )
    alert = render_alert(content, "withdrawn:7:zhaosheng:email")
    assert "视为撤回" in alert.text and "视为撤回" in alert.html and "视为撤回" in alert.card
    assert "页面状态码：404\n" in alert.text and "连续缺失次数：2\n" in alert.text
    assert f"链接：{URL}\n" in alert.text and alert.text.count(URL) == 1  # url not repeated
    assert alert.payload["article"]["url"] == URL and alert.payload["diff"] is None


def test_site_failing_tells_the_operator_the_failures_and_the_last_error() -> None:
    alert = render_alert(site_failing(), "site_failing:shanxi:41:@operator:email")
    assert "连续失败次数：3\n" in alert.text
    assert "最近错误：HTTP 412 <challenge> & $_ts\n" in alert.text
    assert "HTTP 412 &lt;challenge&gt; &amp; $_ts" in alert.html
    assert "- 最近错误：HTTP 412 ＜challenge＞ & $＿ts" in alert.card
    assert alert.payload["article"] is None and alert.payload["details"]["failures"] == 3


def test_the_real_sample_article_text_goes_into_the_alert_verbatim_and_its_markup_escaped() -> None:
    sample = SAMPLE.read_text("utf-8")
    alert = render_alert(article(text=sample, summary=None), "k")
    assert sample.rstrip("\n") in alert.text
    assert "</p><p>" in sample and "</p><p>" not in alert.html
    assert "1jpg/&gt;&lt;/p&gt;&lt;p&gt;" in alert.html


def test_text_blocks_follow_the_sample_format() -> None:
    blocks = text_blocks("摘要\n\n要点...\n\n导语\n\n  第一段\n\n  第二段\n", None)
    assert blocks == [
        ("heading", "摘要"),
        ("summary", "要点..."),
        ("lead", "导语"),
        ("paragraph", "第一段"),
        ("paragraph", "第二段"),
    ]
    assert text_blocks(None, "只有摘要") == [("heading", "摘要"), ("summary", "只有摘要")]


def test_diff_json_turns_back_into_the_same_diff() -> None:
    diff = diff_paragraphs(OLD, NEW)
    assert diff_from_json(diff.to_json(include_unchanged=True)) == diff


def test_a_malformed_diff_is_noted_and_the_alert_still_goes_out() -> None:
    broken = article("revised", diff={"counts": {}, "ops": [{"kind": "changed", "old": 1}]})
    alert = render_alert(broken, "k")
    assert "差异数据格式无效" in alert.text and "差异数据格式无效" in alert.html
    assert TITLE in alert.text


def test_unknown_kind_and_missing_key_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown alert kind 'nonsense'"):
        render_alert(article("nonsense"), "k")
    with pytest.raises(ValueError, match="idempotency key"):
        render_alert(article(), " ")


# --- escaping ----------------------------------------------------------------------------------


def hostile_alert() -> Alert:
    content = with_predecessor()
    return render_alert(
        replace(
            content,
            title=f"通知{HOSTILE}",
            source="教育厅 & <b>办公室</b>",
            text=sample_text([*NEW, f"{HOSTILE}[点我](javascript:alert(2)) **粗** _斜_ #标题"]),
            summary=f"摘要{HOSTILE}",
        ),
        "k",
    )


def test_page_text_is_escaped_in_html() -> None:
    alert = hostile_alert()
    assert "<script" not in alert.html.lower() and "<b>" not in alert.html
    assert "通知&lt;script&gt;alert(1)&lt;/script&gt; &amp; 附件" in alert.html
    assert "&amp;lt;" not in alert.html and "&amp;amp;" not in alert.html  # escaped once
    allowed = {"html", "head", "meta", "title", "body", "div", "p", "span", "h2", "a", "table"}
    allowed |= {"tr", "td", "ul", "li", "del", "ins"}
    tags = tags_of(alert.html)
    assert {tag for tag, _ in tags} <= allowed
    hrefs = [attrs["href"] for tag, attrs in tags if tag == "a"]
    assert hrefs and all(h and h.startswith("https://") for h in hrefs)  # javascript: not linked
    styled = {"html", "head", "meta", "title", "body", "table", "tr", "ul", "li"}
    assert all("style" in attrs for tag, attrs in tags if tag not in styled)


def test_page_text_is_raw_in_plain_text_and_json_and_defused_in_the_card() -> None:
    alert = hostile_alert()
    assert f"标题：通知{HOSTILE}\n" in alert.text
    assert alert.payload["article"]["title"] == f"通知{HOSTILE}"
    assert json.loads(json.dumps(alert.payload))["article"]["summary"] == f"摘要{HOSTILE}"
    card = alert.card
    assert "<" not in card and "javascript" not in card
    assert all(">" not in line.removeprefix("> ") for line in card.splitlines())
    assert "＜script＞alert(1)＜/script＞ & 附件" in card
    links = [part.split(")")[0] for part in card.split("](")[1:]]
    assert links == [URL]  # the only link is the article's


def test_a_link_with_parentheses_stays_one_markdown_link() -> None:
    card = render_alert(article(url="https://example.gov.cn/a(1).html"), "k").card
    assert f"**[{TITLE}](https://example.gov.cn/a%281%29.html)**" in card
    spaced = render_alert(article(url="https://example.gov.cn/a b.html"), "k")
    assert spaced.link is None and "](" not in spaced.card  # not a URL a link can carry


# --- JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        article("new"),
        with_predecessor(),
        revised(),
        article("withdrawn", details={"http_status": 410}),
        article("test"),
        site_failing(),
        replace(site_failing(), kind="site_stale", details={"quiet_days": 9.0}),
    ],
    ids=["new", "new-predecessor", "revised", "withdrawn", "test", "site_failing", "site_stale"],
)
def test_payload_follows_the_json_schema(content: AlertContent) -> None:
    alert = render_alert(content, f"{content.kind}:1:sub:hook")
    validate(alert.payload)
    assert alert.payload["key"] == f"{content.kind}:1:sub:hook"
    assert alert.payload["kind"] == content.kind and alert.payload["subject"] == alert.subject
    assert alert.payload["site"]["name"] == "山西省教育厅"


def test_schema_is_valid_and_not_vacuous() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    payload = render_alert(revised(), "k").payload
    for broken in (
        {k: v for k, v in payload.items() if k != "key"},
        {**payload, "kind": "gossip"},
        {
            **payload,
            "diff": {**payload["diff"], "ops": [{"kind": "added", "old": "x", "new": None}]},
        },
    ):
        with pytest.raises(jsonschema.ValidationError):
            validate(broken)


def test_payload_carries_the_diff_and_the_predecessor() -> None:
    payload = render_alert(with_predecessor(), "k").payload
    assert payload["predecessor"]["title"] == "关于做好2023年普通高校招生工作的通知"
    assert payload["diff"]["counts"] == {"added": 1, "removed": 1, "changed": 2, "unchanged": 1}
    assert payload["article"]["attachments"][0] == {
        "name": "附件1.报名安排.docx",
        "url": "https://jyt.shanxi.gov.cn/a/1.docx",
    }


def test_card_takes_the_summary_from_the_text_when_none_is_given() -> None:
    card = render_alert(article(summary=None), "k").card
    assert "> 各市教育局:现将2024年普通高校招生工作" in card


def test_unchanged_clauses_around_a_change_are_shown_when_the_json_carries_them() -> None:
    diff = diff_paragraphs(OLD, NEW).to_json(include_unchanged=True)
    text = render_alert(article("revised", diff=diff), "k").text
    assert "  各市教育局:\n~ 现将[-2023-]{+2024+}年" in text
