"""Hypothesis strategies for the fuzz targets (tests/test_fuzz.py): seed files mutated.

Seeds are the repository's own inputs: the pages of tests/pages and tests/corpus (bytes, as
served) and the site files of config/sites (text). A mutation is a list of edits, each placed
by a fraction of the input's length so that it applies to any seed; Hypothesis shrinks a
failure to the fewest and smallest edits.

The run length: ``EDUWATCH_FUZZ_EXAMPLES`` examples per target (default: a bounded run for the
normal suite, deterministic); set it higher for a long, randomized run (README, "Fuzzing").
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.paths import ROOT

DEFAULT_EXAMPLES = 60
EXAMPLES = int(os.environ.get("EDUWATCH_FUZZ_EXAMPLES") or DEFAULT_EXAMPLES)
LONG_RUN = EXAMPLES > DEFAULT_EXAMPLES

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG_RUN,  # the suite's run is the same every time; a long run explores
    database=None if not LONG_RUN else settings.default.database,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

PAGE_SEEDS: tuple[Path, ...] = tuple(
    sorted(
        path
        for folder in (ROOT / "tests" / "pages", ROOT / "tests" / "corpus")
        for path in folder.glob("*.html")
    )
)
SITE_SEEDS: tuple[Path, ...] = tuple(sorted((ROOT / "config" / "sites").glob("*.yaml")))

# Fragments that have broken HTML pipelines before: entities, stray and leaked markup,
# encodings, controls, deep nesting, tables, comments and script.
HTML_SNIPPETS = [
    b"<", b">", b"&", b"&lt;\xe8\xaf\x95\xe8\xa1\x8c&gt;", b"a&lt;b", b"&#0;", b"&#x110000;",
    b"&#xD800;", b"&nbsp;" * 3, b"</div>", b"</body></html>", b"<div>" * 300, b"<table><tr><td>",
    b"</td><td>", b"<br/>" * 5, b"<!--", b"-->", b"<script>var a='<p>';", b"</script>",
    b"<?xml version='1.0' encoding='utf-16'?>", b'<meta charset="utf-16">',
    b'<meta charset="x-unknown">', b"\xff\xfe", b"\xef\xbb\xbf", b"\x00", b"\x1b[31m",
    b"\xe2\x80\xae", b"\xd6\xd0\xce\xc4", b"\x81\x30\x81\x30", b"\xa1\xa1" * 4,
    b"<title></title>", b"<h1>\xe5\x85\xb3\xe4\xba\x8e</h1>", b'<div class="TRS_Editor">',
    b'<meta name="PubDate" content="2024-13-45 99:99">', b"\xe5\x8f\x91\xe5\xb8\x83\xe6\x97\xb6"
    b"\xe9\x97\xb4\xef\xbc\x9a2024\xe5\xb9\xb42\xe6\x9c\x8830\xe6\x97\xa5",
    b'<a href="javascript:alert(1)">x</a>', b'<a href="http://[::1">', b'<img src="data:,">',
    b"<p style=2jpg/", b"1jpg/>", b"\r\n", b"\t" * 50,
]  # fmt: skip

FRACTION = st.floats(min_value=0, max_value=1, allow_nan=False)


def _at(fraction: float, length: int) -> int:
    return min(length, int(fraction * length))


@st.composite
def byte_edit(draw: st.DrawFn) -> tuple[str, float, float, bytes]:
    kind = draw(st.sampled_from(["truncate", "delete", "insert", "snippet", "repeat", "flip"]))
    payload = b""
    if kind == "insert":
        payload = draw(st.binary(min_size=1, max_size=64))
    elif kind == "snippet":
        payload = draw(st.sampled_from(HTML_SNIPPETS))
    return kind, draw(FRACTION), draw(FRACTION), payload


def apply_byte_edits(data: bytes, edits: list[tuple[str, float, float, bytes]]) -> bytes:
    for kind, first, second, payload in edits:
        start = _at(first, len(data))
        end = start + _at(second, len(data) - start) // 8 + 1
        if kind == "truncate":
            data = data[:start]
        elif kind == "delete":
            data = data[:start] + data[end:]
        elif kind in ("insert", "snippet"):
            data = data[:start] + payload + data[start:]
        elif kind == "repeat":
            data = data[:end] + data[start:end] * 3 + data[end:]
        elif kind == "flip" and data:
            index = min(start, len(data) - 1)
            data = data[:index] + bytes([data[index] ^ 0xA5]) + data[index + 1 :]
    return data


@st.composite
def pages(draw: st.DrawFn) -> bytes:
    """A seed page (or nothing, or random bytes) with up to six edits."""
    source = draw(st.sampled_from(["seed"] * 8 + ["empty", "random"]))
    if source == "empty":
        data = b""
    elif source == "random":
        data = draw(st.binary(max_size=2000))
    else:
        data = draw(st.sampled_from(PAGE_SEEDS)).read_bytes()
    return apply_byte_edits(data, draw(st.lists(byte_edit(), max_size=6)))


URLS = st.one_of(
    st.sampled_from(
        [
            "http://jyt.shanxi.gov.cn/xwzx/tzgg/202406/t20240618_1.html",
            "https://www.moe.gov.cn/srcsite/A03/s3013/202406/t20240620_1136.html",
            "http://jyt.zj.gov.cn/art/2024/6/18/art_1532973_58943.html",
            "http://127.0.0.1:8080/a/b.html",
            "http://[::1]:8080/p?x=1#y",
            "http://jyt.shanxi.gov.cn/P020240618000.pdf",
            "http://jyt.shanxi.gov.cn/",
        ]
    ),
    st.text(max_size=80).map(lambda text: "http://jyt.shanxi.gov.cn/" + text),
    st.text(max_size=60),
)

YAML_VALUES = [
    "", "null", "~", "0", "-1", "1e309", "999999999999999999999", "true", "[]", "{}", "[a, [b]]",
    "{a: 1}", "'", '"', '"\\x00"', "!!python/object:os.system ls", "!!binary aGk=", "&a x", "*a",
    "*undefined", "|\n  block", ">-", "? complex", "- item", "%TAG ! x", "\t", "\u202e", "日期",
    "http://", "https://jyt.x.gov.cn:99999/", "ftp://x/", "*/5 * * * *", "61 25 * * *", "0m",
    "ul li[", "p::text", "([unclosed", "(?P<x>", "gbk", "utf-99", "x" * 300, "{page}{page}",
    "localhost:0", "http://files.x.cn/", "[::1]:80",
]  # fmt: skip


@st.composite
def line_edit(draw: st.DrawFn) -> tuple[str, float, float, str]:
    kind = draw(
        st.sampled_from(["delete", "duplicate", "swap", "indent", "dedent", "value", "insert"])
    )
    text = ""
    if kind == "value":
        text = draw(st.one_of(st.sampled_from(YAML_VALUES), st.text(max_size=20)))
    elif kind == "insert":
        text = draw(st.one_of(st.sampled_from(YAML_VALUES), st.text(max_size=40)))
    return kind, draw(FRACTION), draw(FRACTION), text


def apply_line_edits(text: str, edits: list[tuple[str, float, float, str]]) -> str:
    lines = text.split("\n")
    for kind, first, second, payload in edits:
        if not lines:
            lines = [""]
        index = min(_at(first, len(lines)), len(lines) - 1)
        other = min(_at(second, len(lines)), len(lines) - 1)
        line = lines[index]
        if kind == "delete":
            del lines[index]
        elif kind == "duplicate":
            lines.insert(index, line)
        elif kind == "swap":
            lines[index], lines[other] = lines[other], line
        elif kind == "indent":
            lines[index] = "  " + line
        elif kind == "dedent":
            lines[index] = line[2:] if line.startswith("  ") else line.lstrip()
        elif kind == "value":
            key, colon, _ = line.partition(":")
            lines[index] = f"{key}: {payload}" if colon else f"{line} {payload}"
        elif kind == "insert":
            lines.insert(index, payload)
    return "\n".join(lines)


@st.composite
def site_texts(draw: st.DrawFn) -> str:
    """A shipped site file (or random text) with up to six line edits."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=400))
    text = draw(st.sampled_from(SITE_SEEDS)).read_text("utf-8")
    return apply_line_edits(text, draw(st.lists(line_edit(), max_size=6)))
