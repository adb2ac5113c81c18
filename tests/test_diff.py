"""Clause diffs of directives: splitting, alignment, character marks, the three renderings."""

from __future__ import annotations

import json
import unicodedata
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.diff import (
    Clause,
    DiffOp,
    TextDiff,
    char_spans,
    diff_paragraphs,
    diff_text,
    split_clauses,
)


def nfkc(paragraphs: list[str]) -> list[str]:
    return [unicodedata.normalize("NFKC", p) for p in paragraphs]


HEADER = (
    "各省、自治区、直辖市教育厅（教委）、招生考试委员会，新疆生产建设兵团教育局、招生考试委员会，"
    "有关部门（单位）教育司（局），部属各高等学校："
)
NOTICE_2023 = nfkc(
    [
        HEADER,
        "为做好2023年普通高等学校招生工作，现将有关事项通知如下。",
        "一、坚持正确方向。各地各校要深入贯彻落实党的二十大精神，坚持为党育人、为国育才。"
        "要把招生工作作为重大政治任务，切实加强组织领导。",
        "二、统一考试时间。2023年全国统一高考于6月7日开始举行，具体科目考试时间安排为："
        "6月7日9:00至11:30语文；15:00至17:00数学。",
        "三、严格报名资格审查。各省级招生考试机构要会同公安等部门，严格审核考生报名资格；"
        "对不符合条件的，一律取消报名资格。",
        "四、加强考试安全管理。各地要落实考试安全责任制，严厉打击组织考试作弊等违法犯罪行为。"
        "要做好试题试卷的命制、印刷、运送、保管等环节的安全保密工作。",
        "五、规范招生录取。高校要严格执行招生计划，不得擅自调整。招生章程须于5月31日前在学校网站公布。",
        "六、做好新冠肺炎疫情防控。各地要按照当地疫情防控要求，做好考点防疫工作。",
        "七、加强信息公开。各地各校要按照“十公开”要求，及时公开招生信息，接受社会监督。",
        "八、做好宣传服务。各地要通过多种渠道向考生和家长宣传招生政策；要关心关爱特殊困难考生。",
        "请各地各校将本通知精神及时传达到相关单位和人员。",
        "教育部",
        "2023年3月15日",
    ]
)
NOTICE_2024 = nfkc(
    [
        HEADER,
        "为做好2024年普通高等学校招生工作，现将有关事项通知如下。",
        "一、坚持正确方向。各地各校要深入贯彻落实党的二十大精神，坚持为党育人、为国育才。"
        "要把招生工作作为重大政治任务，切实加强组织领导。",
        "二、统一考试时间。2024年全国统一高考于6月7日开始举行，具体科目考试时间安排为："
        "6月7日9:00至11:30语文；15:00至17:00数学。",
        "三、严格报名资格审查。各省级招生考试机构要会同公安等部门，严格审核考生报名资格；"
        "对不符合条件的，一律取消报名资格。",
        "四、加强考试安全管理。各地要落实考试安全责任制，严厉打击组织考试作弊等违法犯罪行为。"
        "要做好试题试卷的命制、印刷、运送、保管等环节的安全保密工作。"
        "要严防利用人工智能等新技术手段作弊！",
        "五、规范招生录取。高校要严格执行招生计划，不得擅自调整。招生章程须于5月25日前在学校网站公布。",
        "六、加强信息公开。各地各校要按照“十公开”要求，及时公开招生信息，接受社会监督。",
        "七、做好宣传服务。各地要通过多种渠道向考生和家长宣传招生政策；要关心关爱特殊困难考生。",
        "请各地各校将本通知精神及时传达到相关单位和人员。",
        "教育部",
        "2024年3月20日",
    ]
)


def changes(diff: TextDiff) -> list[tuple[str, str | None, str | None]]:
    return [
        (op.kind, op.old.text if op.old else None, op.new.text if op.new else None)
        for op in diff.ops
        if op.kind != "equal"
    ]


def marked(op: DiffOp) -> str:
    """The changed clause as the plain-text rendering marks it."""
    return TextDiff((op,)).to_text(context=0).removeprefix("~ ").rstrip("\n")


# --- splitting -----------------------------------------------------------------------------


def test_clauses_end_at_chinese_sentence_ends_and_keep_their_delimiters() -> None:
    paragraph = unicodedata.normalize(
        "NFKC", "一、总体要求。各地要高度重视；切实加强领导！是否落实？请于6月底前报送。"
    )
    assert [c.text for c in split_clauses([paragraph])] == [
        "一、总体要求。",
        "各地要高度重视;",
        "切实加强领导!",
        "是否落实?",
        "请于6月底前报送。",
    ]


def test_a_closing_quote_after_a_sentence_end_stays_with_its_clause() -> None:
    paragraph = "他强调：“要办好人民满意的教育。”会议要求（详见附件。）各地抓好落实。"
    assert [c.text for c in split_clauses([paragraph])] == [
        "他强调：“要办好人民满意的教育。”",
        "会议要求（详见附件。）",
        "各地抓好落实。",
    ]


def test_line_ends_and_paragraph_ends_end_clauses() -> None:
    clauses = split_clauses(["第一行没有句号\n第二行也没有", "第二段。尾巴"])
    assert clauses == [
        Clause("第一行没有句号\n", 0),
        Clause("第二行也没有", 0),
        Clause("第二段。", 1),
        Clause("尾巴", 1),
    ]


def test_ascii_marks_inside_a_link_or_code_do_not_end_a_clause() -> None:
    paragraph = "详见 http://www.moe.gov.cn/s78/list.html?id=3&page=2 页面;2.请于周五前报送!!下一句"
    assert [c.text for c in split_clauses([paragraph])] == [
        "详见 http://www.moe.gov.cn/s78/list.html?id=3&page=2 页面;",
        "2.请于周五前报送!!",
        "下一句",
    ]


def test_splitting_rejects_a_bare_string_with_a_clear_error() -> None:
    try:
        split_clauses("一整段文字。")
    except TypeError as error:
        assert "list of paragraphs" in str(error)
    else:
        raise AssertionError("a bare string was accepted as paragraphs")


# --- detection -----------------------------------------------------------------------------


def test_the_2024_admissions_notice_against_the_2023_one() -> None:
    diff = diff_paragraphs(NOTICE_2023, NOTICE_2024)
    assert changes(diff) == [
        (
            "changed",
            "为做好2023年普通高等学校招生工作,现将有关事项通知如下。",
            "为做好2024年普通高等学校招生工作,现将有关事项通知如下。",
        ),
        (
            "changed",
            "2023年全国统一高考于6月7日开始举行,具体科目考试时间安排为:6月7日9:00至11:30语文;",
            "2024年全国统一高考于6月7日开始举行,具体科目考试时间安排为:6月7日9:00至11:30语文;",
        ),
        ("added", None, "要严防利用人工智能等新技术手段作弊!"),
        (
            "changed",
            "招生章程须于5月31日前在学校网站公布。",
            "招生章程须于5月25日前在学校网站公布。",
        ),
        ("removed", "六、做好新冠肺炎疫情防控。", None),
        ("removed", "各地要按照当地疫情防控要求,做好考点防疫工作。", None),
        ("changed", "七、加强信息公开。", "六、加强信息公开。"),
        ("changed", "八、做好宣传服务。", "七、做好宣传服务。"),
        ("changed", "2023年3月15日", "2024年3月20日"),
    ]
    assert diff.counts == {"added": 1, "removed": 2, "changed": 6, "unchanged": 19}
    assert not diff.is_empty


def test_changed_characters_are_marked_inside_the_clause() -> None:
    diff = diff_paragraphs(NOTICE_2023, NOTICE_2024)
    marks = [marked(op) for op in diff.ops if op.kind == "changed"]
    assert marks == [
        "为做好[-2023-]{+2024+}年普通高等学校招生工作,现将有关事项通知如下。",
        "[-2023-]{+2024+}年全国统一高考于6月7日开始举行,具体科目考试时间安排为:6月7日9:00至11:30语文;",
        "招生章程须于5月[-31-]{+25+}日前在学校网站公布。",
        "[-七-]{+六+}、加强信息公开。",
        "[-八-]{+七+}、做好宣传服务。",
        "[-2023-]{+2024+}年3月[-15-]{+20+}日",
    ]


def test_identical_texts_give_an_empty_diff_and_empty_renderings() -> None:
    diff = diff_paragraphs(NOTICE_2024, list(NOTICE_2024))
    assert diff.is_empty
    assert diff.counts["unchanged"] == len(split_clauses(NOTICE_2024))
    assert diff.to_text() == "" and diff.to_html() == ""
    assert diff.to_json() == {
        "counts": {"added": 0, "removed": 0, "changed": 0, "unchanged": diff.counts["unchanged"]},
        "ops": [],
    }


def test_a_rewritten_clause_is_removed_and_added_not_changed() -> None:
    diff = diff_paragraphs(
        ["各地要加强考务管理。录取工作于7月10日开始。"],
        ["各地要加强考务管理。请各高校严格落实“阳光工程”各项规定。"],
    )
    assert changes(diff) == [
        ("removed", "录取工作于7月10日开始。", None),
        ("added", None, "请各高校严格落实“阳光工程”各项规定。"),
    ]


def test_char_spans_widen_to_whole_numbers_and_fold_short_gaps() -> None:
    old, new = "考试于6月7日至8日举行", "考试于6月17日至9日举行"
    spans = char_spans(old, new)
    assert [(old[s.old_start : s.old_end], new[s.new_start : s.new_end]) for s in spans] == [
        ("7", "17"),
        ("8", "9"),
    ]
    old, new = "加强组织领导的工作机制", "完善经费保障的督导体系"
    (only,) = char_spans(old, new)
    assert (only.old_start, only.old_end, only.new_start, only.new_end) == (0, 11, 0, 11)


def test_a_large_block_of_changed_clauses_is_paired_in_order() -> None:
    old = [f"第{n}条 各地要于{n}月{n}日前报送材料。" for n in range(1, 31)]
    new = [f"第{n}条 各地要于{n}月{n + 1}日前报送材料。" for n in range(1, 31)]
    diff = diff_paragraphs(old, new)
    assert [op.kind for op in diff.ops] == ["changed"] * 30
    assert [op.old.paragraph for op in diff.ops if op.old] == list(range(30))


def test_diff_text_splits_a_whole_text_into_lines() -> None:
    diff = diff_text("摘要\n\n  第一段。\n  第二段。\n", "摘要\n\n  第一段。\n  第二段改了。\n")
    assert changes(diff) == [("changed", "  第二段。", "  第二段改了。")]


# --- renderings ----------------------------------------------------------------------------


def test_plain_text_shows_one_clause_of_context_and_marks_skipped_runs() -> None:
    old = ["甲。乙。丙。丁。戊。己。庚。"]
    new = ["甲。乙改。丙。丁。戊。己。庚。辛。"]
    assert diff_paragraphs(old, new).to_text() == (
        "  甲。\n~ 乙{+改+}。\n  丙。\n  …\n  庚。\n+ 辛。\n"
    )
    assert diff_paragraphs(old, new).to_text(context=0) == "  …\n~ 乙{+改+}。\n  …\n+ 辛。\n"


def test_plain_text_of_the_notices() -> None:
    text = diff_paragraphs(NOTICE_2023, NOTICE_2024).to_text()
    assert "- 六、做好新冠肺炎疫情防控。\n- 各地要按照当地疫情防控要求,做好考点防疫工作。\n" in text
    assert "+ 要严防利用人工智能等新技术手段作弊!\n" in text
    assert "~ 招生章程须于5月[-31-]{+25+}日前在学校网站公布。\n" in text
    assert "  三、严格报名资格审查。" not in text  # far from every change
    assert text.count("  …\n") >= 2


class TagCollector(HTMLParser):
    """Tags with their attributes, and the text of each ``<p>`` as (innermost tag, text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.rows: list[list[tuple[str, str]]] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.open.append(tag)
        if tag == "p":
            self.rows.append([])

    def handle_endtag(self, tag: str) -> None:
        assert self.open.pop() == tag

    def handle_data(self, data: str) -> None:
        if "p" in self.open:
            self.rows[-1].append((self.open[-1], data))

    @property
    def pieces(self) -> list[tuple[str, str]]:
        return [piece for row in self.rows for piece in row]


def parse(html: str) -> TagCollector:
    parser = TagCollector()
    parser.feed(html)
    parser.close()
    assert parser.open == []
    return parser


HOSTILE_OLD = nfkc(["说明：<b>旧</b> 的 A&B 条款。保留不变的一句。"])
HOSTILE_NEW = nfkc(["说明：<script>alert('x')</script> 的 A&B 条款。保留不变的一句。&lt已转义&gt"])


def test_html_escapes_page_text_and_uses_inline_styles_only() -> None:
    diff = diff_paragraphs(HOSTILE_OLD, HOSTILE_NEW)
    html = diff.to_html()
    assert "<script" not in html and "<b>" not in html
    assert "&lt;" in html and "A&amp;B" in html and "&amp;lt已转义&amp;gt" in html
    assert "<style" not in html and "class=" not in html
    parser = parse(html)
    assert {tag for tag, _ in parser.tags} == {"div", "p", "del", "ins"}
    assert all(attrs.get("style") for _, attrs in parser.tags)
    changed_row, unchanged_row, added_row = parser.rows
    assert "".join(t for tag, t in changed_row if tag != "ins") == "说明:<b>旧</b> 的 A&B 条款。"
    assert "".join(t for tag, t in changed_row if tag != "del") == (
        "说明:<script>alert('x')</script> 的 A&B 条款。"
    )
    assert unchanged_row == [("p", "保留不变的一句。")]
    assert added_row == [("ins", "&lt已转义&gt")]


def test_html_of_the_notices_marks_removed_added_and_changed_text() -> None:
    parser = parse(diff_paragraphs(NOTICE_2023, NOTICE_2024).to_html())
    deleted = [t for tag, t in parser.pieces if tag == "del"]
    inserted = [t for tag, t in parser.pieces if tag == "ins"]
    assert "六、做好新冠肺炎疫情防控。" in deleted and "31" in deleted
    assert "要严防利用人工智能等新技术手段作弊!" in inserted and "25" in inserted
    assert ("p", "…") in parser.pieces


def test_json_for_webhooks() -> None:
    payload = diff_paragraphs(HOSTILE_OLD, HOSTILE_NEW).to_json()
    assert json.loads(json.dumps(payload, ensure_ascii=False)) == payload
    assert payload["counts"] == {"added": 1, "removed": 0, "changed": 1, "unchanged": 1}
    changed, added = payload["ops"]
    assert changed["kind"] == "changed" and changed["old_paragraph"] == 0
    assert [(s["removed"], s["added"]) for s in changed["spans"]] == [
        ("b>旧</b", "script>alert('x')</script")
    ]
    start, end = changed["spans"][0]["new"]
    assert changed["new"][start - 1 : end + 1] == "<script>alert('x')</script>"
    assert added == {
        "kind": "added",
        "old": None,
        "new": "&lt已转义&gt",
        "old_paragraph": None,
        "new_paragraph": 0,
    }
    everything = diff_paragraphs(HOSTILE_OLD, HOSTILE_NEW).to_json(include_unchanged=True)
    assert [op["kind"] for op in everything["ops"]] == ["changed", "equal", "added"]


# --- properties ----------------------------------------------------------------------------

ALPHABET = "的一是在了教育部通知招生考试年月日0123456789ab。;!?”)\n <&"
paragraph_strategy = st.text(alphabet=ALPHABET, max_size=40)
paragraphs_strategy = st.lists(paragraph_strategy, max_size=8)


def apply_ops(diff: TextDiff) -> tuple[dict[int, str], dict[int, str]]:
    """Rebuild both versions, paragraph by paragraph, from the ops (changed clauses from the
    old clause and the new text inside each span only)."""
    old: dict[int, str] = {}
    new: dict[int, str] = {}
    for op in diff.ops:
        if op.old is not None:
            old[op.old.paragraph] = old.get(op.old.paragraph, "") + op.old.text
        if op.new is None:
            continue
        if op.kind == "equal":
            assert op.old is not None and op.old.text == op.new.text
            text = op.old.text
        elif op.kind == "changed":
            assert op.old is not None
            text, position = "", 0
            for span in op.spans:
                text += op.old.text[position : span.old_start]
                text += op.new.text[span.new_start : span.new_end]
                position = span.old_end
            text += op.old.text[position:]
        else:
            text = op.new.text
        new[op.new.paragraph] = new.get(op.new.paragraph, "") + text
    return old, new


def nonempty(paragraphs: list[str]) -> dict[int, str]:
    return {index: p for index, p in enumerate(paragraphs) if p}


@settings(max_examples=300, deadline=None)
@given(paragraphs_strategy)
def test_a_text_against_itself_is_an_empty_diff(paragraphs: list[str]) -> None:
    diff = diff_paragraphs(paragraphs, list(paragraphs))
    assert diff.is_empty and diff.to_text() == "" and diff.to_json()["ops"] == []


@settings(max_examples=300, deadline=None)
@given(paragraphs_strategy, paragraphs_strategy)
def test_the_ops_rebuild_both_versions(old: list[str], new: list[str]) -> None:
    rebuilt_old, rebuilt_new = apply_ops(diff_paragraphs(old, new))
    assert rebuilt_old == nonempty(old)
    assert rebuilt_new == nonempty(new)


@st.composite
def edited_pairs(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """An old text and a new one made from it by a few character edits (many changed clauses)."""
    old = draw(st.lists(paragraph_strategy, min_size=1, max_size=6))
    new = list(old)
    for _ in range(draw(st.integers(0, 6))):
        index = draw(st.integers(0, len(new) - 1))
        paragraph = new[index]
        at = draw(st.integers(0, len(paragraph)))
        cut = draw(st.integers(0, 3))
        new[index] = (
            paragraph[:at] + draw(st.text(alphabet=ALPHABET, max_size=3)) + paragraph[at + cut :]
        )
    return old, new


@settings(max_examples=300, deadline=None)
@given(edited_pairs())
def test_the_ops_rebuild_an_edited_version(pair: tuple[list[str], list[str]]) -> None:
    old, new = pair
    diff = diff_paragraphs(old, new)
    rebuilt_old, rebuilt_new = apply_ops(diff)
    assert rebuilt_old == nonempty(old)
    assert rebuilt_new == nonempty(new)
    clause_texts = [c.text for c in split_clauses(old)], [c.text for c in split_clauses(new)]
    assert diff.is_empty == (clause_texts[0] == clause_texts[1])
