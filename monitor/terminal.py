"""Text bound for a terminal: no bidirectional controls, no control characters.

A title that carries U+202E (RIGHT-TO-LEFT OVERRIDE) shows reversed, an ESC starts a terminal
escape sequence: what a page wrote must not rearrange or drive the operator's screen. Text
output drops them; JSON output writes them as ``\\uXXXX`` escapes (the same string to a parser).
"""

from __future__ import annotations

import re

from crawler.normalize.text import BIDI_CONTROLS

_UNSAFE = re.compile(f"[{BIDI_CONTROLS}\x00-\x08\x0b-\x1f\x7f-\x9f]")


def for_terminal(text: str) -> str:
    """``text`` without bidirectional controls and control characters (tabs and line breaks
    stay)."""
    return _UNSAFE.sub("", text)


def json_for_terminal(line: str) -> str:
    """A JSON text with those characters escaped (they only occur inside its strings)."""
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", line)
