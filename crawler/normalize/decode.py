"""Bytes to text: HTTP charset, BOM, strict UTF-8, the declared charset, then GB18030.

Chinese pages often lie about their charset (several declare gb2312 and are UTF-8), and a plain
``gbk``/``gb2312`` codec fails on characters GB18030 has; so every GB label decodes as GB18030.

A page that says UTF-8 and is UTF-8 but for a few stray bytes (a GBK server-side include, Word's
Windows-1252 quotes) is handed to beautifulsoup4's ``UnicodeDammit``: it mends the Windows-1252
runs (``detwingle``) and keeps the page UTF-8, where decoding it all as GB18030 would garble
every character (bench/decode.py).
"""

from __future__ import annotations

import codecs
import logging
import re

from bs4 import UnicodeDammit

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# Servers send these by default whatever the page is; they decode any bytes, so they prove nothing.
_UNTRUSTED_HTTP = {"latin-1", "iso8859-1", "ascii", "cp1252"}
_HIGH_BYTES = bytes(range(0x80, 0x100))
# UnicodeDammit logs a warning for every page it had to replace bytes in: expected here.
logging.getLogger("bs4.dammit").setLevel(logging.ERROR)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "gb_2312-80", "csgb2312", "euc-cn"}


def canonical_codec(label: str | None) -> str | None:
    """Python's codec for a charset label; every GB label becomes gb18030; unknown -> None."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _GB_FAMILY:
        return "gb18030"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return "gb18030" if name in {"gbk", "gb2312", "gb18030"} else name


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KiB (`<meta charset>` or http-equiv)."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def decode_html(
    data: bytes, http_charset: str | None = None, *, mend: bool = True
) -> tuple[str, str]:
    """Decode page bytes; returns the text and the codec that decoded it. ``mend=False``: no
    UnicodeDammit for mostly-UTF-8 pages (the decoder as it was, for bench/decode.py)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace"), codec
    http_codec = canonical_codec(http_charset)
    if http_codec in _UNTRUSTED_HTTP:
        http_codec = None
    if http_codec and http_codec != "gb18030":
        try:
            return data.decode(http_codec), http_codec
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = canonical_codec(declared_charset(data))
    if mend and "utf-8" in (http_codec, declared) and _mostly_utf8(data):
        mended = UnicodeDammit(UnicodeDammit.detwingle(data), ["utf-8"], is_html=True)
        if mended.unicode_markup is not None:
            return mended.unicode_markup, "utf-8"
    for candidate in (http_codec, declared, "gb18030"):
        if candidate and candidate != "utf-8":
            try:
                return data.decode(candidate), candidate
            except UnicodeDecodeError:
                continue
    return data.decode("gb18030", errors="replace"), "gb18030"


def _mostly_utf8(data: bytes, stray: float = 0.1) -> bool:
    """Whether the bytes outside valid UTF-8 sequences are at most ``stray`` of the non-ASCII
    bytes (in a wholly GBK page declared UTF-8 they are most of them)."""
    bad = data.decode("utf-8", errors="replace").count("\ufffd")
    wide = len(data) - len(data.translate(None, _HIGH_BYTES))
    return bad <= stray * wide
