"""BM25 over chunk title + section + text, with visibility filtering (Okapi BM25, k1=1.2, b=0.75).

Terms are words in any script, plus what makes the match tolerant: each longer word also yields its
character trigrams (so "conect" still shares most of its terms with "connect", and "slak" with
"slack"), and scripts written without spaces (Chinese, Japanese, Thai …) yield overlapping character
bigrams instead of one "word" per sentence. Trigram terms are marked with "#" so they never collide
with a word; BM25's idf keeps the common ones cheap.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from knowledge.chunking import Chunk

_STOP = frozenset(
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


_WORD = re.compile(r"\w+")
_NO_SPACES = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
GRAM = 3
GRAM_FROM = 4  # words at least this long also yield their character trigrams


def words(text: str) -> list[str]:
    """Lower-case word tokens without stop words, lightly stemmed (runs of CJK/Thai become bigrams)."""
    out: list[str] = []
    for w in _WORD.findall(text.lower()):
        if _NO_SPACES.search(w):
            for run in _NO_SPACES.split(w):  # letters of other scripts around the run stay words
                if run and run not in _STOP:
                    out.append(_stem(run))
            for run in _NO_SPACES.findall(w):
                out += [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
        elif w not in _STOP:
            out.append(_stem(w))
    return out


def tokens(text: str) -> list[str]:
    """BM25 terms: `words`, plus the character trigrams of longer words (typo tolerance)."""
    out = words(text)
    grams = []
    for w in out:
        if len(w) >= GRAM_FROM and w.isalpha() and not _NO_SPACES.search(w):
            padded = f"<{w}>"
            grams += [f"#{padded[i : i + GRAM]}" for i in range(len(padded) - GRAM + 1)]
    return out + grams


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


class Bm25:
    """Okapi BM25 with each term's weights precomputed (they do not depend on the query): a search
    adds up the postings of the question's terms with numpy, so it stays fast at 100k+ chunks."""

    def __init__(self, chunks: Sequence[Chunk], k1: float = 1.2, b: float = 0.75) -> None:
        self.chunks = list(chunks)
        self.k1, self.b = k1, b
        docs = [Counter(tokens(f"{c.title} {c.section} {c.text}")) for c in self.chunks]
        lengths = np.array([sum(d.values()) for d in docs], dtype=np.float64)
        avg = float(lengths.mean()) if len(docs) else 0.0
        norm = k1 * (1 - b + b * lengths / (avg or 1.0))  # the length part of the denominator, per chunk
        ids: dict[str, list[int]] = {}
        tfs: dict[str, list[int]] = {}
        for i, d in enumerate(docs):
            for term, tf in d.items():
                ids.setdefault(term, []).append(i)
                tfs.setdefault(term, []).append(tf)
        n = len(docs)
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, where in ids.items():
            idx = np.array(where, dtype=np.int64)
            tf = np.array(tfs[term], dtype=np.float64)
            idf = math.log(1 + (n - len(where) + 0.5) / (len(where) + 0.5))
            self.postings[term] = (idx, idf * tf * (k1 + 1) / (tf + norm[idx]))
        self._visibility = {
            v: np.array([c.visibility == v for c in self.chunks], dtype=bool)
            for v in {c.visibility for c in self.chunks}
        }

    def search(self, query: str, *, k: int, visibilities: Sequence[str]) -> list[tuple[Chunk, float]]:
        hits = [self.postings[t] for t in set(tokens(query)) if t in self.postings]
        if not hits or k <= 0:
            return []
        idx = np.concatenate([h[0] for h in hits])
        scores = np.bincount(idx, weights=np.concatenate([h[1] for h in hits]), minlength=len(self.chunks))
        allowed = np.zeros(len(self.chunks), dtype=bool)
        for v in visibilities:
            if v in self._visibility:
                allowed |= self._visibility[v]
        scores[~allowed] = 0.0
        found = np.flatnonzero(scores)
        if len(found) > k:
            found = found[np.argpartition(-scores[found], k - 1)[:k]]
        ranked = found[np.argsort(-scores[found], kind="stable")]
        return [(self.chunks[i], float(scores[i])) for i in ranked]
