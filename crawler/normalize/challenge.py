"""Recognize anti-bot challenge answers (瑞数 / Rivers Security, 加速乐) that hold no content."""

from __future__ import annotations

import re

CHALLENGE_STATUSES = frozenset({412, 521})
_MAX_CHALLENGE_BYTES = 16 * 1024
_MARKERS = re.compile(
    rb"\$_ts\s*=\s*window|\$_ss\s*=\s*window|\$_ts\.nsd|\$_ts\.cd|r=['\"]m['\"]|__jsl_clearance"
)


def is_challenge(body: bytes, status: int = 200) -> bool:
    """An HTTP 412/521 answer, or a small page carrying the challenge scripts."""
    if status in CHALLENGE_STATUSES:
        return True
    return len(body) <= _MAX_CHALLENGE_BYTES and _MARKERS.search(body) is not None
