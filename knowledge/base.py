"""`KnowledgeBase`: the one object the rest of Deskbot uses (ingest, answer, stats)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from knowledge import chunking, documents
from knowledge.compose import PassageComposer
from knowledge.decide import DecisionParams, confidence, evidence
from knowledge.embedding import Engine
from knowledge.lexical import Bm25
from knowledge.retrieve import RetrievalParams, retrieve
from knowledge.store import VectorStore

Audience = Literal["customer", "staff"]


class Composer(Protocol):
    def compose(self, question: str, chunks: list[chunking.Chunk]) -> str: ...


EMBED_BATCH = (
    1024  # texts per embedding call during ingestion (the model sorts each call by length: fewer pads)
)
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
    evidence: float = 0.0  # the uncalibrated decision statistic (see knowledge.decide)
    related: list[Source] = field(default_factory=list)  # on abstain: articles that may still help


class EngineMismatch(RuntimeError):
    """The index was built by another embedding engine: its vectors cannot be compared with ours."""

    def __init__(self, built: str, current: str) -> None:
        self.built, self.current = built, current
        super().__init__(
            f"The knowledge-base index was built with the embedding engine {built!r}, but this process "
            f"uses {current!r}: their vectors cannot be compared. Rebuild the index with the new engine "
            f"(`deskbot kb rebuild`), or set KB_ENGINE={built} to keep the old one."
        )


NEARLY = 0.85  # a second article is worth showing when it scores at least this share of the first


def nearly_as_relevant(sources: Sequence[Source]) -> list[Source]:
    """The first source and those scoring nearly as high ("see also" / "may be related" lists)."""
    top = sources[0].score if sources else 0.0
    return [s for s in sources if s.score >= NEARLY * top]


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
        embedder: Engine,
        retrieval: RetrievalParams | None = None,
        decision: DecisionParams | None = None,
        composer: Composer | None = None,
        embed_batch: int = EMBED_BATCH,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.retrieval = retrieval or RetrievalParams()
        self.decision = decision or DecisionParams()
        self.composer: Composer = composer or PassageComposer()
        self.embed_batch = embed_batch
        self._bm25: Bm25 | None = None
        self._checked = False

    @property
    def engine(self) -> Engine:
        return self.embedder

    def check_engine(self) -> dict[str, Any]:
        """The index's record of itself; EngineMismatch when another engine built it.

        An index from before engines were recorded was built by all-MiniLM-L6-v2, the only engine then."""
        meta = self.store.read_meta()
        built = meta.get("engine") or ("all-MiniLM-L6-v2" if self.store.count() else None)
        if built and built != self.embedder.name and self.store.count():
            raise EngineMismatch(built, self.embedder.name)
        self._checked = True
        return meta

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
        meta = self.check_engine()
        if meta.get("engine") != self.embedder.name:
            self.store.write_meta({**meta, "engine": self.embedder.name, "dim": int(self.embedder.dim)})
        files = documents.discover(list(paths))
        indexed = self.store.doc_hashes()
        present = self.store.doc_ids()  # includes documents a killed run left half-written
        seen: set[str] = set()
        batch: list[tuple[documents.SourceDoc, list[chunking.Chunk]]] = []

        def flush() -> None:
            # One embedding call and one store write for several documents (full model batches, few
            # index commits); titles are written after chunks, so a kill leaves whole documents only.
            texts = [t for doc, chunks in batch for t in [*(c.embed_text for c in chunks), doc.title]]
            vectors = self.embedder.passages(texts) if texts else None
            at = 0
            writes = []
            for doc, chunks in batch:
                assert vectors is not None
                own = vectors[at : at + len(chunks) + 1]
                at += len(chunks) + 1
                if doc.doc_id in present:
                    self.store.delete_doc(doc.doc_id)
                if doc.doc_id in indexed:
                    report.updated += 1
                else:
                    report.added += 1
                writes.append((chunks, own[:-1], doc.content_hash, own[-1]))
                report.chunks += len(chunks)
            self.store.upsert_many(writes)
            batch.clear()

        for i, path in enumerate(files):
            if progress:
                progress(i, len(files), str(path))
            seen.add(path.stem)  # a file that fails to load keeps its previous copy, even with prune
            try:
                doc = documents.load(path)
            except documents.SourceError as exc:
                report.failed.append(str(exc))
                continue
            if indexed.get(doc.doc_id) == doc.content_hash:
                report.unchanged += 1
                continue
            batch.append((doc, chunking.split(doc)))
            if sum(len(c) + 1 for _, c in batch) >= self.embed_batch:
                flush()
        flush()
        if prune:
            for doc_id in present - seen:
                self.store.delete_doc(doc_id)
                report.removed += 1
        if progress:
            progress(len(files), len(files), "")
        self._bm25 = None
        report.seconds = time.perf_counter() - started
        return report

    def warm_up(self) -> float:
        """Load the model and the lexical index now (not on the first question); returns seconds."""
        started = time.perf_counter()
        self.embedder.queries(["warm up"])
        _ = self.bm25
        return time.perf_counter() - started

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
        if not self._checked:
            self.check_engine()
        vector = self.embedder.queries([question])[0]
        hits = retrieve(
            question,
            vector,
            store=self.store,
            bm25=self.bm25,
            visibilities=VISIBILITY[audience],
            params=self.retrieval,
        )
        conf = confidence(hits, self.decision)
        stat = evidence(hits, self.decision.competitors, self.decision.background)
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
            related = nearly_as_relevant(sources) if conf >= self.decision.suggest_threshold else []
            return Answer("", sources, conf, False, why, ranking, elapsed, stat, related)
        chunks = [h.chunk for h in hits[:4]]
        if chunks[0].position < 0:  # found by its title only: compose from its first passage
            chunks[0] = self.store.first_chunk(hits[0].doc_id) or chunks[0]
        text = self.composer.compose(question, chunks)  # never reached on abstain
        return Answer(text, sources, conf, True, None, ranking, (time.perf_counter() - started) * 1000, stat)

    def stats(self) -> dict[str, int]:
        chunks = self.store.all_chunks()
        return {
            "documents": len({c.doc_id for c in chunks}),
            "chunks": len(chunks),
            "internal_documents": len({c.doc_id for c in chunks if c.visibility == "internal"}),
        }
