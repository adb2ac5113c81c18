"""Metadata around the headline: title, publish date, source, 发文字号, description.

Small Chinese pages in the shapes of real CMS templates (TRS, Hanweb, table layouts, news sites).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crawler.normalize.meta import (
    extract_description,
    extract_document_number,
    extract_published_at,
    extract_source,
    extract_title,
)
from crawler.normalize.model import ExtractionError, ExtractionRules
from crawler.normalize.page import Page, parse_page

NO_RULES = ExtractionRules()
PLAIN_URL = "http://jyt.example.gov.cn/xwzx/content_1234.html"
BODY = (
    "<div id='zoom'><p>　　正文第一段，内容足够长，用于说明情况。</p><p>　　正文第二段。</p></div>"
)


def page_of(body: str, head: str = "", url: str = PLAIN_URL, encoding: str = "utf-8") -> Page:
    html = (
        f'<!DOCTYPE html><html><head><meta charset="{encoding}">{head}</head>'
        f"<body>{body}</body></html>"
    )
    return parse_page(html.encode(encoding), url)


def meta(name: str, content: str) -> str:
    return f'<meta name="{name}" content="{content}">'


def metadata(page: Page, rules: ExtractionRules = NO_RULES) -> tuple[str, str | None, str | None]:
    title, headline = extract_title(page, rules)
    return (
        title,
        extract_published_at(page, rules, headline),
        extract_source(page, rules, headline),
    )


# --- title ----------------------------------------------------------------------------------


def test_site_prefix_of_article_title_is_dropped_and_the_td_is_the_headline() -> None:
    head = (
        '<META content="保定市人民政府网" name="SiteName">'
        '<META content="保定市人民政府网——保定市统筹推动城市和产业转型升级 着力构建五大产业集群"'
        ' name="ArticleTitle"><TITLE>保定市人民政府网——保定市统筹推动城市和产业转型升级</TITLE>'
    )
    body = (
        "<table><tr><td>首页 &gt; 政府新闻发布会</td></tr></table>"
        "<table><tr><td> 保定市统筹推动城市和产业转型升级 着力构建五大产业集群 </td></tr></table>"
        "<table><tr><td>发布时间：2021-04-07</td></tr></table>" + BODY
    )
    title, headline = extract_title(page_of(body, head), NO_RULES)
    assert title == "保定市统筹推动城市和产业转型升级 着力构建五大产业集群"
    assert headline is not None and headline.tag in ("td", "table")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "山西品牌丝路行（南美站）正式启动 - 山西省人民政府门户网站 ",
            "山西品牌丝路行(南美站)正式启动",
        ),
        (
            "天宫一号与神舟九号交会对接任务新闻发布会_中国载人航天官方网站",
            "天宫一号与神舟九号交会对接任务新闻发布会",
        ),
        ("法国全国大罢工再次严重影响交通-新华网", "法国全国大罢工再次严重影响交通"),
        (
            "国务院办公厅关于加强教师队伍建设的意见-中国政府网",
            "国务院办公厅关于加强教师队伍建设的意见",
        ),
        (
            "关于调整国债余额限额的决议__2007年第23号国务院公报_中国政府网",
            "关于调整国债余额限额的决议",
        ),
        ("女儿出嫁，郑板桥画了几笔兰花当嫁妆--文化--人民网", "女儿出嫁,郑板桥画了几笔兰花当嫁妆"),
        ("关于做好2024年高校招生工作的通知 | 山西省教育厅", "关于做好2024年高校招生工作的通知"),
        ("1-10月德清县固定资产投资结构趋稳趋优", "1-10月德清县固定资产投资结构趋稳趋优"),
    ],
)
def test_title_tag_loses_site_and_column_affixes(raw: str, expected: str) -> None:
    page = page_of("<div><p>没有标题节点的正文。</p></div>", f"<title>{raw}</title>")
    title, headline = extract_title(page, NO_RULES)
    assert (title, headline) == (expected, None)


def test_known_site_name_is_stripped_after_a_colon() -> None:
    head = meta("SiteName", "山西省教育厅") + "<title>山西省教育厅：关于开展教师培训的通知</title>"
    title, _ = extract_title(page_of("<p>正文内容</p>", head), NO_RULES)
    assert title == "关于开展教师培训的通知"


def test_h1_beats_the_name_row_of_a_disclosure_table() -> None:
    head = "<title>广东省教育厅关于做好暑期安全工作的通知_通知公告_广东省教育厅</title>"
    body = (
        "<table class='xxgk'><tr><th>名称：</th>"
        "<td>广东省教育厅关于做好暑期安全工作的通知</td></tr>"
        "<tr><th>文　　号：</th><td>粤教思函〔2023〕12号</td></tr></table>"
        "<h1 class='title'>广东省教育厅关于做好暑期安全工作的通知</h1>" + BODY
    )
    page = page_of(body, head)
    title, headline = extract_title(page, NO_RULES)
    assert title == "广东省教育厅关于做好暑期安全工作的通知"
    assert headline is not None and headline.tag == "h1"
    assert extract_document_number(page, (), title) == "粤教思函〔2023〕12号"


def test_visible_h1_wins_and_is_shown_as_the_page_prints_it() -> None:
    head = "<title>山西品牌丝路行（南美站）正式启动-山西省人民政府门户网站</title>"
    body = (
        "<ul class='related'><li><a href='/a.html'>山西品牌丝路行（南美站）正式启动</a></li></ul>"
        "<div class='share-title' style='display: none'>山西品牌丝路行（南美站）正式启动</div>"
        "<div class='detail'><h1>山西品牌丝路行（南美站）正式启动</h1>"
        "<p>时间：2019-09-18 06:23</p></div>" + BODY
    )
    title, headline = extract_title(page_of(body, head), NO_RULES)
    assert title == "山西品牌丝路行(南美站)正式启动"
    assert headline is not None and headline.tag == "h1"


def test_line_breaks_inside_a_headline_join_cjk_lines_without_a_space() -> None:
    head = (
        "<title>全国人民代表大会常务委员会关于批准2007　年末国债余额限额的决议_中国政府网</title>"
    )
    body = (
        "<p align='center'><strong>全国人民代表大会常务委员会<br>\n关于批准2007年末<br>\n"
        "国债余额限额的决议</strong><br>（2007年6月29日通过）</p>" + BODY
    )
    title, headline = extract_title(page_of(body, head), NO_RULES)
    assert title == "全国人民代表大会常务委员会关于批准2007年末国债余额限额的决议"
    assert headline is not None and headline.tag in ("strong", "p")


def test_title_hint_that_is_only_the_site_name_yields_to_the_h1() -> None:
    head = meta("SiteName", "山西省教育厅") + "<title>山西省教育厅</title>"
    body = (
        "<div class='logo'><h1><a href='/'>山西省教育厅</a></h1></div>"
        "<h1 class='detail-title'>全省教育系统疫情防控工作推进会议召开</h1>" + BODY
    )
    title, headline = extract_title(page_of(body, head), NO_RULES)
    assert title == "全省教育系统疫情防控工作推进会议召开"
    assert headline is not None and "detail-title" in (headline.attributes.get("class") or "")


def test_heading_without_any_hint_skips_the_logo_header() -> None:
    body = (
        "<div class='header'><h1 class='logo'>某某市教育局</h1></div>"
        "<div class='content'><h2 class='article-title'>我市举行中小学教师技能大赛</h2>"
        "<p>发布日期：2023-05-06</p></div>" + BODY
    )
    title, headline = extract_title(page_of(body), NO_RULES)
    assert title == "我市举行中小学教师技能大赛"
    assert headline is not None and headline.tag == "h2"


def test_heading_in_the_right_column_article_header_is_not_furniture() -> None:
    body = (
        "<div class='left'><ul class='menu'><li><h3>通知公告</h3></li></ul></div>"
        "<div class='main-right'><div class='article-header'>"
        "<div class='title'>关于开展中小学校园安全检查的通知</div></div>" + BODY + "</div>"
    )
    title, headline = extract_title(page_of(body), NO_RULES)
    assert title == "关于开展中小学校园安全检查的通知"
    assert headline is not None and headline.tag == "div"


def test_title_selector_of_the_site_rules_wins() -> None:
    head = "<title>错误的标题候选_某某网</title>" + meta("ArticleTitle", "错误的标题候选")
    body = "<h1>错误的标题候选</h1><div class='bt'>规则指定的标题</div>" + BODY
    title, headline = extract_title(page_of(body, head), ExtractionRules(title="div.bt"))
    assert title == "规则指定的标题"
    assert headline is not None and headline.tag == "div"


def test_gbk_page_with_full_width_punctuation() -> None:
    head = "<title>教育部：加强中小学生手机管理（试行）_中华人民共和国教育部政府门户网站</title>"
    body = "<h1>教育部：加强中小学生手机管理（试行）</h1><p>发布时间：2021年02月01日</p>" + BODY
    page = page_of(body, head, encoding="gbk")
    assert page.encoding == "gb18030"
    assert metadata(page)[:2] == ("教育部:加强中小学生手机管理(试行)", "2021-02-01")


def test_page_without_any_title_is_an_extraction_failure() -> None:
    page = page_of("<div><p>只有一段没有标题的文字。</p></div>")
    with pytest.raises(ExtractionError) as failure:
        extract_title(page, NO_RULES)
    assert failure.value.code == "no_title"


# --- published date -------------------------------------------------------------------------


def headline_page(info: str, head: str = "", url: str = PLAIN_URL) -> Page:
    head = f"<title>关于开展2024年教师培训工作的通知-某某省教育厅</title>{head}"
    body = f"<div class='title'><h1>关于开展2024年教师培训工作的通知</h1>{info}</div>{BODY}"
    return page_of(body, head, url)


def published(page: Page, rules: ExtractionRules = NO_RULES) -> str | None:
    _, headline = extract_title(page, rules)
    return extract_published_at(page, rules, headline)


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        ("<p>发布时间：2021-04-07&nbsp;&nbsp;信息发布人：管理员</p>", "2021-04-07"),
        (
            "<span><i>时间：</i>2019-09-18 06:23</span><span>来源：山西日报</span>",
            "2019-09-18T06:23:00+08:00",
        ),
        (
            "<div>2019年06月15日08:18&nbsp;&nbsp;来源：<a>人民网</a></div>",
            "2019-06-15T08:18:00+08:00",
        ),
        ("<div>日期:2020/3/5</div>", "2020-03-05"),
        ("<div>发布日期：2024年3月1日</div>", "2024-03-01"),
        ("<div class='moe-detail-shuxing'>2024-03-01 来源：教育部</div>", "2024-03-01"),
        (
            "<div><span>2019-12-10 07:57:40</span><span>来源：新华网</span></div>",
            "2019-12-10T07:57:40+08:00",
        ),
        (
            "<p>石佳/中国青年报</p><p> 2019-09-24 09:10<span></span></p>",
            "2019-09-24T09:10:00+08:00",
        ),
        ("<table><tr><td>发布日期</td><td>2022-05-06</td></tr></table>", "2022-05-06"),
    ],
)
def test_visible_publish_line_after_the_headline(info: str, expected: str) -> None:
    assert published(headline_page(info)) == expected


@pytest.mark.parametrize(
    ("above", "expected"),
    [
        ("<div class='info'>2024-03-01 | 教育要闻</div>", "2024-03-01"),
        ("<div class='top'>今天是2024年3月1日 星期五</div>", None),
    ],
)
def test_date_line_just_above_the_headline(above: str, expected: str | None) -> None:
    head = "<title>全省中小学开学工作会议召开_某某省教育厅</title>"
    body = f"{above}<h1>全省中小学开学工作会议召开</h1>{BODY}"
    assert published(page_of(body, head)) == expected


def test_bracketed_fields_line() -> None:
    info = "<p>【发布时间：2024-03-01】【来源：省教育厅】【字体：大 中 小】</p>"
    assert metadata(headline_page(info))[1:] == ("2024-03-01", "省教育厅")


def test_visible_date_beats_a_wrong_pubdate_meta() -> None:
    page = headline_page("<p>发布时间：2021-04-07</p>", meta("PubDate", "2021-04-09 10:21"))
    assert published(page) == "2021-04-07"


def test_visible_day_takes_the_time_of_a_meta_of_the_same_day() -> None:
    page = headline_page("<span>发布日期：2016-11-22</span>", meta("PubDate", "2016-11-22 09:53"))
    assert published(page) == "2016-11-22T09:53:00+08:00"


def test_page_generation_time_in_meta_is_not_a_publish_date() -> None:
    head = meta("others", "页面生成时间 2023-10-23 11:23:36") + meta(
        "PubDate", "2023-10-23 11:23:36"
    )
    assert published(headline_page("", head)) is None


@pytest.mark.parametrize("label", ["页面生成时间：", "生成日期:", "今天是"])
def test_page_generation_time_in_the_footer_is_not_a_publish_date(label: str) -> None:
    info = "<div class='date'>2024-06-19 17:39<span>来源：黑龙江省教育厅</span></div>"
    footer = f"<div class='footer'><p>{label}2026-11-30 07:10:14</p></div>"
    page = page_of(
        f"<h1>全省职业教育活动周启动</h1>{info}<p>会议指出，工作取得新进展。</p>{footer}"
    )
    assert published(page) == "2024-06-19T17:39:00+08:00"


def test_chinese_form_of_pubdate_meta() -> None:
    assert published(headline_page("", meta("PubDate", "2020年08月02日"))) == "2020-08-02"


def test_iso_meta_in_utc_is_converted_to_shanghai_time() -> None:
    page = headline_page(
        "", '<meta property="article:published_time" content="2019-09-17T22:23:00Z">'
    )
    assert published(page) == "2019-09-18T06:23:00+08:00"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://jyt.shanxi.gov.cn/xwzx/ywsd/202006/t20200618_1234567.shtml", "2020-06-18"),
        ("http://fgw.zj.gov.cn/art/2016/11/22/art_1621004_30332664.html", "2016-11-22"),
        ("http://www.xinhuanet.com/2019-12/10/c_1125327450.htm", "2019-12-10"),
        ("http://culture.people.com.cn/n1/2019/0615/c1013-31153719.html", "2019-06-15"),
        ("http://jyt.example.gov.cn/tzgg/20230412/abc.html", "2023-04-12"),
        ("http://jyt.example.gov.cn/tzgg/202006/abc.html", None),
    ],
)
def test_url_date_is_the_last_resort(url: str, expected: str | None) -> None:
    assert published(headline_page("", url=url)) == expected


def test_meta_date_agreeing_with_the_url_date_gives_the_time() -> None:
    url = "http://jyt.shanxi.gov.cn/xwzx/202006/t20200618_1.shtml"
    page = headline_page("", meta("PubDate", "2020-06-19 08:30"), url)
    assert published(page) == "2020-06-19T08:30:00+08:00"


def test_meta_date_far_from_the_url_date_loses_to_it() -> None:
    url = "http://jyt.shanxi.gov.cn/xwzx/202006/t20200618_1.shtml"
    page = headline_page("", meta("PubDate", "2023-04-18 15:24:29"), url)
    assert published(page) == "2020-06-18"


def test_meta_date_in_another_month_than_the_url_is_dropped() -> None:
    url = "http://jyt.example.gov.cn/tzgg/202205/abc.html"
    assert published(headline_page("", meta("PubDate", "2023-04-18 15:24"), url)) is None


def test_document_date_never_beats_the_publish_date() -> None:
    table = (
        "<table class='xxgk'><tr><td>发文字号：</td><td>鄂教办〔2023〕12号</td>"
        "<td>成文日期：</td><td>2023-08-25</td></tr>"
        "<tr><td>发布日期：</td><td>2023-08-28</td></tr></table>"
    )
    head = "<title>关于做好暑期安全工作的通知</title>"
    body = table + "<h1>关于做好暑期安全工作的通知</h1>" + BODY
    assert published(page_of(body, head)) == "2023-08-28"


def test_signature_date_of_a_short_notice_loses_to_the_disclosure_table() -> None:
    table = "<table><tr><th>发布日期：</th><td>2023-08-28</td></tr></table>"
    notice = (
        "<div class='content'><p>各地级以上市教育局：</p><p>现将有关事项通知如下。</p>"
        "<p>广东省教育厅</p><p>2023年8月25日</p></div>"
    )
    head = "<title>关于做好暑期安全工作的通知</title>"
    body = f"{table}<h1>关于做好暑期安全工作的通知</h1>{notice}"
    assert published(page_of(body, head)) == "2023-08-28"


def test_signature_date_far_below_the_headline_is_not_the_publish_date() -> None:
    head = "<title>教育部关于加强中小学科学教育的意见 - 中华人民共和国教育部政府门户网站</title>"
    body = (
        "<div id='downloadContent'><h1>教育部关于加强中小学科学教育的意见</h1>"
        "<p>教基〔2024〕3号</p><p>各省、自治区、直辖市教育厅（教委）：</p>"
        "<p>　　为加强科学教育，现提出如下意见。</p><p>教育部</p><p>2024年2月26日</p></div>"
    )
    url = "http://www.moe.gov.cn/srcsite/A06/s3321/202403/t20240301_1117001.html"
    assert published(page_of(body, head, url)) == "2024-03-01"


def test_bare_date_contradicting_the_url_date_is_not_trusted() -> None:
    url = "http://jyt.example.gov.cn/xwzx/202403/t20240301_1.html"
    assert published(headline_page("<p>2019-01-01</p>", url=url)) == "2024-03-01"
    assert published(headline_page("<p>2024-02-29</p>", url=url)) == "2024-02-29"


def test_document_date_alone_is_used_when_nothing_else_dates_the_page() -> None:
    info = "<table><tr><td>成文日期：</td><td>2023-08-25</td></tr></table>"
    assert published(headline_page(info)) == "2023-08-25"


def test_date_inside_a_sentence_after_the_headline_is_not_a_publish_date() -> None:
    info = "<p>（2007年6月29日第十届全国人民代表大会常务委员会第二十八次会议通过）</p>"
    assert published(headline_page(info)) is None


def test_meeting_time_is_not_a_publish_date() -> None:
    info = "<p>会议时间：2024-05-01 09:00</p>"
    assert published(headline_page(info, meta("PubDate", "2024-04-20"))) == "2024-04-20"


def test_impossible_dates_are_rejected() -> None:
    future = (datetime.now() + timedelta(days=400)).strftime("%Y-%m-%d")
    assert published(headline_page(f"<p>发布时间：{future}</p>")) is None
    assert published(headline_page("<p>发布时间：1985-01-01</p>")) is None


def test_date_selector_of_the_site_rules_wins() -> None:
    info = "<p>发布时间：2021-04-07</p><p class='pub'>更新：2021-04-09</p>"
    rules = ExtractionRules(date="p.pub")
    assert published(headline_page(info), rules) == "2021-04-09"


# --- source ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        ("<p>来源：山西日报 作者：张三 发布时间：2019-09-18</p>", "山西日报"),
        ("<span>信息来源：<!--c-->省发改委<!--c--></span><span>浏览次数：12</span>", "省发改委"),
        ("<span>作者：张三</span><span>来源：新华社</span>", "新华社"),
        ("<p>文章来源：人民网【字体：大 中 小】</p>", "人民网"),
        ("<span><i>来源：</i> 山西日报 </span>", "山西日报"),
        ("<div>2019-12-10 07:57:40 来源： <em>新华网</em></div>", "新华网"),
        ("<p>石佳/中国青年报</p><p>2019-09-24 09:10</p>", "中国青年报"),
        ("<p>发布时间：2021-04-07&nbsp;&nbsp;点击：32</p>", None),
    ],
)
def test_visible_source_stops_at_the_next_field(info: str, expected: str | None) -> None:
    assert metadata(headline_page(info))[2] == expected


def test_source_meta_when_the_page_shows_none() -> None:
    page = headline_page("<p>发布时间：2021-04-07</p>", meta("ContentSource", " 山西日报"))
    assert metadata(page)[2] == "山西日报"


def test_source_meta_naming_the_site_itself_is_ignored() -> None:
    head = meta("SiteName", "保定市人民政府网") + meta("ContentSource", "保定市人民政府网")
    assert metadata(headline_page("<p>发布时间：2021-04-07</p>", head))[2] is None
    page = headline_page("<p>来源：唐尧网</p>", head)
    assert metadata(page)[2] == "唐尧网"


def test_source_meta_naming_the_issuing_authority_is_its_source() -> None:
    head = meta("SiteName", "湖北省市场监督管理局") + meta("ContentSource", " 湖北省市场监督管理局")
    assert metadata(headline_page("<p>发布时间：2023-08-28 08:15</p>", head))[2] == (
        "湖北省市场监督管理局"
    )


def test_source_meta_with_its_own_label() -> None:
    page = headline_page("", meta("source", "来源：人民网-文化频道"))
    assert metadata(page)[2] == "人民网-文化频道"


def test_a_source_of_funds_in_the_body_is_not_the_article_source() -> None:
    info = "<p>发布时间：2021-04-07</p><p>项目资金来源：省级财政专项</p>"
    assert metadata(headline_page(info))[2] is None


def test_publication_named_in_the_title_tag_is_the_last_resort() -> None:
    head = "<title>关于批准国债余额限额的决议__2007年第23号国务院公报_中国政府网</title>"
    body = "<p><strong>关于批准国债余额限额的决议</strong></p>" + BODY
    assert metadata(page_of(body, head))[2] == "2007年第23号国务院公报"


def test_source_selector_of_the_site_rules_wins() -> None:
    info = "<p>来源：本网</p><p class='from'>供稿单位：省教育厅基础教育处</p>"
    page = headline_page(info)
    _, headline = extract_title(page, NO_RULES)
    assert extract_source(page, NO_RULES, headline) == "本网"
    rules = ExtractionRules(source="p.from")
    assert extract_source(page, rules, headline) == "供稿单位:省教育厅基础教育处"


# --- document number ------------------------------------------------------------------------


def docno(body: str, paragraphs: tuple[str, ...] = (), title: str = "通知") -> str | None:
    return extract_document_number(page_of(body), paragraphs, title)


def test_document_number_from_a_disclosure_table() -> None:
    table = "<table><tr><td>发文字号：</td><td>晋教办〔2020〕12号</td></tr></table>"
    assert docno(table) == "晋教办〔2020〕12号"


def test_spaced_label_and_square_brackets_are_normalized() -> None:
    assert docno("<p>文　　号：京教函［2023］5号</p>") == "京教函〔2023〕5号"
    assert docno("<p>文号:京教函[2023]5号</p>") == "京教函〔2023〕5号"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("教基〔2024〕3号", "教基〔2024〕3号"),
        ("国办发〔2017〕47号", "国办发〔2017〕47号"),
        ("鲁教基字(2020)1号", "鲁教基字〔2020〕1号"),
        ("晋教办【2020】12号", "晋教办〔2020〕12号"),
        ("教育部令第55号", "教育部令第55号"),
    ],
)
def test_document_number_on_a_first_line_of_the_body(line: str, expected: str) -> None:
    paragraphs = ("各省、自治区、直辖市教育厅（教委）：", line, "现将有关事项通知如下。")
    assert docno("<p>正文</p>", paragraphs) == expected


def test_document_number_printed_alone_under_the_headline() -> None:
    body = "<h1>关于加强科学教育的意见</h1><p align='center'>教基〔2024〕3号</p><p>正文。</p>"
    assert docno(body, ("正文。",)) == "教基〔2024〕3号"


def test_cited_document_number_in_prose_is_not_the_articles_own() -> None:
    paragraphs = ("根据《政府网站发展指引》(国办发〔2017〕47号)要求,现将有关事项通知如下。",)
    assert docno("<p>正文</p>", paragraphs) is None


def test_document_number_at_the_end_of_the_title() -> None:
    title = "教育部关于加强中小学生手机管理工作的通知(教基厅函〔2021〕3号)"
    assert docno("<p>正文</p>", (), title) == "教基厅函〔2021〕3号"


# --- description ----------------------------------------------------------------------------


def test_description_meta_case_insensitive_empty_and_null_ignored() -> None:
    head = meta("Description", "") + meta("description", "null")
    head += meta("DESCRIPTION", "6月18日上午，省教育厅召开全省教育系统工作推进会议。")
    assert (
        extract_description(page_of(BODY, head))
        == "6月18日上午，省教育厅召开全省教育系统工作推进会议。"
    )


@pytest.mark.parametrize(
    "blurb",
    [
        "山西省人民政府网是山西省在互联网上发布政府信息和提供在线服务的综合平台。",
        "欢迎访问某某市教育局官方网站",
        "点击进入“文艺星青年”",
        "关于开展2024年教师培训工作的通知",
        "工作动态栏目发布本厅工作信息",
    ],
)
def test_generic_descriptions_are_not_a_lead(blurb: str) -> None:
    head = "<title>关于开展2024年教师培训工作的通知</title>"
    head += meta("ColumnDescription", "工作动态栏目发布本厅工作信息") + meta("description", blurb)
    assert extract_description(page_of(BODY, head)) is None


def test_lead_block_when_there_is_no_description_meta() -> None:
    body = "<div class='summary'>　　本文介绍今年教师培训工作的总体安排。</div>" + BODY
    assert extract_description(page_of(body)) == "本文介绍今年教师培训工作的总体安排。"


def test_a_description_that_is_the_title_plus_words_is_no_lead() -> None:
    head = meta("ArticleTitle", "CTR20232889详细信息") + meta(
        "Description", "CTR20232889详细信息查询详细信息"
    )
    assert extract_description(page_of("<h1>CTR20232889详细信息</h1>", head)) is None
    real = "为做好2024年普通高校招生工作，现就有关事项通知如下。"
    head = meta("ArticleTitle", "关于做好2024年普通高校招生工作的通知") + meta("Description", real)
    assert (
        extract_description(page_of("<h1>关于做好2024年普通高校招生工作的通知</h1>", head)) == real
    )
