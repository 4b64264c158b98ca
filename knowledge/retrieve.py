"""Hybrid retrieval: dense (chunks and titles in Chroma) and lexical (BM25: FTS5 or PostgreSQL, see
knowledge.lexical) evidence, fused per document.

A document's dense score is its best chunk's cosine similarity to the question, raised halfway towards
its title's when the title is closer: max(chunk, mean(title, chunk)). A title says what the article is
about, so a question that matches it gains; but a question about one detail of the article (a figure
in its third paragraph) is not about the title, and the article must not lose for that. (The plain
mean, before, pulled every detail question down to the title's similarity: on the dev sets hit@1 was
0.815 / 0.811 for Spanish / German questions to English paragraphs titled by their first sentence,
against 0.915 / 0.891 with the title only ever raising, and StackFAQ went 0.940 → 0.947.) BM25,
normalised by the best lexical score for this question, is added in units of this question's own
spread of dense scores (their standard deviation over the candidates): it breaks ties on product
names and error codes without outvoting the model, whatever the engine's similarity scale. (A fixed
weight of 0.1 cosine suited MiniLM, whose scores spread over 0.1–0.8, but swamped e5, whose scores
sit within a few hundredths: measured on the dev sets, e5's hit@1 fell from 0.936 to 0.883 on
StackFAQ and from 0.820 to 0.561 for Spanish questions to English articles.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor, wait
from dataclasses import dataclass

import numpy as np

from knowledge.chunking import Chunk
from knowledge.lexical import LexicalIndex
from knowledge.store import VectorStore


@dataclass(frozen=True)
class Hit:
    """One document's evidence: its best chunk and the scores behind the ranking."""

    doc_id: str
    chunk: Chunk  # from the vectors, a reference (no title or text): `VectorStore.fetch` completes it
    dense: float
    lexical: float
    score: float


@dataclass(frozen=True)
class RetrievalParams:
    dense_k: int = 60  # chunk and title vectors fetched from the store
    lexical_k: int = 40
    lexical_weight: float = 1.0  # the best BM25 match is worth this many standard deviations of dense scores


def retrieve(
    question: str,
    vector: np.ndarray,
    *,
    store: VectorStore,
    lexical: LexicalIndex,
    visibilities: Sequence[str],
    params: RetrievalParams,
    exclude: frozenset[str] = frozenset(),
    exclude_titles: frozenset[str] = frozenset(),
    typos: bool = True,
) -> list[Hit]:
    """Documents ranked by max(best chunk, mean(title, best chunk)) cosine + weight × BM25/BM25max (the
    weight in units of the question's dense spread); each with its best chunk.

    `exclude` leaves documents out entirely and `exclude_titles` only their title vectors: the
    self-calibration asks how a question scores when its article is missing (a near miss).
    `typos=False`: the lexical side matches whole words only (see `knowledge.lexical.search_terms`)."""
    dense = store.query(vector, k=params.dense_k, visibilities=visibilities)
    terms = lexical.search(question, k=params.lexical_k, visibilities=visibilities, typos=typos)
    return fuse(dense, terms, params=params, exclude=exclude, exclude_titles=exclude_titles)


def retrieve_while_encoding(
    question: str,
    encode: Callable[[str], np.ndarray],
    *,
    store: VectorStore,
    lexical: LexicalIndex,
    visibilities: Sequence[str],
    params: RetrievalParams,
    pool: Executor,
    typos: bool = True,
    encoded: str | None = None,
) -> list[Hit]:
    """`retrieve` for one question: its lexical search runs on `pool` while the question is encoded and
    the vectors searched. The two do not depend on each other, and the encoder and SQLite release the
    GIL, so an answer waits for the slower of the two instead of their sum. `encoded`: what the model
    reads when it differs from the words searched (misspellings corrected, `knowledge.spelling`)."""
    terms = pool.submit(lexical.search, question, k=params.lexical_k, visibilities=visibilities, typos=typos)
    try:
        dense = store.query(encode(encoded or question), k=params.dense_k, visibilities=visibilities)
    finally:
        wait([terms])  # never left running past the answer, even when encoding failed
    return fuse(dense, terms.result(), params=params)


def fuse(
    nearest: Sequence[tuple[Chunk, float]],
    matched: Sequence[tuple[Chunk, float]],
    *,
    params: RetrievalParams,
    exclude: frozenset[str] = frozenset(),
    exclude_titles: frozenset[str] = frozenset(),
) -> list[Hit]:
    """The ranking of `retrieve` from the store's nearest chunks and titles and the lexical matches."""
    titles: dict[str, float] = {}
    title_chunks: dict[str, Chunk] = {}
    chunks: dict[str, tuple[Chunk, float]] = {}
    for chunk, score in nearest:
        if chunk.doc_id in exclude:
            continue
        if chunk.position < 0:
            if chunk.doc_id in exclude_titles:
                continue
            titles[chunk.doc_id] = score
            title_chunks[chunk.doc_id] = chunk
        elif chunk.doc_id not in chunks or score > chunks[chunk.doc_id][1]:
            chunks[chunk.doc_id] = (chunk, score)
    terms: dict[str, tuple[Chunk, float]] = {}
    for chunk, score in matched:
        if chunk.doc_id in exclude:
            continue
        if chunk.doc_id not in terms or score > terms[chunk.doc_id][1]:
            terms[chunk.doc_id] = (chunk, score)
    # A document outside one list scores that list's lowest value: it ranked below everything fetched.
    title_floor = min(titles.values(), default=0.0)
    chunk_floor = min((s for _, s in chunks.values()), default=0.0)
    top_lex = max((s for _, s in terms.values()), default=0.0) or 1.0
    candidates = titles.keys() | chunks.keys() | terms.keys()
    denses = {}
    for d in candidates:
        chunk_score = chunks.get(d, (None, chunk_floor))[1]
        # a held-out title counts as close as the body (not as the worst title fetched)
        title_score = titles.get(d, chunk_score if d in exclude_titles else title_floor)
        denses[d] = max(chunk_score, (title_score + chunk_score) / 2)  # a title only ever raises
    spread = float(np.std(list(denses.values()))) if len(denses) > 1 else 0.0
    hits = []
    for doc_id in candidates:
        best, _ = chunks.get(doc_id, (None, chunk_floor))
        lex_chunk, lex_score = terms.get(doc_id, (None, 0.0))
        chunk = best or lex_chunk or title_chunks[doc_id]  # a title stand-in: fetched only if it is cited
        dense = denses[doc_id]
        lex_norm = lex_score / top_lex
        hits.append(Hit(doc_id, chunk, dense, lex_norm, dense + params.lexical_weight * spread * lex_norm))
    hits.sort(key=lambda h: (-h.score, h.doc_id))
    return hits
