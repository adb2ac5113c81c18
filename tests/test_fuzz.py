"""Fuzz targets: the normalizer (bytes and a URL in: an Article or an ExtractionError out, never
another exception) and the site YAML loader (text in: a SiteConfig or errors that name
file:line: key, never an exception). Seeded with tests/pages, tests/corpus and config/sites
(tests/fuzzing.py); a bounded run here, a long one with ``EDUWATCH_FUZZ_EXAMPLES`` (README).
Each crash found becomes a regular test below the targets."""

from __future__ import annotations

import json
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


def load_site_text(text: str) -> tuple[tuple[SiteConfig, ...], list[tuple[int | None, str, str]]]:
    """The loader's contract on one site file's text: sites, or errors with line and key."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sites" / "fuzz.yaml"
        path.parent.mkdir()
        path.write_text(text, "utf-8", errors="surrogatepass")
        result = load_sites(Path(folder))
        lines = text.count("\n") + 1
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
