"""Page furniture in and around a body: lines that are navigation, tools, metadata or credits.

Paragraphs arrive cleaned (NFKC: `：（）` are already `:()`). Three kinds of rules, all as data:
lines that are furniture wherever they stand; lines dropped only at the start of the body (title
block, captions of a leading photo, sub-headlines, salutations of a speech); lines dropped only at
the end (editor lines, 原题 notes, `此件公开` marks).

The structure of an official notice is content, never furniture: its recipients line
(`各省、自治区、直辖市教育厅(教委)……:`) stays its first paragraph, and the issuing office and
the signing date (`教育部办公厅` / `2024年5月30日`) stay its last ones (docs/article-format.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from crawler.normalize.blocks import Paragraph

# Words of toolbars, pagers and share bars; a line made only of them (and separators) is furniture.
TOOL_WORDS = re.compile(
    r"打印(?:本页|此页|文章|页面)?|关闭(?:窗口|本页|页面)?|返回(?:顶部|首页|列表)?|回到顶部|顶部|"
    r"(?:加入)?收藏(?:本页)?|我要纠错|纠错|(?:网页)?字[体号]|[大中小]|默认|超大|放大|缩小|正常|标准|"
    r"视力保护色|护眼模式|分享到?|微信|微博|新浪微博|QQ空间|QQ好友|QQ|朋友圈|复制链接|"
    r"上一[篇页条]|下一[篇页条]|首页|尾页|末页|共\s*\d+\s*页|第\s*\d+\s*页|\+\s*\d+|"
    r"(?<!\d)\d{1,3}(?!\d)|全文|阅读全文|展开全文|查看原文|相关阅读|相关链接|点赞|评论|举报"
)
TOOL_SEPARATOR = r"[\s【】\[\]()<>|丨:,、/·»«>\-_—~*]"
# A line of tool words and separators, read left to right as ``TOOL_WORDS.sub`` reads it: a tool
# word wherever one starts (atomic: its first matching alternative), else a separator; nothing
# is tried again (possessive), so prose fails at its first character, not after a full scan.
TOOL_LINE = re.compile(rf"(?:(?>{TOOL_WORDS.pattern})|{TOOL_SEPARATOR})*+")
ANYWHERE = tuple(
    re.compile(pattern)
    for pattern in (
        r"^(?:当前位置|您现在的位置|你现在的位置|您的位置|你的位置|您所在的位置|所在位置|当前页面|位置)\s*[:>]",
        r"^首页\s*(?:>|»|/|→|-)",
        r"^分享到?\s*:.{0,40}$",
        r"扫一扫在手机上?(?:打开|阅读|浏览|查看)|在手机(?:上)?打开当前页",
        r"^(?:扫一扫|扫码|扫描二维码|微信扫一扫)(?:分享|关注|阅读|打开)?$",
        r"^[^。!?;]{0,16}二维码$",
        r"^[(\[【]\s*(?:责任编辑|责编|编辑|审核|审校|校对|终审|初审|复审|主编|值班编辑|编审)\s*[:/].{0,40}[)\]】]$",
        r"^(?:责任编辑|责编)\s*:.{0,40}$",
        r"^(?:打印本页|关闭窗口)",
        # the site's footer: who runs it, its registration numbers, browser advice
        r"^(?:主办单位|承办单位|主办|承办|技术支持|维护单位)\s*:",
        r"网站标识码|网站识别码|ICP备|公网安备|版权所有|Copyright|©",
        r"建议(?:您)?(?:使用|采用).{0,30}浏览器|分辨率\s*\d{3,4}\s*[x×*]\s*\d{3,4}",
    )
)
_NUMBERS_ONLY = re.compile(r"^[\d\s|.,%+-]+$")
# Labels of the title block above a body. Two of them on one short line make it metadata.
_META_LABELS = (
    r"(?:发布时间|发布日期|发文日期|成文日期|更新时间|时间|日期|来源|信息来源|文章来源|稿件来源|"
    r"作者|发布者|发布人|信息发布人|发布机构|浏览次数|浏览量|阅读次数|阅读量|点击数|点击量|点击率|"
    r"访问次数|访问量|字号|字体)\s*:"
)
_STRONG_META = re.compile(
    r"(?:发布时间|发布日期|来源|信息来源|文章来源|稿件来源|发布者|信息发布人|浏览次数|阅读次数|点击数|"
    r"访问量|点击量)\s*:"
)
_META_LABEL = re.compile(_META_LABELS)
MAX_META_LINE = 150
_DATE = r"\d{4}\s*[年./-]\s*\d{1,2}\s*[月./-]\s*\d{1,2}\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
_CN_NUMBER = "〇○零一二三四五六七八九十"
_CN_DATE = rf"[{_CN_NUMBER}]{{4}}年[{_CN_NUMBER}]{{1,3}}月[{_CN_NUMBER}]{{1,3}}日"
DATE_LINE = re.compile(rf"^(?:{_DATE}|{_CN_DATE})$")
LEADING = tuple(
    re.compile(pattern)
    for pattern in (
        rf"^{_META_LABELS}",
        rf"^(?:{_DATE})\s.{{0,60}}$",
        r"^图为",
        r"^(?:图|上图|下图|左图|右图|图片|题图|组图|配图)\s*\d*\s*:",
        r"(?:供图|摄|摄影|图片来源.{0,20}|资料图片?|视觉中国|新华社发|图源.{0,20})\s*\)?$",
        r"^\([^()]{0,40}摄\)$",
    )
)
# A salutation closes with a colon: `女士们、先生们:`, `各市教育局,各高等学校:`.
SALUTATION = re.compile(r"^[^。!?;]{1,120}:$")
# A notice's recipients are organisations (`各…`, `…教育厅(教委)`, `…高等学校`): kept as content.
RECIPIENT_ORGS = re.compile(
    r"^各|厅|局|委|学校|高校|院校|单位|部门|政府|学院|大学|办公室|机构|中心|公司|组织|协会|企业"
)
CAPTION_MAX = 60
SUBHEADLINE_MAX = 60
TRAILING = tuple(
    re.compile(pattern)
    for pattern in (
        r"^[(\[【]?\s*(?:编辑|责任编辑|责编|审核|校对|审校|终审|初审|复审|一审|二审|三审|编审|主编|"
        r"监制|来源|稿源|供稿|撰稿|作者|通讯员|文字|摄影|图片|记者)\s*[:/][^。]{0,60}$",
        r"^[(\[]?原(?:标)?题(?:为|是)?\s*:?\s*《.*》\s*[)\]]?$",
        r"^[(\[【]?完[)\]】]?$",
        r"^[(\[【]?此件(?:主动|依申请|不予)?公开[)\]】]?$",
    )
)
# Sentence ends and clause marks of prose (after NFKC: `!?;` are ASCII, `…` is `...`).
PROSE = re.compile(r"[。!?;]|\.\.\.")


def is_prose(text: str) -> bool:
    """A sentence, not a heading, date, name or label."""
    return PROSE.search(text) is not None or len(text) > SUBHEADLINE_MAX


def is_furniture(paragraph: Paragraph) -> bool:
    """Navigation, tool bars, share and QR prompts, pagers, editor and metadata lines."""
    text = paragraph.text
    if paragraph.table_row and _NUMBERS_ONLY.match(text):
        return False  # a row of figures, not a pager
    if TOOL_LINE.fullmatch(text):
        return True
    if any(pattern.search(text) for pattern in ANYWHERE):
        return True
    return is_metadata_line(text)


def is_metadata_line(text: str) -> bool:
    """A title-block line: `发布时间:… 来源:… 浏览次数:…`."""
    if len(text) > MAX_META_LINE or _STRONG_META.search(text) is None:
        return False
    return len(_META_LABEL.findall(text)) >= 2


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _repeats_title(text: str, title: str) -> bool:
    line, headline = _squeeze(text), _squeeze(title)
    if not line or not headline:
        return False
    return line == headline or (len(line) >= 4 and line in headline)


def _is_caption(paragraph: Paragraph) -> bool:
    text = paragraph.text
    if len(text) > CAPTION_MAX:
        return False
    if paragraph.after_image and not text.endswith(("。", "!", "?")):
        return True
    return any(pattern.search(text) for pattern in LEADING[2:])


def _drops_at_start(paragraph: Paragraph, title: str, prose_follows: bool) -> bool:
    text = paragraph.text
    if _repeats_title(text, title) or paragraph.link_only or _is_caption(paragraph):
        return True
    if paragraph.table_row:
        return False
    if any(pattern.search(text) for pattern in LEADING[:2]) or DATE_LINE.match(text):
        return True
    if SALUTATION.match(text) and prose_follows:
        return not is_recipients(text)
    return prose_follows and not is_prose(text)


def is_recipients(text: str) -> bool:
    """The recipients line of an official notice (a salutation naming organisations)."""
    return SALUTATION.match(text) is not None and RECIPIENT_ORGS.search(text) is not None


def _drops_at_end(paragraph: Paragraph) -> bool:
    text = paragraph.text
    return paragraph.link_only or any(pattern.search(text) for pattern in TRAILING)


def is_link_list(paragraphs: Sequence[Paragraph]) -> bool:
    """Links and headings with no sentence and no table row: a menu or a list of related
    documents (what remains of a page whose text is missing), never a body."""
    if not any(p.link_only for p in paragraphs):
        return False
    return not any(is_prose(p.text) or p.table_row for p in paragraphs if not p.link_only)


def strip_furniture(paragraphs: Sequence[Paragraph], title: str) -> list[str]:
    """The paragraphs of the body proper, as text."""
    kept = [p for p in paragraphs if not is_furniture(p)]
    if is_link_list(kept):
        return []
    last_prose = max((i for i, p in enumerate(kept) if is_prose(p.text)), default=-1)
    start = 0
    while start < len(kept) and _drops_at_start(kept[start], title, start < last_prose):
        start += 1
    kept = kept[start:]
    while kept and _drops_at_end(kept[-1]):
        kept.pop()
    # A closing run of links to files is the attachment list (kept as attachments, not text).
    while len(kept) > 1 and kept[-1].files_only:
        kept.pop()
    while kept and _drops_at_end(kept[-1]):
        kept.pop()
    return [p.text for p in kept]
