"""One ingestion's writes (`KnowledgeBase.ingest`): documents batched for the embedder and written to
the vector store and the lexical index in step, refused files withdrawn from customers."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge import chunking, documents, indexes, sources
from knowledge.lexical import LexicalIndexError
from knowledge.results import IngestReport
from knowledge.visibility import VisibilityRules

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase


class IngestRun:
    """One ingestion's writes: documents batched for the embedder, refusals withdrawn from customers."""

    def __init__(
        self, kb: KnowledgeBase, *, report: IngestReport, indexed: dict[str, str], present: set[str]
    ) -> None:
        self.kb, self.report, self.indexed, self.present = kb, report, indexed, present
        self.batch: list[tuple[documents.SourceDoc, list[chunking.Chunk]]] = []
        # first passages written in this run for staff only, with their titles (`moved_out_of_sight`)
        self.hidden: dict[str, set[str]] = {}

    def refuse(self, doc_id: str | None, message: str, *, everywhere: bool = False) -> None:
        self.report.failed.append(message)
        if doc_id and doc_id in self.present:  # never public again until the file is fixed
            indexes.delete_doc(
                self.kb.store, self.kb.lexical, doc_id, visibilities=None if everywhere else ("public",)
            )
            self.report.withdrawn.append(doc_id)

    def gone(self, doc_ids: list[str], *, prune: bool, seen: set[str]) -> None:
        """Documents whose file is gone: removed with `prune`. Without it they are listed (`missing`),
        and one that moved — a file of the same name read in this run, under another id, or one whose
        text this run wrote for staff only (`moved_out_of_sight`: moved and renamed) — loses its public
        copy now (a review moved an article into the internal `runbooks/` folder: the new copy was
        internal, the old one stayed public). Nothing else is withdrawn: documents ingested from a folder
        outside KB_SOURCES are not in it, and a plain ingest withdrew them (a third review)."""
        names = {d.rsplit("/", 1)[-1] for d in seen}
        moved = self.moved_out_of_sight(doc_ids) if not prune else set()
        for doc_id in doc_ids:
            if prune:
                indexes.delete_doc(self.kb.store, self.kb.lexical, doc_id)
                self.report.removed += 1
            elif doc_id.rsplit("/", 1)[-1] in names or doc_id in moved:
                indexes.delete_doc(self.kb.store, self.kb.lexical, doc_id, visibilities=("public",))
                self.report.gone.append(doc_id)
            elif any(part.startswith(".") for part in doc_id.split("/")):
                # indexed before hidden files were skipped (a notebook checkpoint outranked its article)
                indexes.delete_doc(self.kb.store, self.kb.lexical, doc_id, visibilities=("public",))
                self.report.withdrawn.append(doc_id)
                self.report.notes.append(f"{doc_id}: a hidden file, no longer read; withdrawn from customers")
            else:
                self.report.missing.append(doc_id)

    def moved_out_of_sight(self, doc_ids: list[str]) -> set[str]:
        """The gone documents whose public first passage this run wrote, word for word, as the first
        passage of a document customers do not see, under the same title (or a passage too long to be
        boilerplate): moved and renamed into an internal folder. An edit on the way, or a move made over
        two ingestions, leaves it listed as missing (for --prune). Their passages are read in one call."""
        if not self.hidden or not doc_ids:
            return set()
        firsts = self.kb.store.first_chunks(doc_ids, visibility="public")
        return {
            d
            for d, c in firsts.items()
            if (titles := self.hidden.get(_words(c.text))) and (c.title in titles or len(c.text) >= 300)
        }

    def add(self, doc: documents.SourceDoc, chunks: list[chunking.Chunk]) -> None:
        if doc.visibility != "public" and chunks:
            self.hidden.setdefault(_words(chunks[0].text), set()).add(chunks[0].title)
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


def _words(text: str) -> str:
    return " ".join(text.split())


def ingest(
    kb: KnowledgeBase,
    paths: Sequence[Path],
    *,
    prune: bool,
    progress: Callable[[int, int, str], None] | None,
    root: Path | None,
    rules: VisibilityRules,
    links: bool = False,
) -> IngestReport:
    """`KnowledgeBase.ingest`: scan, load, batch, write both indexes, settle gone files, recalibrate."""
    started = time.perf_counter()
    report = IngestReport()
    meta = kb.check_engine()
    if meta.get("engine") != kb.embedder.name:
        kb.store.write_meta({**meta, "engine": kb.embedder.name, "dim": int(kb.embedder.dim)})
    scan = sources.scan(list(paths), root, links=links)
    if kb.lexical.problem:  # built with another term analysis: only a rebuild fixes it
        raise LexicalIndexError(kb.lexical.problem)
    # an index from before FTS, or a lexical index another engine setting left behind (`indexes.resync`)
    stored = kb.store.doc_ids()  # read once: every chunk's metadata
    report.backfilled, _ = indexes.resync(kb.store, kb.lexical, stored=stored, record=False)  # marked below
    indexed = indexes.complete(kb.store, kb.lexical)
    # includes what a killed run left half-written (a resync writes the lexical index only)
    present = indexes.present(kb.store, kb.lexical, stored=stored)
    seen = {f.doc_id for f in scan.files} | {r.doc_id for r in scan.refused if r.doc_id}
    report.notes = list(scan.notes)
    run = IngestRun(kb, report=report, indexed=indexed, present=present)
    for refusal in scan.refused:  # a link out of the folder is no document of ours, for staff either
        run.refuse(refusal.doc_id, refusal.message, everywhere=refusal.foreign)
    for i, file in enumerate(scan.files):
        if progress:
            progress(i, len(scan.files), str(file.path))
        try:
            doc = documents.load(file.path, doc_id=file.doc_id, relative=file.relative, rules=rules)
        except documents.SourceError as exc:
            run.refuse(file.doc_id, str(exc))
            continue
        if indexed.get(doc.doc_id) == doc.content_hash:
            report.unchanged += 1
            continue
        run.add(doc, chunking.split(doc))
    run.flush()
    run.gone(sorted(d for d in present - seen if scan.in_scope(d)), prune=prune, seen=seen)
    if any(not h.startswith(documents.HASH_VERSION) for h in indexed.values()):
        report.legacy = sorted(
            d for d, h in kb.store.doc_hashes().items() if not h.startswith(documents.HASH_VERSION)
        )
    if progress:
        progress(len(scan.files), len(scan.files), "")
    if report.added or report.updated or report.removed:
        kb.lexical.refresh_statistics()
    now = indexes.mark(kb.store, kb.lexical)  # both indexes hold these documents (`indexes.out_of_step`)
    recorded = kb.store.read_meta()  # an index from before articles' languages were recorded: now
    if (
        report.added
        or report.updated
        or report.removed
        or not {"calibration", "languages"} <= recorded.keys()
        or recorded.get("calibrated_for") != now
    ):
        kb.calibrate()
    report.seconds = time.perf_counter() - started
    return report
