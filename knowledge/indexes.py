"""The two indexes of a knowledge base, kept in step: vectors (Chroma) and terms (the lexical index).

A document counts as indexed only when both hold it with the same content hash. Ingestion writes a
document's chunk vectors, then its lexical rows (one transaction), then its title vector, which is
what makes it complete in Chroma; removal goes lexical first, then Chroma. A kill between any two
steps leaves a document incomplete on one side or both, and the next ingestion rewrites it
(`present` sees either side). An index from before the lexical index existed, or whose lexical
index was lost, is filled from Chroma's stored chunks by `backfill`, without re-embedding.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from knowledge.chunking import Chunk
from knowledge.lexical import Fts5Index, LexicalIndex, LexicalIndexError, lexical_path
from knowledge.store import VectorStore

BACKFILL_BATCH = 2000  # chunks a transaction while filling the lexical index from Chroma


def default_lexical(store: VectorStore) -> LexicalIndex:
    """The embedded default: an FTS5 file next to the embedded Chroma folder."""
    if store.path is None:
        raise LexicalIndexError(
            "A Chroma server (CHROMA_URL) is shared by several processes, so the lexical index must be "
            "shared too: set DATABASE_URL to PostgreSQL (KB_LEXICAL=auto uses it), or KB_LEXICAL=sqlite "
            "with KB_LEXICAL_PATH on this machine."
        )
    return Fts5Index(lexical_path(store.path))


def complete(store: VectorStore, lexical: LexicalIndex) -> dict[str, str]:
    """doc_id -> content hash of every document both indexes hold completely, with the same hash."""
    terms = lexical.doc_hashes()
    return {d: h for d, h in store.doc_hashes().items() if terms.get(d) == h}


def present(store: VectorStore, lexical: LexicalIndex, *, stored: set[str] | None = None) -> set[str]:
    """Every document with anything in either index, complete or not (`stored`: as in `resync`)."""
    return (store.doc_ids() if stored is None else stored) | lexical.doc_ids()


def fingerprint(store: VectorStore) -> str:
    """What the vector store holds, as one digest of its documents and their content hashes: the
    confidence curve records the one it was fitted on, so an ingestion killed during the calibration
    (the new articles written, the old curve kept) is recalibrated by the next one (a review)."""
    items = sorted(store.doc_hashes().items())
    return hashlib.sha256("\n".join(f"{d} {h}" for d, h in items).encode()).hexdigest()[:32]


def delete_doc(
    store: VectorStore, lexical: LexicalIndex, doc_id: str, *, visibilities: Sequence[str] | None = None
) -> None:
    lexical.delete_doc(doc_id, visibilities=visibilities)
    store.delete_doc(doc_id, visibilities=visibilities)


def reset(store: VectorStore, lexical: LexicalIndex) -> None:
    lexical.reset()
    store.reset()


def check(store: VectorStore, lexical: LexicalIndex) -> None:
    """LexicalIndexError when Chroma holds documents the lexical index has never seen (an index built
    before the lexical index was kept on disk, or a lost lexical file). Constant time."""
    if lexical.is_empty() and store.count():
        raise LexicalIndexError(
            f"The lexical index ({lexical.where}) is empty but the vector store holds documents: it was "
            "built by an older Deskbot, or the lexical index was removed. Run `deskbot kb ingest` once "
            "(it fills the lexical index from the vector store, without re-embedding), or `deskbot kb rebuild`."
        )


def vectors_missing(store: VectorStore, lexical: LexicalIndex) -> bool:
    """Whether the vector store holds nothing. Its vectors are counted only when the lexical index is
    empty (the two are written in step) or the store has no index record (a Chroma server restarted
    without its volume): the first read of a large collection waits for its HNSW load (about 5 s at
    1M chunks on a cold cache)."""
    return (lexical.is_empty() or not store.read_meta()) and store.count() == 0


def out_of_step(store: VectorStore, lexical: LexicalIndex) -> bool:
    """Whether the lexical index was last brought in step with another state of the vector store than
    the one it records (constant time: the fingerprint each ingestion records with both; an index that
    records none, from before, is brought in step by its next ingestion)."""
    recorded = store.read_meta().get("documents")
    return recorded is not None and lexical.mirrors() != recorded


def resync(
    store: VectorStore, lexical: LexicalIndex, *, stored: set[str] | None = None, record: bool = True
) -> tuple[int, int]:
    """Bring the lexical index in step with the vector store: copy what it lacks or holds at another hash
    (`backfill`), remove what the store no longer has, and (`record`) record the store's state in both
    (`mark`; an ingestion marks once, after its own writes). Returns (copied, removed). A review switched KB_LEXICAL to FTS5, deleted an article and made another
    internal, switched back: PostgreSQL still offered both as public lexical candidates."""
    copied = backfill(store, lexical)
    # `stored`: the store's document ids when the caller read them already (a read of every chunk's
    # metadata: seconds at a million chunks)
    gone = sorted(lexical.doc_ids() - (store.doc_ids() if stored is None else stored))
    for doc_id in gone:
        lexical.delete_doc(doc_id)
    if record:
        mark(store, lexical)
    return copied, len(gone)


def mark(store: VectorStore, lexical: LexicalIndex) -> str:
    """Record the vector store's fingerprint with both indexes (`out_of_step`); returns it."""
    now = fingerprint(store)
    store.write_meta({**store.read_meta(), "documents": now})
    lexical.set_mirrors(now)
    return now


def backfill(store: VectorStore, lexical: LexicalIndex) -> int:
    """Copy into the lexical index every document complete in Chroma that it lacks (or holds at another
    hash); returns how many. Reads all chunks only when something is missing."""
    hashes = store.doc_hashes()
    terms = lexical.doc_hashes()
    missing = {d for d, h in hashes.items() if terms.get(d) != h}
    if not missing:
        return 0
    by_doc: dict[str, list[Chunk]] = {}
    for chunk in store.all_chunks():
        if chunk.doc_id in missing:
            by_doc.setdefault(chunk.doc_id, []).append(chunk)
    batch: list[tuple[Sequence[Chunk], str]] = []
    for doc_id, chunks in sorted(by_doc.items()):
        batch.append((sorted(chunks, key=lambda c: c.position), hashes[doc_id]))
        if sum(len(c) for c, _ in batch) >= BACKFILL_BATCH:
            lexical.write(batch)
            batch = []
    lexical.write(batch)
    return len(by_doc)
