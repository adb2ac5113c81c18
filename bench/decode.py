"""Pages whose declared charset lies: our decoder (crawler.normalize.decode) before and after
it hands mostly-UTF-8 pages to beautifulsoup4's ``UnicodeDammit``, and UnicodeDammit alone (with
charset_normalizer), on the cases Chinese portals show.

    .venv/bin/python bench/decode.py

A case is right when the article's text comes out whole. Prints one row per case and the time
per page of each decoder.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bs4 import UnicodeDammit

from crawler.normalize.decode import decode_html

TEXT = (
    "<p>　　教育部关于做好2024年普通高校招生工作的通知（教学〔2024〕1号），王堃、朱镕基。"
    "各省、自治区、直辖市教育厅（教委），新疆生产建设兵团教育局：</p>"
) * 40


def page(charset: str | None) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    return (
        f"<html><head>{meta if charset else ''}<title>通知</title></head><body>{TEXT}</body></html>"
    )


def tail(data: bytes, extra: bytes) -> bytes:
    return data.replace(b"</body>", extra + b"</body>")


CASES = {
    "UTF-8 declared gb2312": page("gb2312").encode("utf-8"),
    "GBK declared utf-8": page("utf-8").encode("gb18030"),
    "GBK, nothing declared": page(None).encode("gb18030"),
    "GBK declared big5": page("big5").encode("gb18030"),
    "GBK declared iso-8859-1": page("iso-8859-1").encode("gb18030"),
    "UTF-8 with a GBK include": tail(
        page("utf-8").encode("utf-8"), "<div>主办单位：某某省教育厅</div>".encode("gb18030")
    ),
    "UTF-8 with Windows-1252 quotes": tail(
        page("utf-8").encode("utf-8"), "<p>\u201cquoted\u201d</p>".encode("cp1252")
    ),
}


def dammit(data: bytes) -> str:
    return UnicodeDammit(data, is_html=True).unicode_markup or ""


def main() -> None:
    warnings.simplefilter("ignore")
    print(f"{'case':<34}{'before':>8}{'now':>6}{'UnicodeDammit alone':>21}")
    score = [0, 0, 0]
    for name, data in CASES.items():
        right = (
            TEXT in decode_html(data, mend=False)[0],
            TEXT in decode_html(data)[0],
            TEXT in dammit(data),
        )
        score = [total + ok for total, ok in zip(score, right, strict=True)]
        marks = ["yes" if ok else "no" for ok in right]
        print(f"{name:<34}{marks[0]:>8}{marks[1]:>6}{marks[2]:>21}")
    print(f"{'right (of ' + str(len(CASES)) + ')':<34}{score[0]:>8}{score[1]:>6}{score[2]:>21}")
    for name in ("UTF-8 declared gb2312", "GBK declared utf-8", "UTF-8 with a GBK include"):
        data = CASES[name]
        timings = []
        for decode in (lambda d: decode_html(d, mend=False)[0], lambda d: decode_html(d)[0]):
            start = time.perf_counter()
            for _ in range(100):
                decode(data)
            timings.append((time.perf_counter() - start) * 10)
        print(f"ms per page, {name} ({len(data)} B): before {timings[0]:.2f}, "
              f"now {timings[1]:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
