"""Fuzz targets: the normalizer (bytes and a URL in: an Article or an ExtractionError out, never
another exception) and the site YAML loader (text in: a SiteConfig or errors that name
file:line: key, never an exception). Seeded with tests/pages, tests/corpus and config/sites
(tests/fuzzing.py); a bounded run here, a long one with ``EDUWATCH_FUZZ_EXAMPLES`` (README).
Each crash found becomes a regular test below the targets."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given

from crawler.normalize import Article, ExtractionError, extract_article
from crawler.siteconfig.loader import load_sites
from crawler.siteconfig.models import SiteConfig
from tests.fuzzing import FUZZ_SETTINGS, URLS, pages, site_texts


def extract_or_refuse(data: bytes, url: str) -> Article | None:
    """The normalizer's contract on any input; None when it refused with a clear reason."""
    try:
        article = extract_article(data, url)
    except ExtractionError as error:
        assert error.code and isinstance(error.reason, str), error
        return None
    assert isinstance(article, Article)
    assert article.title and all(isinstance(p, str) and p for p in article.paragraphs)
    assert article.text.endswith("\n")
    json.dumps(article.to_dict(), ensure_ascii=False)
    return article


@FUZZ_SETTINGS
@given(pages(), URLS)
def test_fuzz_the_normalizer(data: bytes, url: str) -> None:
    extract_or_refuse(data, url)


YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def load_site_text(text: str) -> tuple[tuple[SiteConfig, ...], list[tuple[int | None, str, str]]]:
    """The loader's contract on one site file's text: sites, or errors with line and key."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sites" / "fuzz.yaml"
        path.parent.mkdir()
        path.write_text(text, "utf-8", errors="surrogatepass")
        result = load_sites(Path(folder))
        lines = len(YAML_LINE_BREAK.split(text))
        found = []
        for error in result.errors:
            assert error.file == path and error.key and error.message, error
            assert error.line is None or 1 <= error.line <= lines, (error, lines)
            assert error.render().startswith(str(path)), error
            found.append((error.line, error.key, error.message))
        assert bool(result.sites) != bool(found), (result.sites, found)
        return result.sites, found


@FUZZ_SETTINGS
@given(site_texts())
def test_fuzz_the_site_loader(text: str) -> None:
    load_site_text(text)


# -- crashes the fuzzers found, as regular tests ---------------------------------------------


def test_a_link_that_is_no_url_is_not_an_attachment_and_no_crash() -> None:
    """Found by the normalizer target: ``href="http://[::1"`` raised ValueError (Invalid IPv6
    URL) out of the attachment and image collectors."""
    body = "".join(
        f"<p>各市教育局：为做好2024年招生工作，现将有关事项通知如下，第{n}项。</p>"
        for n in range(4)
    )
    links = '<a href="http://[::1">附件.pdf</a><a href="http://x.cn:99999/b.pdf">b.pdf</a>'
    html = (
        "<html><head><title>关于做好招生工作的通知</title></head><body>"
        f'<div class="TRS_Editor">{body}{links}<img src="http://[::1/a.png"></div></body></html>'
    )
    article = extract_or_refuse(html.encode("utf-8"), "http://jyt.shanxi.gov.cn/a/t1.html")
    assert article is not None and article.paragraphs[0].startswith("各市教育局")
    assert article.attachments == () and article.images == ()


@pytest.mark.parametrize("text", ["\r0", "id: x\rname: y\r\r0", "a: 1\u2028b"])
def test_yaml_line_breaks_other_than_newline_give_lines_in_the_file(text: str) -> None:
    """Found by the loader target: YAML counts a lone CR as a line break; an error's line is
    within the file's lines so counted."""
    sites, errors = load_site_text(text)
    assert not sites and errors
