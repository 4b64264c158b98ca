"""`KnowledgeBase`: the one object the rest of Deskbot uses (ingest, answer, stats)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from knowledge import chunking, documents
from knowledge.compose import best_passage
from knowledge.decide import DecisionParams, confidence
from knowledge.embedding import Embedder
from knowledge.lexical import Bm25
from knowledge.retrieve import RetrievalParams, retrieve
from knowledge.store import VectorStore

Audience = Literal["customer", "staff"]
VISIBILITY: dict[str, tuple[str, ...]] = {"customer": ("public",), "staff": ("public", "internal")}


@dataclass(frozen=True)
class Source:
    doc_id: str
    title: str
    url: str | None
    score: float


@dataclass(frozen=True)
class Answer:
    text: str
    sources: list[Source]
    confidence: float
    grounded: bool
    why_not: str | None = None
    ranking: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[str] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0


class KnowledgeBase:
    def __init__(
        self,
        *,
        store: VectorStore,
        embedder: Embedder,
        retrieval: RetrievalParams | None = None,
        decision: DecisionParams | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.retrieval = retrieval or RetrievalParams()
        self.decision = decision or DecisionParams()
        self._bm25: Bm25 | None = None

    def ingest(
        self,
        paths: Sequence[Path],
        *,
        prune: bool = False,
        progress: Callable[[int, int, str], None] | None = None,
    ) -> IngestReport:
        """Index new and changed files, skip unchanged ones, remove deleted ones with `prune`."""
        started = time.perf_counter()
        report = IngestReport()
        files = documents.discover(list(paths))
        indexed = self.store.doc_hashes()
        seen: set[str] = set()
        for i, path in enumerate(files):
            if progress:
                progress(i, len(files), str(path))
            try:
                doc = documents.load(path)
            except documents.SourceError as exc:
                report.failed.append(str(exc))
                continue
            seen.add(doc.doc_id)
            if indexed.get(doc.doc_id) == doc.content_hash:
                report.unchanged += 1
                continue
            chunks = chunking.split(doc)
            vectors = self.embedder.embed(
                [c.embed_text for c in chunks]
            )  # embed first: a failure leaves the old copy
            if doc.doc_id in indexed:
                self.store.delete_doc(doc.doc_id)
                report.updated += 1
            else:
                report.added += 1
            self.store.upsert(chunks, vectors, doc.content_hash)
            report.chunks += len(chunks)
        if prune:
            for doc_id in set(indexed) - seen:
                self.store.delete_doc(doc_id)
                report.removed += 1
        if progress:
            progress(len(files), len(files), "")
        self._bm25 = None
        report.seconds = time.perf_counter() - started
        return report

    @property
    def bm25(self) -> Bm25:
        if self._bm25 is None:
            self._bm25 = Bm25(self.store.all_chunks())
        return self._bm25

    def answer(self, question: str, audience: Audience = "customer") -> Answer:
        """Answer from the documents this audience may see, or abstain and say why."""
        started = time.perf_counter()
        question = " ".join(question.split())
        if not question:
            return Answer("", [], 0.0, False, "The question is empty.")
        vector = self.embedder.embed([question])[0]
        hits = retrieve(
            question,
            vector,
            store=self.store,
            bm25=self.bm25,
            visibilities=VISIBILITY[audience],
            params=self.retrieval,
        )
        conf = confidence(hits, self.decision)
        ranking = [h.doc_id for h in hits[:10]]
        elapsed = (time.perf_counter() - started) * 1000
        if not hits:
            return Answer(
                "", [], 0.0, False, "The knowledge base has no documents for this audience.", ranking, elapsed
            )
        sources = [Source(h.doc_id, h.chunk.title, h.chunk.url, round(h.score, 4)) for h in hits[:3]]
        if conf < self.decision.threshold:
            why = (
                f"No document matches closely enough (confidence {conf:.2f} < {self.decision.threshold:.2f})."
            )
            return Answer("", sources, conf, False, why, ranking, elapsed)
        text = best_passage(question, hits[0].chunk)
        return Answer(text, sources, conf, True, None, ranking, (time.perf_counter() - started) * 1000)

    def stats(self) -> dict[str, int]:
        chunks = self.store.all_chunks()
        return {
            "documents": len({c.doc_id for c in chunks}),
            "chunks": len(chunks),
            "internal_documents": len({c.doc_id for c in chunks if c.visibility == "internal"}),
        }
