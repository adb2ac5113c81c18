"""Anti-bot challenge answers are recognized and never extracted as content."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.normalize import ExtractionError, extract_article
from crawler.normalize.challenge import is_challenge
from tests.paths import CORPUS

CHALLENGES = sorted(CORPUS.glob("challenge_*.html"))
ARTICLES = sorted(CORPUS.glob("article_*.html"))


@pytest.mark.parametrize("path", CHALLENGES, ids=lambda p: str(p.name))
def test_corpus_challenge_pages_are_challenges(path: Path) -> None:
    data = path.read_bytes()
    assert is_challenge(data)
    with pytest.raises(ExtractionError) as caught:
        extract_article(data, "http://www.nmpa.gov.cn/zwfw/sdxx/sdxxyp/index.html")
    assert caught.value.code == "challenge"


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: str(p.name))
def test_article_pages_are_not_challenges(path: Path) -> None:
    assert not is_challenge(path.read_bytes())


def test_status_412_is_a_challenge_whatever_the_body() -> None:
    assert is_challenge(b"<html><body>precondition failed</body></html>", status=412)
    assert not is_challenge(b"<html><body>precondition failed</body></html>", status=200)
