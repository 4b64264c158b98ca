"""BM25 over chunk title + section + text, with visibility filtering (Okapi BM25, k1=1.2, b=0.75)."""

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


def tokens(text: str) -> list[str]:
    """Lower-case word tokens without stop words, lightly stemmed."""
    return [_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP]


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
