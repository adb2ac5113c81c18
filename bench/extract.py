"""Benchmark: our normalizer, trafilatura and GNE on the same article pages, in one run.

    .venv/bin/python bench/extract.py [--pages DIR] [--repeat N] [--only NAME] [--per-page]

Pages: ``X.html`` beside ``X.html.expected.json`` (the corpus format: ``title``,
``publish_date``, ``body_first_paragraph``, ``body_last_paragraph``, optional ``url``); by
default the ``article_*`` pages of tests/corpus. Prints figures only, never pass/fail.

- title accuracy: the extracted title equals the expected one after NFKC, whitespace removed.
- date accuracy: the same day as ``publish_date``; a page whose expected date is null counts
  as right only when the extractor gives no date either.
- source accuracy: the extracted source equals the expected ``source`` after NFKC, whitespace
  removed (null expected: right only when none is given); trafilatura's ``sitename`` and GNE's
  ``author`` stand for it.
- body F1: character-bigram F1 (whitespace removed, NFKC) of the extracted body text against
  the expected span: the page's visible text from the start of ``body_first_paragraph`` to the
  end of ``body_last_paragraph``. When either paragraph cannot be found in the visible text,
  the span is the two paragraphs concatenated (the count of such pages is printed).
- pages/s: extraction only (input already in memory), ``--repeat`` passes over all pages,
  ``time.perf_counter``. Ours takes the page bytes (decoding included), the others the decoded
  text. A page on which an extractor raises counts as empty for it (column ``errors``).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from selectolax.lexbor import LexborHTMLParser  # noqa: E402

from crawler.normalize import ExtractionError, extract_article  # noqa: E402
from crawler.normalize.decode import decode_html  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"
INVISIBLE_TAGS = ["script", "style", "noscript", "template", "head"]
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class BenchPage:
    name: str
    url: str
    data: bytes
    html: str
    expected: dict[str, Any]
    span: str  # the expected body text, key form
    span_found: bool


@dataclass(frozen=True)
class Result:
    title: str | None
    date: str | None
    body: str
    failed: bool = False
    source: str | None = None


def key(text: str | None) -> str:
    """NFKC without whitespace: the form every comparison uses."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text or ""))


def visible_text(html: str) -> str:
    tree = LexborHTMLParser(html)
    tree.strip_tags(INVISIBLE_TAGS)
    return tree.body.text(separator="\n") if tree.body is not None else ""


def expected_span(html: str, expected: dict[str, Any]) -> tuple[str, bool]:
    """The visible text from the first to the last expected paragraph, in key form."""
    first, last = key(expected["body_first_paragraph"]), key(expected["body_last_paragraph"])
    text = key(visible_text(html))
    start = text.find(first)
    end = text.find(last, max(start, 0))
    if start < 0 or end < 0:
        return (first if first == last else first + last), False
    return text[start : end + len(last)], True


def manifest_domains() -> dict[str, str]:
    path = CORPUS / "MANIFEST.tsv"
    if not path.exists():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=False)) for line in lines[1:] if line]
    return {row["file"]: row.get("site_domain", "") for row in rows}


def load_pages(folder: Path, only_articles: bool) -> list[BenchPage]:
    domains = manifest_domains()
    pages = []
    for expected_path in sorted(folder.glob("*.html.expected.json")):
        html_path = expected_path.with_name(expected_path.name.removesuffix(".expected.json"))
        if not html_path.exists() or (only_articles and not html_path.name.startswith("article_")):
            continue
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        domain = domains.get(html_path.name) or "localhost"
        url = expected.get("url") or f"http://{domain}/{html_path.stem}.html"
        data = html_path.read_bytes()
        html, _ = decode_html(data)
        span, found = expected_span(html, expected)
        pages.append(BenchPage(html_path.name, url, data, html, expected, span, found))
    return pages


def run_ours(page: BenchPage) -> Result:
    try:
        article = extract_article(page.data, page.url)
    except ExtractionError:
        return Result(None, None, "")
    body = "".join(article.paragraphs)
    return Result(article.title, article.published_at, body, source=article.source)


def run_trafilatura(page: BenchPage) -> Result:
    import trafilatura

    document = trafilatura.bare_extraction(page.html, url=page.url, with_metadata=True)
    if document is None:
        return Result(None, None, "")
    if isinstance(document, dict):
        return Result(
            document.get("title"),
            document.get("date"),
            document.get("text") or "",
            source=document.get("sitename"),
        )
    title, date, text, site = (
        getattr(document, name, None) for name in ("title", "date", "text", "sitename")
    )
    return Result(title, date, text or "", source=site)


def make_gne() -> Callable[[BenchPage], Result]:
    from gne import GeneralNewsExtractor

    extractor = GeneralNewsExtractor()

    def run_gne(page: BenchPage) -> Result:
        found = extractor.extract(page.html)
        return Result(
            found.get("title"),
            found.get("publish_time"),
            found.get("content") or "",
            source=found.get("author") or None,
        )

    return run_gne


def guarded(run: Callable[[BenchPage], Result], page: BenchPage) -> Result:
    """Error boundary: a third-party extractor crashing on a page counts as an empty result."""
    try:
        return run(page)
    except Exception:  # the benchmark's documented boundary: a crash is an empty result
        return Result(None, None, "", failed=True)


def bigram_f1(got: str, want: str) -> float:
    got_grams = Counter(got[i : i + 2] for i in range(len(got) - 1))
    want_grams = Counter(want[i : i + 2] for i in range(len(want) - 1))
    overlap = sum((got_grams & want_grams).values())
    if not overlap:
        return 0.0
    precision = overlap / sum(got_grams.values())
    recall = overlap / sum(want_grams.values())
    return 2 * precision * recall / (precision + recall)


def same_day(got: str | None, want: str | None) -> bool:
    if want is None:
        return not got
    match = re.search(r"(\d{4})\D{1,2}(\d{1,2})\D{1,2}(\d{1,2})", got or "")
    if match is None:
        return False
    year, month, day = (int(part) for part in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}" == want[:10]


def measure(
    name: str, run: Callable[[BenchPage], Result], pages: list[BenchPage], repeat: int
) -> dict[str, Any]:
    results = [guarded(run, page) for page in pages]
    started = time.perf_counter()
    for _ in range(repeat):
        for page in pages:
            guarded(run, page)
    elapsed = time.perf_counter() - started
    pairs = list(zip(results, pages, strict=True))
    f1s = [bigram_f1(key(r.body), p.span) for r, p in pairs]
    titles = [key(r.title) == key(p.expected["title"]) for r, p in pairs]
    dates = [same_day(r.date, p.expected.get("publish_date")) for r, p in pairs]
    sources = [key(r.source) == key(p.expected.get("source")) for r, p in pairs]
    return {
        "source": sum(sources) / len(pages),
        "pages": [
            (p.name, t, d, s, f)
            for p, t, d, s, f in zip(pages, titles, dates, sources, f1s, strict=True)
        ],
        "extractor": name,
        "title": sum(titles) / len(pages),
        "date": sum(dates) / len(pages),
        "f1_mean": statistics.fmean(f1s),
        "f1_worst": min(f1s),
        "worst_page": pages[f1s.index(min(f1s))].name,
        "pages_per_s": len(pages) * repeat / elapsed if elapsed else float("inf"),
        "errors": sum(result.failed for result in results),
    }


def print_table(rows: list[dict[str, Any]], pages: list[BenchPage], repeat: int) -> None:
    missing = sum(not page.span_found for page in pages)
    print(f"{len(pages)} pages, {repeat} timed passes; spans not found in visible text: {missing}")
    columns: tuple[tuple[str, int], ...] = (
        *(("title", 7), ("date", 7), ("source", 8), ("F1 mean", 9), ("F1 worst", 10)),
        *(("pages/s", 10), ("errors", 8)),
    )
    header = f"{'extractor':<14}" + "".join(f"{name:>{width}}" for name, width in columns)
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['extractor']:<14}{row['title']:>7.0%}{row['date']:>7.0%}{row['source']:>8.0%}"
            f"{row['f1_mean']:>9.3f}{row['f1_worst']:>10.3f}{row['pages_per_s']:>10.1f}"
            f"{row['errors']:>8}   worst F1: {row['worst_page']}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=Path, help="folder of X.html + X.html.expected.json")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes over all pages")
    parser.add_argument("--only", help="one extractor: eduwatch, trafilatura or gne")
    parser.add_argument("--per-page", action="store_true", help="title/date/source/F1 per page")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    pages = load_pages(args.pages or CORPUS, only_articles=args.pages is None)
    if not pages:
        parser.error(f"no X.html + X.html.expected.json pages in {args.pages or CORPUS}")
    extractors: list[tuple[str, Callable[[], Callable[[BenchPage], Result]]]] = [
        ("eduwatch", lambda: run_ours),
        ("trafilatura", lambda: run_trafilatura),
        ("gne", make_gne),
    ]
    chosen = [(name, make()) for name, make in extractors if args.only in (None, name)]
    rows = [measure(name, run, pages, max(1, args.repeat)) for name, run in chosen]
    print_table(rows, pages, max(1, args.repeat))
    if args.per_page:
        print_pages(rows)


def print_pages(rows: list[dict[str, Any]]) -> None:
    """Per page and extractor: title, date and source right (y/n) and the body F1."""
    for row in rows:
        print(f"\n{row['extractor']}: page, title, date, source, body F1")
        for name, title, date, source, f1 in row["pages"]:
            marks = " ".join("y" if ok else "n" for ok in (title, date, source))
            print(f"  {name:<48} {marks}  {f1:.3f}")


if __name__ == "__main__":
    main()
