"""Where the tests find their real pages: tests/corpus (saved government and news pages with
expected values; tests/corpus/README.md says where they come from) and tests/sample."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
CORPUS = TESTS / "corpus"
SAMPLE = TESTS / "sample" / "sample-article.txt"
PAGES = TESTS / "pages"
