"""The terms of the lexical index (`knowledge.lexical`), made here, in Python, for both engines.

Terms are words in any script, plus what makes the match tolerant: each longer word also yields its
character trigrams (so "conect" still shares most of its terms with "connect", and "slak" with
"slack"), and scripts written without spaces (Chinese, Japanese, Thai …) yield overlapping character
bigrams instead of one "word" per sentence. Trigram terms are marked with "#" so they never collide
with a word; BM25's idf keeps the common ones cheap. `ANALYZER` names this analysis: an index built by
another one must be rebuilt.
"""

from __future__ import annotations

import re
import unicodedata

STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "my",
        "of",
        "on",
        "or",
        "so",
        "that",
        "the",
        "this",
        "to",
        "was",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "me",
        "we",
        "our",
    ]
)


def _marks() -> str:
    """The combining marks of the Basic Multilingual Plane as a character class: vowel signs and tone
    marks are part of a word in Thai, Lao, Khmer, Myanmar and the Indic scripts, but `\\w` does not count
    them ("ลืมรหัสผ่าน" fell apart into ล, มร, รห, สผ, าน and "पासवर्ड" into प, सवर, ड; a review)."""
    codes = [c for c in range(0x300, 0x10000) if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me")]
    return "".join(re.escape(chr(c)) for c in codes)


_WORD = re.compile(rf"[\w{_marks()}]+")
# scripts written without spaces: Thai and Lao, Myanmar, Khmer, kana, CJK, Hangul
_NO_SPACES = re.compile(
    r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+"
)
GRAM = 3
GRAM_FROM = 4  # words at least this long also yield their character trigrams
GRAM_MARK = "#"  # a trigram term starts with this, so it never collides with a word
# Longer "words" are no words (a base64 blob, a hash, a minified line) and are not indexed: PostgreSQL
# refuses a term over 2,047 bytes, which aborted a whole ingest (a review); 100 characters is far past
# the longest compound in a help centre and under that limit in any script.
MAX_WORD = 100


# Marks a writer may or may not put on a word, which `\w` does not count as part of it: Arabic vowel
# signs (harakat, shadda, sukun, the dagger alef) and the tatweel that stretches a word, Hebrew points.
# "أُصدِّر" was three terms (أ, صد, ر) and "حـذف" never matched "حذف": they are left out, in articles
# and questions alike. Text without them has the same terms as before, so no index must be rebuilt for
# this; an Arabic or Hebrew help centre written *with* them gets whole words once re-ingested.
_OPTIONAL_MARKS = dict.fromkeys(
    [
        0x0640,
        *range(0x064B, 0x0653),
        0x0670,
        *range(0x0591, 0x05BE),
        0x05BF,
        0x05C1,
        0x05C2,
        0x05C4,
        0x05C5,
        0x05C7,
    ]
)


def unmarked(text: str) -> str:
    """`text` without the optional marks of Arabic and Hebrew words (`_OPTIONAL_MARKS`)."""
    return text.translate(_OPTIONAL_MARKS)


def words(text: str) -> list[str]:
    """Lower-case word tokens without stop words, lightly stemmed (runs of CJK/Thai become bigrams)."""
    out: list[str] = []
    # NFKC: fullwidth "ｐａｓｓｗｏｒｄ" is "password", halfwidth "ﾊﾟｽﾜｰﾄﾞ" is "パスワード" (a review)
    for w in _WORD.findall(unicodedata.normalize("NFKC", unmarked(text)).lower()):
        if _NO_SPACES.search(w):
            for run in _NO_SPACES.split(w):  # letters of other scripts around the run stay words
                if run and run not in STOP_WORDS and len(run) <= MAX_WORD:
                    out.append(stem(run))
            for run in _NO_SPACES.findall(w):
                out += [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
        elif w not in STOP_WORDS and len(w) <= MAX_WORD:
            out.append(stem(w))
    return out


def unspaced(text: str) -> bool:
    """Whether `text` holds characters of a script written without spaces between words (Chinese,
    Japanese, Thai …): `words` cuts such runs into bigrams, not words."""
    return bool(_NO_SPACES.search(text))


def term_of(word: str) -> str | None:
    """The term one lower-case word without CJK/Thai characters is indexed under (None for a stop
    word): what `words` makes of it, without tokenizing (spelling weighs thousands of candidates)."""
    return None if word in STOP_WORDS else stem(word)


def tokens(text: str) -> list[str]:
    """BM25 terms: `words`, plus the character trigrams of longer words (typo tolerance)."""
    out = words(text)
    grams = []
    for w in out:
        if len(w) >= GRAM_FROM and _lettered(w) and not _NO_SPACES.search(w):
            padded = f"<{w}>"
            grams += [f"{GRAM_MARK}{padded[i : i + GRAM]}" for i in range(len(padded) - GRAM + 1)]
    return out + grams


def _lettered(word: str) -> bool:
    """Letters and their combining marks only ("पासवर्ड" is, "v2" and "a_b" are not)."""
    return all(ch.isalpha() or unicodedata.category(ch)[0] == "M" for ch in word)


def stem(word: str) -> str:
    """A word's light stem (the term it is indexed under)."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


ANALYZER = "words+trigrams+cjk-bigrams/1"  # change when `tokens` changes: old indexes must be rebuilt
