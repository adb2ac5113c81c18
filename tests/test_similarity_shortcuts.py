"""The sketch's fast paths give what the plain formulation of the design gives.

Signatures and band keys are stored and compared across processes and versions, so `sketch`
must stay exactly what this file's reference computes: NFKC (not the full-width shortcut), the
original three regular expressions, one BLAKE2b table value per character and position XORed
per shingle, the least hash of each bin found by scanning, densification by probe order.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from functools import cache
from hashlib import blake2b
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.similarity import (
    NUM_PERM,
    SHINGLE,
    band_keys,
    fold_text,
    minhash,
    pack_signature,
    shingle_hashes,
    sketch,
)

# --- the reference -------------------------------------------------------------------------

NUMERAL = "〇零一二三四五六七八九十百千万两"
PLAIN_NUMBERS = re.compile(
    rf"\d+(?:\.\d+)?|[{NUMERAL}]{{2,}}|(?<=第)[{NUMERAL}]|[{NUMERAL}](?=[年月日号届批次期个项名轮季])"
)


def plain_fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w#]+|_+", "", PLAIN_NUMBERS.sub("#", text))
    return re.sub(r"#+", "#", text)


@cache
def table_value(position: int, char: str) -> int:
    data = char.encode("utf-8", "surrogatepass")
    digest = blake2b(data, digest_size=8, salt=f"shingle{position}".encode()).digest()
    return int.from_bytes(digest, "big")


def plain_shingle_hashes(folded: str) -> list[int]:
    if not folded:
        return []
    padded = folded.ljust(3, "\x00")
    shingles = {padded[i : i + 3] for i in range(len(padded) - 2)}
    return sorted(table_value(0, a) ^ table_value(1, b) ^ table_value(2, c) for a, b, c in shingles)


@cache
def probe_order(empty: int) -> list[int]:
    others = [b for b in range(120) if b != empty]
    return sorted(others, key=lambda b: blake2b(f"{empty}:{b}".encode()).digest())


BOUNDS = [-(-(b << 64) // 120) for b in range(121)]
"""Bin b holds the hashes from ceil(b * 2**64 / 120) on."""


def plain_minhash(hashes: list[int]) -> tuple[int, ...]:
    if not hashes:
        return ()
    least = [
        min((h for h in hashes if low <= h < high), default=None) for low, high in pairwise(BOUNDS)
    ]
    values = [None if h is None else h & 0xFFFFFFFF for h in least]
    return tuple(
        v if v is not None else next(values[b] for b in probe_order(i) if values[b] is not None)
        for i, v in enumerate(values)
    )


def plain_sketch(title: str, text: str) -> tuple[str, tuple[int, ...], int]:
    hashes = plain_shingle_hashes(plain_fold(text))
    return plain_fold(title), plain_minhash(hashes), len(hashes)


# --- generated text ------------------------------------------------------------------------

CHINESE = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
SMALL_CHINESE = st.sampled_from("的一是在不了有和人这中大为上个国以要时来用们生到作地于")
NUMBERS = st.sampled_from(list(NUMERAL + "第年月日号届批次期0123456789０１２３.．#＃_＿"))
COMPATIBLE = st.sampled_from(list("，：？！（）；\u3000\xa0…。、“”《》〔〕—－ ｶﾞ①ﬁ\u0301Åİ"))
ANY_CHAR = st.characters(codec="utf-8")  # any code point but surrogates
SURROGATE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
TEXT = st.text(
    st.one_of(CHINESE, SMALL_CHINESE, NUMBERS, COMPATIBLE, ANY_CHAR, SURROGATE), max_size=600
)


def got(title: str, text: str) -> tuple[str, tuple[int, ...], int]:
    item = sketch(title, text)
    return item.title_fold, item.signature, item.shingle_count


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.text(st.one_of(SMALL_CHINESE, NUMBERS, COMPATIBLE, ANY_CHAR), max_size=40), TEXT)
def test_sketch_matches_the_plain_formulation(title: str, text: str) -> None:
    assert got(title, text) == plain_sketch(title, text)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(st.one_of(SMALL_CHINESE, ANY_CHAR, SURROGATE, st.just("\x00")), max_size=8))
def test_short_and_raw_texts_hash_like_the_plain_formulation(folded: str) -> None:
    assert shingle_hashes(folded) == plain_shingle_hashes(folded)
    assert fold_text(folded) == plain_fold(folded)


NEAR_BOUNDS = sorted({h for b in BOUNDS for h in (b - 1, b, b + 1) if 0 <= h < 2**64})


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(
        st.one_of(st.integers(0, 2**64 - 1), st.sampled_from(NEAR_BOUNDS)),
        max_size=400,
        unique=True,
    )
)
def test_minhash_matches_the_plain_formulation(hashes: list[int]) -> None:
    hashes.sort()
    assert minhash(hashes) == plain_minhash(hashes)
    assert minhash(set(hashes)) == plain_minhash(hashes)  # any order


def test_minhash_bins_at_their_bounds() -> None:
    for start in range(0, len(NEAR_BOUNDS), 7):
        hashes = NEAR_BOUNDS[start : start + 200]
        assert minhash(hashes) == plain_minhash(hashes)


def test_long_bodies_with_and_without_empty_bins() -> None:
    rng = random.Random(5)
    pool = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 500)) + "，。、；：第二〇二四年12.5％ "
    for size in (50, 200, 400, 800, 3000):
        for _ in range(3):
            text = "".join(rng.choices(pool, k=size))
            assert got("", text) == plain_sketch("", text)


def test_sketches_stay_the_stored_ones() -> None:
    """Pinned: stored signatures and band keys must not change without a new SCHEME."""
    texts = [
        "",
        "a",
        "关于做好2024年普通高校招生工作的通知",
        "各省、自治区、直辖市教育厅（教委）：为做好二〇二四年招生工作，现将有关事项通知如下。" * 3,
        "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(5000)),
    ]
    digest = hashlib.sha256()
    for text in texts:
        item = sketch(text[:20], text)
        digest.update(item.title_fold.encode() + pack_signature(item.signature))
        digest.update(f"{item.shingle_count}{band_keys('测试', item)}".encode())
    assert len(sketch("", texts[-1]).signature) == NUM_PERM and SHINGLE == 3
    assert digest.hexdigest() == "6d1619ced370b9cb7bc0b1ef1b490d209639b8ac35f9bc155d0a34110a198799"
