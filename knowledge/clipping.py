"""Text cut to a length for a surface with a limit (Slack blocks, an answer, a title), at a boundary a
reader sees: a space, or the punctuation of a script written without spaces (Chinese "，" and "。")."""

from __future__ import annotations

import re
import unicodedata

# a break after which a cut looks deliberate: whitespace, or CJK punctuation (full-width and ideographic)
_BREAK = re.compile(r"[\s\u3001\u3002\uff01\uff0c\uff1a\uff1b\uff1f]")
_ZWJ = "\u200d"
_FLAGS = "".join(chr(c) for c in range(0x1F1E6, 0x1F200))  # regional indicators: two make a flag


def _joined(text: str, end: int) -> bool:
    """Whether a cut before `text[end]` splits what draws as one character: an emoji sequence (zero-width
    joiner, variation selector, skin tone) or a letter and its combining marks."""
    if not 0 < end < len(text):
        return False
    after = text[end]
    if _flag(after) and _flag(text[end - 1]):  # a flag is a pair of regional indicators
        run = len(text[:end]) - len(text[:end].rstrip(_FLAGS))
        return run % 2 == 1
    return (
        _ZWJ in (after, text[end - 1])
        or after in "\ufe0e\ufe0f"
        or "\U0001f3fb" <= after <= "\U0001f3ff"  # skin tones
        or "\U000e0020" <= after <= "\U000e007f"  # tag sequences (subdivision flags)
        or unicodedata.category(after) in ("Mn", "Mc", "Me")
    )


def _flag(ch: str) -> bool:
    return ch in _FLAGS


def clip(text: str | None, limit: int) -> str:
    """`text` cut to at most `limit` characters, with an ellipsis when cut: at the last break in its
    second half, else where the limit falls. (Cutting at the last space alone turned a 3,200-character
    Chinese answer that had one space near its start into its first three characters.)"""
    text = text or ""
    if len(text) <= limit:
        return text
    if limit < 2:
        return "…"[:limit]
    cut = text[: limit - 1]
    ends = [m.end() for m in _BREAK.finditer(cut, limit // 2)]
    if ends and cut[: ends[-1]].rstrip():
        return cut[: ends[-1]].rstrip() + "…"
    end = len(cut)
    while end > 0 and _joined(text, end):  # never half an emoji or a letter without its marks
        end -= 1
    return text[:end] + "…"
