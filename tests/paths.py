"""Where the tests find the shared material beside the project."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
SAMPLE = SHARED / "sample" / "sample-article.txt"
PAGES = Path(__file__).resolve().parent / "pages"
