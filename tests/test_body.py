"""Body extraction rule by rule, on small Chinese pages built here."""

from __future__ import annotations

import lxml.html
import pytest
from selectolax.lexbor import LexborNode

from crawler.normalize.body import Body, extract_body
from crawler.normalize.model import Attachment, ExtractionError, ExtractionRules
from crawler.normalize.page import parse_page
from crawler.normalize.text import clean_text

URL = "http://jyt.shanxi.gov.cn/xwzx/tzgg/202405/t20240501_1234567.shtml"
TITLE = "关于做好2024年普通高校招生工作的通知"
P1 = "为做好2024年普通高校招生工作，现将有关事项通知如下。"
P2 = "各地要加强组织领导，确保招生工作平稳有序。"
P3 = "请各单位认真贯彻落实，有关情况及时报告。"


def page(body: str, head: str = "") -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{TITLE}-山西省教育厅</title>{head}</head><body>"
        "<div class='top'><a href='/'>首页</a> <a href='/xwzx/'>新闻中心</a></div>"
        f"{body}"
        "<div class='foot'>主办：山西省教育厅　地址：太原市新建路108号</div></body></html>"
    )


def extract(
    html: str,
    rules: ExtractionRules | None = None,
    headline_css: str | None = None,
    title: str = TITLE,
) -> Body:
    parsed = parse_page(html.encode("utf-8"), URL)
    headline: LexborNode | None = parsed.tree.css_first(headline_css) if headline_css else None
    return extract_body(parsed, rules or ExtractionRules(), title, headline)


def trs(inner: str) -> str:
    return page(f"<div class=TRS_Editor>{inner}</div>")


def test_trs_editor_with_ideographic_indents_and_nbsp() -> None:
    body = extract(
        trs(
            f"<style>.TRS_Editor p{{font-size:16px}}</style><p>　　{P1}</p><p>&nbsp;</p>"
            "<p>&nbsp;&nbsp;各地要加强组织领导，&nbsp;确保招生工作平稳有序。</p><p>　　</p>"
        )
    )
    assert body.paragraphs == (
        "为做好2024年普通高校招生工作,现将有关事项通知如下。",
        "各地要加强组织领导, 确保招生工作平稳有序。",
    )
    assert body.method == "cms:.TRS_Editor"


def test_stray_html_end_before_the_body_keeps_the_body() -> None:
    html = (
        "<html><head><meta charset='utf-8'><title>t</title></head><body><div class=head>"
        "<a href='/'>首页</a></div></body></html><!--#include virtual='/head.html'-->"
        f"<div class=main><h1>{TITLE}</h1><div id=zoom><p>{P1}</p><p>{P2}</p></div></div>"
        "</body></html>"
    )
    body = extract(html)
    assert body.paragraphs[0].startswith("为做好2024年普通高校招生工作")
    assert len(body.paragraphs) == 2
    # Why Lexbor: libxml2 puts everything after the stray end tags outside <body>.
    doc = lxml.html.document_fromstring(html)
    assert "有关事项通知如下" not in doc.body.text_content()


def test_unclosed_tags_and_comments() -> None:
    html = page(
        f"<div class=TRS_Editor><p>{P1}<p>各地要<b>加强组织领导，确保招生工作平稳有序。"
        f"<p>{P3}<!-- 编辑备注：不要发布 --></div><!-- 未闭合的注释 <p>页脚"
    )
    body = extract(html)
    assert len(body.paragraphs) == 3
    assert body.paragraphs[1] == "各地要加强组织领导,确保招生工作平稳有序。"
    assert not any("注释" in p or "备注" in p or "页脚" in p for p in body.paragraphs)


def test_leaked_markup_is_dropped_and_splits_paragraphs() -> None:
    body = extract(
        trs(
            f"<p>{P1}1jpg/&gt;&lt;/p&gt;&lt;p&gt;{P2}&lt;/p&gt;&lt;/article&gt;</p>"
            f"<p>{P3}1jpg/></p><p style=2jpg/>收尾段落，没有标签。</p>"
        )
    )
    assert len(body.paragraphs) == 4
    assert body.paragraphs[1] == P2.replace("，", ",")
    for paragraph in body.paragraphs:
        assert "<" not in paragraph and ">" not in paragraph and "jpg" not in paragraph


def test_text_written_as_entities_is_kept_as_a_browser_shows_it() -> None:
    body = extract(
        trs(
            "<p>现印发《学校安全管理办法&lt;试行&gt;》，请遵照执行。</p>"
            "<p>当 a&lt;b 且 b&gt;c 时，取 a&lt;b and c&gt;d 的结果。</p>"
            "<p>比较 x&lt;y，以及 a&lt;p, b&gt;c 两种情形。</p>"
        )
    )
    assert body.paragraphs == (
        "现印发《学校安全管理办法<试行>》,请遵照执行。",
        "当 a<b 且 b>c 时,取 a<b and c>d 的结果。",
        "比较 x<y,以及 a<p, b>c 两种情形。",
    )


def test_table_rows_become_paragraphs_with_cells_joined() -> None:
    body = extract(
        trs(
            f"<p>{P1}</p><table><thead><tr><th>序号</th><th>学校名称</th><th>备注</th></tr></thead>"
            "<tbody><tr><td><p>1</p></td><td><p>太原理工</p><p>大学</p></td><td>&nbsp;</td></tr>"
            "<tr><td> </td><td></td><td></td></tr>"
            "<tr><td>2</td><td>山西大学</td><td>新增</td></tr></tbody></table>"
        )
    )
    assert body.paragraphs[1:] == (
        "序号 | 学校名称 | 备注",
        "1 | 太原理工 大学 |",
        "2 | 山西大学 | 新增",
    )


def test_table_only_notice_gives_its_rows() -> None:
    body = extract(
        trs(
            "<table><tr><td>姓名</td><td>单位</td><td>职务</td></tr>"
            "<tr><td>张三</td><td>太原市教育局</td><td>科长</td></tr>"
            "<tr><td>李四</td><td>大同市教育局</td><td>科员</td></tr></table>"
        )
    )
    assert body.paragraphs == (
        "姓名 | 单位 | 职务",
        "张三 | 太原市教育局 | 科长",
        "李四 | 大同市教育局 | 科员",
    )


def test_table_only_notice_outside_any_known_container() -> None:
    rows = "".join(
        f"<tr><td>{n}</td><td>某某牌维生素C片</td><td>某某生物科技有限公司</td>"
        f"<td>食健备G2022620000{n}</td><td>2022-05-0{n}</td></tr>"
        for n in range(1, 4)
    )
    html = page(
        "<div class=nav><a href='/'>首页</a><a href='/zwgk/'>政务公开</a></div>"
        "<div class=zk_main><h2>国产保健食品备案信息查询</h2><span>发布时间：2022-05-06</span>"
        "<div class='printonly'><table border=1><tr><th>序号</th><th>产品名称</th><th>备案人</th>"
        f"<th>备案号</th><th>备案日期</th></tr>{rows}</table></div></div>"
    )
    body = extract(html)
    assert body.method == "table"
    assert body.paragraphs[0] == "序号 | 产品名称 | 备案人 | 备案号 | 备案日期"
    assert (
        body.paragraphs[-1]
        == "3 | 某某牌维生素C片 | 某某生物科技有限公司 | 食健备G20226200003 | 2022-05-03"
    )
    assert len(body.paragraphs) == 4


def test_a_closing_run_of_file_links_is_the_attachment_list_not_text() -> None:
    files = "".join(
        f"<img src='/images/pdf.gif'><a href='./P02022050{n}.pdf'>备案凭证{n}号</a>"
        for n in range(3)
    )
    body = extract(trs(f"<p>　　{P1}</p><p>　　{P2}</p><p>{files}</p>"))
    assert body.paragraphs == (clean_text(P1), clean_text(P2))
    assert [a.name for a in body.attachments] == ["备案凭证0号", "备案凭证1号", "备案凭证2号"]


def test_a_table_of_links_is_no_body() -> None:
    links = "".join(
        f"<tr><td><a href='/{n}.html'>链接{n}号</a></td><td><a href='/x{n}'>更多内容</a></td></tr>"
        for n in range(5)
    )
    with pytest.raises(ExtractionError):
        extract(page(f"<h2>标题</h2><table>{links}</table>"))


def test_nested_layout_tables_do_not_duplicate_text() -> None:
    html = page(
        "<table class=layout><tr><td width=200><table><tr><td><a href='/a/'>机构设置</a></td>"
        "<td><a href='/b/'>政务公开</a></td></tr></table></td><td><table><tr><td>"
        f"<p>　　{P1}</p><p>　　{P2}</p><table><tr><td>项目</td><td>金额</td></tr>"
        "<tr><td>奖学金</td><td>8000元</td></tr></table></td></tr></table></td></tr></table>"
    )
    body = extract(html, ExtractionRules(body="table.layout"))
    assert body.method == "selector:table.layout"
    assert body.paragraphs[-4:] == (
        P1.replace("，", ","),
        P2.replace("，", ","),
        "项目 | 金额",
        "奖学金 | 8000元",
    )
    assert len(set(body.paragraphs)) == len(body.paragraphs)


def test_br_separated_runs_are_paragraphs() -> None:
    body = extract(page(f"<div id=zoom>　　{P1}<br>　　{P2}<br/><br>　　<span>{P3}</span></div>"))
    assert len(body.paragraphs) == 3
    assert body.paragraphs[2] == P3.replace("，", ",")
    assert body.method == "cms:#zoom"


FURNITURE = (
    "当前位置：<a href='/'>首页</a> &gt; 通知公告",
    "【字体：<a>大</a> <a>中</a> <a>小</a>】",
    "分享到：<a>微信</a> <a>微博</a> <a>QQ空间</a>",
    "扫一扫在手机打开当前页",
    "【打印本页】【关闭窗口】",
    "<a href='t_1.html'>上一页</a> <a href='t_2.html'>下一页</a>",
    "<a>【1】</a><a>【2】</a><a>【3】</a>",
    "首页 上一页 下一页 尾页",
    "【纠错】",
    "+1",
)


def test_furniture_lines_are_dropped_anywhere() -> None:
    inner = "".join(f"<div>{line}</div>" for line in FURNITURE[:4])
    inner += f"<p>{P1}</p><div>{FURNITURE[4]}</div><p>{P2}</p>"
    inner += "".join(f"<div>{line}</div>" for line in FURNITURE[5:])
    body = extract(trs(inner))
    assert body.paragraphs == (P1.replace("，", ","), P2.replace("，", ","))


@pytest.mark.parametrize(
    "editor_line",
    [
        "（责任编辑：张三）",
        "(责编：李四、王五)",
        "【责任编辑：赵六】",
        "编辑：孙七",
        "责任编辑： 周八",
    ],
)
def test_editor_lines_are_dropped(editor_line: str) -> None:
    body = extract(trs(f"<p>{P1}</p><p>{P2}</p><p>{editor_line}</p>"))
    assert body.paragraphs == (P1.replace("，", ","), P2.replace("，", ","))


def test_editor_like_line_inside_the_body_stays() -> None:
    body = extract(trs(f"<p>{P1}</p><p>编辑：负责稿件的编排</p><p>{P2}</p>"))
    assert "编辑:负责稿件的编排" in body.paragraphs


def test_title_block_and_leading_photo_caption_are_not_body() -> None:
    body = extract(
        page(
            "<div class=detail><h1>关于做好2024年普通高校招生工作的通知</h1>"
            "<div class=info>发布时间：2024-05-01 09:30　来源：省教育厅　浏览次数：1024</div>"
            "<div class=content><p><img src='./W020240501.jpg'></p><p>图为会议现场。（王明 摄）</p>"
            f"<p>　　{P1}</p><p><img src='./W020240502.jpg'></p><p>会场一角 李华 摄</p>"
            f"<p>　　{P2}</p></div></div>"
        )
    )
    assert body.paragraphs == (P1.replace("，", ","), "会场一角 李华 摄", P2.replace("，", ","))


def test_text_before_the_headline_is_skipped() -> None:
    body = extract(
        page(
            "<div class=detail><div>要闻速递 &gt; 通知公告</div>"
            f"<h2 class=title>{TITLE}</h2><p>{P1}</p><p>{P2}</p></div>"
        ),
        ExtractionRules(body="div.detail"),
        headline_css="h2.title",
    )
    assert body.paragraphs == (P1.replace("，", ","), P2.replace("，", ","))


def test_notice_keeps_recipients_and_signature_and_drops_the_number_line() -> None:
    body = extract(
        trs(
            "<p style='text-align:center'>晋教办〔2024〕12号</p><p>各市教育局，各高等学校：</p>"
            f"<p>　　{P1}</p><p>　　{P3}</p>"
            "<p style='text-align:right'>山西省教育厅办公室</p><p>2024年5月1日</p>"
        )
    )
    assert body.paragraphs == (
        "各市教育局,各高等学校:",
        P1.replace("，", ","),
        P3.replace("，", ","),
        "山西省教育厅办公室",
        "2024年5月1日",
    )


def test_a_speech_salutation_is_no_recipients_line() -> None:
    body = extract(trs(f"<p>女士们、先生们，记者朋友们：</p><p>　　{P1}</p><p>　　{P3}</p>"))
    assert body.paragraphs == (P1.replace("，", ","), P3.replace("，", ","))


def test_leading_promotional_link_is_dropped() -> None:
    body = extract(
        page(
            "<div id=rwb_zw><p><a href='/GB/405419/'><strong>点击进入“文艺星青年”&gt;&gt;</strong>"
            f"</a></p><p>{P1}</p><p>{P2}</p></div>"
        )
    )
    assert body.paragraphs[0] == P1.replace("，", ",")


def test_attachments_trs_relative_hanweb_downfile_and_following_block() -> None:
    body = extract(
        page(
            f"<div class=TRS_Editor><p>{P1}</p>"
            "<p>附件：<a href='./P020240501379812345678.pdf'>1.招生计划表.pdf</a></p>"
            "<p><a href='./W020240501379812345679.docx' title='2.报名表'></a></p>"
            "<p><a href='/module/download/downfile.jsp?classid=0&amp;filename=2405011234.xls'>"
            "3.汇总表</a></p><p><a href='./t20240430_1.html'>相关新闻</a></p>"
            "<p><a href='./P020240501379812345678.pdf'>招生计划表</a></p></div>"
            "<div class=fj>相关附件：<a href='/uploads/2024/名单.zip'>名单.zip</a>"
            "<a href='javascript:void(0)'>打印.pdf</a></div>"
        )
    )
    base = "http://jyt.shanxi.gov.cn/xwzx/tzgg/202405/"
    assert body.attachments == (
        Attachment("1.招生计划表.pdf", base + "P020240501379812345678.pdf"),
        Attachment("2.报名表", base + "W020240501379812345679.docx"),
        Attachment(
            "3.汇总表",
            "http://jyt.shanxi.gov.cn/module/download/downfile.jsp?classid=0&filename=2405011234.xls",
        ),
        Attachment("名单.zip", "http://jyt.shanxi.gov.cn/uploads/2024/名单.zip"),
    )


def test_images_are_absolute_lazy_aware_and_deduplicated() -> None:
    body = extract(
        trs(
            f"<p><img src='./W020240501.jpg'></p><p>{P1}</p>"
            "<p><img src='data:image/gif;base64,R0lGODlhAQABAAAAACw=' data-src='/pic/2.png'></p>"
            "<p><img src='data:image/png;base64,iVBORw0KGgo='></p><p><img src='W020240501.jpg'></p>"
            "<p><img src='http://cdn.example.cn/a/3.jpg'><img src='/img/next_page.jpg'></p>"
            f"<p>{P2}</p>"
        )
    )
    assert body.images == (
        "http://jyt.shanxi.gov.cn/xwzx/tzgg/202405/W020240501.jpg",
        "http://jyt.shanxi.gov.cn/pic/2.png",
        "http://cdn.example.cn/a/3.jpg",
    )


def test_page_without_body_is_an_extraction_error() -> None:
    html = page(
        "<ul class=nav><li><a href='/a/'>机构设置</a></li><li><a href='/b/'>政务公开</a></li></ul>"
    )
    with pytest.raises(ExtractionError) as caught:
        extract(html, ExtractionRules(body="div.article"))
    assert caught.value.code == "no_body"
    assert "div.article" in caught.value.reason and "density" in caught.value.reason


def test_empty_cms_container_falls_back_to_density() -> None:
    html = page(
        "<div class=TRS_Editor><p>&nbsp;</p><p><img src='./W1.jpg'></p></div>"
        "<div class=side><ul><li><a href='/1.html'>山西省教育厅召开全省教育工作会议</a></li>"
        "<li><a href='/2.html'>全省高校毕业生就业工作推进会召开</a></li></ul></div>"
        f"<div class=wenzhang><p>　　{P1}</p><p>　　{P2}</p><p>　　{P3}</p></div>"
    )
    body = extract(html)
    assert body.method == "density"
    assert body.paragraphs == tuple(p.replace("，", ",") for p in (P1, P2, P3))


def test_cms_match_with_most_text_wins() -> None:
    html = page(
        "<div class=side><div class=TRS_Editor><p>专题：2024年高考招生工作专栏，欢迎访问。</p>"
        "</div></div>"
        f"<div class=main><div class=TRS_Editor><p>{P1}</p><p>{P2}</p></div></div>"
    )
    assert extract(html).paragraphs == (P1.replace("，", ","), P2.replace("，", ","))


def test_zjeg_comments_bound_the_body() -> None:
    html = page(
        "<div class=main-txt><div class=tools>【打印】浏览次数：100，发布单位：省教育厅。</div>"
        f"<!--ZJEG_RSS.content.begin--><meta name=ContentStart><p>{P1}</p><p>{P2}</p>"
        "<meta name=ContentEnd><!--ZJEG_RSS.content.end-->"
        "<p>本网站由省教育厅主办，转载请注明。</p></div>"
    )
    body = extract(html)
    assert body.method == "cms:<!--ZJEG_RSS.content-->"
    assert body.paragraphs == (P1.replace("，", ","), P2.replace("，", ","))


def test_page_wrapped_in_a_form_keeps_its_body_small_forms_go() -> None:
    html = page(
        "<form id=form1 method=post action='./t.aspx'><div class=search>"
        "<form>站内搜索：请输入关键词，搜索。</form></div>"
        f"<div class=wz><p>　　{P1}</p><p>　　{P2}</p><p>　　{P3}</p></div></form>"
    )
    body = extract(html)
    assert body.method == "density"
    assert body.paragraphs == tuple(p.replace("，", ",") for p in (P1, P2, P3))


def test_site_rules_select_and_remove() -> None:
    html = page(
        f"<div class=TRS_Editor><p>侧栏：通知公告，更多。</p></div><div class=wzy><p>{P1}</p>"
        f"<div class=share>微信好友，朋友圈，新浪微博分享。</div><p>{P2}</p></div>"
    )
    body = extract(html, ExtractionRules(body="div.wzy", remove=("div.share",)))
    assert body.method == "selector:div.wzy"
    assert body.paragraphs == (P1.replace("，", ","), P2.replace("，", ","))


def test_unmatched_site_selector_falls_back_to_cms() -> None:
    body = extract(trs(f"<p>{P1}</p>"), ExtractionRules(body="div.not-there"))
    assert body.method == "cms:.TRS_Editor"


def test_generic_content_class_is_narrowed_to_the_densest_block() -> None:
    html = page(
        "<div class=content><div class=crumb>当前位置：首页 &gt; 通知公告</div>"
        "<ul class=related><li><a href='/1.html'>关于开展2023年招生工作的通知，详见附件。</a>"
        "</li></ul>"
        f"<div class=article><p>{P1}</p><p>{P2}</p></div></div>"
    )
    body = extract(html)
    assert body.method == "cms:.content"
    assert body.paragraphs == (P1.replace("，", ","), P2.replace("，", ","))


def test_headline_repeated_inside_the_prose_does_not_cut_the_body() -> None:
    long_p1 = P1 * 5
    body = extract(
        page(
            f"<div class=wzy><p>{long_p1}</p><p><strong class=rep>{TITLE}</strong></p>"
            f"<p>{P2}</p></div>"
        ),
        ExtractionRules(body="div.wzy"),
        headline_css="strong.rep",
    )
    assert body.paragraphs[0] == long_p1.replace("，", ",")
    assert body.paragraphs[-1] == P2.replace("，", ",")


def test_rows_of_figures_are_data_not_pagers() -> None:
    body = extract(
        trs(
            f"<p>{P1}</p><table><tr><th>年份</th><th>人数</th></tr><tr><td>2023</td><td>12</td></tr>"
            "<tr><td>1</td><td>2</td></tr></table>"
        )
    )
    assert body.paragraphs[1:] == ("年份 | 人数", "2023 | 12", "1 | 2")


def test_disclosure_note_after_the_signature_is_dropped() -> None:
    body = extract(
        trs(f"<p>{P1}</p><p>{P3}</p><p>山西省教育厅</p><p>2024年5月1日</p><p>（此件主动公开）</p>")
    )
    assert body.paragraphs == (
        P1.replace("，", ","),
        P3.replace("，", ","),
        "山西省教育厅",
        "2024年5月1日",
    )


def test_noscript_copy_of_a_script_rendered_body_is_read() -> None:
    html = page(
        "<div id=app></div><noscript>您的浏览器不支持JavaScript，请开启。</noscript>"
        f"<noscript><div class=wz><p>{P1}</p><p>{P2}</p><p>{P3}</p></div></noscript>"
    )
    body = extract(html)
    assert body.paragraphs == tuple(p.replace("，", ",") for p in (P1, P2, P3))


@pytest.mark.parametrize("cms", [True, False])
def test_thousands_of_unclosed_elements_do_not_exhaust_the_stack(cms: bool) -> None:
    container = "<div class=TRS_Editor>" if cms else "<div class=wz>"
    html = page(container + "<div><font>" * 3000 + f"<p>{P1}</p><p>{P2}</p><p>{P3}</p>")
    body = extract(html)
    assert body.method == ("cms:.TRS_Editor" if cms else "density")
    # The page's footer is inside the unclosed elements too.
    assert body.paragraphs[:3] == tuple(p.replace("，", ",") for p in (P1, P2, P3))


def test_site_selector_that_is_not_css_is_a_clear_error() -> None:
    with pytest.raises(ExtractionError) as caught:
        extract(trs(f"<p>{P1}</p>"), ExtractionRules(body="div[class="))
    assert caught.value.code == "bad_rule" and "div[class=" in caught.value.reason
