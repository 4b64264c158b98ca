"""Hybrid retrieval: dense (Chroma) and lexical (BM25) candidates, fused per document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.chunking import Chunk
from knowledge.lexical import Bm25
from knowledge.store import VectorStore


@dataclass(frozen=True)
class Hit:
    """One document's evidence: its best chunk and the scores behind the ranking."""

    doc_id: str
    chunk: Chunk
    dense: float
    lexical: float
    score: float


@dataclass(frozen=True)
class RetrievalParams:
    dense_k: int = 40
    lexical_k: int = 40
    lexical_weight: float = 0.25  # weight of the query-normalised BM25 score next to the cosine


def retrieve(
    question: str,
    vector: np.ndarray,
    *,
    store: VectorStore,
    bm25: Bm25,
    visibilities: Sequence[str],
    params: RetrievalParams,
) -> list[Hit]:
    """Documents ranked by cosine + weight × BM25/BM25max; each with its best chunk."""
    dense = store.query(vector, k=params.dense_k, visibilities=visibilities)
    lexical = bm25.search(question, k=params.lexical_k, visibilities=visibilities)
    best_dense: dict[str, tuple[Chunk, float]] = {}
    for chunk, score in dense:
        if chunk.doc_id not in best_dense or score > best_dense[chunk.doc_id][1]:
            best_dense[chunk.doc_id] = (chunk, score)
    best_lex: dict[str, tuple[Chunk, float]] = {}
    for chunk, score in lexical:
        if chunk.doc_id not in best_lex or score > best_lex[chunk.doc_id][1]:
            best_lex[chunk.doc_id] = (chunk, score)
    top_lex = max((s for _, s in best_lex.values()), default=0.0) or 1.0
    floor = min((s for _, s in best_dense.values()), default=0.0)
    hits = []
    for doc_id in best_dense.keys() | best_lex.keys():
        chunk, d = best_dense.get(doc_id, (None, floor))
        lchunk, lx = best_lex.get(doc_id, (None, 0.0))
        lex_norm = lx / top_lex
        hits.append(Hit(doc_id, chunk or lchunk, d, lex_norm, d + params.lexical_weight * lex_norm))  # type: ignore[arg-type]
    hits.sort(key=lambda h: -h.score)
    return hits
