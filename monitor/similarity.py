"""Predecessor linking for new directives: folded titles, MinHash sketches and LSH band keys.

Authorities reissue a directive every year under the same title with the year changed. A new
article's predecessor is the earlier article of the same authority it most resembles: the same
title once years, dates and numbers are folded (`fold_title`), or, failing that, a body whose
character 3-gram set is close enough (estimated Jaccard similarity).

Content similarity is a one-permutation MinHash (one hash per shingle, binned, with optimal
densification for empty bins), deterministic across processes and Python versions: it hashes
with integer arithmetic and BLAKE2b, never with Python's salted ``hash()``. The signature is cut
into bands; each band, together with the authority, becomes a 64-bit band key. Two articles that
share a band key are candidates, so finding a predecessor is an index lookup on band keys and on
the title key, never a scan. The store keeps the keys in an indexed table
(monitor.store.predecessors).
"""

from __future__ import annotations

import codecs
import re
import struct
import sys
import unicodedata
from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from hashlib import blake2b
from itertools import compress, repeat
from operator import and_, eq

from crawler.names import SHANGHAI_FIXED as SHANGHAI
from crawler.normalize.text import nfkc

NUM_PERM = 120
BANDS = 40
ROWS = 3
SHINGLE = 3
SCHEME = f"oph{NUM_PERM}-b{BANDS}r{ROWS}-s{SHINGLE}-v1"
"""Names the sketch and band-key design; stored keys made under another scheme don't compare."""

TITLE_MIN_JACCARD = 0.15
"""With equal folded titles, this much content similarity makes a predecessor."""
CONTENT_MIN_JACCARD = 0.45
"""Without equal titles, the content alone must be this similar."""
MIN_SHINGLES = 20
"""Bodies with fewer distinct shingles are too short to compare (e.g. `附件: …` stubs)."""
MIN_TITLE_FOLD = 5
"""Shorter folded titles (`通知`, `公告`) say nothing about identity."""
RECENCY_TOLERANCE = 0.03
"""Candidates this close to the best similarity count as ties, won by the most recent."""


_CN_NUMERAL = "〇零一二三四五六七八九十百千万两"
# A number: digits (`12`, `3.5`); a run of two or more Chinese numerals (`二〇二四`, `十三`); one
# numeral after `第` or before a counter (`第九`, `五年`). That is
# `\d+(?:\.\d+)?|[N]{2,}|(?<=第)[N]|[N](?=[年…])`, written to start with one character class so
# that `re` scans for candidates in C (its charset prefix) instead of trying every position.
_NUMBERS = re.compile(
    rf"[\d{_CN_NUMERAL}](?:(?<=\d)\d*(?:\.\d+)?|[{_CN_NUMERAL}]+|(?<=第.)"
    rf"|(?=[年月日号届批次期个项名轮季]))"
)
_NOT_TEXT = re.compile(r"[^\w#]")
"""With ``_`` (a word character) removed beforehand: what folding drops."""
_FOLDED_NUMBERS = re.compile(r"##+")

_MASK32 = (1 << 32) - 1


def fold_text(text: str) -> str:
    """NFKC, lower case, every number (years, dates, 二〇二四, 第十三, 〔2024〕12号) as ``#``,
    whitespace and punctuation dropped."""
    text = _nfkc(text).lower()
    text = _NUMBERS.sub("#", text).replace("_", "")
    return _FOLDED_NUMBERS.sub("#", _NOT_TEXT.sub("", text))


def _nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``: stored text is normalized already (a quick
    check), other Chinese text mostly needs full-width punctuation replaced (``nfkc``)."""
    return text if unicodedata.is_normalized("NFKC", text) else nfkc(text)


def fold_title(title: str) -> str:
    """The title with years, dates, numbers and ordinals folded: yearly reissues fold equal."""
    return fold_text(title)


def normalize_authority(authority: str) -> str:
    folded = unicodedata.normalize("NFKC", authority).strip()
    if not folded:
        raise ValueError("authority must be a non-empty string")
    return folded


# --- sketches ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sketch:
    """What predecessor linking knows of one article."""

    title_fold: str
    signature: tuple[int, ...]
    """NUM_PERM 32-bit MinHash values; empty when the body has no shingle at all."""
    shingle_count: int

    @property
    def comparable(self) -> bool:
        return self.shingle_count >= MIN_SHINGLES


def sketch(title: str, text: str) -> Sketch:
    """Fold the title and the body, and MinHash the body's character shingles."""
    hashes = _shingle_set(fold_text(text))
    return Sketch(fold_title(title), minhash(hashes), len(hashes))


def shingle_hashes(folded: str) -> list[int]:
    """Sorted distinct 64-bit hashes of the text's character 3-grams (simple tabulation hashing:
    one random table per position, XORed; a text shorter than 3 is one padded shingle)."""
    return sorted(_shingle_set(folded))


def _shingle_set(folded: str) -> set[int]:
    """`shingle_hashes`, unsorted."""
    if not folded:
        return set()
    return set(_shingle_values(folded.ljust(SHINGLE, "\x00")))


def _shingle_values(folded: str) -> memoryview:
    """The hash of every shingle of a text of at least SHINGLE characters, computed in bulk.

    Each character becomes a record of its SHINGLE table values (8-byte words, `_RECORDS`,
    looked up in C by ``charmap_encode``). Read as one little-endian integer, the value of table
    p for the character p places further on is (SHINGLE + 1) * p words above table 0's value for
    this one: XORing the integer with itself shifted down by those amounts leaves every
    shingle's hash in the first word of its record. The shifts move whole words, so each word
    keeps the native byte order that the memoryview reads.
    """
    records = codecs.charmap_encode(folded, "strict", _RECORDS)[0]
    whole = int.from_bytes(records, "little")
    mixed = whole
    for position in range(1, SHINGLE):
        mixed ^= whole >> (64 * (SHINGLE + 1) * position)
    words = memoryview(mixed.to_bytes(len(records), "little")).cast("Q")
    return words[: SHINGLE * (len(folded) - SHINGLE + 1) : SHINGLE]


class _RandomTable(dict[str, int]):
    """Character -> 64-bit value, drawn from BLAKE2b on first use (the same in every process)."""

    def __init__(self, salt: bytes) -> None:
        super().__init__()
        self.salt = salt

    def __missing__(self, char: str) -> int:
        data = char.encode("utf-8", "surrogatepass")
        value = int.from_bytes(blake2b(data, digest_size=8, salt=self.salt).digest(), "big")
        self[char] = value
        return value


_TABLES = tuple(_RandomTable(f"shingle{position}".encode()) for position in range(SHINGLE))


class _Records(dict[int, bytes]):
    """Code point -> the character's values in `_TABLES`, as native 64-bit words, on first use."""

    def __missing__(self, code: int) -> bytes:
        char = chr(code)
        value = b"".join(table[char].to_bytes(8, sys.byteorder) for table in _TABLES)
        self[code] = value
        return value


_RECORDS = _Records()


def minhash(hashes: Collection[int]) -> tuple[int, ...]:
    """One-permutation MinHash of 64-bit hashes (in any order): the low 32 bits of the least hash
    of each of NUM_PERM equal ranges (bin ``b`` holds ``ceil(b * 2**64 / NUM_PERM) <= h <
    ceil((b + 1) * 2**64 / NUM_PERM)``, that is ``h * NUM_PERM >> 64 == b``); an empty range
    takes the value of the first non-empty one on its probe path."""
    if not hashes:
        return ()
    least = [_NO_HASH] * NUM_PERM
    for value in hashes:  # one pass: cheaper than sorting
        b = value * NUM_PERM >> 64
        if value < least[b]:
            least[b] = value
    values = list(map(and_, least, repeat(_MASK32)))
    empty = list(compress(range(NUM_PERM), map(eq, least, repeat(_NO_HASH))))
    if empty:
        _densify(values, empty)
    return tuple(values)


_NO_HASH = 1 << 64
"""Above every 64-bit hash: the least value of an empty bin."""


@cache
def _probe_order(empty_bin: int) -> tuple[int, ...]:
    """A fixed pseudo-random order of the other bins (BLAKE2b-derived, stable forever)."""
    others = [b for b in range(NUM_PERM) if b != empty_bin]
    return tuple(sorted(others, key=lambda b: blake2b(f"{empty_bin}:{b}".encode()).digest()))


def _densify(values: list[int], empty: list[int]) -> None:
    """Give each empty bin, in place, the value of the first non-empty bin on its probe path."""
    skip = set(empty)
    for index in empty:
        values[index] = values[next(b for b in _probe_order(index) if b not in skip)]


def estimate_jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    """The share of equal MinHash values: an estimate of the shingle sets' Jaccard similarity."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


def pack_signature(signature: Sequence[int]) -> bytes:
    """The signature as bytes for a database column (big-endian 32-bit values)."""
    return struct.pack(f">{len(signature)}I", *signature)


def unpack_signature(data: bytes) -> tuple[int, ...]:
    if len(data) % 4:
        raise ValueError(f"a packed signature has a multiple of 4 bytes, not {len(data)}")
    return struct.unpack(f">{len(data) // 4}I", data)


# --- index keys ----------------------------------------------------------------------------


def _key(*parts: bytes) -> int:
    """A signed 64-bit key (fits SQLite INTEGER and PostgreSQL BIGINT)."""
    digest = blake2b(b"\x00".join(parts), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def band_keys(authority: str, item: Sketch) -> list[int]:
    """The LSH band keys of an article, scoped to its authority; none for a too short body."""
    if not item.comparable:
        return []
    scope = normalize_authority(authority).encode()
    sig = item.signature
    return [
        _key(scope, band.to_bytes(1, "big"), struct.pack(f">{ROWS}I", *sig[start : start + ROWS]))
        for band, start in enumerate(range(0, BANDS * ROWS, ROWS))
    ]


def title_key(authority: str, title_fold: str) -> int | None:
    """The key of a folded title within its authority; None when the title is too generic."""
    if len(title_fold) < MIN_TITLE_FOLD:
        return None
    return _key(normalize_authority(authority).encode(), b"title", title_fold.encode())


def to_instant(moment: datetime | date) -> float:
    """A POSIX timestamp; dates and naive datetimes are Asia/Shanghai."""
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=SHANGHAI)
    elif isinstance(moment, date):
        aware = datetime(moment.year, moment.month, moment.day, tzinfo=SHANGHAI)
    else:
        raise TypeError(f"expected a date or datetime, got {type(moment).__name__}")
    return aware.timestamp()


# --- choosing ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """An earlier article of the same authority met through the title key or a band key."""

    article_id: Hashable
    published: float
    title_match: bool
    comparable: bool
    jaccard: float


@dataclass(frozen=True, slots=True)
class Match:
    """The predecessor found, its estimated content similarity and why it was chosen."""

    article_id: Hashable
    score: float
    title_match: bool
    reason: str


def choose_predecessor(candidates: Sequence[Candidate]) -> Match | None:
    """Equal folded titles with decent content similarity beat content alone; near ties go to
    the most recent article (the 2023 notice, not the 2021 one, for a 2024 notice)."""
    qualified = [c for c in candidates if _qualifies(c)]
    if not qualified:
        return None
    tier = max(c.title_match for c in qualified)
    pool = [c for c in qualified if c.title_match == tier]
    top = max(c.jaccard for c in pool)
    best = max(
        (c for c in pool if c.jaccard >= top - RECENCY_TOLERANCE),
        key=lambda c: (c.published, c.jaccard),
    )
    return Match(best.article_id, best.jaccard, best.title_match, _reason(best))


def _qualifies(c: Candidate) -> bool:
    if c.title_match and (not c.comparable or c.jaccard >= TITLE_MIN_JACCARD):
        return True
    return c.comparable and c.jaccard >= CONTENT_MIN_JACCARD


def _reason(c: Candidate) -> str:
    if not c.title_match:
        return f"content similarity {c.jaccard:.2f}"
    if not c.comparable:
        return "same folded title (bodies too short to compare)"
    return f"same folded title, content similarity {c.jaccard:.2f}"
