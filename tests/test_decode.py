"""Decoding: BOM, HTTP charset, strict UTF-8, declared charset, then GB18030 for every GB label."""

from __future__ import annotations

import codecs

import pytest

from crawler.normalize.decode import canonical_codec, declared_charset, decode_html

# 堃 and 镕 are outside GB2312; 𠀀 (U+20000) is only in GB18030's four-byte range.
TEXT = (
    "<p>　　教育部关于做好2024年普通高校招生工作的通知（教学〔2024〕1号），王堃、朱镕基、𠀀。</p>"
)


def page(charset: str | None) -> str:
    meta = (
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        if charset
        else ""
    )
    return f"<html><head>{meta}<title>通知</title></head><body>{TEXT}</body></html>"


@pytest.mark.parametrize("label", ["gb2312", "GBK", "gb18030", "x-gbk", "cp936"])
def test_every_gb_label_decodes_as_gb18030(label: str) -> None:
    assert canonical_codec(label) == "gb18030"
    data = page(label).encode("gb18030")
    text, codec = decode_html(data)
    assert codec == "gb18030"
    assert TEXT in text


def test_page_declaring_gb2312_but_utf8_decodes_as_utf8() -> None:
    text, codec = decode_html(page("gb2312").encode("utf-8"))
    assert codec == "utf-8"
    assert TEXT in text


def test_http_charset_gbk_with_gb18030_only_characters() -> None:
    data = page(None).encode("gb18030")
    text, codec = decode_html(data, http_charset="GBK")
    assert codec == "gb18030"
    assert "𠀀" in text and "堃" in text


def test_undeclared_gb_page_falls_back_to_gb18030() -> None:
    text, codec = decode_html(page(None).encode("gb18030"))
    assert codec == "gb18030"
    assert TEXT in text


def test_bom_wins_over_a_lying_declaration() -> None:
    data = codecs.BOM_UTF8 + page("gbk").encode("utf-8")
    text, codec = decode_html(data, http_charset="gbk")
    assert codec == "utf-8"
    assert TEXT in text
    text16, codec16 = decode_html(codecs.BOM_UTF16_LE + page(None).encode("utf-16-le"))
    assert codec16 == "utf-16-le" and TEXT in text16


def test_default_latin1_http_header_is_not_trusted() -> None:
    text, codec = decode_html(page("gbk").encode("gb18030"), http_charset="ISO-8859-1")
    assert codec == "gb18030"
    assert TEXT in text


def test_http_utf8_header_that_lies_falls_through() -> None:
    text, codec = decode_html(page("gbk").encode("gb18030"), http_charset="utf-8")
    assert codec == "gb18030"
    assert TEXT in text


def test_declared_charset_forms() -> None:
    assert declared_charset(b'<meta charset="GB2312">') == "GB2312"
    assert (
        declared_charset(b"<META http-equiv=Content-Type content='text/html; charset=gbk'>")
        == "gbk"
    )
    assert declared_charset(b"<html><body>no meta</body></html>") is None
    assert canonical_codec("no-such-codec") is None
    assert canonical_codec("UTF8") == "utf-8"


UTF8_PAGE = page("utf-8").encode("utf-8")


def test_a_utf8_page_with_a_gbk_include_keeps_its_text() -> None:
    """A GBK server-side include in a UTF-8 page: the page stays UTF-8 (before: all GB18030)."""
    include = "<div>主办单位：某某省教育厅</div>".encode("gb18030")
    text, codec = decode_html(UTF8_PAGE.replace(b"</body>", include + b"</body>"))
    assert codec == "utf-8"
    assert TEXT in text


def test_windows_1252_quotes_in_a_utf8_page_are_mended() -> None:
    quoted = "<p>\u201c双减\u201d</p>".encode("utf-8").replace(
        "\u201c".encode("utf-8"), "\u201c".encode("cp1252")
    )
    text, codec = decode_html(UTF8_PAGE.replace(b"</body>", quoted + b"</body>"))
    assert codec == "utf-8"
    assert TEXT in text and "\u201c双减" in text


def test_a_gbk_page_declared_utf8_is_still_gb18030() -> None:
    text, codec = decode_html(page("utf-8").encode("gb18030"))
    assert codec == "gb18030"
    assert TEXT in text
