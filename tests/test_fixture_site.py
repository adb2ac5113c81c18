"""The fixture site over real HTTP (urllib on 127.0.0.1): paging per family, conditional GET,
mutations, faults, encodings, and pages whose expected values match their markup."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from email.message import Message
from urllib.parse import urlencode, urljoin

import pytest
from selectolax.lexbor import LexborHTMLParser, LexborNode

from tests.fixture_site import FixtureArticle, FixtureSite, build_site, fold
from tests.fixture_site.layouts.hanweb import DATAPROXY, HanwebLayout
from tests.paths import CORPUS

SiteFactory = Callable[..., FixtureSite]

TRS_ITEM = re.compile(r'<li><a href="([^"]+)" target="_blank" title="([^"]+)">([^<]+)</a>')


def fetch(
    url: str, method: str = "GET", headers: dict[str, str] | None = None, data: bytes | None = None
) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def one(node: LexborHTMLParser | LexborNode, selector: str) -> LexborNode:
    found = node.css_first(selector)
    assert found is not None, f"no {selector}"
    return found


def trs_items(body: bytes) -> list[tuple[str, str, str]]:
    return TRS_ITEM.findall(body.decode("utf-8"))


def article_with(
    site: FixtureSite, predicate: Callable[[FixtureArticle], object]
) -> FixtureArticle:
    for article in site.articles():
        if predicate(article):
            return article
    raise AssertionError("no article matches")


# -- TRS ---------------------------------------------------------------------------------------
def test_trs_pages_follow_create_page_html(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("trs", columns=["tzgg"], articles_per_column=45)
    items = site.items("tzgg")
    status, _, first = fetch(site.list_url("tzgg"))
    assert status == 200
    assert 'createPageHTML(3, 0, "index", "html");' in first.decode()
    pages = [first, fetch(site.url("/xwzx/tzgg/index_1.html"))[2]]
    pages.append(fetch(site.url("/xwzx/tzgg/index_2.html"))[2])
    listed = [item for page in pages for item in trs_items(page)]
    assert [title for _, title, _ in listed] == [a.title for a in items]
    base = site.list_url("tzgg")
    assert [urljoin(base, href) for href, _, _ in listed] == [site.url_of(a) for a in items]
    assert [len(trs_items(page)) for page in pages] == [20, 20, 5]
    assert fetch(site.url("/xwzx/tzgg/index_3.html"))[0] == 404
    for _, title, text in listed:
        assert text == title or (text.endswith("...") and title.startswith(text[:-3]))


def test_trs_first_index_2_skips_index_1(trs_index2_site: FixtureSite) -> None:
    site = trs_index2_site
    assert fetch(site.url("/xwzx/gzdt/index_1.html"))[0] == 404
    status, _, body = fetch(site.list_url("gzdt", 2))
    assert status == 200 and site.list_url("gzdt", 2).endswith("/index_2.html")
    first = fetch(site.list_url("gzdt"))[2].decode()
    assert "createPageHTML(" not in first
    assert "共2页" in first and 'href="index_2.html">下一页' in first
    assert [t for _, t, _ in trs_items(body)] == [a.title for a in site.items("gzdt")[20:]]


def test_trs_article_page_matches_expected_values(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("trs", columns=["tzgg"], articles_per_column=60)
    article = article_with(
        site, lambda a: a.attachments and any(not isinstance(b, str) for b in a.blocks)
    )
    expected = site.expected(article)
    status, headers, body = fetch(expected["url"])
    assert status == 200 and headers["Content-Type"] == "text/html; charset=UTF-8"
    html = body.decode("utf-8")
    assert "<div class=TRS_Editor>" in html and "【打印本页】" in html and "（责任编辑：" in html
    tree = LexborHTMLParser(html)
    assert one(tree, 'meta[name="ArticleTitle"]').attributes["content"] == article.title
    pub_date = one(tree, 'meta[name="PubDate"]').attributes["content"]
    assert pub_date == f"{article.date:%Y-%m-%d %H:%M}"
    assert fold(one(tree, "h1").text()) == expected["title"]
    extracted: list[str] = []
    for node in one(tree, "div.TRS_Editor").iter():
        if node.tag == "p" and fold(node.text()):
            extracted.append(fold(node.text()))
        elif node.tag == "table":
            extracted += [
                " | ".join(fold(td.text()) for td in tr.css("td")) for tr in node.css("tr")
            ]
    assert extracted == expected["paragraphs"]
    links = [urljoin(expected["url"], a.attributes["href"]) for a in tree.css("#fujian a")]
    assert links == [item["url"] for item in expected["attachments"]]
    status, headers, data = fetch(links[0])
    assert status == 200 and int(headers["Content-Length"]) == len(data)
    assert data.startswith((b"%PDF-1.4", b"PK\x03\x04"))


def test_onclick_items_carry_the_url(tianjin_site: FixtureSite) -> None:
    site = tianjin_site
    body = fetch(site.list_url("tjtz"))[2].decode()
    urls = re.findall(r"isDownLoad\(this,'([^']+)'\)", body)
    assert urls == [site.url_of(a) for a in site.items("tjtz")[:20]]
    assert 'href="javascript:void(0)"' in body and "共2页" in body
    assert fetch(urls[0])[0] == 200


def test_pdf_list_items_link_straight_to_pdfs(pdf_list_site: FixtureSite) -> None:
    site = pdf_list_site
    hrefs = [href for href, _, _ in trs_items(fetch(site.list_url("ggtz"))[2])]
    files = [a for a in site.items("ggtz")[:20] if a.is_file]
    assert files and len(files) < 20
    pdf_hrefs = [h for h in hrefs if h.endswith(".pdf")]
    assert all(re.search(r"/P0\d{20}\.pdf$", h) for h in pdf_hrefs) and len(pdf_hrefs) == len(files)
    status, headers, data = fetch(site.url_of(files[0]))
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    assert site.expected(files[0])["paragraphs"] == [f"附件: {fold(files[0].title)}"]


# -- Hanweb ------------------------------------------------------------------------------------
def _datastore(body: bytes) -> ET.Element:
    match = re.search(rb'<script type="text/xml">(.*?)</script>', body, re.S)
    assert match, "no datastore script"
    return ET.fromstring(match.group(1))


def _record_paths(datastore: ET.Element) -> list[str]:
    return [re.findall(r'href="([^"]+)"', r.text or "")[0] for r in datastore.iter("record")]


def _dataproxy(site: FixtureSite, start: int, end: int, **form: str) -> tuple[int, bytes]:
    assert isinstance(site.layout, HanwebLayout)
    params = {**site.layout.ajax_params(site.column("tzgg")), **form}
    query = urlencode({"startrecord": start, "endrecord": end, "perpage": 15})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
        "Referer": site.list_url("tzgg"),
    }
    status, _, body = fetch(
        site.url(f"{DATAPROXY}?{query}"), "POST", headers, urlencode(params).encode()
    )
    return status, body


def test_hanweb_datastore_then_dataproxy_post(hanweb_site: FixtureSite) -> None:
    site = hanweb_site
    body = fetch(site.list_url("tzgg"))[2]
    text = body.decode()
    assert (
        "totalRecord: 60" in text and "columnid: 1229266336" in text and "unitid: '4735063'" in text
    )
    embedded = _record_paths(_datastore(body))
    assert len(embedded) == 45
    status, xml = _dataproxy(site, 46, 90)
    assert status == 200
    answer = ET.fromstring(xml)
    assert answer.findtext("totalrecord") == "60"
    paths = embedded + _record_paths(answer)
    assert paths == [a.path for a in site.items("tzgg")]
    assert _record_paths(ET.fromstring(_dataproxy(site, 1, 15, unitid="999")[1])) == []
    bare = fetch(site.url(f"{DATAPROXY}?startrecord=1&endrecord=15&perpage=15"), "POST", data=b"")
    assert bare[0] == 400
    assert fetch(site.url(f"{DATAPROXY}?startrecord=1&endrecord=15&perpage=15"))[0] == 405
    site.publish(
        "tzgg",
        title="关于做好2024年暑期校园安全工作的通知",
        paragraphs=["各市教育局：为做好暑期校园安全工作，现就有关事项通知如下。"],
    )
    assert ET.fromstring(_dataproxy(site, 46, 90)[1]).findtext("totalrecord") == "61"


def test_hanweb_article_bodies_and_downloads(hanweb_site: FixtureSite) -> None:
    site = hanweb_site
    news = fetch(site.url_of(site.items("jyyw")[0]))[2].decode()
    notice = fetch(site.url_of(site.items("tzgg")[0]))[2].decode()
    assert "<!--ZJEG_RSS.content.begin-->" in news and 'id="zoom"' not in news
    assert '<div id="zoom">' in notice and 'name="contentSource"' in notice
    article = article_with(site, lambda a: bool(a.attachments))
    status, headers, data = fetch(site.expected(article)["attachments"][0]["url"])
    assert status == 200 and "attachment;" in headers["Content-Disposition"]
    assert data.startswith((b"%PDF-1.4", b"PK\x03\x04"))
    assert re.fullmatch(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html", article.path)


# -- JSON search -------------------------------------------------------------------------------
def test_json_search_pages(json_search_site: FixtureSite) -> None:
    site = json_search_site
    pages = [json.loads(fetch(site.list_url("tzgg", n))[2])["data"] for n in (1, 2, 3)]
    assert [len(p["results"]) for p in pages] == [15, 15, 0]
    assert {p["total"] for p in pages} == {30} and pages[0]["rows"] == 15
    urls = [r["url"] for p in pages for r in p["results"]]
    assert urls == [a.path for a in site.items("tzgg")]
    first = pages[0]["results"][0]
    assert first["publishedTimeStr"] == f"{site.items('tzgg')[0].date:%Y-%m-%d %H:%M:%S}"
    assert first["channelName"] == "通知公告"
    assert re.fullmatch(r"/jyt/c110487/\d{6}/[0-9a-f]{32}\.shtml", urls[0])
    page = fetch(site.url(urls[0]))[2].decode()
    assert 'id="UCAP-CONTENT"' in page
    assert fetch(site.url("/common/search/" + "0" * 32))[0] == 404


# -- CSS / auto --------------------------------------------------------------------------------
def test_css_next_link_pager_walks_every_item(css_site: FixtureSite) -> None:
    site = css_site
    url, seen = site.list_url("gsgg"), []
    while url:
        tree = LexborHTMLParser(fetch(url)[2].decode())
        seen += [
            (one(dd, "a").attributes["href"], one(dd, "em").text())
            for dd in tree.css("div.news-list > dl > dd")
        ]
        nxt = tree.css_first("a.next")
        url = urljoin(url, nxt.attributes["href"]) if nxt else ""
    assert [path for path, _ in seen] == [a.path for a in site.items("gsgg")]
    assert all(re.fullmatch(r"\d\d-\d\d", date) for _, date in seen)


# -- HTTP behaviour ----------------------------------------------------------------------------
def test_conditional_get_and_etag_change_on_publish(trs_site: FixtureSite) -> None:
    site = trs_site
    url = site.list_url("gzdt")
    status, headers, body = fetch(url)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and int(headers["Content-Length"]) == len(body)
    status, headers, body = fetch(url, headers={"If-None-Match": etag})
    assert (status, body) == (304, b"") and headers["ETag"] == etag
    assert fetch(url, headers={"If-Modified-Since": modified})[0] == 304
    article = site.publish("gzdt", title="省教育厅召开2024年全省高校毕业生就业工作推进会")
    status, headers, body = fetch(url, headers={"If-None-Match": etag})
    assert status == 200 and headers["ETag"] != etag
    assert trs_items(body)[0][1] == article.title
    assert fetch(url, headers={"If-Modified-Since": modified})[0] == 200
    assert fetch(url, headers={"If-None-Match": headers["ETag"]})[0] == 304


def test_delete_answers_404_or_410(trs_site: FixtureSite) -> None:
    site = trs_site
    first, second = site.items("tzgg")[:2]
    site.delete(first.id)
    site.delete(second.id, status=410)
    assert fetch(site.url_of(first))[0] == 404 and fetch(site.url_of(second))[0] == 410
    titles = [t for _, t, _ in trs_items(fetch(site.list_url("tzgg"))[2])]
    assert site.items("tzgg")[0].title == titles[0] and len(site.items("tzgg")) == 28
    for item in first.attachments:
        assert fetch(site.url(item.path))[0] == 404


def test_move_and_unlist_keep_the_page(trs_site: FixtureSite) -> None:
    site = trs_site
    moved, hidden = site.items("gzdt")[0], site.items("zcwj")[0]
    site.move(moved.id, "tzgg")
    site.unlist(hidden.id)

    def listed(column: str) -> list[str]:
        url = site.list_url(column)
        return [urljoin(url, href) for href, _, _ in trs_items(fetch(url)[2])]

    tzgg, gzdt, zcwj = listed("tzgg"), listed("gzdt"), listed("zcwj")
    assert tzgg[0] == site.url_of(moved) and site.url_of(moved) not in gzdt
    assert site.url_of(hidden) not in zcwj
    assert site.items("tzgg")[0].column == "tzgg" and len(site.items("zcwj")) == 29
    assert fetch(site.url_of(moved))[0] == fetch(site.url_of(hidden))[0] == 200


def test_revise_is_visible_on_next_request(trs_site: FixtureSite) -> None:
    site = trs_site
    article = site.items("zcwj")[3]
    etag = fetch(site.list_url("zcwj"))[1]["ETag"]
    new = site.revise(
        article.id, paragraphs=["　　本通知自2024年9月1日起施行，原《实施办法》同时废止。"]
    )
    page = fetch(site.url_of(article))[2].decode()
    assert "本通知自2024年9月1日起施行" in page and new.version == 2
    assert new.paragraphs == ["本通知自2024年9月1日起施行,原《实施办法》同时废止。"]
    assert fetch(site.list_url("zcwj"))[1]["ETag"] == etag
    site.revise(
        article.id, title="关于印发《山西省义务教育阶段学校招生入学工作实施办法（修订）》的通知"
    )
    assert fetch(site.list_url("zcwj"))[1]["ETag"] != etag


def test_reorder_shuffles_the_list(trs_site: FixtureSite) -> None:
    site = trs_site
    before = [a.id for a in site.items("gzdt")]
    site.reorder("gzdt")
    after = [a.id for a in site.items("gzdt")]
    assert sorted(after) == sorted(before) and after != before
    titles = [t for _, t, _ in trs_items(fetch(site.list_url("gzdt"))[2])]
    assert titles == [a.title for a in site.items("gzdt")[:20]]


def test_noise_changes_article_bytes_unless_off(trs_site: FixtureSite) -> None:
    site = trs_site
    url = site.url_of(site.items("gzdt")[0])
    one, two = fetch(url)[2], fetch(url)[2]
    assert one != two and "页面生成时间" in one.decode()
    site.set_noise(False)
    assert fetch(url)[2] == fetch(url)[2]


def test_head_404_and_request_log(trs_site: FixtureSite) -> None:
    site = trs_site
    site.reset_log()
    url = site.list_url("gzdt")
    status, headers, body = fetch(url, "HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) == len(fetch(url)[2])
    fetch(url, headers={"User-Agent": "eduwatch-test"})
    assert fetch(site.url("/no/such/page.html"))[0] == 404
    assert site.count("/xwzx/gzdt/index.html") == 3
    assert site.count("/xwzx/gzdt/index.html", "HEAD") == 1
    assert site.request_counts["/no/such/page.html"] == 1
    assert [r.status for r in site.requests] == [200, 200, 200, 404]
    assert site.requests[2].headers["user-agent"] == "eduwatch-test"
    site.reset_log()
    assert site.requests == [] and site.count("/xwzx/gzdt/index.html") == 0


def test_down_503_refused_and_back(trs_site: FixtureSite) -> None:
    site = trs_site
    url = site.list_url("gzdt")
    site.set_down(True)
    status, headers, _ = fetch(url)
    assert status == 503 and headers["Retry-After"] == "120"
    site.set_down(True, refuse=True)
    with pytest.raises(urllib.error.URLError) as caught:
        fetch(url)
    assert isinstance(caught.value.reason, ConnectionRefusedError)
    site.set_down(False)
    assert fetch(url)[0] == 200


def test_fail_first_then_recover_and_robots(trs_site: FixtureSite) -> None:
    site = trs_site
    url = site.list_url("gzdt")
    site.fail_first("/xwzx/gzdt/index.html", count=2)
    assert [fetch(url)[0] for _ in range(3)] == [500, 500, 200]
    assert fetch(site.url("/robots.txt"))[2] == b"User-agent: *\nDisallow: /was5/\n"
    site.set_robots(["/zwgk/"])
    assert b"Disallow: /zwgk/\n" in fetch(site.url("/robots.txt"))[2]
    site.set_robots(None)
    assert fetch(site.url("/robots.txt"))[0] == 404


def test_challenge_answers_412_with_real_body(challenge_site: FixtureSite) -> None:
    site = challenge_site
    for target in ("/robots.txt", "/xwzx/gzdt/index.html", site.items("gzdt")[0].path):
        status, headers, body = fetch(site.url(target))
        assert status == 412 and b"$_ts=window['$_ts']" in body and b'r="m"' in body
        assert headers["Set-Cookie"].startswith("4hP44ZykCTt5S=")
    corpus = CORPUS / "challenge_gov_nmpa_412.html"
    if corpus.exists():
        assert body == corpus.read_bytes()
    site.set_challenge(False)
    assert fetch(site.list_url("gzdt"))[0] == 200


def test_gbk_site_needs_gb18030(gbk_site: FixtureSite) -> None:
    site = gbk_site
    status, headers, listing = fetch(site.list_url("gzdt"))
    assert (
        headers["Content-Type"] == "text/html; charset=GBK" and b'<meta charset="gbk">' in listing
    )
    page = fetch(site.url_of(site.items("gzdt")[0]))[2]
    for codec in ("utf-8", "gb2312", "gbk"):
        with pytest.raises(UnicodeDecodeError):
            page.decode(codec)
    text = page.decode("gb18030")
    assert "刘䶮" in text and "张堃" in text and site.items("gzdt")[0].title in text
    liar = article_with(site, lambda a: a.declared_charset == "gb2312")
    status, headers, data = fetch(site.url_of(liar))
    assert status == 200 and headers["Content-Type"] == "text/html"
    assert b'<meta charset="gb2312">' in data
    assert liar.title in data.decode("utf-8")


def test_build_is_deterministic_by_seed() -> None:
    def snapshot(seed: int) -> list[tuple[str, str, list[str]]]:
        site = build_site("hanweb", articles_per_column=40, seed=seed)
        return [(a.title, a.published_at, a.paragraphs) for a in site.articles()]

    assert snapshot(7) == snapshot(7)
    assert snapshot(7) != snapshot(8)
    titles = [t for t, _, _ in snapshot(7)]
    assert any(re.search(r"20\d\d年", t) for t in titles)


def test_bad_options_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="unknown family"):
        build_site("wordpress")
    with pytest.raises(KeyError, match="unknown trs column"):
        build_site("trs", columns=["nope"])
    with pytest.raises(TypeError, match="unknown site option"):
        build_site("trs", pages=3)
    with pytest.raises(ValueError, match="at least one non-empty paragraph"):
        build_site("trs", articles_per_column=0).publish("gzdt", title="标题", paragraphs=["  "])
