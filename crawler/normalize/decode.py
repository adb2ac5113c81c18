"""Bytes to text: HTTP charset, BOM, strict UTF-8, the declared charset, then GB18030.

Chinese pages often lie about their charset (several declare gb2312 and are UTF-8), and a plain
``gbk``/``gb2312`` codec fails on characters GB18030 has; so every GB label decodes as GB18030.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# Servers send these by default whatever the page is; they decode any bytes, so they prove nothing.
_UNTRUSTED_HTTP = {"latin-1", "iso8859-1", "ascii", "cp1252"}
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


def decode_html(data: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Decode page bytes; returns the text and the codec that decoded it."""
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
    for candidate in (http_codec, declared, "gb18030"):
        if candidate and candidate != "utf-8":
            try:
                return data.decode(candidate), candidate
            except UnicodeDecodeError:
                continue
    return data.decode("gb18030", errors="replace"), "gb18030"
