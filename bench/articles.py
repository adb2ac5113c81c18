"""Benchmark: the article patterns of tests/article_patterns.py (official notices, disclosure
pages with a metadata table, pages whose text is missing) against what a reader reads.

    .venv/bin/python bench/articles.py

Per page: title, date, source and document number right (y/n), the body's paragraphs equal to
the reader's (y/n, with its bigram F1), or, for a page with no body, whether extraction fails
with no_body. Prints figures only.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.extract import bigram_f1, key  # noqa: E402
from crawler.normalize import ExtractionError, extract_article  # noqa: E402
from tests.article_patterns import article_patterns  # noqa: E402

WIDTHS = (6, 6, 8, 7, 6)


def main() -> None:
    print(f"{'page':<28}{'title':>6}{'date':>6}{'source':>8}{'docno':>7}{'body':>6}{'F1':>7}")
    right = total = 0
    for page in article_patterns():
        try:
            article = extract_article(page.body, page.url)
        except ExtractionError as error:
            ok = not page.paragraphs and error.code == "no_body"
            right += ok
            total += 1
            print(f"{page.name:<28}  failed: {error.code} ({'right' if ok else 'WRONG'})")
            continue
        if not page.paragraphs:
            total += 1
            print(f"{page.name:<28}  extracted {len(article.paragraphs)} paragraphs (WRONG)")
            continue
        marks = (
            article.title == page.title,
            (article.published_at or "")[:10] == page.date,
            article.source == page.source,
            article.document_number == page.document_number,
            article.paragraphs == page.paragraphs,
        )
        f1 = bigram_f1(key("".join(article.paragraphs)), key("".join(page.paragraphs)))
        right += all(marks)
        total += 1
        cells = "".join(f"{'y' if ok else 'n':>{w}}" for ok, w in zip(marks, WIDTHS, strict=True))
        print(f"{page.name:<28}{cells}{f1:>7.3f}")
    print(f"all right on {right}/{total} pages")


if __name__ == "__main__":
    main()
