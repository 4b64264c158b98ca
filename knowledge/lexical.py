"""BM25 over chunk title + section + text, with visibility filtering (Okapi BM25, k1=1.2, b=0.75)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

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


def tokens(text: str) -> list[str]:
    """Lower-case word tokens without stop words, lightly stemmed."""
    return [_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP]


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


class Bm25:
    def __init__(self, chunks: Sequence[Chunk], k1: float = 1.2, b: float = 0.75) -> None:
        self.chunks = list(chunks)
        self.k1, self.b = k1, b
        self.docs = [Counter(tokens(f"{c.title} {c.section} {c.text}")) for c in self.chunks]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg = (sum(self.lengths) / len(self.lengths)) if self.lengths else 0.0
        df: Counter[str] = Counter()
        for d in self.docs:
            df.update(d.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.postings: dict[str, list[int]] = {}
        for i, d in enumerate(self.docs):
            for t in d:
                self.postings.setdefault(t, []).append(i)

    def search(self, query: str, *, k: int, visibilities: Sequence[str]) -> list[tuple[Chunk, float]]:
        scores: dict[int, float] = {}
        for term in set(tokens(query)):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for i in self.postings[term]:
                tf = self.docs[i][term]
                norm = (
                    tf
                    * (self.k1 + 1)
                    / (tf + self.k1 * (1 - self.b + self.b * self.lengths[i] / (self.avg or 1)))
                )
                scores[i] = scores.get(i, 0.0) + idf * norm
        allowed = set(visibilities)
        ranked = sorted((i for i in scores if self.chunks[i].visibility in allowed), key=lambda i: -scores[i])
        return [(self.chunks[i], scores[i]) for i in ranked[:k]]
