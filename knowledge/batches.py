"""One ingestion's writes (`KnowledgeBase.ingest`): documents batched for the embedder and written to
the vector store and the lexical index in step, refused files withdrawn from customers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from knowledge import chunking, documents, indexes

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase
    from knowledge.results import IngestReport


class IngestRun:
    """One ingestion's writes: documents batched for the embedder, refusals withdrawn from customers."""

    def __init__(
        self, kb: KnowledgeBase, *, report: IngestReport, indexed: dict[str, str], present: set[str]
    ) -> None:
        self.kb, self.report, self.indexed, self.present = kb, report, indexed, present
        self.batch: list[tuple[documents.SourceDoc, list[chunking.Chunk]]] = []

    def refuse(self, doc_id: str | None, message: str, *, everywhere: bool = False) -> None:
        self.report.failed.append(message)
        if doc_id and doc_id in self.present:  # never public again until the file is fixed
            indexes.delete_doc(
                self.kb.store, self.kb.lexical, doc_id, visibilities=None if everywhere else ("public",)
            )
            self.report.withdrawn.append(doc_id)

    def gone(self, doc_ids: list[str], *, prune: bool, found: bool) -> None:
        """Documents whose file is gone: removed with `prune`; else their public copies are withdrawn (an
        internal copy stays for staff until pruned; a review moved an article into the internal `runbooks/` folder: the new copy
        was internal, the old one stayed public). A run that found no file at all withdraws nothing: an
        unmounted folder must not take the help centre away (`prune` still does as told)."""
        for doc_id in doc_ids:
            if prune:
                indexes.delete_doc(self.kb.store, self.kb.lexical, doc_id)
                self.report.removed += 1
            elif found:
                indexes.delete_doc(self.kb.store, self.kb.lexical, doc_id, visibilities=("public",))
                self.report.gone.append(doc_id)

    def add(self, doc: documents.SourceDoc, chunks: list[chunking.Chunk]) -> None:
        if doc.visibility != "public" and doc.doc_id in self.present:
            # made internal: its public copy goes now, not when the batch is embedded (a review saw the old
            # public copy answered for 52 s while an ingest of 127 changed files ran)
            indexes.delete_doc(self.kb.store, self.kb.lexical, doc.doc_id, visibilities=("public",))
        self.batch.append((doc, chunks))
        if sum(len(c) + 1 for _, c in self.batch) >= self.kb.embed_batch:
            self.flush()

    def flush(self) -> None:
        """One embedding call and one store write for several documents (full model batches, few index
        commits); titles are written after chunks, so a kill leaves whole documents only."""
        kb, report = self.kb, self.report
        texts = [t for doc, chunks in self.batch for t in [*(c.embed_text for c in chunks), doc.title]]
        vectors = kb.embedder.passages(texts) if texts else None
        at = 0
        writes = []
        for doc, chunks in self.batch:
            assert vectors is not None
            own = vectors[at : at + len(chunks) + 1]
            at += len(chunks) + 1
            if doc.doc_id in self.present:
                indexes.delete_doc(kb.store, kb.lexical, doc.doc_id)
            if doc.doc_id in self.indexed:
                report.updated += 1
            else:
                report.added += 1
            writes.append((chunks, own[:-1], doc.content_hash, own[-1]))
            report.chunks += len(chunks)
        terms = [(w[0], w[2]) for w in writes]
        kb.store.upsert_many(writes, before_titles=lambda: kb.lexical.write(terms))
        self.batch.clear()
