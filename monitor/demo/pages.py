"""The demo site's HTML, as a TRS WCM (拓尔思) site writes it: ``index.html`` lists with a
``createPageHTML`` pager, ``t<date>_<id>.html`` articles in ``<div class=TRS_Editor>`` with
``./W0….pdf`` attachments, 政府网站 meta tags, and furniture around all of it."""

from __future__ import annotations

from html import escape

from monitor.demo.content import COLUMNS, SITE_NAME, DemoArticle

SITE_CODE = "3300000099"


def _text(value: str) -> str:
    return escape(value, quote=False)


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _head(title: str, charset: str, metas: dict[str, str]) -> str:
    # GB pages declare the old label, as TRS sites do; their bytes are GB18030
    declared = "gb2312" if charset == "gb18030" else charset
    tags = "\n".join(f'<meta name="{name}" content="{_attr(v)}">' for name, v in metas.items())
    return (
        f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="{declared}">\n'
        f"<title>{_text(title)}</title>\n"
        f'<meta name="SiteName" content="{SITE_NAME}">\n'
        f'<meta name="SiteIDCode" content="{SITE_CODE}">\n'
        f'{tags}\n<link rel="stylesheet" href="/css/style.css">\n</head>\n<body>\n'
    )


def _banner() -> str:
    nav = "".join(
        f'<li><a href="{path}">{_text(name)}</a></li>' for name, (path, *_) in COLUMNS.items()
    )
    return (
        f'<div class="header"><div class="logo"><a href="/">{SITE_NAME}</a></div>\n'
        f'<ul class="nav"><li><a href="/">首页</a></li>{nav}</ul></div>\n'
    )


def _footer() -> str:
    return (
        f'<div class="footer"><p>主办单位：{SITE_NAME}　网站标识码：{SITE_CODE}</p>'
        "<p>地址：临江市文教路1号　邮编：310000</p></div>\n</body>\n</html>\n"
    )


def _location(column: str, up: str) -> str:
    return (
        '<div class="location">当前位置：<a href="/" class="CurrChnlCls">首页</a>&nbsp;&gt;&nbsp;'
        f'<a href="{up}" class="CurrChnlCls">{_text(column)}</a></div>\n'
    )


def list_page(column: str, articles: list[DemoArticle]) -> str:
    """A column's only list page (newest first): relative links, dates in spans."""
    path, _, charset = COLUMNS[column]
    items = "\n".join(
        f'<li><a href="./{_attr(a.path[len(path) :])}" target="_blank" title="{_attr(a.title)}">'
        f"{_text(a.title if len(a.title) <= 26 else a.title[:26] + '...')}</a>"
        f"<span>{a.published:%Y-%m-%d}</span></li>"
        for a in articles
    )
    return (
        _head(f"{column}_{SITE_NAME}", charset, {"ColumnName": column})
        + _banner()
        + _location(column, "./")
        + f'<div class="list-main">\n<div class="list-title"><h2>{_text(column)}</h2></div>\n'
        + f'<ul id="list" class="list">\n{items}\n</ul>\n'
        + '<div class="page" id="page"><script type="text/javascript">\n'
        + 'var countPage = 1//共多少页\ncreatePageHTML(1, 0, "index", "html");\n</script></div>\n'
        + "</div>\n"
        + _footer()
    )


def article_page(article: DemoArticle) -> str:
    _, _, charset = COLUMNS[article.column]
    metas = {
        "ColumnName": article.column,
        "ArticleTitle": article.title,
        "PubDate": f"{article.published:%Y-%m-%d %H:%M}",
        "ContentSource": article.source,
    }
    body = "\n".join(f"<p>\u3000\u3000{_text(p)}</p>" for p in article.paragraphs)
    if article.document_number:
        number = f'<p style="text-align: center;">{_text(article.document_number)}</p>'
        body = number + "\n" + body
    files = "\n".join(
        f'<p>附件{n}：<a href="./{_attr(article.attachment_path(n).rsplit("/", 1)[-1])}" '
        f'target="_blank">{_text(name)}</a></p>'
        for n, name in enumerate(article.attachments, start=1)
    )
    return (
        _head(f"{article.title}_{SITE_NAME}", charset, metas)
        + _banner()
        + _location(article.column, "../")
        + f'<div class="detail-box">\n<h1>{_text(article.title)}</h1>\n'
        + f'<div class="detail-shuxing"><span>发布时间：{article.published:%Y-%m-%d %H:%M}</span>'
        + f"<span>来源：{_text(article.source)}</span>"
        + '<span>浏览次数：<em id="views">1024</em></span></div>\n'
        + '<div class="detail-content" id="downloadContent">\n'
        + f"<div class=TRS_Editor>\n{body}\n</div>\n</div>\n"
        + (f'<div class="fujian" id="fujian">\n{files}\n</div>\n' if files else "")
        + '<div id="detail-editor">（责任编辑：李华）</div>\n'
        + '<div class="print-close"><a href="javascript:window.print()">【打印本页】</a>'
        + '<a href="javascript:window.close()">【关闭窗口】</a></div>\n'
        + "</div>\n"
        + _footer()
    )


def home_page() -> str:
    links = "".join(
        f'<li><a href="{path}">{_text(name)}</a></li>' for name, (path, *_) in COLUMNS.items()
    )
    return _head(SITE_NAME, "utf-8", {}) + _banner() + f"<ul>{links}</ul>\n" + _footer()


def not_found_page() -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>404</title></head>'
        "<body><h1>404</h1><p>您访问的页面不存在或已被删除</p></body></html>"
    )


def pdf(title: str) -> bytes:
    """A small valid one-page PDF (its text ASCII: the title is in its metadata, UTF-16)."""
    name = "FEFF" + title.encode("utf-16-be").hex().upper()
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        None,  # the content stream
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Title <{name}> /Producer (eduwatch demo) >>",
    ]
    stream = b"BT /F1 14 Tf 72 770 Td (eduwatch demo attachment) Tj ET"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        if body is None:
            data = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
        else:
            data = body.encode("ascii")
        out += b"%d 0 obj\n%s\nendobj\n" % (number, data)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
